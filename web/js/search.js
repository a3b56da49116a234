// 条文检索: hybrid search over the documents the caller may read; a hit opens its clause.

import { describeError, hasKey, postJSON, route } from "./api.js";
import { openClause } from "./clause.js";
import { ACCESS_LABELS, DOC_TYPES, esc, num } from "./format.js";
import { showError } from "./notify.js";

let hits = [];

function hitHTML(h, i) {
  const path = (h.heading_path || []).join(" › ");
  const text = (h.text || "").length > 160 ? h.text.slice(0, 160) + "…" : h.text || "";
  return `<li>
    <button type="button" class="hit" data-i="${i}">
      <span class="hit-title">《${esc(h.doc_title)}》${esc(h.locator || "")}</span>
      <span class="hit-meta">${esc(h.version || "")} · ${esc(DOC_TYPES[h.doc_type] || h.doc_type || "")} ·
        ${esc(ACCESS_LABELS[h.access] || h.access || "")} · 相关度 ${num(h.score, 3)}${path ? " · " + esc(path) : ""}</span>
      <span class="hit-text">${esc(text)}</span>
    </button></li>`;
}

export function updateSearchScope() {
  document.getElementById("search-scope").textContent = hasKey()
    ? "按密钥角色检索可读文件。"
    : "未填写密钥：仅检索公开文件。";
}

async function run(query, k) {
  const list = document.getElementById("search-results");
  list.setAttribute("aria-busy", "true");
  list.innerHTML = `<li class="hint">检索中…</li>`;
  try {
    const body = await postJSON(route("search"), { query, k });
    hits = body.hits || [];
    list.innerHTML = hits.length ? hits.map(hitHTML).join("") : `<li class="hint">没有找到相关条文。</li>`;
  } catch (err) {
    list.innerHTML = "";
    showError(describeError(err));
  } finally {
    list.setAttribute("aria-busy", "false");
  }
}

export function initSearch() {
  document.getElementById("search-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const query = document.getElementById("search-query").value.trim();
    if (query) run(query, Number(document.getElementById("search-k").value));
  });
  document.getElementById("search-results").addEventListener("click", (e) => {
    const btn = e.target.closest(".hit");
    if (!btn) return;
    const h = hits[Number(btn.dataset.i)];
    if (h) openClause({ ...h, n: h.rank }, btn);
  });
  updateSearchScope();
}
