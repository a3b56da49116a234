"""用地用海分类: the land- and sea-use classification of the 2023 guide.

The full table of 《国土空间调查、规划、用途管制用地用海分类指南》
(自然资发〔2023〕234号), which replaced the 2020 试行 version, kept as data in
``spatial/data/landuse_2023.csv`` (columns ``code,name,level,parent,version,
verified``): 24 first-level classes (01–24, 用海 18–22 and 24), their second
and third levels. Codes are strings of 2, 4 or 6 digits; a class's parent is
its code minus the last two digits.

``verified`` in the CSV is ``yes`` for classes whose code and name are listed
in the project's domain brief (``shared/DOMAIN.md`` §2, itself taken from
secondary sources), ``no`` for the second-level 用海 classes (1801–2206) that
were filled in from knowledge of the 2023 guide and cross-checked only against
third-party code tables. Treat ``verified=False`` names as likely but
unconfirmed against the published guide.

The table is read lazily on first use (``importlib.resources``) and cached;
importing this module reads nothing.

Examples
--------
>>> get("070102").name
'二类城镇住宅用地'
>>> [c.code for c in ancestors("070102", include_self=True)]
['07', '0701', '070102']
>>> by_name("二类城镇住宅").code
'070102'
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

__all__ = [
    "CURRENT_VERSION",
    "DEFAULT_LAND_RULES",
    "GUIDE_2023",
    "NAME_ALIASES",
    "TRIAL_2020_DIFFERENCES",
    "LandRules",
    "LandUseClass",
    "LandUseDataError",
    "TrialDifference",
    "UnknownLandUseCode",
    "all_classes",
    "ancestors",
    "by_name",
    "children",
    "find",
    "get",
    "is_construction",
    "is_urban_construction",
    "is_valid",
    "planning_lexicon",
    "trial_version_issue",
]

GUIDE_2023 = "国土空间调查、规划、用途管制用地用海分类指南（自然资发〔2023〕234号）"
CURRENT_VERSION = "2023"

_DATA_DIR = "data"
_DATA_FILE = "landuse_2023.csv"
_COLUMNS = ("code", "name", "level", "parent", "version", "verified")
_SUFFIX = "用地"
# Stems that would be meaningless on their own once 用地 is cut off
# ("设施农用地" -> "设施农", "种植设施建设用地" -> "种植设施建设").
_NO_STRIP_STEM_ENDINGS = ("农", "建设")

# Other names seen for a class in circulation. 2005 is "其他交通运输用海" in one
# third-party code table and "其他用海" in another (DOMAIN.md §2) [U].
NAME_ALIASES: dict[str, str] = {"其他用海": "2005"}


# --------------------------------------------------------------------------- errors


class UnknownLandUseCode(KeyError):
    """A code that is not a class of the 2023 用地用海分类.

    Subclasses :class:`KeyError` so ``except KeyError`` keeps working, but
    prints a readable message instead of a quoted repr.
    """

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code

    def __str__(self) -> str:
        return (
            f"unknown land-use code {self.code!r}: not a class of 用地用海分类 "
            f"{CURRENT_VERSION} (自然资发〔2023〕234号); codes are 2, 4 or 6 digits "
            "with leading zeros, e.g. '07', '0701', '070102'"
        )


class LandUseDataError(ValueError):
    """The bundled classification table is malformed (a packaging bug)."""


# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class LandUseClass:
    """One class of the 用地用海分类.

    Attributes
    ----------
    code : str
        2, 4 or 6 digits, e.g. ``"07"``, ``"0701"``, ``"070102"``.
    name : str
        Official full name, e.g. ``"二类城镇住宅用地"``.
    level : int
        1, 2 or 3 (一级类, 二级类, 三级类).
    parent : str or None
        Code of the parent class; ``None`` for first-level classes.
    version : str
        Edition of the guide the class belongs to (``"2023"``).
    verified : bool
        Whether code and name were checked against the project's domain brief
        (see the module docstring). Not part of equality.

    Examples
    --------
    >>> c = get("0701")
    >>> (c.code, c.name, c.level, c.parent, c.version)
    ('0701', '城镇住宅用地', 2, '07', '2023')
    >>> c.short_name
    '城镇住宅'
    """

    code: str
    name: str
    level: int
    parent: str | None
    version: str
    verified: bool = field(default=True, compare=False)

    @property
    def short_name(self) -> str:
        """Name without a trailing 用地 when that leaves a meaningful term.

        >>> get("1401").short_name
        '公园绿地'
        >>> get("080403").short_name
        '中小学'
        """
        return _strip_suffix(self.name) or self.name

    @property
    def is_sea(self) -> bool:
        """True for sea-use classes (18–22 用海 and 24 其他海域).

        >>> get("1801").is_sea, get("0101").is_sea
        (True, False)
        """
        return self.code[:2] in {"18", "19", "20", "21", "22", "24"}


@dataclass(frozen=True)
class TrialDifference:
    """A code/name pair of the 2020 试行 guide that means something else in 2023.

    Attributes
    ----------
    code_2020 : str
        Code (or code prefix, for a first-level group) where the 2020 trial
        placed ``name_2020``.
    name_2020 : str
        Name used in the 2020 trial.
    code_2023 : str
        Where that class is in the 2023 guide.
    note : str
        What changed.
    source : str
        ``"S"`` secondary source (DOMAIN.md §2), ``"U"`` unverified recollection.
    """

    code_2020: str
    name_2020: str
    code_2023: str
    note: str
    source: str


# Known differences of the 2020 试行 version (自然资办发〔2020〕51号); DOMAIN.md §2 [S],
# cf. exam key PBQ regulation Q55. Only what the brief supports is listed here.
TRIAL_2020_DIFFERENCES: tuple[TrialDifference, ...] = (
    TrialDifference(
        code_2020="0204",
        name_2020="其他园地",
        code_2023="0205",
        note="the 2020 trial had 0204 其他园地; 2023 inserted 0204 油料园地 and moved 其他园地 to 0205",
        source="S",
    ),
    TrialDifference(
        code_2020="23",
        name_2020="田间道",
        code_2023="060102",
        note="the 2020 trial put 田间道 under 23 其他土地 (as 2302, today's "
        "后备耕地 [U]); 2023 puts it under 0601 农村道路",
        source="S",
    ),
)


# --------------------------------------------------------------------------- rules


@dataclass(frozen=True)
class LandRules:
    """Which classes count as (urban) construction land, by code prefix.

    A code is matched against every prefix in the positive and negative lists
    of a question; the longest matching prefix decides, and no match means
    ``False``. So ``"0703"`` in ``not_urban`` beats ``"07"`` in ``urban``.

    **This mapping is a configurable assumption.** The guide's appendix maps
    classes to 农用地/建设用地/未利用地 and to 城乡建设用地, but the project
    has not retrieved it (DOMAIN.md §2 and §7 mark it [U]). Pass your own
    ``LandRules`` to the helpers when the official table or a local standard
    says otherwise.

    Note also that a class alone cannot settle urban vs rural: a 0801 机关团体
    parcel inside a village is village land. Where survey data carry the
    城镇村属性码 (CZCSXM 201/202 城市/建制镇 vs 203 村庄), prefer that.
    """

    urban: tuple[str, ...]
    not_urban: tuple[str, ...] = ()
    construction: tuple[str, ...] = ()
    not_construction: tuple[str, ...] = ()

    def is_urban(self, code: str) -> bool:
        return _decide(code, self.urban, self.not_urban)

    def is_construction(self, code: str) -> bool:
        return _decide(code, self.construction, self.not_construction)


def _decide(code: str, yes: tuple[str, ...], no: tuple[str, ...]) -> bool:
    best_yes = max((len(p) for p in yes if code.startswith(p)), default=-1)
    best_no = max((len(p) for p in no if code.startswith(p)), default=-1)
    return best_yes > best_no


# Default assumption [U]:
# - urban construction: 07 居住 except the rural 0703 农村宅基地 / 0704 农村社区服务设施;
#   08 公共管理与公共服务; 09 商业服务业; 1001 工业 (not 1002 采矿, 1003 盐田, which
#   sit wherever the resource is); 11 仓储; 1206 城市轨道交通, 1207 城镇村道路,
#   1208 交通场站 (not the regional 1201–1205 and 1209); 13 公用设施; 14 绿地与开敞空间.
#   A bare first-level 07 counts as urban, bare 10 and 12 do not (mixed groups).
# - 15 特殊用地 (1501–1507) and 16 留白用地 are construction land but not assumed
#   urban; 1002/1003 and regional transport (1201–1205, 1209) likewise.
# - 06 农业设施建设用地: only 060101 村道用地 is counted as construction; 060102
#   田间道 and 0602 设施农用地 are treated as agricultural, as 土地管理法 practice
#   does for 设施农用地.
DEFAULT_LAND_RULES = LandRules(
    urban=("07", "08", "09", "1001", "11", "1206", "1207", "1208", "13", "14"),
    not_urban=("0703", "0704", "1002", "1003"),
    construction=("060101", "07", "08", "09", "10", "11", "12", "13", "14", "15", "16"),
    not_construction=(),
)


# --------------------------------------------------------------------------- loading


@dataclass(frozen=True)
class _Index:
    ordered: tuple[LandUseClass, ...]
    by_code: dict[str, LandUseClass]
    children: dict[str, tuple[LandUseClass, ...]]
    by_exact_name: dict[str, LandUseClass]
    # Suffix variants and aliases; None marks an ambiguous variant.
    by_variant: dict[str, LandUseClass | None]


def _strip_suffix(name: str) -> str | None:
    """``name`` without its 用地 suffix, or None if it has none / makes no sense."""
    if not name.endswith(_SUFFIX):
        return None
    stem = name[: -len(_SUFFIX)]
    if len(stem) < 2 or stem.endswith(_NO_STRIP_STEM_ENDINGS):
        return None
    return stem


def _name_variants(name: str) -> list[str]:
    stem = _strip_suffix(name)
    if stem is not None:
        return [stem]
    if not name.endswith(_SUFFIX):
        return [name + _SUFFIX]
    return []


def _read_table_text() -> str:
    package = __package__ or "spatial"
    return resources.files(package).joinpath(_DATA_DIR).joinpath(_DATA_FILE).read_text(encoding="utf-8")


def _parse(text: str) -> tuple[LandUseClass, ...]:
    reader = csv.DictReader(io.StringIO(text))
    if tuple(reader.fieldnames or ()) != _COLUMNS:
        raise LandUseDataError(f"{_DATA_FILE}: expected columns {','.join(_COLUMNS)}, got {reader.fieldnames}")
    classes: list[LandUseClass] = []
    for row in reader:
        line = reader.line_num
        code = row["code"].strip()
        name = row["name"].strip()
        parent = row["parent"].strip() or None
        if not (code.isdigit() and len(code) in (2, 4, 6)):
            raise LandUseDataError(f"{_DATA_FILE}:{line}: bad code {code!r}")
        level = len(code) // 2
        if row["level"].strip() != str(level):
            raise LandUseDataError(f"{_DATA_FILE}:{line}: level of {code} should be {level}")
        expected_parent = code[:-2] if level > 1 else None
        if parent != expected_parent:
            raise LandUseDataError(
                f"{_DATA_FILE}:{line}: parent of {code} should be {expected_parent!r}, got {parent!r}"
            )
        verified = row["verified"].strip().lower()
        if verified not in ("yes", "no") or not name or not row["version"].strip():
            raise LandUseDataError(f"{_DATA_FILE}:{line}: incomplete row for {code}")
        classes.append(
            LandUseClass(
                code=code,
                name=name,
                level=level,
                parent=parent,
                version=row["version"].strip(),
                verified=verified == "yes",
            )
        )
    return tuple(sorted(classes, key=lambda c: c.code))


def _build_index(classes: tuple[LandUseClass, ...]) -> _Index:
    by_code: dict[str, LandUseClass] = {}
    by_exact_name: dict[str, LandUseClass] = {}
    kids: dict[str, list[LandUseClass]] = {}
    for c in classes:
        if c.code in by_code:
            raise LandUseDataError(f"{_DATA_FILE}: duplicate code {c.code}")
        if c.name in by_exact_name:
            raise LandUseDataError(f"{_DATA_FILE}: duplicate name {c.name}")
        by_code[c.code] = c
        by_exact_name[c.name] = c
    for c in classes:
        if c.parent is not None:
            if c.parent not in by_code:
                raise LandUseDataError(f"{_DATA_FILE}: parent {c.parent} of {c.code} missing")
            kids.setdefault(c.parent, []).append(c)

    by_variant: dict[str, LandUseClass | None] = {}
    for c in classes:
        for variant in _name_variants(c.name):
            if variant in by_exact_name:
                continue
            by_variant[variant] = None if variant in by_variant else c
    for alias, code in NAME_ALIASES.items():
        if alias not in by_exact_name:
            by_variant[alias] = by_code[code]

    return _Index(
        ordered=classes,
        by_code=by_code,
        children={k: tuple(v) for k, v in kids.items()},
        by_exact_name=by_exact_name,
        by_variant=by_variant,
    )


@cache
def _index() -> _Index:
    return _build_index(_parse(_read_table_text()))


def _norm_code(code: str) -> str:
    return str(code).strip()


def _norm_name(name: str) -> str:
    return name.strip().replace("\u3000", "").replace(" ", "")


# --------------------------------------------------------------------------- lookups


def find(code: str) -> LandUseClass | None:
    """The class with this code, or None.

    Examples
    --------
    >>> find("0101").name
    '水田'
    >>> find("9999") is None
    True
    """
    return _index().by_code.get(_norm_code(code))


def get(code: str) -> LandUseClass:
    """The class with this code.

    Raises
    ------
    UnknownLandUseCode
        If ``code`` is not a 2023 class (a :class:`KeyError`).

    Examples
    --------
    >>> get("070102").name
    '二类城镇住宅用地'
    >>> get(" 1207 ").name
    '城镇村道路用地'
    >>> get("0799")  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    UnknownLandUseCode: unknown land-use code '0799': ...
    """
    found = find(code)
    if found is None:
        raise UnknownLandUseCode(_norm_code(code))
    return found


def is_valid(code: str) -> bool:
    """True if ``code`` is a class of the 2023 guide.

    Examples
    --------
    >>> is_valid("0205"), is_valid("0206"), is_valid("7")
    (True, False, False)
    """
    return find(code) is not None


def all_classes() -> list[LandUseClass]:
    """Every class, in code order (each parent right before its children).

    Examples
    --------
    >>> classes = all_classes()
    >>> classes[0].code, classes[1].code
    ('01', '0101')
    >>> sum(1 for c in classes if c.level == 1)
    24
    """
    return list(_index().ordered)


def children(code: str) -> list[LandUseClass]:
    """Direct children of a class, in code order (empty for leaves).

    Examples
    --------
    >>> [c.name for c in children("0701")]
    ['一类城镇住宅用地', '二类城镇住宅用地', '三类城镇住宅用地']
    >>> children("16")
    []
    """
    parent = get(code)
    return list(_index().children.get(parent.code, ()))


def ancestors(code: str, *, include_self: bool = False) -> list[LandUseClass]:
    """Ancestors of a class, root (first level) first.

    Examples
    --------
    >>> [c.code for c in ancestors("070102")]
    ['07', '0701']
    >>> [c.name for c in ancestors("120803", include_self=True)]
    ['交通运输用地', '交通场站用地', '社会停车场用地']
    >>> ancestors("01")
    []
    """
    node = get(code)
    chain = [node] if include_self else []
    by_code = _index().by_code
    while node.parent is not None:
        node = by_code[node.parent]
        chain.append(node)
    chain.reverse()
    return chain


def by_name(name: str) -> LandUseClass | None:
    """The class with this name, tolerating a missing or extra 用地 suffix.

    Exact names win. A variant that could mean two classes returns None.

    Examples
    --------
    >>> by_name("二类城镇住宅用地").code
    '070102'
    >>> by_name("二类城镇住宅").code
    '070102'
    >>> by_name("公园绿地用地").code
    '1401'
    >>> by_name("不存在的用地") is None
    True
    """
    key = _norm_name(name)
    idx = _index()
    exact = idx.by_exact_name.get(key)
    if exact is not None:
        return exact
    return idx.by_variant.get(key)


# --------------------------------------------------------------------------- QC helpers


def _same_name(a: str, b: str) -> bool:
    a, b = _norm_name(a), _norm_name(b)
    return a == b or (_strip_suffix(a) or a) == (_strip_suffix(b) or b)


def trial_version_issue(code: str, name: str | None) -> str | None:
    """A message if ``code``/``name`` follow the 2020 试行 guide instead of 2023.

    A code alone is not enough (0204 exists in both editions with different
    meanings), so ``name=None`` always returns None.

    Examples
    --------
    >>> msg = trial_version_issue("0204", "其他园地")
    >>> "2020" in msg and "0205" in msg
    True
    >>> trial_version_issue("0204", "油料园地") is None
    True
    >>> trial_version_issue("0204", None) is None
    True
    """
    if name is None:
        return None
    code = _norm_code(code)
    for diff in TRIAL_2020_DIFFERENCES:
        if not code.startswith(diff.code_2020) or not _same_name(name, diff.name_2020):
            continue
        current = find(code)
        if current is not None and _same_name(current.name, name):
            continue
        target = get(diff.code_2023)
        now = f"{code} is {current.name}" if current else f"{code} is not a class"
        return (
            f"'{code} {name.strip()}' follows the 2020 trial (试行) 用地用海分类: "
            f"{diff.note}. In the {CURRENT_VERSION} guide (自然资发〔2023〕234号) {now}; "
            f"{diff.name_2020} is {target.code} {target.name}."
        )
    return None


def is_urban_construction(code: str, rules: LandRules = DEFAULT_LAND_RULES) -> bool:
    """Whether a class counts as urban construction land (城镇建设用地).

    Uses :data:`DEFAULT_LAND_RULES`, a configurable assumption; see
    :class:`LandRules`.

    Raises
    ------
    UnknownLandUseCode
        If ``code`` is not a 2023 class.

    Examples
    --------
    >>> is_urban_construction("070102"), is_urban_construction("070301")
    (True, False)
    >>> is_urban_construction("1001"), is_urban_construction("1002")
    (True, False)
    >>> is_urban_construction("1207"), is_urban_construction("1202")
    (True, False)
    >>> is_urban_construction("1501")
    False
    """
    return rules.is_urban(get(code).code)


def is_construction(code: str, rules: LandRules = DEFAULT_LAND_RULES) -> bool:
    """Whether a class counts as construction land (建设用地), urban or not.

    Same caveat as :func:`is_urban_construction`: a configurable assumption.

    Examples
    --------
    >>> is_construction("1501"), is_construction("070301"), is_construction("16")
    (True, True, True)
    >>> is_construction("0101"), is_construction("060102"), is_construction("1801")
    (False, False, False)
    """
    return rules.is_construction(get(code).code)


def planning_lexicon() -> list[str]:
    """Every class name, plus its form without 用地, for a jieba user dictionary.

    Stems that mean nothing alone ("设施农", "种植设施建设") are left out.
    Order follows the codes; no duplicates.

    Examples
    --------
    >>> words = planning_lexicon()
    >>> "二类城镇住宅用地" in words and "二类城镇住宅" in words
    True
    >>> "设施农" in words
    False
    """
    seen: dict[str, None] = {}
    for c in _index().ordered:
        seen.setdefault(c.name)
        stem = _strip_suffix(c.name)
        if stem is not None:
            seen.setdefault(stem)
    return list(seen)
