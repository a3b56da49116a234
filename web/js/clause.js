// The clause panel: a cited passage's document, version, locator and text.

import { ACCESS_LABELS } from "./format.js";

const panel = () => document.getElementById("clause-panel");
let opener = null;

/** Show a citation ({n, doc_title, version, locator, text, access}); `from` gets the focus back on close. */
export function openClause(citation, from) {
  const el = panel();
  opener = from || document.activeElement;
  const n = citation.n ? `[${citation.n}] ` : "";
  document.getElementById("clause-title").textContent = `${n}${citation.doc_title ? "《" + citation.doc_title + "》" : "条文"}`;
  document.getElementById("clause-doc").textContent = citation.doc_title || "—";
  document.getElementById("clause-version").textContent = citation.version || "未注明";
  document.getElementById("clause-locator").textContent = citation.locator || "—";
  document.getElementById("clause-access").textContent = ACCESS_LABELS[citation.access] || citation.access || "—";
  document.getElementById("clause-text").textContent = citation.text || "（无原文）";
  el.hidden = false;
  document.getElementById("clause-close").focus();
}

export function closeClause() {
  const el = panel();
  if (el.hidden) return;
  el.hidden = true;
  if (opener && document.contains(opener)) opener.focus();
  opener = null;
}

export function initClause() {
  document.getElementById("clause-close").addEventListener("click", closeClause);
  panel().addEventListener("keydown", (e) => {
    if (e.key === "Escape") closeClause();
  });
}
