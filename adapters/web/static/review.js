// endoveil web page, the reviewer's tool: the queue (raw copies and outputs awaiting review
// first), filter by release state, search by id prefix; for reviewers the anonymized and the
// raw video side by side and a decision with a reason. Players stream signed, short-lived
// media links (Range requests), never a whole-file blob.
"use strict";

const DECISIONS = { raw: ["retain", "reprocess", "erase"], anonymized: ["approve", "reject", "erase"] };
const RELEASES = ["", "quarantined", "awaiting_review", "undecided", "released", "rejected", "retained", "erased"];
let me = { name: "", role: "viewer" };

function releaseBadge(review) {
  return el("span", { class: `release ${review.release}`, "data-release": review.release }, t(review.release));
}

function row(video) {
  const node = el("article", { class: `card ${video.badge_colour}`, "data-review-id": video.video_id },
    el("h3", {}, `${t("imported")} ${localTime(video.imported_at)} · ${video.video_id.slice(0, 8)}`),
    el("span", { class: `badge ${video.badge_colour}` }, video.badge), " ", releaseBadge(video.review),
    el("p", { class: "detail" }, video.detail));
  if (video.review.decided_by) {
    node.append(el("p", { class: "detail" },
      `${t(video.review.release)} ${t("by")} ${video.review.decided_by}: ${video.review.decision_reason}`));
  }
  node.addEventListener("click", () => showDetail(video).catch((err) => say(err.message)));
  return node;
}

async function loadReview() {
  if (!token()) { $("review").hidden = true; return; }
  me = await api("/api/whoami");
  const release = $("review-filter").value;
  const prefix = $("review-search").value.trim().toLowerCase().replace(/[^0-9a-f-]/g, "");
  const query = new URLSearchParams({ prefix, limit: "60" });
  if (release) query.set("release", release);
  const result = await api(`/api/review/videos?${query}`);
  $("review-list").replaceChildren(...result.videos.map(row));
  if (!result.videos.length) $("review-list").append(el("p", {}, t("none")));
  $("review").hidden = false;
}

function player(label, videoId, kind) {
  const video = el("video", { controls: "", preload: "metadata", "data-kind": kind });
  stream(video, videoId, kind).catch((err) => say(err.message));
  return el("figure", {}, video, el("figcaption", {}, label));
}

async function showDetail(video) {
  const raw = video.level === "raw_copied";
  const panes = [];
  if (video.anonymized && video.state === "archived") panes.push(player(t("anonymized"), video.video_id, "processed"));
  if (me.role === "reviewer" && !video.erased) panes.push(player(t("raw"), video.video_id, "raw"));
  else if (me.role !== "reviewer") panes.push(el("p", { class: "detail" }, t("noRaw")));
  $("review-title").textContent = video.video_id;
  $("review-badges").replaceChildren(el("span", { class: `badge ${video.badge_colour}` }, video.badge), " ",
    releaseBadge(video.review));
  $("side-by-side").replaceChildren(...panes);
  const form = $("decision");
  form.hidden = me.role !== "reviewer" || video.state !== "archived";
  $("decision-hint").textContent = me.role === "reviewer" ? "" : t("viewerOnly");
  $("decision-choice").replaceChildren(...DECISIONS[raw ? "raw" : "anonymized"]
    .map((d) => el("option", { value: d }, t(d))));
  form.dataset.id = video.video_id;
  $("review-detail").hidden = false;
  $("review-detail").scrollIntoView({ behavior: "smooth" });
}

async function decide(event) {
  event.preventDefault();
  const videoId = $("decision").dataset.id;
  const reason = $("decision-reason").value.trim();
  if (!reason) { $("decision-reason").focus(); return; }
  try {
    const done = await send(`/api/videos/${videoId}/review`, { decision: $("decision-choice").value, reason });
    $("decision-reason").value = "";
    say(t("decided"));
    await loadReview();
    const [video] = (await api(`/api/review/videos?prefix=${videoId}`)).videos;
    if (video) await showDetail(video);
    $("review-badges").dataset.release = done.release;
  } catch (err) {
    say(err.message);
  }
}

function initReview() {
  $("review-filter").replaceChildren(...RELEASES.map((r) => el("option", { value: r }, r ? t(r) : t("filterAll"))));
  $("review-filter").addEventListener("change", () => loadReview().catch((err) => say(err.message)));
  $("review-search").addEventListener("input", () => loadReview().catch((err) => say(err.message)));
  $("decision").addEventListener("submit", decide);
  $("close-review").addEventListener("click", () => { $("review-detail").hidden = true; });
  $("login").addEventListener("submit", () => setTimeout(() => loadReview().catch(() => {}), 0));
  $("refresh").addEventListener("click", () => loadReview().catch((err) => say(err.message)));
  $("logout").addEventListener("click", () => { $("review").hidden = true; $("review-detail").hidden = true; });
  loadReview().catch(() => {});
}

initReview();
