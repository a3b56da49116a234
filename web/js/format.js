// Chinese labels and small formatting helpers shared by the page's parts.

export const STATUS_LABELS = { pass: "符合", fail: "不符合", conditional: "有条件", unknown: "无法判定" };

export const CHECK_LABELS = {
  ecological_protection_redline: "生态保护红线",
  permanent_basic_farmland: "永久基本农田",
  urban_development_boundary: "城镇开发边界",
  land_use_compatibility: "用地性质兼容",
  far: "容积率",
  building_density: "建筑密度",
  height: "建筑高度",
  green_ratio: "绿地率",
  unit_balance: "单元建筑总量",
};

// Units of a check's value / limit (overlap checks report areas in m²).
const CHECK_UNITS = {
  ecological_protection_redline: "m²", permanent_basic_farmland: "m²", urban_development_boundary: "m²",
  building_density: "%", height: "m", green_ratio: "%", unit_balance: "m²",
};

export const PROJECT_TYPES = {
  residential: "居住", commercial: "商业", industrial: "工业", public_facility: "公共设施",
  linear_infrastructure: "线性基础设施", national_key_project: "国家重点项目",
  ecological_restoration: "生态修复", tourism_facility: "旅游设施", villager_housing: "村民住宅",
  special_facility: "特殊设施", other: "其他",
};

export const ACCESS_LABELS = { public: "公开", internal: "内部", confidential: "机密" };

export const DOC_TYPES = {
  law: "法律", regulation: "法规", policy: "政策", standard: "标准", plan: "规划", notice: "通知",
};

export const ROLE_LABELS = { public: "公众", officer: "审批人员", reviewer: "评审人员", admin: "管理员" };

export const TOOL_LABELS = {
  spatial_check: "空间合规审查", parcel_conditions: "地块规划条件", graph_rules: "规则图谱",
  indicator_chain: "指标传导", search: "条文检索",
};

/** Text safe to put into innerHTML. */
export function esc(value) {
  return String(value ?? "").replace(/[&<>"']/g, (ch) => ({
    "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;",
  })[ch]);
}

/** A number in Chinese locale with at most `digits` decimals; text is kept as it is. */
export function num(value, digits = 2) {
  if (value === null || value === undefined || value === "") return "—";
  if (typeof value !== "number") return String(value);
  return value.toLocaleString("zh-CN", { maximumFractionDigits: digits });
}

/** A check's value or limit with its unit; a [min, max] limit as a range. */
export function quantity(value, check) {
  const unit = CHECK_UNITS[check] || "";
  if (Array.isArray(value)) {
    const [lo, hi] = value;
    if (lo === null || lo === undefined) return `≤ ${num(hi)}${unit ? " " + unit : ""}`;
    if (hi === null || hi === undefined) return `≥ ${num(lo)}${unit ? " " + unit : ""}`;
    return `${num(lo)}–${num(hi)}${unit ? " " + unit : ""}`;
  }
  if (value === null || value === undefined || value === "") return "—";
  return typeof value === "number" ? `${num(value)}${unit ? " " + unit : ""}` : String(value);
}

export function statusLabel(status, label) {
  return label || STATUS_LABELS[status] || status || "—";
}

/** A status badge (colour by status, text in Chinese). */
export function badge(status, label) {
  const s = STATUS_LABELS[status] ? status : "unknown";
  return `<span class="badge badge-${s}">${esc(statusLabel(status, label))}</span>`;
}

/** 《title》locator of a rule source. */
export function cite(source) {
  if (!source) return "";
  const title = source.doc_title ? `《${source.doc_title}》` : "";
  return `${title}${source.locator || ""}${source.doc_number ? `（${source.doc_number}）` : ""}`;
}
