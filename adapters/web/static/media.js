// endoveil web page: POST calls with the token, and players on signed, short-lived media links
// (the server streams them with Range requests; a 2 GB exam plays at once, never as a blob).
"use strict";

async function send(path, body) {
  const response = await fetch(path, {
    method: "POST",
    headers: { Authorization: `Bearer ${token()}`, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = await response.json().catch(() => ({ error: response.statusText }));
  if (!response.ok) throw new Error(typeof answer.detail === "string" ? answer.detail : answer.error);
  return answer;
}

// A player on a signed link; an expired link (a long pause) is renewed where it stopped.
async function stream(player, videoId, kind) {
  const { url } = await send(`/api/media/${videoId}/link?type=${kind}`);
  player.src = url;
  player.onerror = async () => {
    const at = player.currentTime;
    player.onerror = null;
    await stream(player, videoId, kind);
    player.currentTime = at;
  };
}
