// 绘制项目范围: a polygon drawn on the map becomes the project's geometry in the check form's JSON box.
// A click adds a vertex (a drag still pans the map); a double-click, 完成 or a click on the first vertex closes the
// ring; Esc or 取消 cancels. With the map focused (keyboard), Enter adds a vertex at the centre cross and the arrow
// keys pan. Vertices are EPSG:4490 lon/lat from the map's own inverse projection, rounded to 7 decimals (about 1 cm).

import { setStatus, useDrawnGeometry } from "./check.js";
import { num } from "./format.js";
import { approxAreaM2, clearDraft, lonLatToScreen, mapReady, screenToLonLat, setMapClick, showDraft } from "./map.js";

const $ = (id) => document.getElementById(id);
const SNAP_PX = 6; // a click this near the last vertex repeats it (a double-click's 2nd click); near the first, closes
const DIGITS = 7;

let vertices = null; // lon/lat pairs while drawing, null otherwise

const round = (x) => Number(x.toFixed(DIGITS));
const samePoint = (a, b) => a[0] === b[0] && a[1] === b[1];

function pxFrom(lonLat, clientX, clientY) {
  const p = lonLatToScreen(lonLat);
  return p ? Math.hypot(p.x - clientX, p.y - clientY) : Infinity;
}

/** Twice the signed area in degrees² (> 0 counter-clockwise); 0 when the points are on one line. */
function signedArea2(ring) {
  let s = 0;
  ring.forEach(([x0, y0], i) => {
    const [x1, y1] = ring[(i + 1) % ring.length];
    s += x0 * y1 - x1 * y0;
  });
  return s;
}

/** The drawn vertices as an open ring: rounded, without repeats in a row (nor the last repeating the first). */
function openRing(points) {
  const ring = [];
  for (const [lon, lat] of points) {
    const pt = [round(lon), round(lat)];
    if (!ring.length || !samePoint(ring[ring.length - 1], pt)) ring.push(pt);
  }
  while (ring.length > 1 && samePoint(ring[0], ring[ring.length - 1])) ring.pop();
  return ring;
}

function say(text) {
  $("draw-error").textContent = text || "";
}

function showCount() {
  const n = vertices ? vertices.length : 0;
  $("draw-count").textContent = n ? `已添加 ${n} 个顶点` : "";
}

function setActive(on) {
  $("map").classList.toggle("drawing", on);
  $("map").closest(".map-wrap").classList.toggle("drawing", on);
  $("draw-bar").hidden = !on;
  $("draw-start").setAttribute("aria-pressed", String(on));
  setMapClick(on ? onMapClick : null);
}

function addVertex(lonLat, clientX, clientY) {
  const last = vertices[vertices.length - 1];
  if (last && pxFrom(last, clientX, clientY) < SNAP_PX) return;
  if (vertices.length >= 3 && pxFrom(vertices[0], clientX, clientY) < SNAP_PX) {
    finishDrawing();
    return;
  }
  vertices.push(lonLat);
  say("");
  showCount();
  showDraft(vertices);
}

function onMapClick(e) {
  const p = screenToLonLat(e.clientX, e.clientY);
  if (p) addVertex(p, e.clientX, e.clientY);
}

function stop() {
  vertices = null;
  setActive(false);
  say("");
  showCount();
}

/** Enter draw mode (the map must have a projection: its layers or a checked project). */
export function startDrawing() {
  if (vertices) {
    $("map").focus({ preventScroll: true });
    return;
  }
  if (!mapReady()) {
    $("draw-note").textContent = "地图尚未加载图层，无法绘制：请等图层加载完成（见地图上的提示）后再试。";
    return;
  }
  vertices = [];
  $("draw-note").textContent = "正在地图上绘制…";
  clearDraft();
  say("");
  showCount();
  setActive(true);
  $("map").focus({ preventScroll: true });
}

export function cancelDrawing() {
  if (!vertices) return;
  stop();
  clearDraft();
  $("draw-note").textContent = "已取消绘制。";
  $("draw-start").focus({ preventScroll: true });
}

/** Close the ring and write it into the project JSON; with fewer than 3 distinct vertices, say so and keep drawing. */
export function finishDrawing() {
  if (!vertices) return;
  const ring = openRing(vertices);
  const distinct = new Set(ring.map((p) => p.join(","))).size;
  if (distinct < 3) {
    say(`至少需要 3 个不同的顶点才能闭合项目范围（当前 ${distinct} 个）：请继续单击添加顶点，或按 Esc 取消。`);
    return;
  }
  const twice = signedArea2(ring);
  if (twice === 0) {
    say("这些顶点在一条直线上，围不成面：请再添加一个不在这条直线上的顶点。");
    return;
  }
  if (twice < 0) ring.reverse(); // GeoJSON (RFC 7946): the outer ring counter-clockwise
  const geometry = { type: "Polygon", coordinates: [[...ring, ring[0]]] };
  stop();
  showDraft(ring, { closed: true });
  const how = useDrawnGeometry(geometry);
  const drawn = `已绘制项目范围（${ring.length} 个顶点，约 ${num(approxAreaM2(ring), 0)} m²）`;
  $("draw-note").textContent = "";
  if (how === "template") {
    setStatus(`${drawn}，已生成项目 JSON（DRAW-1）。请填写用地分类代码和项目类型（及指标），然后点击“开始审查”。`);
    $("attr-land-use").focus({ preventScroll: true });
  } else {
    setStatus(`${drawn}，已替换项目 JSON 的 geometry 和 crs，其余字段不变。点击“开始审查”。`);
    $("check-submit").focus({ preventScroll: true });
  }
}

export function initDraw() {
  const svg = $("map");
  $("draw-start").addEventListener("click", startDrawing);
  $("draw-finish").addEventListener("click", finishDrawing);
  $("draw-cancel").addEventListener("click", cancelDrawing);
  svg.addEventListener("dblclick", (e) => {
    if (!vertices) return;
    e.preventDefault();
    finishDrawing();
  });
  // the edge from the last vertex to the pointer, while no button is pressed (a pressed button pans)
  svg.addEventListener("pointermove", (e) => {
    if (!vertices || !vertices.length || e.buttons) return;
    const p = screenToLonLat(e.clientX, e.clientY);
    if (p) showDraft(vertices, { cursor: p });
  });
  svg.addEventListener("pointerleave", () => {
    if (vertices) showDraft(vertices);
  });
  svg.addEventListener("keydown", (e) => {
    if (!vertices || e.key !== "Enter") return;
    e.preventDefault();
    const r = svg.getBoundingClientRect();
    const x = r.left + r.width / 2;
    const y = r.top + r.height / 2;
    const p = screenToLonLat(x, y);
    if (p) addVertex(p, x, y);
  });
  document.addEventListener("keydown", (e) => {
    if (vertices && e.key === "Escape") {
      e.preventDefault();
      cancelDrawing();
    }
  });
}
