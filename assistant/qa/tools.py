"""The tools the assistant may call, with their JSON schemas, over the deterministic services.

=====================  ==============================================  =====================================
tool                   arguments                                       computed by
=====================  ==============================================  =====================================
``spatial_check``      ``project_id`` | ``project`` | ``parcel_id``    :class:`spatial.engine.CheckService`
                       (+ ``land_use``, ``indicators``)
``parcel_conditions``  ``parcel_id``                                   the 控规地块 layer
``graph_rules``        ``subject``                                     :meth:`knowledge_graph.service.GraphService.rules`
``indicator_chain``    ``zone_id`` (a unit id, or ``county``)          :meth:`knowledge_graph.service.GraphService.chain`
``search``             ``query``                                       :class:`assistant.retrieval.search.SearchService`
=====================  ==============================================  =====================================

Every tool runs with the caller's role: a layer or document above it is not
read.  A tool never raises for bad arguments or missing data; it returns a
:class:`ToolResult` with ``ok=False`` and a one-line ``error`` the answer can show.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from assistant.access import Role, readable_levels

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")
INDICATOR_KEYS = ("far", "building_density", "height", "green_ratio", "gfa_m2")

SCHEMAS: list[dict[str, Any]] = [
    {"type": "function", "function": {
        "name": "spatial_check",
        "description": "审查建设项目是否符合国土空间规划：三条控制线、规划分区、用地性质、规划条件（容积率、建筑密度、限高、绿地率）"
                       "和单元指标平衡。给出项目编号，或给出地块编号和拟建指标。",
        "parameters": {"type": "object", "properties": {
            "project_id": {"type": "string", "description": "问题中给出的项目编号（形如 P-001）；问题没有给出就不要调用"},
            "parcel_id": {"type": "string", "description": "问题中给出的控规地块编号（形如 SF-01-03），按该地块范围审查拟建方案"},
            "land_use": {"type": "string", "description": "拟建用地用海分类代码，如 070102"},
            "indicators": {"type": "object", "description": "问题中给出的拟建指标", "properties": {
                "far": {"type": "number", "description": "容积率"},
                "building_density": {"type": "number", "description": "建筑密度 %"},
                "height": {"type": "number", "description": "建筑高度 m"},
                "green_ratio": {"type": "number", "description": "绿地率 %"},
                "gfa_m2": {"type": "number", "description": "计容建筑面积 m²"}}},
        }}}},
    {"type": "function", "function": {
        "name": "parcel_conditions",
        "description": "查询控规地块的规划条件：用地性质、容积率上下限、建筑密度、限高、绿地率、所属管理单元。",
        "parameters": {"type": "object", "properties": {
            "parcel_id": {"type": "string", "description": "控规地块编号，如 SF-01-03"}}, "required": ["parcel_id"]}}},
    {"type": "function", "function": {
        "name": "graph_rules",
        "description": "从知识图谱查询适用于某一对象的管控规则及其条款，对象如 永久基本农田、生态保护红线、城镇开发边界、用地分类代码。",
        "parameters": {"type": "object", "properties": {
            "subject": {"type": "string", "description": "管控对象或用地用海分类代码"}}, "required": ["subject"]}}},
    {"type": "function", "function": {
        "name": "indicator_chain",
        "description": "查询规划指标的传导链（县—片区—单元—地块）及超标情况。",
        "parameters": {"type": "object", "properties": {
            "zone_id": {"type": "string", "description": "管理单元编号如 SF-03；全县用 county"}}, "required": ["zone_id"]}}},
    {"type": "function", "function": {
        "name": "search",
        "description": "检索法律、法规、政策和规划文件条文。",
        "parameters": {"type": "object", "properties": {
            "query": {"type": "string", "description": "检索问题"}}, "required": ["query"]}}},
]
TOOL_NAMES = tuple(s["function"]["name"] for s in SCHEMAS)


class ToolResult(BaseModel):
    name: str
    arguments: dict[str, Any]
    ok: bool = True
    error: str = ""
    result: dict[str, Any] = Field(default_factory=dict)


class ToolError(ValueError):
    """Arguments a tool cannot use; the message is shown to the user."""


class Toolbox:
    """Runs the tools against the container's services (each taken lazily, on first use)."""

    def __init__(self, container: Any) -> None:
        self.c = container

    def schemas(self) -> list[dict[str, Any]]:
        return SCHEMAS

    def run(self, name: str, arguments: dict[str, Any], role: Role) -> ToolResult:
        handler: Callable[[dict[str, Any], Role], dict[str, Any]] | None = getattr(self, f"_{name}", None)
        if name not in TOOL_NAMES or handler is None:
            return ToolResult(name=name, arguments=arguments, ok=False, error=f"unknown tool {name!r}")
        try:
            return ToolResult(name=name, arguments=arguments, result=handler(arguments or {}, role))
        except ToolError as exc:
            return ToolResult(name=name, arguments=arguments, ok=False, error=str(exc))
        except Exception as exc:  # a backend down must not sink the answer: the tool reports it
            return ToolResult(name=name, arguments=arguments, ok=False, error=f"{type(exc).__name__}: {exc}")

    # ------------------------------------------------------------------ tools

    def _spatial_check(self, args: dict[str, Any], role: Role) -> dict[str, Any]:
        from spatial.errors import SpatialError
        from spatial.project import parse_project

        data = self._project_data(args, role)
        try:
            project = parse_project(data, where=str(data.get("id", "project")))
            verdict = self.c.checks.check(project, role=role)
        except SpatialError as exc:
            raise ToolError(str(exc)) from None
        return verdict.to_json()

    def _project_data(self, args: dict[str, Any], role: Role) -> dict[str, Any]:
        if isinstance(args.get("project"), dict):
            return args["project"]
        if args.get("project_id"):
            return self._load_project(_identifier(args["project_id"], "project_id"))
        if args.get("parcel_id"):
            return self._parcel_project(args, role)
        raise ToolError("spatial_check needs project_id, project or parcel_id")

    def _load_project(self, project_id: str) -> dict[str, Any]:
        folder = Path(self.c.settings.workspace) / self.c.settings.qa.projects_dir
        path = folder / f"{project_id.upper()}.json"
        if not path.is_file():
            raise ToolError(f"no project {project_id} in {folder}")
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise ToolError(f"{path.name} is not valid JSON ({exc})") from None

    def _parcel_project(self, args: dict[str, Any], role: Role) -> dict[str, Any]:
        """A proposed project on the footprint of a 控规地块, with the indicators given."""
        from shapely.geometry import mapping

        parcel = self._parcel(_identifier(args["parcel_id"], "parcel_id"), role)
        indicators = {k: float(v) for k, v in (args.get("indicators") or {}).items()
                      if k in INDICATOR_KEYS and _is_number(v)}
        if not indicators:
            raise ToolError("spatial_check on a parcel needs at least one proposed indicator "
                            f"({', '.join(INDICATOR_KEYS)})")
        land_use = str(args.get("land_use") or parcel.attrs.get("land_use") or "")
        return {"id": f"{parcel.fid}-方案", "name": f"{parcel.fid} 地块拟建方案", "geometry": mapping(parcel.geom),
                "crs": "EPSG:4490", "land_use": land_use, "project_type": "other", "indicators": indicators}

    def _parcel_conditions(self, args: dict[str, Any], role: Role) -> dict[str, Any]:
        parcel = self._parcel(_identifier(args.get("parcel_id"), "parcel_id"), role)
        layer = self.c.layers.backend.info(_parcels_kind())
        attrs = {k: v for k, v in parcel.attrs.items() if v is not None}
        return {"parcel_id": parcel.fid, "area_m2": round(parcel.area_m2, 1), "conditions": attrs,
                "source": {"layer": "regulatory_parcels", "file": Path(layer.source).name if layer else "",
                           "access": layer.access.value if layer else ""}}

    def _parcel(self, parcel_id: str, role: Role):
        kind = _parcels_kind()
        backend = self.c.layers.backend
        info = backend.info(kind)
        if info is None or info.access not in readable_levels(role):
            raise ToolError("the 控规地块 layer (regulatory_parcels) is not loaded or not readable with this role")
        found = backend.features_where(kind, "parcel_id", [parcel_id.upper()])
        if not found:
            raise ToolError(f"no 控规地块 {parcel_id} in the regulatory_parcels layer")
        return found[0]

    def _graph_rules(self, args: dict[str, Any], role: Role) -> dict[str, Any]:
        subject = str(args.get("subject") or "").strip()
        if not subject:
            raise ToolError("graph_rules needs a subject")
        result = self.c.graph.rules(subject, role=role, limit=8)
        return result.model_dump(mode="json")

    def _indicator_chain(self, args: dict[str, Any], role: Role) -> dict[str, Any]:
        zone = _identifier(args.get("zone_id") or "county", "zone_id")
        if zone.lower() == "county":
            zone = self.c.graph.county_zone() or ""
            if not zone:
                raise ToolError("the knowledge graph holds no county zone (run `onemap graph build`)")
        result = self.c.graph.chain(zone)
        if not result.chains:
            raise ToolError(f"no indicator chain for zone {zone}")
        return result.model_dump(mode="json")

    def _search(self, args: dict[str, Any], role: Role) -> dict[str, Any]:
        query = str(args.get("query") or "").strip()
        if not query:
            raise ToolError("search needs a query")
        found = self.c.search.search(query, role=role, k=self.c.settings.qa.evidence_k)
        return {"hits": [h.model_dump(mode="json") for h in found.hits], "best_similarity": found.best_similarity}


def _parcels_kind():
    from spatial.kinds import LayerKind

    return LayerKind.REGULATORY_PARCELS


def _identifier(value: Any, what: str) -> str:
    text = str(value or "").strip()
    if not _ID.match(text):
        raise ToolError(f"{what} {text!r} is not an identifier")
    return text


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) or (
        isinstance(value, str) and re.fullmatch(r"-?\d+(\.\d+)?", value.strip()) is not None)
