// 评测: evaluation runs, for reviewer and admin keys. The suites and their datasets come from GET /eval/suites; a run
// is started with POST /eval/runs and followed with GET /eval/runs/{id} every two seconds while it is queued or
// running; GET /eval/runs lists the runs, newest first. A finished run shows its metrics beside its baselines and per
// subject, opens its report.html in a new tab (fetched with the key, shown from a blob URL under the report's own
// content policy) and downloads its predictions.jsonl.

import { ApiError, describeError, getJSON, hasKey, postJSON, request, saveDownload } from "./api.js";
import { CHECK_LABELS, esc, num } from "./format.js";
import { showError } from "./notify.js";

const POLL_MS = 2000;
const MAX_RETRIES = 8; // pauses of 4, 8, 16, 32, 32, … s: about three minutes in all
const REFUSED = "评测需要评审（reviewer）或管理员（admin）API 密钥";

const SUITE_LABELS = {
  retrieval: "检索", mcq: "选择题", qa: "问答", extraction: "规划条件提取", verdicts: "审查结论", latency: "时延",
};
const DATASET_LABELS = {
  gold: "金标问题集", heldout: "留出集", ceval_val: "C-Eval 验证集", ceval_dev: "C-Eval 开发集",
  exams: "注册城乡规划师考试", default: "默认数据集", demo: "示范县", synthetic: "合成场景",
};
const STATUS = {
  queued: "排队中", running: "运行中", done: "已完成", failed: "失败", cancelled: "已取消", interrupted: "已中断",
};
const METRIC_LABELS = {
  accuracy: "准确率", overall_accuracy: "总体结论准确率", project_accuracy: "项目全对率", n_checks: "检查项数",
  n_projects: "项目数", missing: "未产出的检查", accuracy_single: "单选准确率", accuracy_multi: "多选准确率",
  unparsed: "无法解析", with_evidence: "有摘录的题数", cloze: "摘录直答", "recall@1": "召回率@1",
  "recall@5": "召回率@5", "recall@10": "召回率@10", mrr: "MRR", "ndcg@10": "nDCG@10", key_fact_recall: "要点召回率",
  citation_precision: "引用精确率", citation_recall: "引用召回率", groundedness: "有据率", refusal_rate: "拒答正确率",
  false_refusals: "误拒答", precision: "精确率", recall: "召回率", f1: "F1", documents: "文档数",
  documents_failed: "抽取失败文档", parcels: "地块数", errors: "出错次数", n: "条数",
  accuracy_model_alone: "准确率（仅模型）",
};
// The figures the list shows for a run, per suite (latency: the p50 of the first two operations).
const HEADLINE = {
  retrieval: ["recall@5", "mrr"], mcq: ["accuracy"], qa: ["key_fact_recall", "citation_precision"],
  extraction: ["f1"], verdicts: ["accuracy", "overall_accuracy"],
};
const BASELINE_LABELS = { bm25: "仅 BM25", vector: "仅向量", model_alone: "仅模型" };

const state = { session: 0, suites: null, runs: [], timer: null, shown: null };

const $ = (id) => document.getElementById(id);
const suiteLabel = (name) => SUITE_LABELS[name] || name;
const datasetLabel = (name) => DATASET_LABELS[name] || name;
const OPERATIONS = {
  search: "检索", search_bm25: "BM25 检索", search_vector: "向量检索", check: "审查", extract: "抽取", ask: "问答",
};

/** A metric's name in Chinese: from the list, or read off the latency names (p50_latency_ms, search.p95_ms, …). */
function metricLabel(name) {
  if (METRIC_LABELS[name]) return METRIC_LABELS[name];
  const lat = /^(?:(\w+)\.)?(?:latency_|ttft_)?(p\d+)_(?:(latency|ttft)_)?ms$/.exec(name);
  if (lat) {
    const op = lat[1] ? OPERATIONS[lat[1]] || `${lat[1]} ` : "";
    const ttft = name.includes("ttft") ? "首字" : "";
    return `${op}${ttft}时延 ${lat[2]}（毫秒）`;
  }
  const count = /^(\w+)\.n$/.exec(name);
  return count ? `${OPERATIONS[count[1]] || `${count[1]} `}次数` : name;
}
const runPath = (id, tail = "") => `/eval/runs/${encodeURIComponent(id)}${tail}`;
const running = (run) => run.status === "queued" || run.status === "running";

function when(iso) {
  if (!iso) return "—";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString("zh-CN", { hour12: false });
}

function headline(run) {
  const m = run.metrics || {};
  const names = HEADLINE[run.suite] || Object.keys(m).filter((k) => k.endsWith(".p50_ms")).slice(0, 2);
  return names.filter((k) => k in m).map((k) => `${metricLabel(k)} ${num(m[k], 4)}`).join("，") || "—";
}

function note(text) {
  $("eval-note").textContent = text;
  $("eval-note").hidden = !text;
}

/** No key, or a key whose role may not evaluate: the note instead of the form and the list. */
function refuse(detail) {
  $("eval-body").hidden = true;
  note(detail ? `${REFUSED}。${detail}` : `${REFUSED}：请在右上角填写评审或管理员的密钥。`);
}

// ---------------------------------------------------------------- the form

function fillDatasets() {
  const suite = state.suites.find((s) => s.name === $("eval-suite").value);
  if (!suite) return;
  const select = $("eval-dataset");
  const missing = new Set(suite.missing || []);
  select.replaceChildren(...suite.datasets.map((name, i) => {
    const absent = missing.has(name);
    const option = new Option(`${datasetLabel(name)}（${name}${i === 0 ? "，默认" : ""}${absent ? "，服务器上没有此数据" : ""}）`, name);
    option.disabled = absent;
    return option;
  }));
  const usable = suite.datasets.find((name) => !missing.has(name));
  if (usable !== undefined) select.value = usable;
  $("eval-submit").disabled = usable === undefined;
  $("eval-limit").placeholder = suite.default_limit ? `默认 ${suite.default_limit}` : "全部";
  $("eval-suite-title").textContent = suite.title + (suite.needs_model ? "。需要模型，运行较慢。" : "。") +
    (usable === undefined ? "服务器上没有此套件的数据（../shared 需放在代码库旁）。" : "");
}

function fillSuites() {
  const select = $("eval-suite");
  const before = select.value;
  select.replaceChildren(...state.suites.map((s) => new Option(`${suiteLabel(s.name)}（${s.name}）`, s.name)));
  if (state.suites.some((s) => s.name === before)) select.value = before;
  fillDatasets();
}

async function startRun() {
  const session = state.session;
  const body = {
    suite: $("eval-suite").value, dataset: $("eval-dataset").value, baseline: $("eval-baseline").checked,
  };
  const limit = $("eval-limit").value.trim();
  if (limit) body.limit = Number(limit);
  $("eval-submit").disabled = true;
  try {
    const run = await postJSON("/eval/runs", body);
    if (session !== state.session) return;
    follow(run, session);
    await loadRuns(session);
  } catch (err) {
    if (session === state.session) showError(describeError(err));
  } finally {
    $("eval-submit").disabled = false;
  }
}

// ---------------------------------------------------------------- following a run

function stopFollowing() {
  clearTimeout(state.timer);
  state.timer = null;
}

function showProgress(run) {
  let text = `${suiteLabel(run.suite)} · ${datasetLabel(run.dataset)}：${STATUS[run.status] || run.status}`;
  if (run.status === "queued") text += "（评测逐个运行，请稍候）";
  else if (run.status === "running") text += run.total ? ` ${run.done} / ${run.total}` : "（准备数据）";
  else if (run.status === "done") text += `，${run.items} 条，${headline(run)}`;
  else if (run.error) text += `：${run.error}`;
  $("eval-status-text").textContent = text;
  const bar = $("eval-progress");
  bar.max = run.total || 1;
  bar.value = run.status === "done" ? bar.max : run.done || 0;
  bar.hidden = !running(run);
  $("eval-status").dataset.status = run.status;
  $("eval-status").hidden = false;
}

/** A poll that failed this way may succeed later: the server restarting, busy or rate-limiting. */
function transient(err) {
  return err instanceof ApiError && (err.status === 0 || err.status === 429 || err.status >= 500);
}

/**
 * Poll the run every POLL_MS while it is queued or running; when it is done, list it and show its results.
 * A transient failure is retried with a growing pause (up to MAX_RETRIES times); a refusal (401, 403, 404) stops.
 */
function follow(run, session, failures = 0) {
  stopFollowing();
  if (!failures) showProgress(run);
  if (!running(run)) return;
  state.timer = setTimeout(async () => {
    state.timer = null; // a refresh of the list may follow it again (after a failed poll, too)
    let now;
    try {
      now = await getJSON(runPath(run.run_id));
    } catch (err) {
      if (session !== state.session) return;
      const retry = transient(err) && failures < MAX_RETRIES;
      $("eval-status-text").textContent = retry
        ? `暂时无法获取评测进度，稍后重试（${failures + 1}/${MAX_RETRIES}）：${describeError(err)}`
        : `无法获取评测进度：${describeError(err)}（点击“刷新”重试）`;
      if (retry) follow(run, session, failures + 1);
      return;
    }
    if (session !== state.session) return;
    follow(now, session);
    const listed = state.runs.findIndex((r) => r.run_id === now.run_id);
    if (listed >= 0) {
      state.runs[listed] = now; // its row shows the progress too
      renderRuns();
    }
    if (running(now)) return;
    await loadRuns(session);
    if (now.status === "done") showRun(now);
  }, POLL_MS * 2 ** Math.min(failures, 4));
}

// ---------------------------------------------------------------- the list

function runRow(run) {
  const done = run.status === "done";
  const suite = done
    ? `<button type="button" class="link run-open" data-run="${esc(run.run_id)}">${esc(suiteLabel(run.suite))}</button>`
    : esc(suiteLabel(run.suite));
  const count = running(run) && run.total ? `${run.done} / ${run.total}` : run.items;
  return `<tr data-run="${esc(run.run_id)}" class="${done ? "openable" : ""}${state.shown === run.run_id ? " selected" : ""}">
    <th scope="row">${suite}</th>
    <td class="nowrap">${esc(datasetLabel(run.dataset))}</td>
    <td class="nowrap"><span class="run-status st-${esc(run.status)}" title="${esc(run.error || "")}">${esc(STATUS[run.status] || run.status)}</span></td>
    <td class="nowrap">${esc(when(run.started_at || run.created_at))}</td>
    <td class="num">${esc(count)}</td>
    <td>${esc(done ? headline(run) : "—")}</td>
  </tr>`;
}

function renderRuns() {
  $("eval-runs").querySelector("tbody").innerHTML = state.runs.length
    ? state.runs.map(runRow).join("")
    : `<tr><td colspan="6" class="hint">还没有评测记录。</td></tr>`;
  $("eval-runs-count").textContent = state.runs.length ? `共 ${state.runs.length} 次` : "";
}

async function loadRuns(session = state.session) {
  try {
    const runs = await getJSON("/eval/runs");
    if (session !== state.session) return;
    state.runs = runs;
    renderRuns();
    // a run under way (started before the page was opened, or queued behind ours) is followed too
    const active = runs.find((r) => r.status === "running") || runs.find(running);
    if (active && !state.timer) follow(active, session);
  } catch (err) {
    if (session === state.session) $("eval-runs-count").textContent = `评测记录加载失败：${describeError(err)}`;
  }
}

// ---------------------------------------------------------------- a finished run

function table(id, head, rows) {
  $(id).querySelector("thead").innerHTML =
    `<tr>${head.map((h, i) => `<th scope="col"${i ? ' class="num"' : ""}>${h}</th>`).join("")}</tr>`;
  $(id).querySelector("tbody").innerHTML = rows.map(([name, cells]) =>
    `<tr><th scope="row">${name}</th>${cells.map((c) => `<td class="num">${esc(num(c, 4))}</td>`).join("")}</tr>`).join("");
}

function metricName(key) {
  const label = metricLabel(key);
  return label === key ? `<code>${esc(key)}</code>` : `${esc(label)} <code>${esc(key)}</code>`;
}

function showRun(run) {
  const results = run.results;
  if (!results) return;
  state.shown = run.run_id;
  for (const tr of $("eval-runs").querySelectorAll("tbody tr")) tr.classList.toggle("selected", tr.dataset.run === run.run_id);
  $("eval-detail-title").textContent = `评测结果：${suiteLabel(run.suite)} · ${datasetLabel(run.dataset)}`;
  const r = results.run || {};
  $("eval-detail-meta").innerHTML = [
    `编号 ${esc(run.run_id)}`, `条数 ${esc(results.n)}`, `完成于 ${esc(when(run.finished_at))}`,
    r.seconds !== undefined ? `用时 ${esc(num(r.seconds, 1))} 秒` : "", r.model ? `模型 ${esc(r.model)}` : "",
    r.dataset_hash ? `数据集哈希 ${esc(r.dataset_hash)}` : "", `发起人 ${esc(run.actor)}`,
  ].filter(Boolean).map((t) => `<span>${t}</span>`).join("");

  const baselines = Object.keys(results.baselines || {});
  const keys = [...new Set([results.metrics, ...Object.values(results.baselines || {})].flatMap(Object.keys))];
  table("eval-metrics", ["指标", "本系统", ...baselines.map((b) => `基线：${esc(BASELINE_LABELS[b] || b)}`)],
    keys.map((k) => [metricName(k), [results.metrics[k], ...baselines.map((b) => results.baselines[b][k])]]));

  const subjects = Object.entries(results.per_subject || {});
  const columns = [...new Set(subjects.flatMap(([, row]) => Object.keys(row)))].sort((a, b) => (b === "n") - (a === "n"));
  $("eval-subjects-wrap").hidden = !subjects.length;
  table("eval-subjects", ["分项", ...columns.map((c) => esc(metricLabel(c)))],
    subjects.map(([name, row]) => [esc(name === "overall" ? "总体结论" : CHECK_LABELS[name] || name),
      columns.map((c) => row[c])]));

  const notes = [...(results.notes || [])];
  if (results.malformed && results.malformed.count) notes.unshift(`数据集中有 ${results.malformed.count} 行格式错误，已跳过。`);
  $("eval-notes").innerHTML = notes.map((n) => `<li>${esc(n)}</li>`).join("");
  $("eval-detail").hidden = false;
}

async function openRun(runId) {
  const session = state.session;
  try {
    const run = await getJSON(runPath(runId));
    if (session === state.session) showRun(run);
  } catch (err) {
    if (session === state.session) showError(describeError(err));
  }
}

/** The report's own content policy as a <meta> (a blob URL gets no headers), without what only a header may carry. */
function withPolicy(html, header) {
  const policy = (header || "default-src 'none'").split(";").map((d) => d.trim())
    .filter((d) => d && !/^(sandbox|frame-ancestors|report-uri|report-to)\b/i.test(d)).join("; ");
  const meta = `<meta http-equiv="Content-Security-Policy" content="${esc(policy)}">`;
  const head = /<head[^>]*>/i.exec(html);
  if (!head) return meta + html;
  const at = head.index + head[0].length;
  return html.slice(0, at) + meta + html.slice(at);
}

/** report.html in a new tab: the tab is opened at the click (no pop-up blocker), then shown the fetched report. */
async function openReport() {
  const runId = state.shown;
  const tab = window.open("", "_blank");
  try {
    const response = await request(runPath(runId, "/report"), { headers: { Accept: "text/html" } });
    const html = withPolicy(await response.text(), response.headers.get("Content-Security-Policy"));
    const url = URL.createObjectURL(new Blob([html], { type: "text/html;charset=utf-8" }));
    setTimeout(() => URL.revokeObjectURL(url), 60000);
    if (!tab) {
      showError("浏览器阻止了新标签页，请允许本页打开弹出窗口后重试。");
      return;
    }
    tab.opener = null;
    tab.location.replace(url);
  } catch (err) {
    if (tab) tab.close();
    showError(describeError(err));
  }
}

async function downloadPredictions(button) {
  const runId = state.shown;
  button.disabled = true;
  try {
    await saveDownload(await request(runPath(runId, "/predictions"), { headers: { Accept: "*/*" } }),
      `${runId}-predictions.jsonl`);
  } catch (err) {
    showError(describeError(err));
  } finally {
    button.disabled = false;
  }
}

// ---------------------------------------------------------------- the tab

/** Forget what was shown for the previous key (its runs, the run followed) and stop following. */
export function resetEvals() {
  state.session += 1;
  state.suites = null;
  state.runs = [];
  state.shown = null;
  stopFollowing();
  $("eval-body").hidden = true;
  $("eval-status").hidden = true;
  $("eval-detail").hidden = true;
  note("");
}

/** Open the tab: the suites once per key, then the runs (again at every visit). */
export async function loadEvals() {
  const session = state.session;
  if (!hasKey()) {
    refuse("");
    return;
  }
  if (state.suites) {
    await loadRuns(session);
    return;
  }
  note("加载中…");
  try {
    const suites = await getJSON("/eval/suites");
    if (session !== state.session) return;
    state.suites = suites;
    fillSuites();
    note("");
    $("eval-body").hidden = false;
    await loadRuns(session);
  } catch (err) {
    if (session !== state.session) return;
    if (err instanceof ApiError && (err.status === 401 || err.status === 403)) refuse(describeError(err));
    else note(`评测加载失败：${describeError(err)}`);
  }
}

export function initEvals() {
  $("eval-form").addEventListener("submit", (e) => {
    e.preventDefault();
    startRun();
  });
  $("eval-suite").addEventListener("change", fillDatasets);
  $("eval-refresh").addEventListener("click", () => loadRuns());
  $("eval-runs").querySelector("tbody").addEventListener("click", (e) => {
    const row = e.target.closest("tr.openable");
    if (row) openRun(row.dataset.run);
  });
  $("eval-report").addEventListener("click", openReport);
  $("eval-predictions").addEventListener("click", (e) => downloadPredictions(e.currentTarget));
}
