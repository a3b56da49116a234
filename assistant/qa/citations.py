"""The citation verifier: every sentence of an answer must be supported by the passage it cites.

Support is lexical, in two parts.  The share of a sentence's content character
bigrams (markers, punctuation, digits and filler words removed) that occur in the
cited passage must reach ``min_support``; and every planning term or authority the
sentence names (永久基本农田, 出让, 国务院 ... from :data:`ingest.lexicon.FORMAL_TERMS`)
must occur in the passage, so that a passage on 保护规划 does not support a sentence
on 村庄规划 however many words they share, and a passage on 划拨 does not support a
sentence on 出让.  Document titles in 《》 are names, not claims, and are not
checked.  A bare verdict (是的。不能行。需要审批。: fewer than
:data:`MIN_CLAIM_BIGRAMS` content bigrams) cannot be checked against a passage
and is dropped (the 1.5B model's bare yes/no answers on the gold set were mostly
wrong).  A sentence whose marker does not support it is re-pointed to the passage
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
_TITLE = re.compile(r"《[^》]{1,60}》")
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


def bigrams(text: str) -> set[str]:
    """Content character bigrams of ``text`` (markers, punctuation, digits and filler words removed).

    >>> sorted(bigrams("耕地[1]"))
    ['耕地']
    """
    clean = _MARKER.sub(" ", text)
    for word in _FILLER:
        clean = clean.replace(word, " ")
    parts = [p for p in _STRIP.split(clean) if p]
    grams: set[str] = set()
    for part in parts:
        if len(part) == 1:
            continue
        grams.update(part[i:i + 2] for i in range(len(part) - 1))
    return grams


def support(sentence: str, passage: str) -> float:
    """Share of the sentence's content bigrams found in ``passage`` (1.0 for a sentence without content)."""
    grams = bigrams(sentence)
    if not grams:
        return 1.0
    return len(grams & bigrams(passage)) / len(grams)


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


def supports(sentence: str, passage: str, min_support: float) -> bool:
    """The passage supports the sentence: enough shared content and every named term present."""
    return _supports(sentence, (passage, bigrams(passage)), min_support)


def sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE.findall(text) if s.strip() or s == "\n"]


def verify(text: str, evidence: Mapping[int, str], *, min_support: float = 0.3,
           keep_uncited: bool = False) -> Verification:
    """Keep the sentences of ``text`` that their cited passage supports; see the module docstring.

    ``evidence`` maps a marker number to its passage text.  With ``keep_uncited``,
    sentences that no passage supports stay (used for text that code wrote from
    tool results, which carries no marker).
    """
    out: list[str] = []
    order: list[int] = []
    report = Verification(text="")
    passages = {n: (p, bigrams(p)) for n, p in evidence.items()}
    for raw in sentences(text):
        if raw == "\n":
            out.append(raw)
            continue
        body = _MARKER.sub("", raw).strip()
        content = len(bigrams(body))
        if not content:  # connectives, list numbers, a lone marker
            cleaned = _MARKER.sub("", raw)
            if cleaned.strip():
                out.append(cleaned)
            continue
        if content < MIN_CLAIM_BIGRAMS and not keep_uncited:  # 不能行。需要审批。是的。
            report.dropped.append(body.rstrip("。！？；!?;"))
            continue
        cited = [int(n) for n in _MARKER.findall(raw) if int(n) in passages]
        good = [n for n in cited if _supports(body, passages[n], min_support)]
        if not good:
            best, _ = _best(body, passages, min_support)
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


def _score(body: str, passage_grams: set[str]) -> float:
    grams = bigrams(body)
    return len(grams & passage_grams) / len(grams) if grams else 1.0


def _supports(body: str, passage: tuple[str, set[str]], min_support: float) -> bool:
    text, grams = passage
    return _score(body, grams) >= min_support and all(term in text for term in named_terms(body))


def _best(body: str, passages: Mapping[int, tuple[str, set[str]]], min_support: float) -> tuple[int | None, float]:
    """The supporting passage that shares most with the sentence, if any."""
    best, top = None, 0.0
    for n, passage in passages.items():
        score = _score(body, passage[1])
        if score > top and _supports(body, passage, min_support):
            best, top = n, score
    return best, top


def _tidy(text: str) -> str:
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()
