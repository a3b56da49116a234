// 合规审查: a project application (uploaded or pasted JSON) → POST /check → the verdict table and the
// project on the map; the review report (审查意见书) as a download (POST /reviews?format=md|docx|pdf) or a preview.

import { describeError, filenameFrom, postJSON, request } from "./api.js";
import { showProject } from "./map.js";
import { clearError, showError } from "./notify.js";
import { renderVerdict } from "./verdict.js";

const $ = (id) => document.getElementById(id);
let checked = null; // the project of the last verdict shown (the reports are drafted for it)

function setStatus(text) {
  $("check-status").textContent = text || "";
}

function setReportButtons(enabled) {
  for (const b of document.querySelectorAll(".report-btn")) b.disabled = !enabled;
  $("report-preview").disabled = !enabled;
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
    const response = await fetchReport(format);
    const blob = await response.blob();
    const name = filenameFrom(response, `审查意见书-${checked.id || "project"}.${format}`);
    const url = URL.createObjectURL(blob);
    const a = document.createElement("a");
    a.href = url;
    a.download = name;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
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
      setStatus(`已读取 ${file.name}，点击“开始审查”。`);
    } catch (err) {
      showError(`无法读取文件 ${file.name}：${err.message}`);
    }
  });
  for (const b of document.querySelectorAll(".report-btn")) b.addEventListener("click", () => download(b.dataset.format, b));
  $("report-preview").addEventListener("click", preview);
}
