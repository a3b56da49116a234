"""The world the API and web-page tests share: the demo workspace, planted internal and confidential texts, and a
scripted model at the model boundary (everything else is real).

``build_world(tmp_path_factory)`` returns ``(container, model)``; the caller closes the container.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from assistant.llm.client import ChatResult
from ingest.models import Access
from spatial.kinds import LayerKind
from tests.conftest import write

DEMO_LAYERS = Path(__file__).resolve().parents[2] / "demo" / "layers"

CONFIDENTIAL_MARK = "机密核查编号CX-7731"
INTERNAL_MARK = "内部审查编号NB-2291"
CONFIDENTIAL_DOC = f"""# 永久基本农田储备区核查报告（机密）

第一条 {CONFIDENTIAL_MARK}：示范县永久基本农田储备区核查发现三处图斑需调出，涉及面积12.7公顷。
"""
INTERNAL_DOC = f"""# 城镇开发边界局部优化内部审查意见

第一条 {INTERNAL_MARK}：城镇开发边界局部优化方案经内部审查，建议暂缓报批。
"""


def copy_first(messages: list[dict[str, Any]]) -> str:
    """A well-behaved model: the first sentence of the first numbered passage, cited."""
    user = messages[-1]["content"]
    lines = re.findall(r"^\[(\d+)\] [^：\n]*：(.*)$", user, re.M)
    if not lines:
        return "依据不足"
    n, text = lines[0]
    return re.split(r"(?<=[。；])", text)[0].rstrip("。；") + f"[{n}]。"


class FakeModel:
    """The chat callable the QA service uses, scripted (``reply(messages) -> str``), streaming its reply in pieces."""

    def __init__(self, reply=copy_first) -> None:
        self.reply = reply
        self.calls = 0

    def __call__(self, messages, *, max_tokens: int, tools=None, on_token=None) -> ChatResult:
        self.calls += 1
        if tools is not None:
            return ChatResult(text="", model="fake")
        text = self.reply(messages)
        if on_token is not None:
            for i in range(0, len(text), 4):
                on_token(text[i:i + 4])
        return ChatResult(text=text, model="fake", ttft_ms=1.0)


def build_world(tmp_path_factory, model: FakeModel | None = None) -> tuple[Any, FakeModel]:
    """A container over a fresh demo workspace with the planted texts, answering with ``model`` (a FakeModel)."""
    from assistant.container import Container
    from assistant.qa.service import QAService
    from assistant.qa.tools import Toolbox
    from assistant.settings import load_settings
    from demo.build import build_demo

    ws = tmp_path_factory.mktemp("api") / "workspace"
    c = Container(load_settings("test", environ={"ONEMAP_HOME": str(ws)}))
    build_demo(c)
    planted = tmp_path_factory.mktemp("planted")
    write(planted / "confidential" / "pbf_reserve_check.md", CONFIDENTIAL_DOC)
    write(planted / "internal" / "udb_review.md", INTERNAL_DOC)
    for level in (Access.CONFIDENTIAL, Access.INTERNAL):
        report = c.ingest.ingest([planted / level.value], access=level)
        assert not report.failed
    model = model or FakeModel()
    c.__dict__["qa"] = QAService(c.settings, Toolbox(c), model, model_name=lambda: "fake")
    return c, model


@contextmanager
def layer_at(container, kind: LayerKind, access: Access) -> Iterator[None]:
    """The demo layer of ``kind`` re-imported at ``access`` for the block, public again after (every demo layer
    is public)."""
    path = DEMO_LAYERS / f"{kind.value}.geojson"
    container.layers.import_file(kind, path, access)
    try:
        yield
    finally:
        container.layers.import_file(kind, path, Access.PUBLIC)
