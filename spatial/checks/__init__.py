"""The checks: pure functions over a project, the overlaps a backend found, and the rule tables.

Each function returns one :class:`spatial.verdict.CheckResult`; none touches a
backend, a file or a setting, so each can be tested with hand-made inputs.
"""

from spatial.checks.control_lines import check_farmland, check_redline, check_urban_boundary
from spatial.checks.indicators import check_indicator
from spatial.checks.land_use import check_land_use
from spatial.checks.unit_balance import UnitFacts, check_unit_balance

__all__ = ["UnitFacts", "check_farmland", "check_indicator", "check_land_use", "check_redline",
           "check_unit_balance", "check_urban_boundary"]
