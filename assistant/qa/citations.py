"""The citation verifier: every sentence of an answer must be supported by the passage it cites.

Support is lexical, in two parts.  The share of a sentence's content character
bigrams (markers, punctuation, digits and filler words removed) that occur in the
cited passage must reach ``min_support``; and every planning term or authority the
sentence names (永久基本农田, 出让, 国务院 ... from :data:`ingest.lexicon.FORMAL_TERMS`)
must occur in the passage, so that a passage on 保护规划 does not support a sentence
on 村庄规划 however many words they share, and a passage on 划拨 does not support a
sentence on 出让.  Document titles in 《》 are names, not claims, and are not
checked.  Three more rules, each from a failure seen on the gold set: a
stretch of :data:`MAX_GAP_BIGRAMS` consecutive bigrams of the sentence that neither
the passage nor the question contains is an added claim ("施工队的方案违反了这一规定",
"设置自动强制留痕功能" cited to a passage on something else); every number the
sentence writes must be in the passage (2019年8月底 against a passage saying 11月底), in
a sentence of the passage that shares at least :data:`NUMBER_CONTEXT` of the words of the
number's clause (2019年7月30日 is in the passage, but as the date for reporting names,
not for the report); and, given the question, what the sentence adds to the question must
come from the passage, including at least one phrase of it (two bigrams in a row: scattered
bigrams such as 要在 and 统中 are not a source), and no clause may add
:data:`MIN_NEW_BIGRAMS` or more bigrams to the question none of which the passage has ("这笔钱
是用来支付社会保障费用" against a passage on 养老保险缴费补贴).  Each item of a list joined by 、
must be in the passage (建设项目安排、… against a passage whose list lacks it; the join itself
counts, so 市、县 is one authority).  A government or department the sentence names (the two
characters before 人民政府 / 主管部门 / 行政部门) must be named by the passage.  A bare verdict (不可以。不能行。是的，<the question restated>。: fewer than
:data:`MIN_CLAIM_BIGRAMS` content bigrams, or fewer than :data:`MIN_NEW_BIGRAMS` beyond the question) cannot be
checked against a passage and is dropped (the 1.5B model's bare yes/no answers on the gold
set were mostly wrong).  A sentence whose marker does not support it is re-pointed to the passage
that does, or dropped; a sentence without a marker is given the marker of its best
passage when that passage supports it, and is dropped otherwise.  What was changed is reported, so the
caller can flag the answer.

Examples
--------
>>> ev = {1: "永久基本农田经依法划定后，任何单位和个人不得擅自占用或者改变其用途。"}
>>> v = verify("永久基本农田划定后，任何单位不得擅自占用[1]。月亮是奶酪做的[1]。", ev, min_support=0.3)
>>> v.text, v.dropped
('永久基本农田划定后，任何单位不得擅自占用[1]。', ['月亮是奶酪做的'])
>>> verify("生态保护红线经依法划定后，任何单位不得擅自占用[1]。", ev, min_support=0.3).dropped
['生态保护红线经依法划定后，任何单位不得擅自占用']
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from pydantic import BaseModel, Field

from ingest.lexicon import FORMAL_TERMS

_MARKER = re.compile(r"\[(\d{1,2})\]")
_SENTENCE = re.compile(r"[^。！？；!?;\n]+[。！？；!?;]?|\n")
_STRIP = re.compile(r"[\s\[\]\d（）()《》〈〉“”\"'‘’，,、：:。！？；!?;…—\-*#>|]+")
# words of the question and the answer's own scaffolding, not facts
_FILLER = ("根据", "依据", "规定", "可以", "应当", "以及", "或者", "其中", "因此", "所以", "但是", "如果", "是否",
           "什么", "怎么", "哪些", "多少", "我们", "您的", "你的", "这个", "该项", "相关", "上述", "以上", "如下")
MIN_CLAIM_BIGRAMS = 4
MIN_NEW_BIGRAMS = 3  # a sentence adding fewer bigrams than this to the question restates it
MAX_GAP_BIGRAMS = 6  # this many consecutive bigrams of the sentence's own missing from the passage: not supported
NUMBER = re.compile(r"\d+(?:\.\d+)?")
NUMBER_CONTEXT = 0.3  # share of a number's clause words that its passage sentence must share
_CLAUSE = re.compile(r"[，,；;：:]")
# a government or department the sentence names, by the two characters before its kind: 县级人民政府, 名镇人民政府
_BODY = re.compile(r"[\u4e00-\u9fff]{2}(?:人民政府|主管部门|行政部门)")
_LIST_JOIN = re.compile(r"([\u4e00-\u9fff]{2})、(?=([\u4e00-\u9fff]{2}))")
_PASSAGE_SENTENCE = re.compile(r"[。；;！？!?\n]")
_CONNECTIVE = re.compile(r"[\s\d一二三四五六七八九十（）()、.．:：;；,，。\[\]]*|(?:综上|具体如下|如下|此外|另外)[：:，,。]?")
_TITLE = re.compile(r"《[^》]{1,60}》(?:第[一二三四五六七八九十百零〇]+条)?")
_AUTHORITIES = ("县级人民政府", "市、县人民政府", "设区的市级人民政府", "省级人民政府", "乡（镇）人民政府",
                "乡、镇人民政府", "农业农村主管部门", "文物主管部门", "人民代表大会常务委员会")
# longest first, so that 基本农田 inside 永久基本农田 is not a second term
_TERMS = tuple(sorted(set(FORMAL_TERMS) | set(_AUTHORITIES), key=lambda t: (-len(t), t)))


class Verification(BaseModel):
    text: str
    cited: list[int] = Field(default_factory=list)  # evidence numbers still cited, in order of first use
    dropped: list[str] = Field(default_factory=list)  # sentences removed as unsupported
    repointed: int = 0  # markers moved to the passage that supports the sentence
    supported: int = 0  # sentences kept with a supporting citation


def _runs(text: str) -> list[list[str]]:
    """The content bigrams of ``text`` in reading order, one list per unbroken run of text."""
    clean = _MARKER.sub(" ", text)
    for word in _FILLER:
        clean = clean.replace(word, " ")
    return [[part[i:i + 2] for i in range(len(part) - 1)] for part in _STRIP.split(clean) if len(part) > 1]


def bigrams(text: str) -> set[str]:
    """Content character bigrams of ``text`` (markers, punctuation, digits and filler words removed).

    >>> sorted(bigrams("耕地[1]"))
    ['耕地']
    """
    return {g for run in _runs(text) for g in run}


def support(sentence: str, passage: str) -> float:
    """Share of the sentence's content bigrams found in ``passage`` (1.0 for a sentence without content)."""
    grams = bigrams(sentence)
    return len(grams & bigrams(passage)) / len(grams) if grams else 1.0


def named_terms(sentence: str) -> set[str]:
    """The planning terms and authorities a sentence names (titles in 《》 left out).

    >>> sorted(named_terms("永久基本农田由国务院批准，依照《土地管理法》[1]"))
    ['国务院', '永久基本农田']
    """
    rest = _TITLE.sub(" ", _MARKER.sub(" ", sentence))
    found = set()
    for term in _TERMS:
        if term in rest:
            found.add(term)
            rest = rest.replace(term, " ")
    return found


def sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE.findall(text) if s.strip() or s == "\n"]


def verify(text: str, evidence: Mapping[int, str], *, min_support: float = 0.5,
           keep_uncited: bool = False, question: str = "") -> Verification:
    """Keep the sentences of ``text`` that their cited passage supports; see the module docstring.

    ``evidence`` maps a marker number to its passage text.  With ``keep_uncited``,
    sentences that no passage supports stay (used for text that code wrote from
    tool results, which carries no marker).  With the ``question``, a sentence is also
    judged on what it adds to the question: restating it with a yes/no is not a claim.
    """
    out: list[str] = []
    order: list[int] = []
    report = Verification(text="")
    passages = {n: (p, bigrams(p)) for n, p in evidence.items()}
    asked = bigrams(question)
    for raw in sentences(text):
        if raw == "\n":
            out.append(raw)
            continue
        body = _MARKER.sub("", raw).strip()
        claim = _Claim(body, asked)
        if not claim.grams and (keep_uncited or _CONNECTIVE.fullmatch(body)):  # 综上：, list numbers, a lone marker
            cleaned = _MARKER.sub("", raw)
            if cleaned.strip():
                out.append(cleaned)
            continue
        if not keep_uncited and (len(claim.grams) < MIN_CLAIM_BIGRAMS or (asked and len(claim.new) < MIN_NEW_BIGRAMS)):
            # 不可以。不能行。需要审批。是的，<the question restated>。
            report.dropped.append(body.rstrip("。！？；!?;"))
            continue
        cited = [int(n) for n in _MARKER.findall(raw) if int(n) in passages]
        good = [n for n in cited if _supports(claim, passages[n], min_support)]
        if not good:
            best, _ = _best(claim, passages, min_support)
            if best is not None:
                good = [best]
                report.repointed += 1 if cited else 0
            elif keep_uncited and not cited:
                out.append(raw)
                continue
            else:
                report.dropped.append(body.rstrip("。！？；!?;"))
                continue
        report.supported += 1
        end = raw.rstrip()[-1:] if raw.rstrip()[-1:] in "。！？；!?;" else ""
        core = _MARKER.sub("", raw).rstrip()
        if end:
            core = core[:-1].rstrip()
        out.append(core + "".join(f"[{n}]" for n in good) + end)
        order.extend(n for n in good if n not in order)
    report.text = _tidy("".join(out))
    report.cited = order
    return report


def renumber(text: str, mapping: Mapping[int, int]) -> str:
    """Replace marker numbers by ``mapping`` (markers not in it are removed)."""
    return _MARKER.sub(lambda m: f"[{mapping[int(m.group(1))]}]" if int(m.group(1)) in mapping else "", text)


class _Claim:
    """One sentence to check: its content, what it adds to the question, its numbers."""

    def __init__(self, body: str, asked: set[str]) -> None:
        self.runs = _runs(_TITLE.sub(" ", body))  # 《土地管理法》第四十四条 names a source, it claims nothing
        self.grams = {g for run in self.runs for g in run}
        self.asked = asked
        self.new = self.grams - asked
        self.numbers = set(NUMBER.findall(body))
        self.terms = named_terms(body)
        self.bodies = {m[0] for m in _BODY.finditer(_TITLE.sub(" ", body))}
        # each clause that writes a number, with its words: the number must stand in the passage next to them
        self.number_clauses = [(set(NUMBER.findall(c)), bigrams(c)) for c in _CLAUSE.split(_TITLE.sub(" ", body))
                               if NUMBER.search(c)]
        self.clauses = [_runs(c) for c in _CLAUSE.split(_TITLE.sub(" ", body))]
        # the items of a list (界址、面积、用途): the words either side of each 、, and the join itself
        # (市、县 is one authority); 的、 joins attributes, not items
        self.list_joins = [(m[1], m[2], m[1][1] + "、" + m[2][0]) for m in _LIST_JOIN.finditer(body)
                           if m[1][1] not in "的地得之"]

    def score(self, passage_grams: set[str]) -> float:
        return len(self.grams & passage_grams) / len(self.grams) if self.grams else 1.0

    def adds_a_phrase(self, passage_grams: set[str]) -> bool:
        """Beyond the question, the sentence takes at least one phrase (two bigrams in a row) from the passage."""
        if not self.asked:
            return True
        for run in self.runs:
            for a, b in zip(run, run[1:], strict=False):
                if a not in self.asked and b not in self.asked and a in passage_grams and b in passage_grams:
                    return True
        return False

    def clause_without_source(self, passage_grams: set[str]) -> bool:
        """A clause adds :data:`MIN_NEW_BIGRAMS` or more bigrams to the question and none is in the passage."""
        for runs in self.clauses:
            new = {g for run in runs for g in run} - self.asked
            if len(new) >= MIN_NEW_BIGRAMS and not new & passage_grams:
                return True
        return False

    def gap(self, passage_grams: set[str]) -> int:
        """Longest stretch of the sentence's own words (not the question's) absent from the passage."""
        longest = 0
        for run in self.runs:
            current = 0
            for g in run:
                current = current + 1 if g not in passage_grams and g not in self.asked else 0
                longest = max(longest, current)
        return longest


def _supports(claim: _Claim, passage: tuple[str, set[str]], min_support: float) -> bool:
    text, grams = passage
    if claim.score(grams) < min_support or claim.gap(grams) >= MAX_GAP_BIGRAMS:
        return False
    if claim.asked and len(claim.new & grams) < min_support * len(claim.new):
        return False  # what the sentence adds to the question must come from the passage
    if not claim.adds_a_phrase(grams) or claim.clause_without_source(grams):
        return False
    for before, after, join in claim.list_joins:
        if join not in text and not (before in grams and after in grams):
            return False  # an item of a list the passage does not list
    if not claim.numbers <= set(NUMBER.findall(text)):
        return False
    if not all(_number_in_context(numbers, grams, text) for numbers, grams in claim.number_clauses):
        return False
    if not all(body in text for body in claim.bodies):
        return False  # 历史文化名镇人民政府 against a passage naming 所在地县级人民政府
    return all(term in text for term in claim.terms)


def _number_in_context(numbers: set[str], clause_grams: set[str], passage: str) -> bool:
    """Every number of a clause stands in a sentence of the passage that shares the clause's words.

    A date or figure copied from another sentence of the right passage (2019年7月30日 is
    when names are reported, not when the report is due) is not support.
    """
    if not clause_grams:
        return True
    need = max(1, round(NUMBER_CONTEXT * len(clause_grams)))
    for number in numbers:
        if not any(number in NUMBER.findall(s) and len(clause_grams & bigrams(s)) >= need
                   for s in _PASSAGE_SENTENCE.split(passage)):
            return False
    return True


def _best(claim: _Claim, passages: Mapping[int, tuple[str, set[str]]], min_support: float) -> tuple[int | None, float]:
    """The supporting passage that shares most with the sentence, if any."""
    best, top = None, 0.0
    for n, passage in passages.items():
        score = claim.score(passage[1])
        if score > top and _supports(claim, passage, min_support):
            best, top = n, score
    return best, top


def _tidy(text: str) -> str:
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()
