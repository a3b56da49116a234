// 合规审查: a project application (uploaded, pasted or drawn on the map) → POST /check → the verdict table and the
// project on the map; the review report (审查意见书) as a download (POST /reviews?format=md|docx|pdf) or a preview.
// The JSON text box is the one source of truth: the attribute fields and a drawn polygon are written into it.

import { describeError, postJSON, request, saveDownload } from "./api.js";
import { PROJECT_TYPES } from "./format.js";
import { showProject } from "./map.js";
import { clearError, showError } from "./notify.js";
import { renderVerdict } from "./verdict.js";

const $ = (id) => document.getElementById(id);
let checked = null; // the project of the last verdict shown (the reports are drafted for it)

export function setStatus(text) {
  $("check-status").textContent = text || "";
}

function setReportButtons(enabled) {
  for (const b of document.querySelectorAll(".report-btn")) b.disabled = !enabled;
  $("report-preview").disabled = !enabled;
}

// A drawn polygon in an empty (or unparseable) text box starts this project; the user fills land use and type.
const TEMPLATE = {
  id: "DRAW-1", name: "绘制的项目", geometry: null, crs: "EPSG:4490", land_use: "", project_type: "", indicators: {},
};

/** One top-level field a line, each value as compact JSON (a polygon stays on one line). */
function formatProject(project) {
  const lines = Object.entries(project).map(([k, v]) => `  ${JSON.stringify(k)}: ${JSON.stringify(v)}`);
  return `{\n${lines.join(",\n")}\n}`;
}

/** The text box's project object, or null when it is empty or not a JSON object. */
function parsedProject() {
  try {
    const project = JSON.parse($("project-json").value);
    return project && typeof project === "object" && !Array.isArray(project) ? project : null;
  } catch {
    return null;
  }
}

/** Show the text box's land use, project type and indicators in the attribute fields. */
function fillAttributes() {
  const project = parsedProject();
  if (!project) return;
  $("attr-land-use").value = project.land_use ?? "";
  const type = String(project.project_type ?? "");
  const select = $("attr-project-type");
  if (type && !(type in PROJECT_TYPES)) select.add(new Option(type, type));
  select.value = type;
  const indicators = project.indicators && typeof project.indicators === "object" ? project.indicators : {};
  for (const input of document.querySelectorAll("[data-indicator]")) input.value = indicators[input.dataset.indicator] ?? "";
}

/** Write the attribute fields into the text box's project (a new template when the box is empty). */
function writeAttributes() {
  const box = $("project-json");
  let project = parsedProject();
  if (!project) {
    if (box.value.trim()) {
      setStatus("项目 JSON 无法解析，属性未写入：请先修正上方的 JSON。");
      return;
    }
    project = { ...TEMPLATE, indicators: {} };
    delete project.geometry;
  }
  project.land_use = $("attr-land-use").value.trim();
  project.project_type = $("attr-project-type").value;
  const indicators = project.indicators && typeof project.indicators === "object" && !Array.isArray(project.indicators)
    ? project.indicators : {};
  for (const input of document.querySelectorAll("[data-indicator]")) {
    const raw = input.value.trim();
    if (raw === "" || !Number.isFinite(Number(raw))) delete indicators[input.dataset.indicator];
    else indicators[input.dataset.indicator] = Number(raw);
  }
  project.indicators = indicators;
  box.value = formatProject(project);
}

/**
 * Make a drawn polygon (GeoJSON in EPSG:4490) the project's geometry: a project in the text box keeps everything
 * but "geometry" and "crs"; otherwise the box gets a template project. Returns "replaced" or "template".
 */
export function useDrawnGeometry(geometry) {
  const existing = parsedProject();
  const project = existing ? { ...existing, geometry, crs: "EPSG:4490" } : { ...TEMPLATE, indicators: {}, geometry };
  $("project-json").value = formatProject(project);
  fillAttributes();
  return existing ? "replaced" : "template";
}

/** The project in the text box, parsed; throws an Error with a Chinese message. */
function readProject() {
  const text = $("project-json").value.trim();
  if (!text) throw new Error("请上传、选择或粘贴项目 JSON。");
  let project;
  try {
    project = JSON.parse(text);
  } catch (err) {
    throw new Error(`项目 JSON 无法解析：${err.message}`);
  }
  if (!project || typeof project !== "object" || Array.isArray(project)) throw new Error("项目 JSON 应为一个对象（{…}）。");
  return project;
}

export async function runCheck() {
  let project;
  try {
    project = readProject();
  } catch (err) {
    showError(err.message);
    return;
  }
  clearError();
  const submit = $("check-submit");
  submit.disabled = true;
  setStatus("正在审查…");
  try {
    const body = await postJSON("/check", project);
    const verdict = body.verdict || body;
    const section = $("verdict");
    section.innerHTML = renderVerdict(verdict);
    section.hidden = false;
    checked = project;
    setReportButtons(true);
    $("report").hidden = true;
    const drawn = project.geometry ? showProject(project.geometry, `${verdict.project_id || project.id || ""} ${verdict.name || ""}`, verdict.overall) : false;
    setStatus(drawn ? "审查完成，项目已绘制在地图上。" : "审查完成。");
  } catch (err) {
    setStatus("");
    showError(describeError(err));
  } finally {
    submit.disabled = false;
  }
}

async function fetchReport(format) {
  return request(`/reviews?format=${encodeURIComponent(format)}`, {
    method: "POST", json: checked, headers: { Accept: "*/*" },
  });
}

async function download(format, button) {
  if (!checked) return;
  button.disabled = true;
  setStatus("正在生成审查意见书…");
  try {
    const name = await saveDownload(await fetchReport(format), `审查意见书-${checked.id || "project"}.${format}`);
    setStatus(`已下载 ${name}`);
  } catch (err) {
    setStatus("");
    showError(describeError(err));
  } finally {
    button.disabled = false;
  }
}

async function preview() {
  if (!checked) return;
  setStatus("正在生成审查意见书预览…");
  try {
    const response = await fetchReport("md");
    $("report-text").textContent = await response.text();
    $("report").hidden = false;
    $("report").scrollIntoView({ block: "start", behavior: "smooth" });
    setStatus("");
  } catch (err) {
    setStatus("");
    showError(describeError(err));
  }
}

export function initCheck() {
  $("check-form").addEventListener("submit", (e) => {
    e.preventDefault();
    runCheck();
  });
  $("project-file").addEventListener("change", async (e) => {
    const file = e.target.files && e.target.files[0];
    if (!file) return;
    try {
      $("project-file-name").textContent = file.name;
      $("project-json").value = await file.text();
      fillAttributes();
      setStatus(`已读取 ${file.name}，点击“开始审查”。`);
    } catch (err) {
      showError(`无法读取文件 ${file.name}：${err.message}`);
    }
  });
  const select = $("attr-project-type");
  for (const [value, label] of Object.entries(PROJECT_TYPES)) select.add(new Option(label, value));
  $("project-json").addEventListener("input", fillAttributes);
  for (const el of document.querySelectorAll("#project-attrs input, #project-attrs select")) {
    el.addEventListener(el.tagName === "SELECT" ? "change" : "input", writeAttributes);
  }
  for (const b of document.querySelectorAll(".report-btn")) b.addEventListener("click", () => download(b.dataset.format, b));
  $("report-preview").addEventListener("click", preview);
}
