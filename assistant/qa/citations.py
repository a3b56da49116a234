"""The citation verifier: every sentence of an answer must be supported by the passage it cites.

Support is lexical, measured on Chinese character bigrams: the share of a
sentence's content bigrams (markers, punctuation, digits-only tokens and question
words removed) that occur in the cited passage.  A sentence whose marker does not
support it is re-pointed to the passage that does, or dropped; a sentence
without a marker is given the marker of its best passage when that passage
supports it, and is dropped otherwise.  What was changed is reported, so the
caller can flag the answer.

Examples
--------
>>> ev = {1: "永久基本农田经依法划定后，任何单位和个人不得擅自占用或者改变其用途。"}
>>> v = verify("永久基本农田划定后，任何单位不得擅自占用[1]。月亮是奶酪做的[1]。", ev, min_support=0.3)
>>> v.text, v.dropped
('永久基本农田划定后，任何单位不得擅自占用[1]。', ['月亮是奶酪做的'])
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from pydantic import BaseModel, Field

_MARKER = re.compile(r"\[(\d{1,2})\]")
_SENTENCE = re.compile(r"[^。！？；!?;\n]+[。！？；!?;]?|\n")
_STRIP = re.compile(r"[\s\[\]\d（）()《》〈〉“”\"'‘’，,、：:。！？；!?;…—\-*#>|]+")
# words of the question and the answer's own scaffolding, not facts
_FILLER = ("根据", "依据", "规定", "可以", "应当", "以及", "或者", "其中", "因此", "所以", "但是", "如果", "是否",
           "什么", "怎么", "哪些", "多少", "我们", "您的", "你的", "这个", "该项", "相关", "上述", "以上", "如下")


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
        if not bigrams(body):  # connectives, list numbers, a lone marker
            cleaned = _MARKER.sub("", raw)
            if cleaned.strip():
                out.append(cleaned)
            continue
        cited = [int(n) for n in _MARKER.findall(raw) if int(n) in passages]
        good = [n for n in cited if _score(body, passages[n][1]) >= min_support]
        if not good:
            best, score = _best(body, passages)
            if best is not None and score >= min_support:
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


def _best(body: str, passages: Mapping[int, tuple[str, set[str]]]) -> tuple[int | None, float]:
    best, top = None, 0.0
    for n, (_, grams) in passages.items():
        score = _score(body, grams)
        if score > top:
            best, top = n, score
    return best, top


def _tidy(text: str) -> str:
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()
