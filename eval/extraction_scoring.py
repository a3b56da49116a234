"""Field-item scoring of planning-condition extraction (shared by ``bench/extraction.py`` and the
``extraction`` eval suite).

A parcel's conditions are turned into a multiset of *items*, the unit that is right or wrong:

- every scalar field is one item: ``land_use`` by code, ``area_m2`` rounded to the m², ``parking`` as
  value and unit, other numbers rounded to 4 decimals;
- every element of a list field is one item: facility name and GFA, setback boundary and distance,
  compatible use code;
- every conflicting field is one item ``("conflict", field, sorted values)``.

Parcels are matched by id: an item found in both the gold and the prediction of the same parcel is a true
positive, one only predicted a false positive, one only in the gold a false negative.  Counts are kept per
field (the item's first element, so all conflicts count under ``conflict``).

Examples
--------
>>> g = gold_items({"fields": {"far_max": 2.8, "area_m2": 36000.4, "compatible_uses": ["0702"]},
...                 "conflicts": {"far_max": [2.8, 2.5]}})
>>> sorted(g)
[('area_m2', 36000), ('compatible_uses', '0702'), ('conflict', 'far_max', (2.5, 2.8)), ('far_max', 2.8)]
>>> t = compare({"A": g}, {"A": Counter({("far_max", 2.8): 1, ("height_max", 80.0): 1})})
>>> t.total() == Counter(tp=1, fp=1, fn=3), t.counts["height_max"]["fp"]
(True, 1)
>>> prf(1, 1, 3)["f1"]
0.3333
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

Item = tuple


def gold_items(row: Mapping[str, Any]) -> Counter:
    """The items of one gold parcel: ``row["fields"]`` and ``row.get("conflicts")`` in the gold.jsonl form."""
    items: Counter = Counter()
    for name, value in row["fields"].items():
        if name == "parking":
            items[(name, round(value["value"], 4), value["unit"])] += 1
        elif name == "facilities":
            items.update((name, v["name"], v["gfa_m2"]) for v in value)
        elif name == "setbacks":
            items.update((name, v["boundary"], v["distance_m"]) for v in value)
        elif name == "compatible_uses":
            items.update((name, code) for code in value)
        elif name == "land_use":
            items[(name, value)] += 1
        elif name == "area_m2":
            items[(name, round(value))] += 1
        else:
            items[(name, round(float(value), 4))] += 1
    for name, values in (row.get("conflicts") or {}).items():
        items[("conflict", name, tuple(round(float(v), 4) for v in sorted(values)))] += 1
    return items


def predicted_items(parcel) -> Counter:
    """The items of one extracted :class:`assistant.extraction.models.ParcelConditions`."""
    items: Counter = Counter()
    for name, fv in parcel.fields.items():
        if isinstance(fv, list):
            for v in fv:
                if name == "facilities":
                    items[(name, v.value["name"], v.value["gfa_m2"])] += 1
                elif name == "setbacks":
                    items[(name, v.value["boundary"], v.value["distance_m"])] += 1
                else:
                    items[(name, v.value["code"])] += 1
        elif name == "parking":
            items[(name, round(fv.value, 4), fv.unit)] += 1
        elif name == "land_use":
            items[(name, fv.value["code"])] += 1
        elif name == "area_m2":
            items[(name, round(fv.value))] += 1
        else:
            items[(name, round(float(fv.value), 4))] += 1
    for c in parcel.conflicts:
        try:
            values = tuple(sorted(round(float(v.value), 4) for v in c.values))
        except (TypeError, ValueError):
            values = tuple(sorted(v.key() for v in c.values))
        items[("conflict", c.field, values)] += 1
    return items


@dataclass
class Tally:
    """True/false positive and false negative counts per field, and the wrong items."""

    counts: dict[str, Counter] = field(default_factory=dict)
    errors: list[tuple[str, str, Item, int]] = field(default_factory=list)  # (fp|fn, parcel id, item, count)

    def total(self) -> Counter:
        out: Counter = Counter()
        for c in self.counts.values():
            out.update(c)
        return out

    def add(self, other: Tally) -> None:
        for name, c in other.counts.items():
            self.counts.setdefault(name, Counter()).update(c)
        self.errors += other.errors


def compare(expected: Mapping[str, Counter], predicted: Mapping[str, Counter]) -> Tally:
    """Score predicted items against gold items, parcel by parcel (parcels matched by id)."""
    tally = Tally()
    for pid in sorted(expected.keys() | predicted.keys()):
        g, p = expected.get(pid, Counter()), predicted.get(pid, Counter())
        hit = g & p
        for kind, part in (("tp", hit), ("fp", p - hit), ("fn", g - hit)):
            for item, count in part.items():
                tally.counts.setdefault(item[0], Counter())[kind] += count
                if kind != "tp":
                    tally.errors.append((kind, pid, item, count))
    return tally


def prf(tp: int, fp: int, fn: int) -> dict:
    """Precision, recall and F1 (0.0 when undefined), rounded to 4 decimals, with the counts."""
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0,
            "tp": tp, "fp": fp, "fn": fn}
