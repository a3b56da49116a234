// The HTTP side of the page: the API key (localStorage), JSON requests, JSON error bodies, Server-Sent Events.

const KEY_STORAGE = "onemap.apiKey";

export function getKey() {
  try {
    return localStorage.getItem(KEY_STORAGE) || "";
  } catch {
    return "";
  }
}

export function setKey(value) {
  const key = (value || "").trim();
  try {
    if (key) localStorage.setItem(KEY_STORAGE, key);
    else localStorage.removeItem(KEY_STORAGE);
  } catch {
    /* storage disabled: the key lasts for this page only */
  }
  memoryKey = key;
  for (const fn of listeners) fn(key);
}

let memoryKey = getKey();
const listeners = [];

export function onKeyChange(fn) {
  listeners.push(fn);
}

export function hasKey() {
  return Boolean(memoryKey);
}

/** The route for the caller: `/public/<name>` without a key, `/<name>` with one. */
export function route(name) {
  return hasKey() ? `/${name}` : `/public/${name}`;
}

const STATUS_TEXT = {
  400: "请求有误", 401: "未授权", 403: "无权访问", 404: "未找到", 405: "方法不允许", 409: "冲突",
  413: "上传内容过大", 415: "不支持的文件类型", 422: "请求内容无效", 429: "请求过于频繁",
  500: "服务器内部错误", 503: "服务暂不可用",
};

/** An error from the API, with its HTTP status, error code and message (from the JSON error body). */
export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }

  /** One line in Chinese for the page: 未授权（401 unauthorized）：message */
  describe() {
    if (this.status === 0) return this.message;
    const head = STATUS_TEXT[this.status] || "请求失败";
    return `${head}（${this.status}${this.code ? " " + this.code : ""}）：${this.message}`;
  }
}

export function describeError(err) {
  if (err instanceof ApiError) return err.describe();
  return `出错了：${err && err.message ? err.message : String(err)}`;
}

async function errorFrom(response) {
  let code = "";
  let message = response.statusText || "请求失败";
  let details;
  const text = await response.text().catch(() => "");
  try {
    const body = JSON.parse(text);
    code = body.error || "";
    message = body.message || (typeof body.detail === "string" ? body.detail : message);
    details = body.details;
  } catch {
    if (text) message = text.slice(0, 300);
  }
  return new ApiError(response.status, code, message, details);
}

/** fetch with the key header; a non-2xx answer throws an ApiError built from the JSON error body. */
export async function request(path, { method = "GET", json, body, headers = {}, signal } = {}) {
  const h = { Accept: "application/json", ...headers };
  if (memoryKey) h["X-API-Key"] = memoryKey;
  let payload = body;
  if (json !== undefined) {
    h["Content-Type"] = "application/json";
    payload = JSON.stringify(json);
  }
  let response;
  try {
    response = await fetch(path, { method, headers: h, body: payload, signal });
  } catch (err) {
    if (err && err.name === "AbortError") throw err;
    throw new ApiError(0, "network", "无法连接服务器，请检查服务是否启动。");
  }
  if (!response.ok) throw await errorFrom(response);
  return response;
}

export async function getJSON(path, opts) {
  return (await request(path, opts)).json();
}

export async function postJSON(path, json, opts = {}) {
  return (await request(path, { ...opts, method: "POST", json })).json();
}

/**
 * Parse one Server-Sent Events block ("event: NAME" / "data: ..." lines).
 * Returns {event, data} with data parsed as JSON when it is JSON, or null for a comment-only block.
 */
export function parseEventBlock(block) {
  let event = "message";
  const data = [];
  for (const line of block.split("\n")) {
    if (!line || line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") event = value;
    else if (field === "data") data.push(value);
  }
  if (!data.length) return null;
  const raw = data.join("\n");
  try {
    return { event, data: JSON.parse(raw) };
  } catch {
    return { event, data: raw };
  }
}

/** The events of a text/event-stream response body, as they arrive (EventSource cannot POST). */
export async function* readEvents(response) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder("utf-8");
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    // Normalise CRLF / CR line ends, keeping a trailing CR until its LF may arrive.
    buffer = (buffer + decoder.decode(value, { stream: true })).replace(/\r\n|\r(?!$)/g, "\n");
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const parsed = parseEventBlock(buffer.slice(0, cut));
      buffer = buffer.slice(cut + 2);
      if (parsed) yield parsed;
    }
  }
  buffer = (buffer + decoder.decode()).replace(/\r\n?/g, "\n");
  const last = parseEventBlock(buffer.trim());
  if (last) yield last;
}

/** POST JSON and read the answer as Server-Sent Events. */
export async function postEvents(path, json, { signal } = {}) {
  const response = await request(path, {
    method: "POST", json, signal, headers: { Accept: "text/event-stream" },
  });
  return readEvents(response);
}

/** The file name of a download from its Content-Disposition header (RFC 5987 filename* first). */
export function filenameFrom(response, fallback) {
  const cd = response.headers.get("Content-Disposition") || "";
  const star = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(cd);
  if (star) {
    try {
      return decodeURIComponent(star[1].trim());
    } catch {
      /* fall through */
    }
  }
  const plain = /filename\s*=\s*"?([^";]+)"?/.exec(cd);
  return plain ? plain[1].trim() : fallback;
}

/** Save a download response as a file (named by its Content-Disposition, else `fallback`); returns the name. */
export async function saveDownload(response, fallback) {
  const blob = await response.blob();
  const name = filenameFrom(response, fallback);
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
  return name;
}
