"""``extraction``: how many planning-condition fields the extractor reads right (patterns only, no model).

Dataset (JSONL, the format of ``bench/data/extraction/gold.jsonl``): one line per parcel,
``{"doc", "split"?, "parcel_id", "fields": {...}, "conflicts"?: {field: [values]}}``; a line with a
``_header`` key is skipped.  ``doc`` is the document's path relative to the gold file's folder or to its
``docs/`` subfolder.  ``fields`` holds ``land_use`` (2023 code), ``area_m2``, ``far_max``, ``far_min``,
``density_max``, ``height_max``, ``green_min``, ``parking`` (``{"value", "unit"}``), ``facilities``
(``[{"name", "gfa_m2"}]``), ``setbacks`` (``[{"boundary", "distance_m"}]``) and ``compatible_uses``
(codes); a field absent from the document is absent from the gold (bench/data/extraction/README.md).

Each document is one item: it is extracted with :func:`assistant.extraction.extract` (tables and
patterns, no model) and its parcels are matched to the gold by id.  What counts as an item, a true or
false positive is :mod:`eval.extraction_scoring` (the same scoring as ``bench/extraction.py``).  Metrics:
field-item ``precision``, ``recall`` and ``f1`` over all documents, ``documents``, ``documents_failed``
(extraction raised: all its gold items are false negatives), ``parcels``, ``latency_p50_ms`` and
``latency_p95_ms`` per document; per field in ``per_subject``; per split (dev, heldout, all) in
``tables["splits"]``.  A prediction is correct when every item of the document is right.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from eval.contract import ROOT, Malformed, Prediction
from eval.extraction_scoring import Tally, compare, gold_items, predicted_items, prf
from eval.jsonl import DatasetFileError, read_jsonl
from eval.metrics import percentile
from eval.suites.base import Context, Dataset, Outcome

_SCALARS = ("land_use", "area_m2", "far_max", "far_min", "density_max", "height_max", "green_min", "parking")
FIELD_ORDER = (*_SCALARS, "facilities", "setbacks", "compatible_uses", "conflict")


class Parking(BaseModel):
    value: float
    unit: str


class Facility(BaseModel):
    name: str
    gfa_m2: float | None = None


class Setback(BaseModel):
    boundary: str
    distance_m: float


class GoldFields(BaseModel):
    """The gold conditions of one parcel; unknown field names are an error."""

    model_config = ConfigDict(extra="forbid")

    land_use: str | None = None
    area_m2: float | None = None
    far_max: float | None = None
    far_min: float | None = None
    density_max: float | None = None
    height_max: float | None = None
    green_min: float | None = None
    parking: Parking | None = None
    facilities: list[Facility] = Field(default_factory=list)
    setbacks: list[Setback] = Field(default_factory=list)
    compatible_uses: list[str] = Field(default_factory=list)

    def as_gold(self) -> dict[str, Any]:
        return {k: v for k, v in self.model_dump().items() if v is not None and v != []}


class GoldLine(BaseModel):
    """One line of gold.jsonl: a parcel, or the ``_header`` line."""

    model_config = ConfigDict(populate_by_name=True)

    header: Any = Field(None, alias="_header")
    doc: str | None = None
    split: str | None = None
    parcel_id: str | None = None
    fields: GoldFields | None = None
    conflicts: dict[str, list[float]] = Field(default_factory=dict)

    @field_validator("conflicts")
    @classmethod
    def _scalar_conflicts(cls, value: dict[str, list[float]]) -> dict[str, list[float]]:
        unknown = [k for k in value if k not in _SCALARS]
        if unknown:
            raise ValueError(f"conflicts on {', '.join(unknown)}: only scalar fields ({', '.join(_SCALARS)}) conflict")
        return value

    @model_validator(mode="after")
    def _parcel_line(self) -> GoldLine:
        if self.header is None:
            missing = [n for n in ("doc", "parcel_id", "fields") if getattr(self, n) in (None, "")]
            if missing:
                raise ValueError(f"a parcel line needs {', '.join(missing)}")
        return self

    @property
    def id(self) -> str | None:
        return None if self.header is not None else f"{self.doc}#{self.parcel_id}"

    def gold(self) -> dict[str, Any]:
        assert self.fields is not None
        return {"fields": self.fields.as_gold(), "conflicts": self.conflicts}


@dataclass
class GoldDocument:
    """One item: a document and the gold of its parcels."""

    doc: str
    path: Path
    split: str | None
    parcels: list[GoldLine]


def describe(pid: str, item: tuple) -> str:
    """An item as text for predictions.jsonl.

    >>> describe("XC-01-01", ("facilities", "公共厕所", 60.0))
    'XC-01-01 facilities 公共厕所 60.0'
    """
    return " ".join([pid, str(item[0]), *(str(x) for x in item[1:])])


def _listing(items: dict[str, Counter]) -> list[str]:
    return sorted(describe(pid, item) for pid, c in items.items() for item, n in c.items() for _ in range(n))


def _find(base: Path, doc: str) -> Path | None:
    return next((p for p in (base / doc, base / "docs" / doc) if p.is_file()), None)


class ExtractionSuite:
    name = "extraction"
    title = "规划条件提取：字段级精确率、召回率、F1（仅规则，无模型）"
    needs_model = False

    def default_dataset(self) -> Path | None:
        return ROOT / "bench" / "data" / "extraction" / "gold.jsonl"

    def load(self, path: Path) -> Dataset:
        path = Path(path)
        lines, malformed = read_jsonl(path, GoldLine)
        base = path.parent
        hint = (f"; build the documents with: python {base / 'build.py'}" if (base / "build.py").is_file() else "")
        grouped: dict[str, list[GoldLine]] = {}
        for line in lines:
            if line.header is None:
                grouped.setdefault(line.doc or "", []).append(line)
        docs: list[GoldDocument] = []
        for doc, parcels in grouped.items():
            found = _find(base, doc)
            if found is None:
                malformed.append(Malformed(line=0, file=str(base / doc), reason=(
                    f"document not found in {base} or {base / 'docs'}; its {len(parcels)} gold parcels are "
                    f"left out{hint}")))
                continue
            docs.append(GoldDocument(doc=doc, path=found, split=parcels[0].split, parcels=parcels))
        if grouped and not docs:
            raise DatasetFileError(f"{path}: none of the {len(grouped)} documents it names is found beside it{hint}")
        return Dataset(path=path, items=docs, malformed=malformed)

    def run(self, dataset: Dataset, ctx: Context) -> Outcome:
        from assistant.extraction import ExtractionError, extract

        docs: list[GoldDocument] = dataset.items
        overall, by_split = Tally(), {}
        predictions, latencies, failed = [], [], 0
        for done, doc in enumerate(docs, start=1):
            expected = {p.parcel_id or "": gold_items(p.gold()) for p in doc.parcels}
            t0 = time.perf_counter()
            try:
                result = extract(doc.path)
                predicted, error = {p.parcel_id: predicted_items(p) for p in result.parcels}, None
            except ExtractionError as exc:
                predicted, error = {}, str(exc)
            except Exception as exc:  # a crash on one document is counted, the others still run
                predicted, error = {}, f"{type(exc).__name__}: {exc}"
            ms = round((time.perf_counter() - t0) * 1000, 1)
            latencies.append(ms)
            failed += error is not None
            tally = compare(expected, predicted)
            overall.add(tally)
            by_split.setdefault(doc.split or "all", Tally()).add(tally)
            counts = tally.total()
            predictions.append(Prediction(
                id=doc.doc, prediction=_listing(predicted), gold=_listing(expected),
                correct=error is None and not tally.errors, latency_ms=ms, subject=doc.split, split=doc.split,
                parcels=len(doc.parcels), error=error,
                wrong=sorted(f"{kind} {describe(pid, item)}" for kind, pid, item, _ in tally.errors),
                **prf(counts["tp"], counts["fp"], counts["fn"])))
            ctx.tick(done, len(docs))
        total = overall.total()
        scores = prf(total["tp"], total["fp"], total["fn"])
        metrics = {"precision": scores["precision"], "recall": scores["recall"], "f1": scores["f1"],
                   "documents": len(docs), "documents_failed": failed,
                   "parcels": sum(len(d.parcels) for d in docs),
                   "latency_p50_ms": percentile(latencies, 50), "latency_p95_ms": percentile(latencies, 95)}
        per_subject = {}
        for name in sorted(overall.counts, key=lambda n: (FIELD_ORDER + (n,)).index(n)):
            c = overall.counts[name]
            s = prf(c["tp"], c["fp"], c["fn"])
            per_subject[name] = {"precision": s["precision"], "recall": s["recall"], "f1": s["f1"],
                                 "n": c["tp"] + c["fn"]}
        splits = {}
        for split in [*sorted(k for k in by_split if k != "all"), "all"]:
            tally = overall if split == "all" else by_split[split]
            t = tally.total()
            chosen = [d for d in docs if split == "all" or d.split == split]
            splits[split] = {**prf(t["tp"], t["fp"], t["fn"]), "documents": len(chosen),
                             "parcels": sum(len(d.parcels) for d in chosen)}
        return Outcome(metrics=metrics, predictions=predictions, per_subject=per_subject,
                       tables={"splits": splits},
                       notes=["Patterns only (no model). Items: each scalar field, each facility, setback and "
                              "compatible use, and each conflicting field of each parcel; parcels matched by id. "
                              "per_subject n = gold items of that field; correct = every item of the document "
                              "right."])


SUITE = ExtractionSuite()
