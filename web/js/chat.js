// 智能问答: a question streamed as Server-Sent Events; the draft is replaced by the final, verified answer.

import { describeError, postEvents, route } from "./api.js";
import { openClause } from "./clause.js";
import { esc, TOOL_LABELS } from "./format.js";
import { showError } from "./notify.js";
import { renderCompactVerdict } from "./verdict.js";

const log = () => document.getElementById("chat-log");

/** Answer text with each [n] that has a citation made into a button opening that clause. */
function answerHTML(text, citations) {
  const known = new Set(citations.map((c) => String(c.n)));
  return esc(text).replace(/\[(\d+)\]/g, (whole, n) => (known.has(n)
    ? `<button type="button" class="cite-chip" data-n="${n}" aria-label="查看引用 ${n} 的条文">[${n}]</button>`
    : whole));
}

function toolHTML(call) {
  const name = TOOL_LABELS[call.name] || call.name;
  if (call.ok === false) {
    return `<div class="tool tool-error"><span class="tool-name">工具 · ${esc(name)}</span> 调用失败：${esc(call.error || "未知错误")}</div>`;
  }
  const r = call.result || {};
  if (call.name === "spatial_check" && Array.isArray(r.checks)) {
    return `<div class="tool"><span class="tool-name">工具 · ${esc(name)}</span>${renderCompactVerdict(r)}</div>`;
  }
  const args = Object.values(call.arguments || {}).map((v) => (typeof v === "object" ? JSON.stringify(v) : String(v)));
  return `<details class="tool"><summary><span class="tool-name">工具 · ${esc(name)}</span> ${esc(args.join("，"))}</summary>
    <pre>${esc(JSON.stringify(r, null, 2))}</pre></details>`;
}

function citationsHTML(citations) {
  if (!citations.length) return "";
  const items = citations.map((c) => `<li><button type="button" class="cite-chip" data-n="${c.n}" aria-label="查看引用 ${c.n} 的条文">[${c.n}]</button>
    《${esc(c.doc_title)}》${esc(c.locator)}${c.version ? `<span class="ver">（${esc(c.version)}）</span>` : ""}</li>`).join("");
  return `<div class="citations"><span class="label">引用</span><ol>${items}</ol></div>`;
}

function metaHTML(a) {
  const parts = [];
  parts.push(a.grounded ? "有据可查" : "依据不足");
  if (a.model) parts.push(`模型 ${esc(a.model)}`);
  if (a.latency_ms) parts.push(`用时 ${(a.latency_ms / 1000).toFixed(1)} 秒`);
  if (a.flags && a.flags.length) parts.push(`校验：${esc(a.flags.join("，"))}`);
  return `<div class="meta">${parts.join(" · ")}</div>`;
}

class AnswerView {
  constructor(question) {
    const wrap = document.createElement("div");
    wrap.className = "turn";
    wrap.innerHTML = `<div class="msg-user"><span class="visually-hidden">问：</span>${esc(question)}</div>
      <article class="msg-bot" aria-busy="true">
        <div class="tools"></div>
        <div class="answer-text draft"><span class="typing">正在检索依据并生成回答…</span></div>
        <div class="answer-extra"></div>
      </article>`;
    log().appendChild(wrap);
    this.el = wrap.querySelector(".msg-bot");
    this.tools = wrap.querySelector(".tools");
    this.text = wrap.querySelector(".answer-text");
    this.extra = wrap.querySelector(".answer-extra");
    this.draft = "";
    this.citations = [];
    this.done = false;
    this.el.addEventListener("click", (e) => {
      const chip = e.target.closest(".cite-chip");
      if (!chip) return;
      const c = this.citations.find((x) => String(x.n) === chip.dataset.n);
      if (c) openClause(c, chip);
    });
    this.scroll();
  }

  scroll() {
    const box = log();
    box.scrollTop = box.scrollHeight;
  }

  token(piece) {
    this.draft += piece;
    this.text.textContent = this.draft;
    this.scroll();
  }

  toolCall(call) {
    this.tools.insertAdjacentHTML("beforeend", toolHTML(call));
    this.scroll();
  }

  citation(c) {
    this.citations.push(c);
  }

  answer(a) {
    this.done = true;
    this.citations = a.citations || this.citations;
    if (!this.tools.children.length && (a.tool_calls || []).length) {
      for (const call of a.tool_calls) this.tools.insertAdjacentHTML("beforeend", toolHTML(call));
    }
    this.text.classList.remove("draft");
    this.text.classList.add("final");
    this.text.innerHTML = answerHTML(a.answer || "", this.citations);
    this.extra.innerHTML = citationsHTML(this.citations) + metaHTML(a);
    this.el.setAttribute("aria-busy", "false");
    this.scroll();
  }

  error(message) {
    this.done = true;
    this.text.classList.remove("draft");
    this.text.innerHTML = `<div class="inline-error" role="alert">${esc(message)}</div>`;
    this.el.setAttribute("aria-busy", "false");
  }
}

let busy = false;

export async function ask(question) {
  const q = question.trim();
  if (!q || busy) return;
  busy = true;
  const submit = document.getElementById("ask-submit");
  submit.disabled = true;
  document.getElementById("chat-empty")?.remove();
  const view = new AnswerView(q);
  try {
    const events = await postEvents(route("ask"), { question: q, stream: true });
    for await (const { event, data } of events) {
      if (event === "token") view.token(data.text || "");
      else if (event === "tool_call") view.toolCall(data);
      else if (event === "citation") view.citation(data);
      else if (event === "answer") view.answer(data);
      else if (event === "error") {
        const msg = `回答失败（${data.error || "error"}）：${data.message || ""}`;
        view.error(msg);
        showError(msg);
      }
    }
    if (!view.done) view.error("回答中断：连接在答案完成前结束。");
  } catch (err) {
    const msg = describeError(err);
    view.error(msg);
    showError(msg);
  } finally {
    busy = false;
    submit.disabled = false;
  }
}

export function initChat() {
  const form = document.getElementById("ask-form");
  const input = document.getElementById("question");
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const q = input.value;
    if (!q.trim()) return;
    input.value = "";
    ask(q);
  });
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      form.requestSubmit();
    }
  });
  document.getElementById("panel-chat").addEventListener("click", (e) => {
    const ex = e.target.closest(".example");
    if (ex) ask(ex.dataset.question);
  });
}

