// Verdict tables: the full one of the check form and the compact one of a chat answer's tool call.

import { badge, CHECK_LABELS, cite, esc, num, PROJECT_TYPES, quantity } from "./format.js";

function checkName(c) {
  return CHECK_LABELS[c.check] || c.check;
}

function valueOf(c) {
  // Overlap checks carry an area instead of a value.
  if ((c.value === null || c.value === undefined) && c.overlap_area_m2 !== null && c.overlap_area_m2 !== undefined) {
    const ratio = typeof c.overlap_ratio === "number" ? `（${num(c.overlap_ratio * 100, 1)}%）` : "";
    return `重叠 ${num(c.overlap_area_m2, 1)} m²${ratio}`;
  }
  return quantity(c.value, c.check);
}

const CONFIDENCE = { V: "原文核实", S: "二手来源", U: "地方或未核实规则" };

function ruleCell(c) {
  const rule = c.rule || {};
  const conf = rule.confidence
    ? ` <span class="conf" title="依据可信度：${esc(CONFIDENCE[rule.confidence] || rule.confidence)}">${esc(rule.confidence)}</span>`
    : "";
  const text = rule.text || "";
  const short = text.length > 28 ? text.slice(0, 28) + "…" : text;
  const body = text.length > 28
    ? `<details class="rule-text"><summary>${esc(short)}</summary>${esc(text)}</details>`
    : esc(text);
  return `${body}${conf}${c.message ? `<div class="msg">${esc(c.message)}</div>` : ""}`;
}

function clauseCell(c) {
  const rule = c.rule || {};
  const main = cite(rule.source);
  const also = (rule.see_also || []).map(cite).filter(Boolean);
  return esc(main) + (also.length ? `<div class="see-also">另见：${esc(also.join("；"))}</div>` : "");
}

/** The verdict of a check: summary, the table of every check, the engine's warnings. */
export function renderVerdict(v) {
  const type = PROJECT_TYPES[v.project_type] || "";
  const rows = (v.checks || []).map((c) => `
    <tr class="row-${esc(c.status)}">
      <th scope="row">${esc(checkName(c))}</th>
      <td>${esc(valueOf(c))}</td>
      <td>${esc(quantity(c.limit, c.check))}</td>
      <td>${badge(c.status, c.label)}</td>
      <td class="rule">${ruleCell(c)}</td>
      <td class="clause">${clauseCell(c)}</td>
    </tr>`).join("");
  const warnings = (v.warnings || []).length
    ? `<details class="warnings"><summary>引擎提示（${v.warnings.length}）</summary><ul>${v.warnings.map((w) => `<li>${esc(w)}</li>`).join("")}</ul></details>`
    : "";
  const zones = (v.zones || []).length
    ? `<span>规划分区：${esc(v.zones.map((z) => `${z.zone_type || z.feature_id} ${num(z.ratio * 100, 1)}%`).join("，"))}</span>`
    : "";
  return `
    <div class="verdict-head">
      <h3>审查结论 ${badge(v.overall, v.label)}</h3>
      <p class="verdict-meta">
        <span>项目：${esc(v.project_id)} ${esc(v.name || "")}</span>
        ${type ? `<span>类型：${esc(type)}</span>` : ""}
        <span>面积：${num(v.area_m2, 1)} m²（${esc(v.area_crs || "")}）</span>
        ${zones}
      </p>
    </div>
    <div class="table-wrap">
    <table class="data-table verdict-table">
      <caption class="visually-hidden">逐项审查结果</caption>
      <thead><tr><th scope="col">审查项</th><th scope="col">申报值</th><th scope="col">限值</th><th scope="col">结论</th><th scope="col">规则</th><th scope="col">条款依据</th></tr></thead>
      <tbody>${rows}</tbody>
    </table>
    </div>
    ${warnings}`;
}

/** A compact verdict for a chat answer: one line per check. */
export function renderCompactVerdict(v) {
  const rows = (v.checks || []).map((c) => `
    <tr><th scope="row">${esc(checkName(c))}</th><td>${esc(valueOf(c))}</td><td>${esc(quantity(c.limit, c.check))}</td>
    <td>${badge(c.status, c.label)}</td><td class="clause">${esc(cite((c.rule || {}).source))}</td></tr>`).join("");
  return `
    <div class="compact-head">${esc(v.project_id || "")} ${esc(v.name || "")} · 总体 ${badge(v.overall, v.label)}</div>
    <table class="data-table compact">
      <caption class="visually-hidden">工具审查结果</caption>
      <thead><tr><th scope="col">审查项</th><th scope="col">值</th><th scope="col">限值</th><th scope="col">结论</th><th scope="col">依据</th></tr></thead>
      <tbody>${rows}</tbody>
    </table>`;
}
