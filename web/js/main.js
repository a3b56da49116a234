// The page: the key box, the tabs, and each part's start.

import { ApiError, getJSON, getKey, hasKey, onKeyChange, setKey } from "./api.js";
import { initChat } from "./chat.js";
import { initCheck } from "./check.js";
import { initClause } from "./clause.js";
import { initDocs, loadDocuments } from "./docs.js";
import { initDraw } from "./draw.js";
import { initEvals, loadEvals, resetEvals } from "./evals.js";
import { initMap, loadLayers } from "./map.js";
import { ROLE_LABELS } from "./format.js";
import { clearError, initNotify } from "./notify.js";
import { initSearch, updateSearchScope } from "./search.js";

let keyCheck = 0;

/** The badge beside the key box: public access, or the key's name and role as the server knows them. */
async function showKeyStatus() {
  const status = document.getElementById("key-status");
  const mine = ++keyCheck;
  status.classList.remove("invalid");
  status.classList.toggle("public", !hasKey());
  status.title = "";
  if (!hasKey()) {
    status.textContent = "公众访问：仅显示公开文件与图层";
    return;
  }
  status.textContent = "已使用密钥（按密钥角色访问）";
  try {
    const who = await getJSON("/whoami");
    if (mine !== keyCheck) return;
    status.textContent = `${who.name}（${ROLE_LABELS[who.role] || who.role}）`;
    status.title = `按“${ROLE_LABELS[who.role] || who.role}”角色访问`;
  } catch (err) {
    if (mine !== keyCheck || !(err instanceof ApiError) || err.status !== 401) return;
    status.textContent = "密钥无效或已吊销";
    status.classList.add("invalid");
  }
}

function initKeyBox() {
  const input = document.getElementById("api-key");
  input.value = getKey();
  document.getElementById("key-form").addEventListener("submit", (e) => {
    e.preventDefault();
    setKey(input.value);
  });
  document.getElementById("key-clear").addEventListener("click", () => {
    input.value = "";
    setKey("");
  });
  showKeyStatus();
}

function selectTab(tab, focus = false) {
  for (const t of document.querySelectorAll('[role="tab"]')) {
    const on = t === tab;
    t.setAttribute("aria-selected", String(on));
    t.tabIndex = on ? 0 : -1;
    document.getElementById(t.getAttribute("aria-controls")).hidden = !on;
  }
  // the check, the library and the evaluations need a wider work pane than the chat
  const wide = ["tab-check", "tab-docs", "tab-evals"].includes(tab.id);
  document.querySelector(".layout").classList.toggle("wide-work", wide);
  if (focus) tab.focus();
  if (tab.id === "tab-docs") loadDocuments();
  if (tab.id === "tab-evals") loadEvals();
}

function initTabs() {
  const tabs = [...document.querySelectorAll('[role="tab"]')];
  for (const tab of tabs) {
    tab.addEventListener("click", () => selectTab(tab));
    tab.addEventListener("keydown", (e) => {
      const i = tabs.indexOf(tab);
      const next = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[e.key];
      if (next === undefined) return;
      e.preventDefault();
      selectTab(tabs[(next + tabs.length) % tabs.length], true);
    });
  }
}

function start() {
  initNotify();
  initKeyBox();
  initTabs();
  initClause();
  initChat();
  initSearch();
  initCheck();
  initDocs();
  initEvals();
  initMap();
  initDraw();
  onKeyChange(() => {
    clearError();
    showKeyStatus();
    updateSearchScope();
    loadLayers();
    if (!document.getElementById("panel-docs").hidden) loadDocuments();
    resetEvals();
    if (!document.getElementById("panel-evals").hidden) loadEvals();
  });
  loadLayers();
  document.body.dataset.ready = "true";
}

start();
