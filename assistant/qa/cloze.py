"""Reading a fill-in-the-blank exam question off an excerpt, without the model.

Many exam questions copy a clause and blank out a few words::

    根据《城乡规划法》，县级以上地方人民政府城乡规划主管部门负责( )的城乡规划管理工作。
    第十一条 ……县级以上地方人民政府城乡规划主管部门负责本行政区域内的城乡规划管理工作。

When an excerpt holds exactly one option with the words around the blank on
either side of it, that option is the one the clause says. The served model
is small and often answers from habit even with the clause in front of it;
this check is exact and cheap, so it goes first, and the model answers
whatever it does not settle. It declines on multiple-choice questions (a list
of right options is seldom one verbatim run), on questions that ask for the
wrong or excluded option (不正确, 不包括, 除……外), and whenever two options tie.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping

BLANK = re.compile(r"_{2,}|[(（]\s*[)）]")
NEGATION = re.compile(r"不正确|不符合|不属于|不包括|不包含|不是|错误|有误|除.{0,20}外")  # asks for the wrong one
CONTEXT = 8  # characters of the stem taken on each side of the blank
MIN_CONTEXT = 3  # characters of that context the excerpt must repeat next to the option


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def context_match(left: str, option: str, right: str, text: str) -> int:
    """The most stem characters next to ``option`` that ``text`` repeats, over its occurrences; -1 if absent.

    Examples
    --------
    >>> context_match("之日起", "10", "个工作日", "应当自开工之日起10个工作日内补办")
    7
    >>> context_match("之日起", "5", "个工作日", "应当自开工之日起10个工作日内补办")
    -1
    """
    best, start = -1, text.find(option)
    while start >= 0:
        before = _common_prefix(left[::-1], text[:start][::-1])
        after = _common_prefix(right, text[start + len(option):])
        best = max(best, before + after)
        start = text.find(option, start + 1)
    return best


def cloze_answer(question: str, options: Mapping[str, str], excerpts: Iterable[str], *, multi: bool = False) -> str:
    """The one option an excerpt states in the blank's place, or ``""`` when the excerpts do not settle it.

    Examples
    --------
    >>> q = "县级以上地方人民政府城乡规划主管部门负责( )的城乡规划管理工作。"
    >>> opts = {"A": "本行政区域内", "B": "本行政区域规划区内", "C": "本行政区域建成区内"}
    >>> cloze_answer(q, opts, ["第十一条 县级以上地方人民政府城乡规划主管部门负责本行政区域内的城乡规划管理工作。"])
    'A'
    >>> cloze_answer("下列不属于房地产交易的是( )", {"A": "房地产评估", "B": "房地产转让"}, ["房地产交易，包括房地产转让"])
    ''
    """
    blanks = list(BLANK.finditer(question))
    if multi or len(blanks) != 1 or NEGATION.search(question):
        return ""
    blank = blanks[0]
    left = _norm(question[: blank.start()])[-CONTEXT:]
    right = _norm(question[blank.end():])[:CONTEXT]
    texts = [_norm(t) for t in excerpts if t]
    scores = {}
    for letter, option in options.items():
        option = _norm(option)
        if option:
            scores[letter] = max((context_match(left, option, right, t) for t in texts), default=-1)
    ranked = sorted(scores.items(), key=lambda kv: -kv[1])
    if not ranked or ranked[0][1] < MIN_CONTEXT or (len(ranked) > 1 and ranked[1][1] == ranked[0][1]):
        return ""
    return ranked[0][0]
