"""Rule tables of the check engine: each rule has an id, its text and the clause it rests on.

Defaults live in ``spatial/data/rules.yaml`` (taken from DOMAIN.md, with a
confidence flag per rule); a YAML file named by ``spatial.rules_file`` is
deep-merged over them, so a county can replace its compatibility table or add an
exemption without copying the rest.

Examples
--------
>>> rules = load_rules()
>>> rules.rule("pbf.occupation").source.locator
'第三十五条'
>>> rules.ecological_protection_redline.permitted["tourism_facility"].rule
'ecr.tourism_facility'
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from assistant.settings import deep_merge
from spatial.errors import RulesError


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Model):
    """Where a rule comes from: document title, its number if any, and the clause."""

    doc_title: str
    locator: str
    doc_number: str = ""

    def cite(self) -> str:
        return f"《{self.doc_title}》{self.locator}"


class Rule(_Model):
    id: str = ""
    text: str
    source: Source
    see_also: tuple[Source, ...] = ()
    confidence: Literal["V", "S", "U"] = "U"


class Permission(_Model):
    rule: str
    route: str


class Exemption(_Model):
    status: Literal["pass", "conditional"]
    rule: str
    note: str
    land_uses: tuple[str, ...] = ()


class RedlineTable(_Model):
    permitted: dict[str, Permission] = Field(default_factory=dict)
    no_expansion: tuple[str, ...] = ()


class FarmlandTable(_Model):
    permitted: dict[str, Permission] = Field(default_factory=dict)


class BoundaryTable(_Model):
    urban_land_uses: tuple[str, ...]
    exempt: dict[str, Exemption] = Field(default_factory=dict)

    def is_urban(self, code: str) -> bool:
        return any(code.startswith(p) for p in self.urban_land_uses)


class CompatibilityTable(_Model):
    compatible: dict[str, tuple[str, ...]] = Field(default_factory=dict)


class RuleSet(_Model):
    rules: dict[str, Rule]
    ecological_protection_redline: RedlineTable
    permanent_basic_farmland: FarmlandTable
    urban_development_boundary: BoundaryTable
    land_use_compatibility: CompatibilityTable

    @model_validator(mode="before")
    @classmethod
    def _ids(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("rules"), dict):
            data = dict(data)
            data["rules"] = {k: {**v, "id": k} if isinstance(v, dict) else v for k, v in data["rules"].items()}
        return data

    @model_validator(mode="after")
    def _references(self) -> RuleSet:
        refs = [p.rule for p in self.ecological_protection_redline.permitted.values()]
        refs += [p.rule for p in self.permanent_basic_farmland.permitted.values()]
        refs += [e.rule for e in self.urban_development_boundary.exempt.values()]
        missing = sorted({r for r in refs if r not in self.rules})
        if missing:
            raise ValueError(f"tables refer to undefined rules: {', '.join(missing)}")
        return self

    def rule(self, rule_id: str) -> Rule:
        try:
            return self.rules[rule_id]
        except KeyError:
            raise RulesError(f"no rule {rule_id!r} in the rule tables") from None


REQUIRED_RULES = ("ecr.core", "ecr.general", "pbf.occupation", "udb.inside", "udb.outside_urban",
                  "land_use.conformity", "land_use.compatible", "indicator.conditions", "unit.balance")


def load_rules(path: str | Path | None = None) -> RuleSet:
    """The default tables, with ``path`` (a YAML file) deep-merged over them when given.

    Raises
    ------
    RulesError
        The override file is missing, not YAML, or makes the tables invalid.
    """
    text = resources.files("spatial.data").joinpath("rules.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    if path:
        p = Path(path)
        if not p.is_file():
            raise RulesError(f"rules file {p} not found; fix spatial.rules_file or unset it")
        try:
            override = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise RulesError(f"rules file {p} is not valid YAML: {str(exc).splitlines()[0]}") from None
        if not isinstance(override, dict):
            raise RulesError(f"rules file {p} must be a mapping of tables")
        data = deep_merge(data, override)
    try:
        rules = RuleSet.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(x) for x in first["loc"])
        raise RulesError(f"rules: {where}: {first['msg']}") from None
    missing = [r for r in REQUIRED_RULES if r not in rules.rules]
    if missing:
        raise RulesError(f"rules: missing rule(s) {', '.join(missing)}")
    return rules

