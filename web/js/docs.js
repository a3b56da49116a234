// 文档库: GET /documents with a key (what the knowledge base holds; the API filters it by the key's role), or
// /public/documents without one (the public documents only). Uploading and deleting stay with the API and the CLI.

import { describeError, getJSON, hasKey, route } from "./api.js";
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

let loads = 0;

/** List the documents the caller may read; a load started later (the key changed) wins over one still under way. */
export async function loadDocuments() {
  const load = ++loads;
  const tbody = document.querySelector("#docs-table tbody");
  const count = document.getElementById("docs-count");
  const scope = document.getElementById("docs-scope");
  scope.textContent = hasKey() ? "" : "公众访问：仅列出公开文件";
  count.textContent = "加载中…";
  try {
    const body = await getJSON(route("documents"));
    if (load !== loads) return;
    const docs = Array.isArray(body) ? body : body.documents || [];
    tbody.innerHTML = docs.map(rowHTML).join("");
    count.textContent = `共 ${docs.length} 份文件`;
  } catch (err) {
    if (load !== loads) return;
    tbody.innerHTML = "";
    count.textContent = `文档库加载失败：${describeError(err)}`;
  }
}

export function initDocs() {
  document.getElementById("docs-refresh").addEventListener("click", loadDocuments);
}
