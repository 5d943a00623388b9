// endoveil web page: no build step. The token is asked once and kept in sessionStorage
// (gone when the tab closes); a link may carry it as #token=... (a fragment never reaches
// the server or its logs), which is moved to sessionStorage and removed from the address bar.
"use strict";

const KEY = "endoveil-token";
const PER_PAGE = 24;
const RATES = { anonymization_success: t("rateSuccess"), fallback_usage: t("rateFallback"),
                import_failure: t("rateFailure") };  // t(): i18n.js, the browser's language
const WINDOWS = { all_time: t("allTime"), last_24h: t("last24h"), last_100: t("last100") };
let page = 1;

const $ = (id) => document.getElementById(id);
const token = () => sessionStorage.getItem(KEY);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (name === "class") node.className = value; else node.setAttribute(name, value);
  }
  for (const child of children) node.append(child); // text is appended as text, never as HTML
  return node;
}

async function api(path, asBlob = false) {
  const response = await fetch(path, { headers: { Authorization: `Bearer ${token()}` } });
  if (response.status === 401) { signOut("That token was not accepted."); throw new Error("401"); }
  if (!response.ok) {
    const body = await response.json().catch(() => ({ error: response.statusText }));
    throw new Error(body.error || response.statusText);
  }
  return asBlob ? response.blob() : response.json();
}

function say(text) { $("message").textContent = text; }

function signOut(text = "") {
  sessionStorage.removeItem(KEY);
  showSignedIn(false);
  say(text);
}

function showSignedIn(signedIn) {
  $("token").hidden = signedIn;
  $("login").querySelector("label").hidden = signedIn;
  $("login").querySelector("button[type=submit]").hidden = signedIn;
  $("logout").hidden = !signedIn;
  $("refresh").hidden = !signedIn;
  $("metrics").hidden = !signedIn;
  if (!signedIn) { $("videos").replaceChildren(); $("pager").hidden = true; $("count").textContent = ""; }
}

function percent(rate) { return rate.percent === null ? "n/a" : `${rate.percent.toFixed(1)} %`; }

// The thresholds of projections/metrics.py (good / warning / critical), shown beside each rate.
const THRESHOLDS = { anonymization_success: "> 95 % / 80–95 % / < 80 %",
                     fallback_usage: "< 5 % / 5–20 % / > 20 %", import_failure: "< 1 % / 1–5 % / > 5 %" };

async function loadMetrics() {
  const windows = await api("/api/metrics");
  const head = el("tr", {}, el("th", {}, t("rate")), el("th", {}, t("threshold")));
  for (const label of Object.values(WINDOWS)) head.append(el("th", {}, label));
  const rows = [head];
  for (const [rate, label] of Object.entries(RATES)) {
    const row = el("tr", {}, el("th", {}, label), el("td", {}, THRESHOLDS[rate]));
    for (const name of Object.keys(WINDOWS)) {
      const value = windows[name][rate];
      row.append(el("td", { class: value.status, title: value.status },
                    `${percent(value)} · ${value.count}/${value.total} (${value.status.replace("_", " ")})`));
    }
    rows.push(row);
  }
  $("metrics-table").replaceChildren(...rows);
  $("fallback-reasons").replaceChildren(...windows.all_time.fallbacks.map((f) =>
    el("li", {}, `${f.level}: ${f.reason} · ${f.count}`)));
}

function title(video) {
  return `${t("imported")} ${localTime(video.imported_at)} · ${video.video_id.slice(0, 8)}`;
}

const players = new IntersectionObserver((entries) => {
  for (const entry of entries) {
    if (!entry.isIntersecting) continue;
    players.unobserve(entry.target);
    stream(entry.target, entry.target.dataset.id, "processed")  // media.js: a signed link
      .catch((err) => say(`Video could not be loaded: ${err.message}`));
  }
});

function card(video) {
  const node = el("article", { class: `card ${video.badge_colour}`, "data-id": video.video_id },
    el("h3", {}, title(video)),
    el("span", { class: `badge ${video.badge_colour}` }, video.badge),
    el("p", { class: "detail" }, `${video.state}${video.level ? ` · ${video.level}` : ""} · ${video.detail}`));
  if (video.warning) node.append(el("p", { class: "warning", role: "alert" }, video.warning));
  if (video.badge_colour === "green") {
    const player = el("video", { controls: "", preload: "metadata", "data-id": video.video_id });
    player.addEventListener("click", (event) => event.stopPropagation());
    node.append(player);
    players.observe(player);
  }
  node.addEventListener("click", () => showAudit(video.video_id)
    .catch((err) => { if (err.message !== "401") say(`Audit could not be loaded: ${err.message}`); }));
  return node;
}

async function loadVideos() {
  const result = await api(`/api/videos?page=${page}&per_page=${PER_PAGE}`);
  $("count").textContent = `(${result.total})`;
  $("videos").replaceChildren(...result.videos.map(card));
  if (!result.videos.length) $("videos").append(el("p", {}, "No videos imported yet."));
  $("pager").hidden = result.pages <= 1;
  $("page-label").textContent = `page ${result.page} of ${result.pages}`;
  $("prev").disabled = page <= 1;
  $("next").disabled = page >= result.pages;
}

async function showAudit(videoId) {
  const audit = await api(`/api/videos/${videoId}/audit`);
  $("audit-title").textContent = videoId;
  $("audit-story").replaceChildren(...audit.explanation.map((line) => el("li", {}, line)));
  $("audit-events").replaceChildren(...audit.events.map((e) => el("li", {},
    el("span", { class: "when mono" }, localTime(e.time)), `${e.event} → ${e.state}`,
    e.level ? ` (${e.level})` : "", e.sentence ? `: ${e.sentence}` : "")));
  $("audit").hidden = false;
  $("audit").scrollIntoView({ behavior: "smooth" });
}

async function load() {
  if (!token()) { showSignedIn(false); return; }
  showSignedIn(true);
  try {
    await Promise.all([loadMetrics(), loadVideos()]);
    say("");
  } catch (err) {
    if (err.message !== "401") say(`Could not load: ${err.message}`);
  }
}

function init() {
  const fragment = new URLSearchParams(location.hash.slice(1));
  if (fragment.get("token")) {
    sessionStorage.setItem(KEY, fragment.get("token"));
    history.replaceState(null, "", location.pathname + location.search);
  }
  $("login").addEventListener("submit", (event) => {
    event.preventDefault();
    if (!$("token").value.trim()) return;
    sessionStorage.setItem(KEY, $("token").value.trim());
    $("token").value = "";
    load();
  });
  $("logout").addEventListener("click", () => signOut());
  $("refresh").addEventListener("click", load);
  $("prev").addEventListener("click", () => { page -= 1; loadVideos(); });
  $("next").addEventListener("click", () => { page += 1; loadVideos(); });
  $("close-audit").addEventListener("click", () => { $("audit").hidden = true; });
  load();
}

init();
