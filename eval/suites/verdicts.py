"""``verdicts``: does the check engine give each project the status expected for each check?

Dataset: a *scenario folder*, or a folder of scenario folders (its subfolders holding an
``expected.jsonl``, in name order).  A scenario folder holds

- ``layers/``: one file per layer kind, named by the kind (``ecological_protection_redline``,
  ``permanent_basic_farmland``, ``urban_development_boundary``, ``planning_zones``,
  ``regulatory_parcels``, ``management_units``) as GeoJSON (``.geojson``/``.json``, CRS from the file,
  EPSG:4490 without one), Shapefile (``.shp``, a folder or a ``.zip``) or GeoPackage (``.gpkg``); files
  named otherwise (``county_boundary.geojson``) are ignored and listed in the notes; a kind without a
  file is not loaded, so its checks are ``unknown``;
- ``projects/*.json``: project applications in the ``onemap check`` contract (other files are ignored);
- ``expected.jsonl``: one line per project,
  ``{"project": "P-001", "overall": "pass", "checks": {"far": "pass", ...}}``.  Statuses are the
  engine's: ``pass``, ``conditional``, ``fail``, ``unknown`` (or 符合, 有条件, 不符合, 无法判定); checks
  are :class:`spatial.verdict.CheckName` values; a line may name only some checks, and must give
  ``overall`` or at least one check.  Other keys (a ``why``) are ignored; ``//`` lines are comments.

Each scenario's layers are imported into a fresh in-memory backend in a temporary folder (never the
workspace) and every project is checked as admin with the workspace's spatial settings (rule tables,
FAR rounding policy, sliver tolerance).  Items: each expected (project, check) pair and each project's
overall verdict.  Metrics: ``accuracy`` over checks, ``overall_accuracy`` over projects,
``project_accuracy`` (every expected status of a project right), ``n_checks``, ``n_projects``,
``missing`` (an expected check the engine did not produce, counted wrong), ``latency_p50_ms`` and
``latency_p95_ms`` of the check call; per check (and ``overall``) accuracy in ``per_subject``;
``tables["confusion"]`` (checks) and ``tables["confusion_overall"]``: ``{"labels", "matrix"}`` with
expected statuses as rows and predicted ones as columns.  A bad ``expected.jsonl`` line, an unreadable
project or layer file is a malformed entry (line 0 for a whole file) and the run goes on.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, field_validator, model_validator

from eval.contract import ROOT, Malformed, Prediction
from eval.jsonl import DatasetFileError, read_jsonl
from eval.metrics import percentile
from eval.suites.base import Context, Dataset, Outcome, ratio
from spatial.errors import SpatialError
from spatial.kinds import LayerKind
from spatial.layers import Layer, read_layer
from spatial.project import Project, parse_project
from spatial.verdict import CheckName, Status, Verdict

EXPECTED = "expected.jsonl"
LAYER_SUFFIXES = (".geojson", ".json", ".shp", ".gpkg", ".zip")
LABELS = [s.value for s in sorted(Status, key=lambda s: s.severity)]  # pass, unknown, conditional, fail
MISSING = "missing"
_ALIASES = {s.label: s.value for s in Status}


def _status(value: Any) -> Any:
    return _ALIASES.get(value.strip(), value.strip().lower()) if isinstance(value, str) else value


class Expected(BaseModel):
    """One line of expected.jsonl."""

    project: str = Field(min_length=1)
    overall: Status | None = None
    checks: dict[CheckName, Status] = Field(default_factory=dict)

    @field_validator("overall", mode="before")
    @classmethod
    def _overall(cls, value: Any) -> Any:
        return _status(value)

    @field_validator("checks", mode="before")
    @classmethod
    def _checks(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k.strip().lower() if isinstance(k, str) else k: _status(v) for k, v in value.items()}
        return value

    @model_validator(mode="after")
    def _something(self) -> Expected:
        if self.overall is None and not self.checks:
            raise ValueError("give \"overall\", \"checks\" or both")
        return self

    @property
    def id(self) -> str:
        return self.project


@dataclass
class Scenario:
    name: str
    path: Path
    layers: list[Layer] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    unscored: list[str] = field(default_factory=list)


@dataclass
class VerdictItem:
    """One project of one scenario and what is expected of it."""

    id: str
    scenario: Scenario
    project: Project
    expected: Expected


def read_layers(folder: Path, scenario: Scenario) -> list[Malformed]:
    """Read ``folder``'s layer files into ``scenario.layers``; unreadable files are returned."""
    bad: list[Malformed] = []
    if not folder.is_dir():
        return [Malformed(line=0, file=str(folder), reason="no layers/ folder: every check would be unknown")]
    seen: dict[LayerKind, Path] = {}
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith(".") or not (entry.is_dir() or entry.suffix.lower() in LAYER_SUFFIXES):
            continue
        stem = entry.name if entry.is_dir() else entry.stem
        try:
            kind = LayerKind(stem.lower())
        except ValueError:
            scenario.ignored.append(str(entry))
            continue
        if kind in seen:
            bad.append(Malformed(line=0, file=str(entry), reason=f"a second file for layer {kind.value} "
                                 f"(already read {seen[kind].name})"))
            continue
        try:
            scenario.layers.append(read_layer(kind, entry))
        except (SpatialError, OSError) as exc:
            bad.append(Malformed(line=0, file=str(entry), reason=str(exc)))
            continue
        seen[kind] = entry
    return bad


def read_projects(folder: Path) -> tuple[dict[str, Project], set[str], list[Malformed]]:
    """The projects of ``folder/*.json`` by id, the stems of unreadable files, and their reasons."""
    projects: dict[str, Project] = {}
    failed: set[str] = set()
    bad: list[Malformed] = []
    if not folder.is_dir():
        return projects, failed, [Malformed(line=0, file=str(folder), reason="no projects/ folder")]
    for path in sorted(folder.glob("*.json")):
        try:
            data = json.loads(path.read_bytes())
            project = parse_project(data, where=path.name)
        except json.JSONDecodeError as exc:
            failed.add(path.stem)
            bad.append(Malformed(line=exc.lineno, file=str(path), reason=f"not JSON: {exc.msg} (column {exc.colno})"))
            continue
        except (SpatialError, UnicodeDecodeError, OSError) as exc:
            failed.add(path.stem)
            bad.append(Malformed(line=0, file=str(path), reason=str(exc)))
            continue
        if project.id in projects:
            bad.append(Malformed(line=0, file=str(path), reason=f"project id {project.id!r} is used by another file"))
            continue
        projects[project.id] = project
    return projects, failed, bad


def load_scenario(folder: Path, prefix: str | None) -> tuple[list[VerdictItem], list[Malformed], Scenario]:
    scenario = Scenario(name=prefix or folder.name, path=folder)
    malformed = read_layers(folder / "layers", scenario)
    projects, failed, bad = read_projects(folder / "projects")
    malformed += bad

    def known(e: Expected) -> str | None:
        if e.project in projects or e.project in failed:
            return None
        return f"no project {e.project!r} in {folder / 'projects'}"

    expected, bad = read_jsonl(folder / EXPECTED, Expected, check=known)
    malformed += bad
    items = [VerdictItem(id=f"{prefix}/{e.project}" if prefix else e.project, scenario=scenario,
                         project=projects[e.project], expected=e) for e in expected if e.project in projects]
    scenario.unscored = sorted(set(projects) - {e.project for e in expected})
    return items, malformed, scenario


def scenario_files(folders: list[Path]) -> list[Path]:
    """What a run reads from its scenario folders (the dataset hash covers these, not READMEs or scripts)."""
    files: list[Path] = []
    for folder in folders:
        layers = folder / "layers"
        if layers.is_dir():
            files += [p for p in layers.rglob("*") if p.is_file() and not p.name.startswith(".")]
        files += list((folder / "projects").glob("*.json")) + [folder / EXPECTED]
    return files


class Scores:
    """Running counts: per check, confusion matrices, overall verdicts, whole projects."""

    def __init__(self) -> None:
        self.per_check: dict[str, Counter] = {}
        self.confusion: Counter = Counter()
        self.confusion_overall: Counter = Counter()
        self.missing = 0
        self.projects = Counter()

    def add(self, item: VerdictItem, verdict: Verdict) -> tuple[dict[str, str], list[str], list[str]]:
        """Score one verdict; returns the predicted statuses, the wrong and the missing checks."""
        predicted = {c.check.value: c.status.value for c in verdict.checks}
        wrong, missing = [], []
        for check, status in item.expected.checks.items():
            got = predicted.get(check.value)
            if got is None:
                missing.append(check.value)
            ok = got == status.value
            if not ok:
                wrong.append(check.value)
            self.per_check.setdefault(check.value, Counter()).update(n=1, correct=int(ok))
            self.confusion[(status.value, got or MISSING)] += 1
        self.missing += len(missing)
        if item.expected.overall is not None:
            ok = verdict.overall == item.expected.overall
            if not ok:
                wrong.append("overall")
            self.per_check.setdefault("overall", Counter()).update(n=1, correct=int(ok))
            self.confusion_overall[(item.expected.overall.value, verdict.overall.value)] += 1
        self.projects.update(n=1, correct=int(not wrong))
        return predicted, wrong, missing

    def metrics(self) -> dict[str, float | int | None]:
        checks = [c for name, c in self.per_check.items() if name != "overall"]
        n_checks = sum(c["n"] for c in checks)
        overall = self.per_check.get("overall", Counter())
        return {"accuracy": ratio(sum(c["correct"] for c in checks), n_checks),
                "overall_accuracy": ratio(overall["correct"], overall["n"]),
                "project_accuracy": ratio(self.projects["correct"], self.projects["n"]),
                "n_checks": n_checks, "n_projects": self.projects["n"], "missing": self.missing}

    def per_subject(self) -> dict[str, dict[str, float | int | None]]:
        order = [c.value for c in CheckName] + ["overall"]
        return {name: {"accuracy": ratio(self.per_check[name]["correct"], self.per_check[name]["n"]),
                       "n": self.per_check[name]["n"]} for name in order if name in self.per_check}


def confusion(cells: Counter) -> dict[str, Any]:
    """Rows: expected status; columns: predicted status (``missing`` when the engine gave none).

    >>> confusion(Counter({("pass", "pass"): 2, ("fail", "pass"): 1}))["matrix"]
    [[2, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0], [1, 0, 0, 0]]
    """
    labels = LABELS + ([MISSING] if any(p == MISSING for _, p in cells) else [])
    return {"labels": labels, "rows": "expected", "cols": "predicted",
            "matrix": [[cells[(g, p)] for p in labels] for g in labels]}


class VerdictsSuite:
    name = "verdicts"
    title = "审查结论：各项检查状态的准确率与混淆矩阵（确定性引擎）"
    needs_model = False

    def default_dataset(self) -> Path | None:
        return ROOT / "demo"

    def load(self, path: Path) -> Dataset:
        path = Path(path)
        if path.is_file() and path.name == EXPECTED:
            path = path.parent
        if not path.is_dir():
            raise DatasetFileError(f"{path}: a verdicts dataset is a scenario folder (layers/, projects/, "
                                   f"{EXPECTED}) or a folder of scenario folders")
        if (path / EXPECTED).is_file():
            folders, nested = [path], False
        else:
            folders, nested = sorted(d for d in path.iterdir() if d.is_dir() and (d / EXPECTED).is_file()), True
        if not folders:
            raise DatasetFileError(f"{path}: no {EXPECTED} in it or in its subfolders; a scenario folder holds "
                                   f"layers/, projects/*.json and {EXPECTED}")
        items: list[VerdictItem] = []
        malformed: list[Malformed] = []
        for folder in folders:
            found, bad, _ = load_scenario(folder, folder.name if nested else None)
            items += found
            malformed += bad
        return Dataset(path=path, items=items, malformed=malformed, files=scenario_files(folders))

    def run(self, dataset: Dataset, ctx: Context) -> Outcome:
        from assistant.access import Role
        from ingest.models import Access
        from spatial.memory import MemoryBackend
        from spatial.service import build_checks

        spatial = ctx.container().settings.spatial
        items: list[VerdictItem] = dataset.items
        groups: dict[int, list[VerdictItem]] = {}
        for item in items:
            groups.setdefault(id(item.scenario), []).append(item)
        scores, predictions, latencies, notes = Scores(), [], [], []
        done = 0
        for group in groups.values():
            scenario = group[0].scenario
            with tempfile.TemporaryDirectory(prefix="onemap-eval-verdicts-") as tmp:
                backend = MemoryBackend(Path(tmp) / "layers.sqlite")
                try:
                    for layer in scenario.layers:
                        backend.import_layer(layer, Access.PUBLIC)
                    try:
                        service = build_checks(backend, spatial)
                    except SpatialError as exc:
                        raise DatasetFileError(f"spatial rules: {exc}") from None
                    for item in group:
                        t0 = time.perf_counter()
                        verdict = service.check(item.project, role=Role.ADMIN)
                        ms = round((time.perf_counter() - t0) * 1000, 1)
                        latencies.append(ms)
                        predicted, wrong, missing = scores.add(item, verdict)
                        predictions.append(Prediction(
                            id=item.id, prediction=predicted,
                            gold={c.value: s.value for c, s in item.expected.checks.items()},
                            correct=not wrong, latency_ms=ms, scenario=scenario.name, name=item.project.name,
                            overall=verdict.overall.value,
                            overall_gold=item.expected.overall.value if item.expected.overall else None,
                            label=verdict.label, wrong=wrong, missing=missing))
                        done += 1
                        ctx.tick(done, len(items))
                finally:
                    backend.close()
            if scenario.ignored:
                notes.append(f"{scenario.name}: ignored layer files (not a layer kind): "
                             + ", ".join(Path(p).name for p in scenario.ignored))
            if scenario.unscored:
                notes.append(f"{scenario.name}: projects without an {EXPECTED} line (not scored): "
                             + ", ".join(scenario.unscored))
        notes.insert(0, f"Checked as admin with far_rounding={spatial.far_rounding}, "
                        f"sliver_tolerance_m2={spatial.sliver_tolerance_m2:g}, rules "
                        f"{spatial.rules_file or 'spatial/data/rules.yaml'}; correct = every expected check and the "
                        "overall verdict right.")
        metrics = {**scores.metrics(), "latency_p50_ms": percentile(latencies, 50),
                   "latency_p95_ms": percentile(latencies, 95)}
        return Outcome(metrics=metrics, predictions=predictions, per_subject=scores.per_subject(),
                       tables={"confusion": confusion(scores.confusion),
                               "confusion_overall": confusion(scores.confusion_overall)},
                       notes=notes)


SUITE = VerdictsSuite()
