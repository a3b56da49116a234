"""Multiple-choice mode: exam-style questions (注册城乡规划师, C-Eval) answered with letters.

The served model is small and runs on two CPU cores, so the prompt is short
(evidence is capped at :data:`EVIDENCE_CHARS` characters), the reply is a
handful of tokens, and :func:`parse_letters` does the work of reading
whatever the model actually said ("答案是 B。", "故选C", "A、C、D", the text
of an option without its letter, ...).

``ChoiceService`` takes two plain callables, so the evaluation runner and the
tests inject whatever model and search they like::

    complete(messages, max_tokens) -> str
    search(query, k) -> list[{"doc_title", "locator", "text", ...}]
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from typing import Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from assistant.qa.cloze import cloze_answer

LETTERS = "ABCDE"
EVIDENCE_CHARS = 1400  # the whole evidence block, headers included
TITLE_CHARS = 40
MIN_EXCERPT_CHARS = 30  # an excerpt that would be cut shorter than this is left out
MAX_TOKENS_SINGLE = 8
MAX_TOKENS_MULTI = 16
POOL = 30  # hits searched before keeping those of the documents a question names
MIN_STEM_COVERAGE = 0.35  # share of the stem's bigrams one sentence of an excerpt must hold (unnamed documents)

Complete = Callable[[list[dict[str, str]], int], str]
Search = Callable[[str, int], list[dict]]

SYSTEM_PROMPT = (
    "你是城乡规划和国土空间规划领域的专家，正在参加注册城乡规划师职业资格考试。"
    "请选出正确答案，只回答选项字母，不要解释。"
)
_SINGLE_HEAD = "以下是单项选择题，只有一个正确选项。"
_MULTI_HEAD = "以下是多项选择题，有两个或两个以上正确选项。"
_SINGLE_ASK = "只输出一个选项字母。"
_MULTI_ASK = "输出所有正确选项字母（至少两个），不要输出其他内容。"
_EVIDENCE_HEAD = "参考资料（检索所得，未必相关）："
_EVIDENCE_USE = "资料与题目相关时依据资料作答，否则依据你自己的专业知识作答。"


class ChoiceQuestion(BaseModel):
    """One exam question; ``options`` keys are letters from A-E in order, ``answer`` is sorted letters."""

    id: str
    question: str
    options: dict[str, str]
    multi: bool = False
    answer: str | None = None
    subject: str | None = None

    @field_validator("options")
    @classmethod
    def _letters_in_order(cls, options: dict[str, str]) -> dict[str, str]:
        keys = [k.strip().upper() for k in options]
        if len(keys) < 2:
            raise ValueError(f"a choice question needs at least two options, got {len(keys)}")
        if any(k not in LETTERS or len(k) != 1 for k in keys) or len(set(keys)) != len(keys):
            raise ValueError(f"option letters must be distinct letters from {LETTERS}, got {keys}")
        return {k: str(v).strip() for k, v in sorted(zip(keys, options.values(), strict=True))}

    @model_validator(mode="after")
    def _answer_in_options(self) -> ChoiceQuestion:
        if self.answer is not None:
            letters = "".join(sorted(set(self.answer.strip().upper())))
            if not letters or any(ch not in self.options for ch in letters):
                raise ValueError(f"answer {self.answer!r} is not among the options {''.join(self.options)}")
            if not self.multi and len(letters) != 1:
                raise ValueError(f"a single-choice question has one answer letter, got {self.answer!r}")
            self.answer = letters
        return self


class ChoiceAnswer(BaseModel):
    id: str
    letters: str = Field(description='Sorted letters, "" when the reply could not be parsed')
    raw: str = Field(description="The model's reply as received")
    evidence: list[dict[str, str]] = Field(default_factory=list,
                                           description="Excerpts put in the prompt: doc_title, locator, text")
    latency_ms: int
    parsed: bool
    method: Literal["model", "cloze"] = Field(
        "model", description="cloze: read off an excerpt without the model (assistant.qa.cloze)")


# -- prompt ---------------------------------------------------------------------------------------------------------

def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", str(text or "")).strip()


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"


def _header(i: int, title: str, locator: str) -> str:
    return f"【{i}】《{title}》{locator}："


_SENTENCE_END = re.compile(r"(?<=[。；;！？!?\n])")
_CJK = re.compile(r"[\u4e00-\u9fff]")


def _bigrams(text: str) -> set[str]:
    chars = "".join(_CJK.findall(text))
    return {chars[i:i + 2] for i in range(len(chars) - 1)}


def focus(text: str, query: str, limit: int) -> str:
    """At most ``limit`` characters of ``text`` around its sentence sharing most bigrams with ``query``.

    An article's answer is often in its third sentence; clipping from the
    start would cut it off. Neighbouring sentences are added after, then
    before, while they fit; with no query, or no shared bigram, or a text
    that fits, the text is clipped from the start as before.

    Examples
    --------
    >>> focus("第一条 总则。第二条 用地。抢救发掘应当自开工之日起10个工作日内补办手续。第四条 附则。",
    ...       "抢救发掘 开工 工作日", 34)
    '抢救发掘应当自开工之日起10个工作日内补办手续。第四条 附则。'
    """
    if len(text) <= limit:
        return text
    wanted = _bigrams(query)
    sentences = [s for s in _SENTENCE_END.split(text) if s]
    scores = [len(_bigrams(s) & wanted) for s in sentences]
    if not wanted or max(scores, default=0) == 0:
        return _clip(text, limit)
    best = scores.index(max(scores))
    if len(sentences[best]) >= limit:
        return _clip(sentences[best], limit)
    lo, hi, size = best, best + 1, len(sentences[best])
    while True:
        grew = False
        if hi < len(sentences) and size + len(sentences[hi]) <= limit:
            size, hi, grew = size + len(sentences[hi]), hi + 1, True
        if lo > 0 and size + len(sentences[lo - 1]) <= limit:
            size, lo, grew = size + len(sentences[lo - 1]), lo - 1, True
        if not grew:
            return "".join(sentences[lo:hi])


def fit_evidence(evidence: Sequence[Mapping] | None, budget: int = EVIDENCE_CHARS,
                 query: str = "") -> list[dict[str, str]]:
    """Short citation dicts whose numbered lines fit in ``budget`` characters.

    Headers are kept whole (titles clipped to :data:`TITLE_CHARS`); the texts
    share what is left, short ones first, so one long excerpt cannot crowd
    out the others. A text that must be cut keeps the part nearest ``query``
    (:func:`focus`). Trailing hits are dropped when the headers alone do not
    fit. Fitting an already fitted list returns it unchanged.

    Examples
    --------
    >>> hits = [{"doc_title": "城市居住区规划设计标准", "locator": "第4.0.1条", "text": "甲" * 900},
    ...         {"doc_title": "城乡规划法", "locator": "第三十五条", "text": "乙" * 100}]
    >>> [len(e["text"]) for e in fit_evidence(hits, budget=600)]
    [458, 100]
    """
    items = [
        {
            "doc_title": _clip(_squash(hit.get("doc_title", "")), TITLE_CHARS),
            "locator": _squash(hit.get("locator", "")),
            "text": _squash(hit.get("text", "")),
        }
        for hit in evidence or []
    ]
    items = [item for item in items if item["text"]]
    while items:
        headers = sum(len(_header(i, e["doc_title"], e["locator"])) + 1 for i, e in enumerate(items, start=1))
        room = budget - headers
        if room >= MIN_EXCERPT_CHARS * len(items):
            break
        items.pop()
    if not items:
        return []
    order = sorted(range(len(items)), key=lambda i: len(items[i]["text"]))
    for done, i in enumerate(order):
        share = room // (len(items) - done)
        take = min(len(items[i]["text"]), share)
        items[i]["text"] = focus(items[i]["text"], query, take)
        room -= len(items[i]["text"])
    return items


def _evidence_block(evidence: Sequence[Mapping[str, str]]) -> str:
    return "\n".join(_header(i, e["doc_title"], e["locator"]) + e["text"] for i, e in enumerate(evidence, start=1))


def build_messages(q: ChoiceQuestion, evidence: Sequence[Mapping] | None = None) -> list[dict[str, str]]:
    """OpenAI chat messages for one question, with numbered evidence when given.

    Examples
    --------
    >>> q = ChoiceQuestion(id="1", question="建设项目用地预审与选址意见书有效期为____年",
    ...                    options={"A": "1", "B": "2", "C": "3", "D": "5"})
    >>> msgs = build_messages(q)
    >>> [m["role"] for m in msgs], msgs[1]["content"].splitlines()[-1]
    (['system', 'user'], '只输出一个选项字母。')
    """
    parts = []
    fitted = fit_evidence(evidence, query=retrieval_query(q))
    if fitted:
        parts += [_EVIDENCE_HEAD, _evidence_block(fitted), _EVIDENCE_USE, ""]
    parts.append(_MULTI_HEAD if q.multi else _SINGLE_HEAD)
    parts.append(_squash(q.question))
    parts += [f"{letter}. {_squash(text)}" for letter, text in q.options.items()]
    parts.append(_MULTI_ASK if q.multi else _SINGLE_ASK)
    return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": "\n".join(parts)}]


# -- reply parsing --------------------------------------------------------------------------------------------------

_THINK = re.compile(r"<think>.*?(?:</think>|$)", re.S)
_TOKEN = re.compile(r"(?<![A-Za-z])[A-Za-z]+(?![A-Za-z])")
_BETWEEN = re.compile(r"(?:[\s、,;/&+()\[\]【】]|和|与|以及|及)*")
_MARKER = re.compile(
    r"(?:正确答案|参考答案|最终答案|答案|正确选项|应当选|应该选|应选|故选|所以选|因此选|选择|(?<!选)选(?!项)|answer)"
    r"(?:\s|:|是|为|应该是|应当是|应是|应为|就是|is|选项|选|[(\[【\"“'‘「*)\]】」])*",
    re.I,
)
_OPENERS = "\"'“‘(（[【「*# \t\n"
_ENDS = " \t\n.。!！?？;；:：,，、)）]】」\"'”’*~"
_AFTER_LEADING_UPPER = set(".、:)]】」\n\t ")
_AFTER_LEADING_LOWER = set(".、:)]】」")

Group = tuple[int, int, str]  # start, end, letters


def _groups(text: str, letters: str, *, multi: bool, lower: bool) -> list[Group]:
    """Runs of option-letter tokens separated only by 、,/和 or spaces."""
    groups: list[Group] = []
    for m in _TOKEN.finditer(text):
        tok = m.group()
        if tok.isupper():
            ok = all(ch in letters for ch in tok)
        else:
            ok = lower and tok.islower() and (multi or len(tok) == 1) and all(ch in letters for ch in tok.upper())
        if not ok:
            groups.append((m.start(), m.end(), ""))  # a word breaks the run
            continue
        if groups and groups[-1][2] and _BETWEEN.fullmatch(text, groups[-1][1], m.start()):
            start, _, got = groups[-1]
            groups[-1] = (start, m.end(), got + tok.upper())
        else:
            groups.append((m.start(), m.end(), tok.upper()))
    return [g for g in groups if g[2]]


def _from_marker(text: str, letters: str, multi: bool) -> str | None:
    starts = {g[0]: g[2] for g in _groups(text, letters, multi=multi, lower=True)}
    found = [starts[m.end()] for m in _MARKER.finditer(text) if m.end() in starts]
    return found[-1] if found else None


def _whole(text: str, letters: str, multi: bool) -> str | None:
    core = text.strip(_OPENERS + _ENDS)
    groups = _groups(core, letters, multi=multi, lower=True)
    if core and len(groups) == 1 and groups[0][:2] == (0, len(core)):
        return groups[0][2]
    return None


def _leading(text: str, letters: str, multi: bool) -> str | None:
    core = text.lstrip(_OPENERS)
    groups = _groups(core, letters, multi=multi, lower=True)
    if not groups or groups[0][0] != 0:
        return None
    _, end, got = groups[0]
    after = core[end:end + 1]
    allowed = _AFTER_LEADING_UPPER if core[:end].isupper() else _AFTER_LEADING_LOWER
    return got if after in allowed else None


def _loose(text: str, letters: str, multi: bool) -> str | None:
    groups = _groups(text, letters, multi=multi, lower=False)
    return groups[-1][2] if groups else None


def _from_text(text: str, options: Mapping[str, str], multi: bool) -> str | None:
    def norm(s: str) -> str:
        return re.sub(r"\s+", "", unicodedata.normalize("NFKC", s)).strip(_ENDS)

    reply = norm(text)
    texts = {letter: norm(t) for letter, t in options.items() if norm(t)}
    if not reply or not texts:
        return None
    exact = [letter for letter, t in texts.items() if t == reply]
    if len(exact) == 1:
        return exact[0]
    rest, hits = reply, []
    for letter, t in sorted(texts.items(), key=lambda kv: -len(kv[1])):
        if t in rest:
            hits.append(letter)
            rest = rest.replace(t, "\0")
    if hits and (multi or len(hits) == 1):
        return "".join(hits)
    inside = [letter for letter, t in texts.items() if reply in t]
    if len(reply) >= 2 and len(inside) == 1:
        return inside[0]
    return None


def parse_letters(reply: str, options: str | Mapping[str, str] = "ABCD", multi: bool = False) -> str:
    """The option letters a model's reply settles on, sorted; ``""`` when none can be read.

    ``options`` is the letters (``"ABCDE"``) or the question's ``{letter: text}``
    mapping; with the texts, a reply that repeats an option without its
    letter is recognised too. Letters outside the options are rejected
    (``"E"`` against ``"ABCD"``, and words such as ``GDP``). The first rule
    that finds something wins:

    1. the whole reply is letters (``"(B)"``, ``"ACD"``, ``"A,C"``, ``"ｂ"``);
    2. the last letters stated after 答案/选/故选/应选/正确选项 (``"A不对，应选C"`` → C);
    3. letters opening the reply (``"B. 0.45～0.60m"``);
    4. the last run of capital letters anywhere;
    5. option texts quoted in the reply.

    A single-choice reply whose answer is several letters (``"AC"``) is
    ambiguous and gives ``""``; a multiple-choice reply with one letter gives
    that letter (and is scored wrong).

    Examples
    --------
    >>> parse_letters("答案是 B。"), parse_letters("正确答案为A、C、D", multi=True), parse_letters("E")
    ('B', 'ACD', '')
    """
    letters = "".join(options).upper()
    text = unicodedata.normalize("NFKC", _THINK.sub("", reply or "")).strip()
    if not text:
        return ""
    found = (_whole(text, letters, multi) or _from_marker(text, letters, multi)
             or _leading(text, letters, multi) or _loose(text, letters, multi))
    if found is None and isinstance(options, Mapping):
        found = _from_text(text, options, multi)
    if not found:
        return ""
    found = "".join(sorted(set(found)))
    return found if multi or len(found) == 1 else ""


# -- service --------------------------------------------------------------------------------------------------------

def _stem(q: ChoiceQuestion) -> str:
    return re.sub(r"_{2,}|[(（]\s*[)）]", "", q.question)


def stem_coverage(q: ChoiceQuestion, text: str) -> float:
    """The largest share of the question stem's bigrams that one sentence of ``text`` holds.

    An article that answers a question restates most of it (……应当优先安排基础设施
    for ……应当优先安排______); an article that merely shares a term (监督, 原则)
    holds a small share.

    Examples
    --------
    >>> q = ChoiceQuestion(id="1", question="历史文化名城应当______保护", options={"A": "整体", "B": "分类"})
    >>> stem_coverage(q, "第二十一条 历史文化名城、名镇、名村应当整体保护。"), stem_coverage(q, "保护规划由省人民政府审批。")
    (0.78, 0.11)
    """
    wanted = _bigrams(_stem(q))
    if not wanted:
        return 0.0
    best = max((len(_bigrams(s) & wanted) for s in _SENTENCE_END.split(text) if s), default=0)
    return round(best / len(wanted), 2)


def retrieval_query(q: ChoiceQuestion) -> str:
    """The question without its blanks, then the option texts (options often carry the key terms).

    Examples
    --------
    >>> retrieval_query(ChoiceQuestion(id="1", question="有效期为____年（ ）", options={"A": "1", "B": "3"}))
    '有效期为年 1 3'
    """
    return _squash(" ".join([_stem(q), *q.options.values()]))


_NAMED = re.compile(r"《([^》]{2,60})》")
_TITLE_NOISE = re.compile(r"^中华人民共和国|[（(]\d{4}[-年.]\d{1,2}[-月.]\d{1,2}日?[)）]$|\s+")


def title_key(title: str) -> str:
    """A document title without 中华人民共和国, a trailing date or spaces, to compare titles.

    Examples
    --------
    >>> title_key("中华人民共和国城乡规划法"), title_key("土地管理法(2019-08-26)")
    ('城乡规划法', '土地管理法')
    """
    return _TITLE_NOISE.sub("", unicodedata.normalize("NFKC", title).strip())


def named_documents(q: ChoiceQuestion) -> set[str]:
    """The title keys of the documents the question names in 《》 (根据《文物保护法》, ...).

    Examples
    --------
    >>> sorted(named_documents(ChoiceQuestion(id="1", question="根据《中华人民共和国文物保护法》和《文物保护法实施条例》，……",
    ...                                       options={"A": "5", "B": "10"})))
    ['文物保护法', '文物保护法实施条例']
    """
    return {title_key(t) for t in _NAMED.findall(unicodedata.normalize("NFKC", q.question))}


class ChoiceService:
    """Answers choice questions with the model alone or with retrieved excerpts in the prompt.

    With retrieval, a question that names its documents (根据《行政许可法》……)
    gets excerpts of those documents only: when the knowledge base does not
    hold them, an article of another law is a distraction, not evidence, and
    the question is answered from the model's knowledge as without retrieval.
    A question that names none gets the excerpts that restate a good part of
    it (:func:`stem_coverage`), for the same reason.
    """

    def __init__(self, complete: Complete, search: Search | None = None, k: int = 4) -> None:
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        self.complete = complete
        self.search = search
        self.k = k

    def answer(self, q: ChoiceQuestion, *, retrieval: bool) -> ChoiceAnswer:
        if retrieval and self.search is None:
            raise ValueError("retrieval was asked for but the ChoiceService has no search function")
        started = time.perf_counter()
        evidence = self.evidence(q) if retrieval and self.search else []
        read = cloze_answer(q.question, q.options, [e["text"] for e in evidence], multi=q.multi)
        if read:
            return ChoiceAnswer(id=q.id, letters=read, raw=f"{read}（据资料原文）", evidence=evidence,
                                latency_ms=round((time.perf_counter() - started) * 1000), parsed=True,
                                method="cloze")
        max_tokens = MAX_TOKENS_MULTI if q.multi else MAX_TOKENS_SINGLE
        raw = self.complete(build_messages(q, evidence), max_tokens)
        letters = parse_letters(raw, q.options, multi=q.multi)
        return ChoiceAnswer(id=q.id, letters=letters, raw=raw, evidence=evidence,
                            latency_ms=round((time.perf_counter() - started) * 1000), parsed=bool(letters))

    def evidence(self, q: ChoiceQuestion) -> list[dict[str, str]]:
        """Up to ``k`` fitted excerpts for ``q``: of the documents it names, when it names any."""
        query = retrieval_query(q)
        named = named_documents(q)
        if not named:
            hits = [h for h in self.search(query, self.k) if stem_coverage(q, str(h.get("text", ""))) >= MIN_STEM_COVERAGE]
            return fit_evidence(hits, query=query)
        hits = [h for h in self.search(query, max(POOL, self.k)) if title_key(str(h.get("doc_title", ""))) in named]
        return fit_evidence(hits[: self.k], query=query)
