// Ashen's search page: plain JS, no build step. It calls the API of the origin that served it
// (POST /search, GET /videos); see docs/web.md.
"use strict";

const KEY_STORE = "ashen.apiKey";
const $ = (selector) => document.querySelector(selector);

// ---- API ------------------------------------------------------------------------------------

function apiHeaders(extra) {
  const headers = { ...(extra || {}) };
  const key = window.localStorage.getItem(KEY_STORE);
  if (key) headers["x-api-key"] = key;
  return headers;
}

// The JSON answer of a call; an Error with the API's {"error"} message (or the status) otherwise.
async function api(path, init) {
  const options = init || {};
  const response = await fetch(path, { ...options, headers: apiHeaders(options.headers) });
  let body = null;
  try {
    body = await response.json();
  } catch (_) {
    body = null;
  }
  if (!response.ok || (body && body.error)) {
    throw new Error((body && body.error) || `${response.status} ${response.statusText}`.trim());
  }
  return body;
}

function searchQuery() {
  const params = new URLSearchParams();
  if (!$("#cut-borders").checked) params.set("cutBorders", "0");
  if (!$("#mirror").checked) params.set("mirror", "0");
  const title = $("#title").value.trim();
  if (title) params.set("title", title);
  const query = params.toString();
  return query ? `search?${query}` : "search";
}

const TYPES_BY_EXTENSION = {
  png: "image/png", jpg: "image/jpeg", jpeg: "image/jpeg", webp: "image/webp", gif: "image/gif",
  mp4: "video/mp4", m4v: "video/mp4", webm: "video/webm", mkv: "video/x-matroska", mov: "video/quicktime",
};

function contentType(file) {
  if (file.type) return file.type;
  const extension = (file.name || "").split(".").pop().toLowerCase();
  return TYPES_BY_EXTENSION[extension] || "application/octet-stream";
}

// ---- showing things --------------------------------------------------------------------------

function showError(message) {
  const box = $("#error");
  box.textContent = message || "";
  box.hidden = !message;
}

function element(tag, attributes, text) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, value);
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

// mm:ss (h:mm:ss past an hour) of a time in seconds.
function clock(seconds) {
  const whole = Math.max(0, Math.floor(Number(seconds) || 0));
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = String(whole % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${String(m).padStart(2, "0")}:${s}`;
}

// A media URL the page may load: absolute http(s) or a path on this origin (today `video` is an id).
function mediaUrl(value) {
  return typeof value === "string" && /^(https?:\/\/|\/(?!\/))/.test(value) ? value : null;
}

function preview(match) {
  const video = mediaUrl(match.video);
  const still = mediaUrl(match.image);
  if (video) {
    const player = element("video", { src: video, muted: "", loop: "", autoplay: "", playsinline: "" });
    player.muted = true; // the attribute alone does not let every browser autoplay
    if (still) player.poster = still;
    return player;
  }
  if (still) return element("img", { src: still, alt: `still of ${match.title || "the match"}`, loading: "lazy" });
  return element("div", { class: "no-preview" }, isStill(match) ? "still" : clock(match.at));
}

// A still image (a cover, fan art, a CG): one entry with no times (its from/at/to are null).
function isStill(entry) {
  return entry.kind === "still";
}

function card(match) {
  const item = element("li", { class: "card" });
  const media = element("div", { class: "media" });
  media.append(preview(match));
  const info = element("div", { class: "info" });
  info.append(element("h3", { class: "title" }, match.title || match.filename || "untitled"));
  const where = element("p", { class: "where" });
  if (match.episode) where.append(element("span", { class: "episode" }, `Episode ${match.episode}`), " · ");
  if (isStill(match)) where.append(element("span", { class: "still" }, "still image"));
  else where.append(element("time", { class: "at", datetime: `PT${Number(match.at).toFixed(2)}S` }, clock(match.at)));
  const score = element("p", { class: "score" });
  score.append(element("span", { class: "similarity" }, `${(100 * match.similarity).toFixed(1)}%`));
  if (match.confident) score.append(" ", element("span", { class: "badge" }, "confident"));
  info.append(where, score, element("p", { class: "reading" }, `matched: ${match.reading}`));
  if (match.filename) info.append(element("p", { class: "file" }, match.filename));
  item.append(media, info);
  return item;
}

function showResults(answer, seconds) {
  const list = $("#results");
  list.replaceChildren(...(answer.result || []).map(card));
  if (answer.flat) {
    $("#status").textContent = "This picture is too plain (one colour) to tell one video from another.";
  } else if (!list.children.length) {
    $("#status").textContent = `No match among ${answer.frameCount} scenes compared.`;
  } else {
    const n = list.children.length;
    $("#status").textContent = `${n} match${n > 1 ? "es" : ""} in ${seconds.toFixed(1)} s (${answer.frameCount} scenes compared).`;
  }
}

// ---- searching -------------------------------------------------------------------------------

async function runSearch(init, label) {
  showError("");
  $("#results").replaceChildren();
  $("#status").textContent = `Searching ${label}…`;
  document.body.classList.add("busy");
  const began = performance.now();
  try {
    showResults(await api(searchQuery(), { method: "POST", ...init }), (performance.now() - began) / 1000);
  } catch (error) {
    $("#status").textContent = "";
    showError(error.message);
  } finally {
    document.body.classList.remove("busy");
  }
}

function showQuery(file) {
  const img = $("#query-image");
  if (img.src) URL.revokeObjectURL(img.src);
  img.hidden = !(file && file.type.startsWith("image/"));
  if (!img.hidden) img.src = URL.createObjectURL(file);
  else img.removeAttribute("src");
}

function searchFile(file) {
  showQuery(file);
  const type = contentType(file);
  return runSearch({ body: file, headers: { "Content-Type": type } }, file.name || "the pasted picture");
}

function searchUrl(url) {
  showQuery(null);
  $("#url").value = url;
  const body = JSON.stringify({ url });
  return runSearch({ body, headers: { "Content-Type": "application/json" } }, "the link");
}

function droppedUrl(transfer) {
  const text = transfer.getData("text/uri-list") || transfer.getData("text/plain") || "";
  const first = text.split(/\r?\n/).find((line) => line && !line.startsWith("#"));
  return first && /^https?:\/\//.test(first.trim()) ? first.trim() : null;
}

function wireSearch() {
  const drop = $("#drop");
  $("#file").addEventListener("change", (event) => {
    const [file] = event.target.files;
    if (file) searchFile(file);
    event.target.value = "";
  });
  drop.addEventListener("dragover", (event) => {
    event.preventDefault();
    drop.classList.add("over");
  });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (event) => {
    event.preventDefault();
    drop.classList.remove("over");
    const [file] = event.dataTransfer.files;
    const url = file ? null : droppedUrl(event.dataTransfer);
    if (file) searchFile(file);
    else if (url) searchUrl(url);
    else showError("Drop an image or a clip file, or a link to an image.");
  });
  document.addEventListener("paste", (event) => {
    const file = [...event.clipboardData.files][0];
    const text = event.clipboardData.getData("text/plain").trim();
    if (file) searchFile(file);
    else if (/^https?:\/\//.test(text) && event.target.tagName !== "INPUT") searchUrl(text);
  });
  $("#url-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const url = $("#url").value.trim();
    if (url) searchUrl(url);
  });
}

// ---- library ---------------------------------------------------------------------------------

let nextCursor = null;

function videoRow(video) {
  const row = element("li", { class: `video ${video.status}` });
  const name = element("div", { class: "name" });
  name.append(element("strong", {}, video.title || video.filename));
  if (video.episode) name.append(` · Episode ${video.episode}`);
  name.append(element("div", { class: "file" }, video.filename));
  const state = element("div", { class: "state" });
  const percent = Math.round(100 * (video.progress || 0));
  state.append(element("span", { class: `status-badge ${video.status}` }, video.status));
  const bar = element("progress", { max: "100", value: String(percent), "aria-label": "indexing progress" });
  state.append(bar, element("span", { class: "percent" }, `${percent}%`));
  const facts = element("div", { class: "facts" }, isStill(video) ? "still image" : `${clock(video.duration)} · ${video.scenes} scenes`);
  row.append(name, state, facts);
  if (video.error) row.append(element("div", { class: "video-error" }, video.error));
  return row;
}

async function loadVideos(fromStart) {
  showError("");
  const params = new URLSearchParams({ limit: "50" });
  if (!fromStart && nextCursor) params.set("cursor", nextCursor);
  $("#library-status").textContent = "Loading…";
  try {
    const page = await api(`videos?${params}`);
    const rows = page.videos.map(videoRow);
    if (fromStart) $("#videos").replaceChildren(...rows);
    else $("#videos").append(...rows);
    nextCursor = page.cursor;
    $("#more").hidden = !nextCursor;
    const n = $("#videos").children.length;
    $("#library-status").textContent = n ? `${n} video${n > 1 ? "s" : ""}${nextCursor ? " so far" : ""}.` : "No video indexed yet.";
  } catch (error) {
    $("#library-status").textContent = "";
    showError(error.message);
  }
}

// ---- views and settings ----------------------------------------------------------------------

function showView(name) {
  for (const view of document.querySelectorAll(".view")) view.hidden = view.id !== name;
  for (const tab of document.querySelectorAll(".tab[data-view]")) {
    tab.setAttribute("aria-pressed", String(tab.dataset.view === name));
  }
  if (name === "library") loadVideos(true);
}

function wirePage() {
  for (const tab of document.querySelectorAll(".tab[data-view]")) {
    tab.addEventListener("click", () => {
      window.location.hash = tab.dataset.view === "search" ? "" : tab.dataset.view;
      showView(tab.dataset.view);
    });
  }
  $("#refresh").addEventListener("click", () => loadVideos(true));
  $("#more").addEventListener("click", () => loadVideos(false));
  const key = $("#api-key");
  key.value = window.localStorage.getItem(KEY_STORE) || "";
  key.addEventListener("change", () => {
    if (key.value.trim()) window.localStorage.setItem(KEY_STORE, key.value.trim());
    else window.localStorage.removeItem(KEY_STORE);
  });
  showView(window.location.hash === "#library" ? "library" : "search");
}

wireSearch();
wirePage();
