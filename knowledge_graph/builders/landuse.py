"""The 用地用海分类 2023 table as LandUseClass nodes with PARENT_OF."""

from __future__ import annotations

from knowledge_graph.schema import GraphData
from spatial import landuse


def landuse_graph() -> GraphData:
    g = GraphData()
    for c in landuse.all_classes():
        g.node("LandUseClass", {"code": c.code, "name": c.name, "level": c.level, "version": c.version})
        if c.parent:
            g.edge("PARENT_OF", "LandUseClass", c.parent, "LandUseClass", c.code)
    return g
