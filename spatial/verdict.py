"""Typed results of the check engine: one :class:`CheckResult` per check, one :class:`Verdict` per project.

The JSON shape is a contract (issue 3): ``overall`` is the worst status in the
order fail > conditional > unknown > pass; each check carries its numbers, the
features involved, the rule and its source clause, and a message.

Examples
--------
>>> worst([Status.PASS, Status.UNKNOWN, Status.CONDITIONAL])
<Status.CONDITIONAL: 'conditional'>
>>> Status.FAIL.label
'不符合'
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from spatial.rules import Rule


class Status(StrEnum):
    PASS = "pass"
    UNKNOWN = "unknown"
    CONDITIONAL = "conditional"
    FAIL = "fail"

    @property
    def severity(self) -> int:
        return _SEVERITY[self]

    @property
    def label(self) -> str:
        return _LABELS[self]


_SEVERITY = {Status.PASS: 0, Status.UNKNOWN: 1, Status.CONDITIONAL: 2, Status.FAIL: 3}
_LABELS = {Status.PASS: "符合", Status.UNKNOWN: "无法判定", Status.CONDITIONAL: "有条件", Status.FAIL: "不符合"}


def worst(statuses: Iterable[Status]) -> Status:
    """The most severe status (fail > conditional > unknown > pass); ``pass`` for none."""
    return max(statuses, key=lambda s: s.severity, default=Status.PASS)


class CheckName(StrEnum):
    ECOLOGICAL_PROTECTION_REDLINE = "ecological_protection_redline"
    PERMANENT_BASIC_FARMLAND = "permanent_basic_farmland"
    URBAN_DEVELOPMENT_BOUNDARY = "urban_development_boundary"
    LAND_USE_COMPATIBILITY = "land_use_compatibility"
    FAR = "far"
    BUILDING_DENSITY = "building_density"
    HEIGHT = "height"
    GREEN_RATIO = "green_ratio"
    UNIT_BALANCE = "unit_balance"


class RuleRef(BaseModel):
    """The rule a result rests on, as it appears in the JSON output."""

    model_config = ConfigDict(frozen=True)

    id: str
    text: str
    source: dict[str, str]
    see_also: list[dict[str, str]] = Field(default_factory=list)
    confidence: str = "U"

    @classmethod
    def of(cls, rule: Rule) -> RuleRef:
        def src(s: Any) -> dict[str, str]:
            out = {"doc_title": s.doc_title, "locator": s.locator}
            if s.doc_number:
                out["doc_number"] = s.doc_number
            return out

        return cls(id=rule.id, text=rule.text, source=src(rule.source), see_also=[src(s) for s in rule.see_also],
                   confidence=rule.confidence)

    def cite(self) -> str:
        return f"《{self.source['doc_title']}》{self.source['locator']}"


class ParcelResult(BaseModel):
    """One parcel's part of a multi-parcel check."""

    feature_id: str
    status: Status
    overlap_area_m2: float | None = None
    value: float | str | None = None
    limit: float | str | list[float | None] | None = None
    message: str = ""


class CheckResult(BaseModel):
    check: CheckName
    status: Status
    label: str = ""
    overlap_area_m2: float | None = None
    overlap_ratio: float | None = None
    feature_ids: list[str] = Field(default_factory=list)
    value: float | str | None = None
    limit: float | str | list[float | None] | None = None
    rule: RuleRef
    message: str
    details: list[ParcelResult] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list, exclude=True)

    def model_post_init(self, _context: Any) -> None:
        if not self.label:
            self.label = self.status.label


class ZoneShare(BaseModel):
    feature_id: str
    zone_type: str | None
    area_m2: float
    ratio: float


class Verdict(BaseModel):
    project_id: str
    name: str = ""
    overall: Status
    label: str
    checks: list[CheckResult]
    warnings: list[str] = Field(default_factory=list)
    area_m2: float
    area_crs: str
    zones: list[ZoneShare] = Field(default_factory=list)
    backend: str = ""

    def check(self, name: str) -> CheckResult:
        return next(c for c in self.checks if c.check == name)

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")
