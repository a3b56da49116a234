// 文档库: GET /documents (what the knowledge base holds; the API filters it by the key's role).

import { describeError, getJSON, hasKey } from "./api.js";
import { ACCESS_LABELS, DOC_TYPES, esc } from "./format.js";

function basename(path) {
  return String(path || "").split(/[\\/]/).pop();
}

function rowHTML(d) {
  const chunks = d.chunks ?? d.n_chunks ?? "";
  const source = d.source ?? d.source_path ?? "";
  return `<tr>
    <th scope="row">${esc(d.title)}</th>
    <td class="nowrap">${esc(d.version || "—")}</td>
    <td class="nowrap">${esc(DOC_TYPES[d.doc_type] || d.doc_type || "")}</td>
    <td class="nowrap"><span class="access access-${esc(d.access)}">${esc(ACCESS_LABELS[d.access] || d.access || "")}</span></td>
    <td class="num">${esc(chunks)}</td>
    <td class="source" title="${esc(source)}">${esc(basename(source))}</td>
  </tr>`;
}

export async function loadDocuments() {
  const tbody = document.querySelector("#docs-table tbody");
  const count = document.getElementById("docs-count");
  if (!hasKey()) {
    tbody.innerHTML = "";
    count.textContent = "文档库需要 API 密钥（公众访问只能检索公开文件）。";
    return;
  }
  count.textContent = "加载中…";
  try {
    const body = await getJSON("/documents");
    const docs = Array.isArray(body) ? body : body.documents || [];
    tbody.innerHTML = docs.map(rowHTML).join("");
    count.textContent = `共 ${docs.length} 份文件`;
  } catch (err) {
    tbody.innerHTML = "";
    count.textContent = `文档库加载失败：${describeError(err)}`;
  }
}

export function initDocs() {
  document.getElementById("docs-refresh").addEventListener("click", loadDocuments);
}
