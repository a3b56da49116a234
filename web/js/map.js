// 一张图: the layers (GET /layers, /layers/{kind}/features with a key; /public/layers… without one: the public
// layers only) and a checked project drawn into SVG, with pan and zoom.
// Coordinates are CGCS2000 lon/lat (EPSG:4490); they are drawn in a local equirectangular plane in metres, which
// is close enough for a county (no tile server, no library). The drawing of a project polygon (draw.js) gets its
// clicks, the screen ↔ lon/lat conversion and the draft layer from here.

import { describeError, getJSON, hasKey, route } from "./api.js";
import { esc, num } from "./format.js";

const SVG_NS = "http://www.w3.org/2000/svg";
const M_PER_DEG = 111320;

// Drawing order (bottom first) and the legend's Chinese names.
export const LAYERS = [
  { kind: "planning_zones", label: "规划分区" },
  { kind: "permanent_basic_farmland", label: "永久基本农田" },
  { kind: "ecological_protection_redline", label: "生态保护红线" },
  { kind: "management_units", label: "规划管理单元" },
  { kind: "regulatory_parcels", label: "控规地块" },
  { kind: "urban_development_boundary", label: "城镇开发边界" },
];

const ZONE_CLASSES = {
  生态保护区: "z-eco", 生态控制区: "z-ecoctl", 农田保护区: "z-farm", 城镇发展区: "z-urban", 乡村发展区: "z-rural",
};

// 用地用海分类 first level (two digits) → class and legend name.
const LAND_USE = {
  "07": ["lu-07", "居住用地"], "08": ["lu-08", "公共管理与公共服务用地"], "09": ["lu-09", "商业服务业用地"],
  10: ["lu-10", "工矿用地"], 11: ["lu-11", "仓储用地"], 12: ["lu-12", "交通运输用地"], 13: ["lu-13", "公用设施用地"],
  14: ["lu-14", "绿地与开敞空间用地"],
};

const state = {
  svg: null, root: null, origin: null, view: null, full: null, projectBounds: null,
  groups: {}, counts: {}, drag: null, onClick: null, loads: 0,
};

// ---------------------------------------------------------------- geometry

function project([lon, lat]) {
  const { lon0, lat0, k } = state.origin;
  return [(lon - lon0) * k, (lat0 - lat) * M_PER_DEG];
}

function unproject([x, y]) {
  const { lon0, lat0, k } = state.origin;
  return [lon0 + x / k, lat0 - y / M_PER_DEG];
}

function ringPath(ring) {
  let d = "";
  ring.forEach((pt, i) => {
    const [x, y] = project(pt);
    d += `${i ? "L" : "M"}${x.toFixed(1)} ${y.toFixed(1)}`;
  });
  return d;
}

function geometryPath(g) {
  if (!g) return "";
  switch (g.type) {
    case "Polygon": return g.coordinates.map((r) => ringPath(r) + "Z").join("");
    case "MultiPolygon": return g.coordinates.map((p) => p.map((r) => ringPath(r) + "Z").join("")).join("");
    case "LineString": return ringPath(g.coordinates);
    case "MultiLineString": return g.coordinates.map(ringPath).join("");
    case "GeometryCollection": return g.geometries.map(geometryPath).join("");
    default: return "";
  }
}

function eachPosition(g, fn) {
  if (!g) return;
  if (g.type === "GeometryCollection") return g.geometries.forEach((x) => eachPosition(x, fn));
  const walk = (c) => (typeof c[0] === "number" ? fn(c) : c.forEach(walk));
  if (g.coordinates) walk(g.coordinates);
}

function lonLatBounds(geoms) {
  const b = [Infinity, Infinity, -Infinity, -Infinity];
  for (const g of geoms) {
    eachPosition(g, ([x, y]) => {
      b[0] = Math.min(b[0], x); b[1] = Math.min(b[1], y); b[2] = Math.max(b[2], x); b[3] = Math.max(b[3], y);
    });
  }
  return Number.isFinite(b[0]) ? b : null;
}

function isLonLat(b) {
  return b && b[0] >= -180 && b[2] <= 180 && b[1] >= -90 && b[3] <= 90;
}

function planeBounds(b) {
  const [x0, y1] = project([b[0], b[1]]);
  const [x1, y0] = project([b[2], b[3]]);
  return [x0, y0, x1, y1];
}

function setOrigin(b) {
  if (state.origin) return;
  const lat0 = (b[1] + b[3]) / 2;
  state.origin = { lon0: (b[0] + b[2]) / 2, lat0, k: M_PER_DEG * Math.cos((lat0 * Math.PI) / 180) };
}

// ---------------------------------------------------------------- view

function size() {
  const r = state.svg.getBoundingClientRect();
  return [Math.max(r.width, 1), Math.max(r.height, 1)];
}

function apply() {
  const v = state.view;
  if (!v) return;
  state.svg.setAttribute("viewBox", `${v.x} ${v.y} ${v.w} ${v.h}`);
  updateScale();
}

function fit(bounds, pad = 0.06) {
  if (!bounds) return;
  const [W, H] = size();
  let w = (bounds[2] - bounds[0]) * (1 + 2 * pad) || 200;
  let h = (bounds[3] - bounds[1]) * (1 + 2 * pad) || 200;
  if (w / h > W / H) h = (w * H) / W;
  else w = (h * W) / H;
  const cx = (bounds[0] + bounds[2]) / 2;
  const cy = (bounds[1] + bounds[3]) / 2;
  state.view = { x: cx - w / 2, y: cy - h / 2, w, h };
  apply();
}

function zoom(factor, px, py) {
  const v = state.view;
  if (!v) return;
  const [W, H] = size();
  const fx = px === undefined ? 0.5 : px / W;
  const fy = py === undefined ? 0.5 : py / H;
  const ax = v.x + v.w * fx;
  const ay = v.y + v.h * fy;
  const w = v.w / factor;
  const h = v.h / factor;
  state.view = { x: ax - w * fx, y: ay - h * fy, w, h };
  apply();
}

function pan(dxPx, dyPx) {
  const v = state.view;
  if (!v) return;
  const [W] = size();
  const s = v.w / W;
  state.view = { ...v, x: v.x - dxPx * s, y: v.y - dyPx * s };
  apply();
}

function updateScale() {
  const el = document.getElementById("map-scale");
  const [W] = size();
  const mPerPx = state.view.w / W;
  const target = mPerPx * 100;
  const pow = 10 ** Math.floor(Math.log10(target));
  const nice = [1, 2, 5, 10].map((m) => m * pow).filter((m) => m <= target).pop() || pow;
  el.querySelector(".bar").style.width = `${nice / mPerPx}px`;
  el.querySelector(".text").textContent = nice >= 1000 ? `${num(nice / 1000)} 千米` : `${num(nice)} 米`;
}

// ---------------------------------------------------------------- drawing

function featureClass(kind, props) {
  if (kind === "planning_zones") return ZONE_CLASSES[props.zone_type] || "z-other";
  if (kind === "ecological_protection_redline") return props.core ? "core" : "";
  if (kind === "regulatory_parcels") return (LAND_USE[String(props.land_use || "").slice(0, 2)] || ["lu-other"])[0];
  return "";
}

function featureTitle(label, kind, props, id) {
  const name = props.parcel_id || props.unit_id || props.name || props.pbf_id || id || "";
  const bits = [label, name];
  if (kind === "regulatory_parcels") {
    bits.push(`${props.land_use || ""} ${props.land_use_name || ""}`.trim());
    if (props.far_max !== undefined && props.far_max !== null) bits.push(`容积率 ${props.far_min ?? "—"}–${props.far_max}`);
    if (props.height_max) bits.push(`限高 ${props.height_max} 米`);
    if (props.density_max) bits.push(`密度 ≤ ${props.density_max}%`);
    if (props.green_min) bits.push(`绿地率 ≥ ${props.green_min}%`);
  } else if (kind === "planning_zones") bits.push(props.zone_type || "");
  else if (kind === "management_units" && props.gfa_cap_m2) bits.push(`建筑总量上限 ${num(props.gfa_cap_m2, 0)} m²`);
  else if (kind === "ecological_protection_redline" && props.core) bits.push("核心保护区");
  return bits.filter(Boolean).join(" · ");
}

function group(kind) {
  if (state.groups[kind]) return state.groups[kind];
  const g = document.createElementNS(SVG_NS, "g");
  g.setAttribute("class", `ly ly-${kind}`);
  g.dataset.kind = kind;
  // keep the drawing order whatever order the layers arrive in
  const order = [...LAYERS.map((l) => l.kind), "project"];
  const after = order.slice(order.indexOf(kind) + 1).map((k) => state.groups[k]).find(Boolean);
  state.root.insertBefore(g, after || null);
  state.groups[kind] = g;
  return g;
}

function drawFeatures(kind, label, features) {
  const g = group(kind);
  g.replaceChildren();
  for (const f of features) {
    const d = geometryPath(f.geometry);
    if (!d) continue;
    const props = f.properties || {};
    const path = document.createElementNS(SVG_NS, "path");
    path.setAttribute("d", d);
    const cls = featureClass(kind, props);
    if (cls) path.setAttribute("class", cls);
    const t = document.createElementNS(SVG_NS, "title");
    t.textContent = featureTitle(label, kind, props, f.id);
    path.appendChild(t);
    g.appendChild(path);
  }
}

function message(text) {
  document.getElementById("map-message").textContent = text || "";
}

function legendItem(key, label, count, swatchClass, extra = "") {
  return `<li><label><input type="checkbox" data-layer="${esc(key)}" checked>
    <span class="swatch ${swatchClass}" aria-hidden="true"></span><span class="name">${esc(label)}</span>${count === null ? "" : `<span class="count">${count}</span>`}</label>${extra}</li>`;
}

function renderLegend() {
  const items = [];
  for (const { kind, label } of LAYERS) {
    if (!(kind in state.counts)) continue;
    let extra = "";
    if (kind === "regulatory_parcels") {
      extra = `<ul class="sublegend">${Object.values(LAND_USE).map(([c, n]) => `<li><span class="swatch sw-${c}" aria-hidden="true"></span>${esc(n)}</li>`).join("")}</ul>`;
    }
    items.push(legendItem(kind, label, state.counts[kind], `sw-${kind}`, extra));
  }
  if (state.groups.project) items.push(legendItem("project", "审查项目", null, "sw-project"));
  document.getElementById("legend-list").innerHTML = items.join("") || `<li class="hint">尚无图层</li>`;
}

// ---------------------------------------------------------------- public

/**
 * Load every layer the caller may read: GET /layers (with a key) or /public/layers (without: the public layers
 * only), then each kind's features. A load started later (the key changed) wins over one still under way.
 */
export async function loadLayers() {
  const load = ++state.loads;
  const current = () => load === state.loads;
  for (const g of Object.values(state.groups)) if (g.dataset.kind !== "project") g.remove();
  for (const k of Object.keys(state.groups)) if (k !== "project") delete state.groups[k];
  state.counts = {};
  renderLegend();
  const publicMode = !hasKey();
  const hint = publicMode ? "公众模式：仅显示公开图层" : "";
  const layersRoute = route("layers");
  message(publicMode ? "正在加载公开图层…" : "正在加载图层…");
  let listed;
  try {
    const body = await getJSON(layersRoute);
    listed = Array.isArray(body) ? body : body.layers || [];
  } catch (err) {
    if (current()) message(`图层加载失败：${describeError(err)}`);
    return;
  }
  if (!current()) return;
  const byKind = Object.fromEntries(listed.map((l) => [l.kind, l]));
  const wanted = LAYERS.filter((l) => byKind[l.kind]);
  if (!wanted.length) {
    message(publicMode ? "暂无公开图层；填写 API 密钥后可查看本角色可见的图层。" : "当前角色没有可查看的图层。");
    return;
  }
  const loaded = await Promise.all(wanted.map(async (l) => {
    try {
      const fc = await getJSON(`${layersRoute}/${encodeURIComponent(l.kind)}/features`);
      return { ...l, features: fc.features || [], truncated: fc.truncated ? fc.total : 0 };
    } catch (err) {
      return { ...l, error: describeError(err) };
    }
  }));
  if (!current()) return;
  const geoms = loaded.flatMap((l) => (l.features || []).map((f) => f.geometry));
  const b = lonLatBounds(geoms);
  if (!isLonLat(b)) {
    message("图层坐标不是经纬度（EPSG:4490），无法绘制。");
    return;
  }
  setOrigin(b);
  for (const l of loaded) {
    if (!l.features) continue;
    drawFeatures(l.kind, l.label, l.features);
    state.counts[l.kind] = l.features.length;
  }
  state.full = planeBounds(b);
  const notes = loaded.filter((l) => l.error).map((l) => `${l.label}：${l.error}`);
  for (const l of loaded.filter((x) => x.truncated)) notes.push(`${l.label}共 ${l.truncated} 个要素，仅绘制前 ${l.features.length} 个`);
  message([hint, ...notes].filter(Boolean).join("；"));
  renderLegend();
  if (state.projectBounds) fit(state.projectBounds, 1.5);
  else fit(state.full);
}

/** Draw a project's geometry (GeoJSON in lon/lat) over the layers and zoom to it. Returns false if it cannot. */
export function showProject(geometry, label, status) {
  const b = lonLatBounds([geometry]);
  if (!isLonLat(b)) {
    message("项目坐标不是经纬度（EPSG:4490），地图上未绘制。");
    return false;
  }
  setOrigin(b);
  const g = group("project");
  g.replaceChildren();
  const path = document.createElementNS(SVG_NS, "path");
  path.setAttribute("d", geometryPath(geometry));
  if (status) path.setAttribute("class", `st-${status}`);
  const t = document.createElementNS(SVG_NS, "title");
  t.textContent = `审查项目 · ${label || ""}`;
  path.appendChild(t);
  g.appendChild(path);
  state.projectBounds = planeBounds(b);
  clearDraft();
  document.getElementById("map-project").disabled = false;
  renderLegend();
  fit(state.projectBounds, 1.5);
  if (document.getElementById("map-message").textContent.startsWith("项目坐标")) message("");
  return true;
}

/** Whether the map has a projection yet (the first layers or project set it); drawing needs one. */
export function mapReady() {
  return Boolean(state.origin && state.svg);
}

/** The lon/lat under a point of the window (clientX, clientY), or null before the map has a projection. */
export function screenToLonLat(clientX, clientY) {
  const m = state.svg && state.origin && state.svg.getScreenCTM();
  if (!m) return null;
  const p = new DOMPoint(clientX, clientY).matrixTransform(m.inverse());
  return unproject([p.x, p.y]);
}

/** Where a lon/lat is drawn in the window ({x, y} in client pixels), or null before the map has a projection. */
export function lonLatToScreen(lonLat) {
  const m = state.svg && state.origin && state.svg.getScreenCTM();
  if (!m) return null;
  const [x, y] = project(lonLat);
  const p = new DOMPoint(x, y).matrixTransform(m);
  return { x: p.x, y: p.y };
}

/** The area of a lon/lat ring in m² in the map's plane (an estimate; the check measures it properly). */
export function approxAreaM2(ring) {
  const pts = ring.map(project);
  let twice = 0;
  pts.forEach(([x0, y0], i) => {
    const [x1, y1] = pts[(i + 1) % pts.length];
    twice += x0 * y1 - x1 * y0;
  });
  return Math.abs(twice) / 2;
}

/** Route the map's clicks (a press and release without panning) to fn(event) instead of the feature info; null restores it. */
export function setMapClick(fn) {
  state.onClick = fn || null;
}

/** The polygon being drawn: its vertices (lon/lat), and the pointer as the next vertex (`cursor`) or a closed ring. */
export function showDraft(vertices, { cursor = null, closed = false } = {}) {
  const g = document.getElementById("map-draft");
  g.replaceChildren();
  if (!state.origin || !vertices.length) return;
  const ring = cursor ? [...vertices, cursor] : vertices;
  const add = (cls, d) => {
    const path = document.createElementNS(SVG_NS, "path");
    path.setAttribute("class", cls);
    path.setAttribute("d", d);
    g.appendChild(path);
  };
  if (ring.length >= 3) add(closed ? "draft-area closed" : "draft-area", ringPath(ring) + "Z");
  add(closed ? "draft-line closed" : "draft-line", ringPath(ring) + (closed ? "Z" : ""));
  // a zero-length segment per vertex, drawn as a dot by its round cap
  add("draft-vertex", vertices.map((pt) => ringPath([pt, pt])).join(""));
}

export function clearDraft() {
  document.getElementById("map-draft").replaceChildren();
}

export function initMap() {
  state.svg = document.getElementById("map");
  state.root = document.getElementById("map-layers");
  state.view = { x: -500, y: -500, w: 1000, h: 1000 };
  apply();

  document.getElementById("map-zoom-in").addEventListener("click", () => zoom(1.6));
  document.getElementById("map-zoom-out").addEventListener("click", () => zoom(1 / 1.6));
  document.getElementById("map-reset").addEventListener("click", () => fit(state.full || state.projectBounds));
  document.getElementById("map-project").addEventListener("click", () => fit(state.projectBounds, 1.5));

  state.svg.addEventListener("wheel", (e) => {
    e.preventDefault();
    const r = state.svg.getBoundingClientRect();
    zoom(e.deltaY < 0 ? 1.25 : 1 / 1.25, e.clientX - r.left, e.clientY - r.top);
  }, { passive: false });

  state.svg.addEventListener("pointerdown", (e) => {
    if (e.button !== 0) return;
    state.drag = { x: e.clientX, y: e.clientY, moved: 0, target: e.target };
    state.svg.setPointerCapture(e.pointerId);
  });
  state.svg.addEventListener("pointermove", (e) => {
    const d = state.drag;
    if (!d) return;
    const dx = e.clientX - d.x;
    const dy = e.clientY - d.y;
    d.moved += Math.abs(dx) + Math.abs(dy);
    d.x = e.clientX;
    d.y = e.clientY;
    if (d.moved > 3) {
      state.svg.classList.add("dragging");
      pan(dx, dy);
    }
  });
  const end = (e) => {
    const d = state.drag;
    state.drag = null;
    state.svg.classList.remove("dragging");
    if (d && d.moved <= 3 && state.onClick) {
      if (e.type === "pointerup") state.onClick(e);
    } else if (d && d.moved <= 3) {
      const title = d.target && d.target.closest && d.target.closest("path")?.querySelector("title");
      document.getElementById("feature-info").textContent = title ? title.textContent : "点击图斑查看属性";
    }
  };
  state.svg.addEventListener("pointerup", end);
  state.svg.addEventListener("pointercancel", end);

  state.svg.addEventListener("keydown", (e) => {
    const step = 60;
    const keys = {
      ArrowLeft: () => pan(step, 0), ArrowRight: () => pan(-step, 0), ArrowUp: () => pan(0, step),
      ArrowDown: () => pan(0, -step), "+": () => zoom(1.6), "=": () => zoom(1.6), "-": () => zoom(1 / 1.6),
      0: () => fit(state.full || state.projectBounds),
    };
    if (keys[e.key]) {
      e.preventDefault();
      keys[e.key]();
    }
  });

  document.getElementById("legend-list").addEventListener("change", (e) => {
    const box = e.target.closest("input[data-layer]");
    if (box && state.groups[box.dataset.layer]) state.groups[box.dataset.layer].style.display = box.checked ? "" : "none";
  });

  new ResizeObserver(() => {
    if (!state.view) return;
    const [W, H] = size();
    const v = state.view;
    const cx = v.x + v.w / 2;
    const cy = v.y + v.h / 2;
    const h = (v.w * H) / W;
    state.view = { x: cx - v.w / 2, y: cy - h / 2, w: v.w, h };
    apply();
  }).observe(state.svg);
  renderLegend();
}
