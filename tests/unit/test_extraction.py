"""Planning-condition extraction: units, spans, locators, conflicts, the model check and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.extraction import ExtractionError, ExtractionService, extract
from assistant.extraction.normalise import area_m2, parse_far, parse_parking, parse_percent
from assistant.llm.client import ChatResult

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "bench" / "data" / "extraction" / "docs"

NOTICE = """# 规划条件

地块编号：SF-09-01。总用地面积4.20公顷，其中净用地面积3.60公顷。

（一）用地性质：二类城镇住宅用地（070102），可兼容零售商业用地。

（二）容积率：1.5-2.8。建筑密度不大于22%，建筑限高80米，绿地率不小于35%。

（三）机动车停车位按每户不少于1.0个配建，非机动车停车位按每户不少于2.0个配建。

（四）配建社区卫生服务站一处，建筑面积不小于600平方米。退南环路道路红线不小于15米。
"""

TABLE_AND_TEXT = """# 控规

表2-1 地块指标

| 地块编号 | 用地代码 | 用地性质 | 用地面积(亩) | 容积率上限 | 建筑密度(%) | 绿地率(%) |
|---|---|---|---|---|---|---|
| XC-09-01 | 070102 | 二类城镇住宅用地 | 60 | 2.5 | 25 | 35 |

第六条 XC-09-01地块容积率不大于2.8。
"""


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize(("number", "unit", "m2"), [(3.6, "公顷", 36000.0), (60, "亩", 40000.0), (500, "m²", 500.0),
                                                    (1.5, "ha", 15000.0)])
def test_area_units_normalise_to_square_metres(number, unit, m2):
    assert area_m2(number, unit) == m2


@pytest.mark.parametrize(("text", "expected"), [
    ("1.5-2.8", {"far_min": 1.5, "far_max": 2.8}), ("不大于2.8", {"far_max": 2.8}), ("≤2.0", {"far_max": 2.0}),
    ("大于1.0且不大于2.5", {"far_min": 1.0, "far_max": 2.5}), ("0.8≤容积率≤1.2", {"far_min": 0.8, "far_max": 1.2}),
])
def test_far_forms(text, expected):
    assert {r.field: r.value for r in parse_far(text)} == expected


def test_green_lower_bound_and_density_upper_bound_only():
    assert [r.value for r in parse_percent("不小于35%", "green_min")] == [35.0]
    assert parse_percent("≤15", "green_min") == []  # an upper bound on green is not green_min
    assert parse_percent("≥40", "density_max") == []


@pytest.mark.parametrize(("text", "value", "unit"), [("1.0车位/户", 1.0, "个/户"), ("每100平方米0.8个", 0.8, "个/100m²"),
                                                     ("0.6个/100m²建筑面积", 0.6, "个/100m²")])
def test_parking_units(text, value, unit):
    r = parse_parking(text)[0]
    assert (r.value, r.unit) == (value, unit)


def test_prose_notice_fields_spans_and_locators(tmp_path):
    path = write(tmp_path, "notice.md", NOTICE)
    result = extract(path)
    [parcel] = result.parcels
    f = parcel.fields
    assert parcel.parcel_id == "SF-09-01"
    assert f["area_m2"].value == 36000.0 and f["area_m2"].span == "净用地面积3.60公顷"
    assert (f["far_min"].value, f["far_max"].value) == (1.5, 2.8)
    assert f["green_min"].value == 35.0 and f["green_min"].span == "绿地率不小于35%"
    assert f["land_use"].value == {"code": "070102", "name": "二类城镇住宅用地"}
    assert f["parking"].value == 1.0 and f["parking"].unit == "个/户"
    assert [c.value["code"] for c in f["compatible_uses"]] == ["090101"]
    assert [(x.value["name"], x.value["gfa_m2"]) for x in f["facilities"]] == [("社区卫生服务站", 600.0)]
    assert [(x.value["boundary"], x.value["distance_m"]) for x in f["setbacks"]] == [("道路红线", 15.0)]
    assert f["far_max"].locator == "（二）"
    assert not parcel.conflicts  # the bicycle ratio 2.0 is not a parking conflict
    source = path.read_text(encoding="utf-8")
    for fv in f.values():
        for item in fv if isinstance(fv, list) else [fv]:
            assert item.span in source


def test_table_versus_text_conflict_is_reported(tmp_path):
    result = extract(write(tmp_path, "plan.md", TABLE_AND_TEXT))
    [parcel] = result.parcels
    assert parcel.fields["far_max"].value == 2.5 and parcel.fields["far_max"].source == "table"
    assert parcel.fields["far_max"].locator == "表2-1 XC-09-01行「容积率上限」"
    assert parcel.fields["area_m2"].value == 40000.0  # 60 亩
    [conflict] = parcel.conflicts
    assert conflict.field == "far_max" and sorted(v.value for v in conflict.values) == [2.5, 2.8]
    assert any("far_max" in w for w in result.warnings)


def test_gbk_text_file(tmp_path):
    result = extract(write(tmp_path, "gbk.txt", NOTICE.replace("# 规划条件", "规划条件"), encoding="gbk"))
    assert result.parcels[0].fields["far_max"].value == 2.8


def test_pdf_table_across_a_page_break():
    result = extract(DOCS / "d06_south_table_page_break.pdf")
    ids = [p.parcel_id for p in result.parcels]
    assert ids == [f"SN-06-{i:02d}" for i in range(1, 11)]
    p10 = result.parcels[-1]
    assert p10.fields["area_m2"].value == 13200.0 and p10.fields["area_m2"].locator.startswith("第2页 表3-1")
    assert [(x.value["name"], x.value["gfa_m2"]) for x in result.parcels[0].fields["facilities"]] == [
        ("社区卫生服务站", 600.0), ("社区居家养老服务站", 350.0)]


class FakeChat:
    def __init__(self, reply: dict):
        self.reply = reply
        self.calls = 0

    def __call__(self, messages, *, max_tokens=400, **_):
        self.calls += 1
        return ChatResult(text=json.dumps(self.reply, ensure_ascii=False))


UNREAD = """# 条件

一、DK-01-01地块。用地性质为二类城镇住宅用地。容积率宜控制在二点五左右，建筑限高54米。
"""


def test_model_value_absent_from_text_is_dropped(tmp_path):
    path = write(tmp_path, "unread.md", UNREAD)
    chat = FakeChat({"far_max": {"value": 2.5, "span": "容积率不大于2.5"}})
    result = ExtractionService(chat).extract(path)
    assert chat.calls == 1
    assert "far_max" not in result.parcels[0].fields
    assert any("far_max" in w and "丢弃" in w for w in result.warnings)


def test_model_value_found_in_text_is_kept_and_marked(tmp_path):
    path = write(tmp_path, "unread.md", UNREAD.replace("容积率宜控制在二点五左右", "2.5为本地块容积率上限"))
    chat = FakeChat({"far_max": {"value": 2.5, "span": "2.5为本地块容积率上限"},
                     "green_min": {"value": 30, "span": "绿地率不小于30%"}})
    result = ExtractionService(chat).extract(path)
    fv = result.parcels[0].fields["far_max"]
    assert (fv.value, fv.source, fv.span) == (2.5, "model", "2.5为本地块容积率上限")
    assert "green_min" not in result.parcels[0].fields  # not asked (no 绿地率 in the text) and not in the text


def test_no_parcels_and_unreadable_file_raise(tmp_path):
    with pytest.raises(ExtractionError, match="no parcels"):
        extract(write(tmp_path, "none.md", "# 通知\n\n本文没有地块指标。\n"))
    with pytest.raises(ExtractionError, match="file not found"):
        extract(tmp_path / "missing.pdf")
    with pytest.raises(ExtractionError):
        extract(write(tmp_path, "broken.pdf", "not a pdf at all"))


def test_cli_exit_codes_and_json(tmp_path, monkeypatch):
    from assistant.cli import app

    monkeypatch.setenv("ONEMAP_HOME", str(tmp_path / "ws"))  # the audit trail is written there
    monkeypatch.setenv("ONEMAP_PROFILE", "test")
    runner = CliRunner()
    bad = runner.invoke(app, ["extract", str(write(tmp_path, "none.md", "# 通知\n\n没有地块。\n")), "--no-model"])
    assert bad.exit_code == 2 and "no parcels" in bad.output
    good = runner.invoke(app, ["extract", str(write(tmp_path, "plan.md", TABLE_AND_TEXT)), "--json", "--no-model"])
    assert good.exit_code == 0, good.output
    data = json.loads(good.stdout)
    assert data["parcels"][0]["fields"]["far_max"]["value"] == 2.5
    assert data["parcels"][0]["conflicts"][0]["field"] == "far_max"
