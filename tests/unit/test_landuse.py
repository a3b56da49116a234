"""用地用海分类 2023 table and lookups (spatial.landuse)."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from collections import Counter
from importlib import resources
from pathlib import Path

import pytest

from spatial import landuse
from spatial.landuse import (
    DEFAULT_LAND_RULES,
    TRIAL_2020_DIFFERENCES,
    LandRules,
    LandUseClass,
    LandUseDataError,
    UnknownLandUseCode,
)

KNOWN_NAMES = {
    "0101": "水田",
    "0204": "油料园地",
    "0205": "其他园地",
    "0701": "城镇住宅用地",
    "070101": "一类城镇住宅用地",
    "070102": "二类城镇住宅用地",
    "0801": "机关团体用地",
    "080403": "中小学用地",
    "100101": "一类工业用地",
    "1003": "盐田",
    "1207": "城镇村道路用地",
    "120803": "社会停车场用地",
    "1301": "供水用地",
    "1401": "公园绿地",
    "16": "留白用地",
    "24": "其他海域",
}

SEA_SECOND_LEVEL = {"18": 4, "19": 6, "20": 5, "21": 2, "22": 6}


def _csv_rows() -> list[dict[str, str]]:
    text = resources.files("spatial").joinpath("data").joinpath("landuse_2023.csv").read_text("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


# --------------------------------------------------------------------------- table shape


def test_level_counts_are_sane() -> None:
    counts = Counter(c.level for c in landuse.all_classes())
    assert counts[1] == 24
    assert counts[2] == 111
    assert counts[3] == 40
    assert set(counts) == {1, 2, 3}


def test_first_level_codes_are_01_to_24() -> None:
    firsts = [c.code for c in landuse.all_classes() if c.level == 1]
    assert firsts == [f"{i:02d}" for i in range(1, 25)]


def test_codes_unique_and_ordered() -> None:
    codes = [c.code for c in landuse.all_classes()]
    assert len(codes) == len(set(codes))
    assert codes == sorted(codes)


def test_names_unique() -> None:
    names = [c.name for c in landuse.all_classes()]
    assert len(names) == len(set(names))


def test_every_parent_exists_and_matches_code() -> None:
    for c in landuse.all_classes():
        assert len(c.code) == 2 * c.level
        if c.level == 1:
            assert c.parent is None
        else:
            assert c.parent == c.code[:-2]
            assert landuse.is_valid(c.parent)
            assert c in landuse.children(c.parent)


def test_version_is_2023_everywhere() -> None:
    assert {c.version for c in landuse.all_classes()} == {"2023"}


@pytest.mark.parametrize(("first", "n"), sorted(SEA_SECOND_LEVEL.items()))
def test_sea_use_second_levels(first: str, n: int) -> None:
    kids = landuse.children(first)
    assert [c.code for c in kids] == [f"{first}{i:02d}" for i in range(1, n + 1)]
    assert all(c.is_sea and not c.verified for c in kids)


def test_csv_columns_and_verified_flags() -> None:
    rows = _csv_rows()
    assert list(rows[0]) == ["code", "name", "level", "parent", "version", "verified"]
    unverified = {r["code"] for r in rows if r["verified"] == "no"}
    expected = {f"{first}{i:02d}" for first, n in SEA_SECOND_LEVEL.items() for i in range(1, n + 1)}
    assert unverified == expected
    assert {r["verified"] for r in rows} == {"yes", "no"}


# --------------------------------------------------------------------------- lookups


@pytest.mark.parametrize(("code", "name"), sorted(KNOWN_NAMES.items()))
def test_known_names_exact(code: str, name: str) -> None:
    assert landuse.get(code).name == name


def test_parent_chain_of_070102() -> None:
    chain = landuse.ancestors("070102", include_self=True)
    assert [c.code for c in chain] == ["07", "0701", "070102"]
    assert [c.code for c in landuse.ancestors("070102")] == ["07", "0701"]
    assert landuse.ancestors("07") == []


def test_children() -> None:
    assert [c.code for c in landuse.children("1208")] == ["120801", "120802", "120803"]
    assert landuse.children("0101") == []
    assert [c.code for c in landuse.children("02")] == ["0201", "0202", "0203", "0204", "0205"]


def test_get_returns_typed_frozen_record() -> None:
    c = landuse.get("070102")
    assert c == LandUseClass("070102", "二类城镇住宅用地", 3, "0701", "2023")
    with pytest.raises(AttributeError):
        c.name = "x"  # type: ignore[misc]


@pytest.mark.parametrize("bad", ["9999", "0206", "7", "", "07010", "abcd"])
def test_unknown_code_raises_clear_message(bad: str) -> None:
    assert landuse.find(bad) is None
    assert not landuse.is_valid(bad)
    with pytest.raises(UnknownLandUseCode) as info:
        landuse.get(bad)
    assert isinstance(info.value, KeyError)
    message = str(info.value)
    assert repr(bad) in message
    assert "unknown land-use code" in message
    assert "2023" in message


def test_unknown_code_raises_in_tree_helpers() -> None:
    for fn in (landuse.children, landuse.ancestors, landuse.is_urban_construction):
        with pytest.raises(UnknownLandUseCode):
            fn("9999")


def test_by_name_round_trip() -> None:
    for c in landuse.all_classes():
        assert landuse.by_name(c.name) == c
        assert landuse.by_name(c.short_name) == c


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("二类城镇住宅", "070102"),
        ("二类城镇住宅用地", "070102"),
        (" 中小学 ", "080403"),
        ("公园绿地用地", "1401"),
        ("广场", "1403"),
        ("盐田", "1003"),
        ("其他用海", "2005"),
    ],
)
def test_by_name_tolerates_suffix(name: str, code: str) -> None:
    found = landuse.by_name(name)
    assert found is not None and found.code == code


def test_by_name_unknown() -> None:
    assert landuse.by_name("不存在") is None
    assert landuse.by_name("") is None


# --------------------------------------------------------------------------- 2020 trial


def test_trial_version_detects_0204_other_orchard() -> None:
    msg = landuse.trial_version_issue("0204", "其他园地")
    assert msg is not None
    assert "2020" in msg and "0205" in msg and "油料园地" in msg


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("0204", "油料园地"),
        ("0205", "其他园地"),
        ("060102", "田间道"),
        ("0204", None),
        ("0101", "水田"),
    ],
)
def test_trial_version_no_false_alarm(code: str, name: str | None) -> None:
    assert landuse.trial_version_issue(code, name) is None


def test_trial_version_detects_field_road_under_other_land() -> None:
    msg = landuse.trial_version_issue("2302", "田间道")
    assert msg is not None and "060102" in msg


def test_trial_differences_point_at_2023_classes() -> None:
    assert TRIAL_2020_DIFFERENCES
    for diff in TRIAL_2020_DIFFERENCES:
        assert landuse.get(diff.code_2023).name == diff.name_2020
        assert diff.source in {"S", "U"}


# --------------------------------------------------------------------------- urban rules


@pytest.mark.parametrize(
    ("code", "urban"),
    [
        ("070102", True),
        ("0702", True),
        ("0703", False),
        ("070301", False),
        ("0704", False),
        ("080403", True),
        ("0902", True),
        ("1001", True),
        ("100102", True),
        ("1002", False),
        ("1003", False),
        ("1101", True),
        ("1201", False),
        ("1206", True),
        ("1207", True),
        ("120803", True),
        ("1209", False),
        ("1301", True),
        ("1401", True),
        ("1501", False),
        ("1507", False),
        ("16", False),
        ("0101", False),
        ("1801", False),
    ],
)
def test_is_urban_construction_default(code: str, urban: bool) -> None:
    assert landuse.is_urban_construction(code) is urban


def test_special_land_is_construction_but_not_urban() -> None:
    for c in landuse.children("15"):
        assert landuse.is_construction(c.code)
        assert not landuse.is_urban_construction(c.code)


def test_urban_implies_construction() -> None:
    for c in landuse.all_classes():
        if landuse.is_urban_construction(c.code):
            assert landuse.is_construction(c.code), c.code


def test_rules_are_configurable() -> None:
    rules = LandRules(urban=DEFAULT_LAND_RULES.urban + ("15",), not_urban=("1501",))
    assert landuse.is_urban_construction("1506", rules)
    assert not landuse.is_urban_construction("1501", rules)


# --------------------------------------------------------------------------- lexicon


def test_planning_lexicon() -> None:
    words = landuse.planning_lexicon()
    assert len(words) == len(set(words))
    for c in landuse.all_classes():
        assert c.name in words
    assert "二类城镇住宅" in words
    assert "中小学" in words
    assert "设施农" not in words
    assert all(len(w) >= 2 for w in words)


# --------------------------------------------------------------------------- loading


def test_nothing_read_at_import() -> None:
    code = (
        "import spatial.landuse as m; "
        "assert m._index.cache_info().currsize == 0; "
        "m.get('0101'); "
        "assert m._index.cache_info().currsize == 1"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[2])


def test_table_loaded_once_and_cached() -> None:
    landuse._index.cache_clear()
    assert landuse._index.cache_info().currsize == 0
    landuse.get("0101")
    landuse.get("0102")
    info = landuse._index.cache_info()
    assert info.currsize == 1 and info.misses == 1


@pytest.mark.parametrize(
    "text",
    [
        "code,name\n01,耕地\n",
        "code,name,level,parent,version,verified\n0101,水田,2,,2023,yes\n",
        "code,name,level,parent,version,verified\n01,耕地,2,,2023,yes\n",
        "code,name,level,parent,version,verified\n01,耕地,1,,2023,maybe\n",
    ],
)
def test_malformed_table_rejected(text: str) -> None:
    with pytest.raises(LandUseDataError):
        landuse._build_index(landuse._parse(text))


def test_orphan_and_duplicate_rejected() -> None:
    header = "code,name,level,parent,version,verified\n"
    with pytest.raises(LandUseDataError, match="parent"):
        landuse._build_index(landuse._parse(header + "0101,水田,2,01,2023,yes\n"))
    with pytest.raises(LandUseDataError, match="duplicate"):
        landuse._build_index(landuse._parse(header + "01,耕地,1,,2023,yes\n01,耕地,1,,2023,yes\n"))
