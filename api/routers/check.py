"""``POST /check``: a project application against the one map, as ``onemap check --json`` gives it.

The body is the project JSON of ``onemap check`` (demo/projects/README.md), validated by
:func:`spatial.project.parse_project`: anything it refuses is 422 with its one-line reason.
Layers above the caller's role count as not loaded, as in the CLI's ``--role``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from api.deps import AnyRole, ContainerDep, Principal
from api.failures import audited, service_errors
from assistant.container import Container
from spatial.project import Project, ProjectType
from spatial.verdict import Verdict

router = APIRouter(tags=["check"])

EXAMPLE = {
    "id": "P-003", "name": "县城南片区翠湖名苑住宅项目", "crs": "EPSG:4490", "land_use": "070102",
    "project_type": "residential",
    "geometry": {"type": "Polygon", "coordinates": [[[116.1846077, 23.7653798], [116.187649, 23.7660948],
                                                     [116.1871878, 23.7677568], [116.1841464, 23.7670418],
                                                     [116.1846077, 23.7653798]]]},
    "indicators": {"far": 3.2, "building_density": 22, "height": 85, "green_ratio": 35, "gfa_m2": 194560},
}


class ProjectBody(BaseModel):
    """A project application (the input contract of ``onemap check``); unknown fields are ignored with a warning."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"examples": [EXAMPLE]})

    id: str | int = Field(description="Project id, e.g. P-001.")
    name: str = ""
    geometry: dict[str, Any] = Field(description="GeoJSON Polygon or MultiPolygon, lon/lat unless `crs` says otherwise.")
    crs: str | None = Field(None, description="CRS of the coordinates; default EPSG:4490 (CGCS2000 lon/lat).")
    land_use: str | None = Field(None, description="用地用海分类 (2023) code, e.g. 070102.")
    land_use_name: str | None = None
    project_type: ProjectType | None = None
    indicators: dict[str, Any] | None = Field(
        None, description="far, building_density (%), height (m), green_ratio (%), gfa_m2; each optional.")
    existing_area_m2: float | None = Field(None, description="Existing legal construction land of a villager's house.")


def parse(body: ProjectBody) -> Project:
    """The validated project; 422 with the reason when the contract is broken."""
    from spatial.project import parse_project

    with service_errors():
        return parse_project(body.model_dump(mode="json", exclude_unset=True), where="body")


def run_check(c: Container, body: ProjectBody, who: Principal) -> Verdict:
    from assistant.audit_records import audit_check

    project = parse(body)
    with service_errors():
        verdict = c.checks.check(project, role=who.role)
    audited(c, audit_check, project, verdict, role=who.role.value, actor=who.actor, source="api")
    return verdict


@router.post("/check", response_model=Verdict, summary="Check a project against the control lines and the plan")
def check(body: ProjectBody, c: ContainerDep, who: AnyRole) -> Verdict:
    """Every check (三条控制线, 用地性质, 容积率 …, 单元建筑总量) with its value, limit, status, rule and clause.

    The verdict is recorded in the audit trail. 422 for a malformed project; 503 when the layer
    backend cannot be reached.
    """
    return run_check(c, body, who)
