"""``POST /ask``: a cited answer, as one JSON body or as Server-Sent Events.

Streaming events (``event: NAME`` / ``data: JSON``):

- ``token`` ``{"text": ...}``: the model's draft as it is generated;
- ``tool_call``: each check tool's call and result (before the answer);
- ``citation``: each cited passage;
- ``answer``: the final answer contract (the verifier may have dropped draft sentences:
  show this one, not the draft);
- ``error`` ``{"error", "message"}``: the request failed (the stream then ends).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Callable

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from api.deps import AnyRole, ContainerDep, Principal
from api.errors import ApiError, error_body
from api.failures import audited
from assistant.container import Container
from assistant.qa.service import Answer

router = APIRouter(tags=["ask"])
log = logging.getLogger("onemap.api")


class AskRequest(BaseModel):
    question: str = Field(min_length=1, max_length=2000, examples=["城镇开发边界调整由谁审批？"])
    stream: bool = Field(False, description="Answer as Server-Sent Events (text/event-stream).")


def answer_question(c: Container, question: str, who: Principal,
                    on_token: Callable[[str], None] | None = None) -> Answer:
    """The QA service for ``who``, recorded in the audit trail; bad questions are 422, an unreachable model 503."""
    from assistant.audit_records import audit_answer
    from assistant.llm.client import LLMError
    from assistant.llm.models import ModelError
    from assistant.qa.service import QuestionError

    try:
        answer = c.qa.ask(question, role=who.role, on_token=on_token)
    except QuestionError as exc:
        raise ApiError(422, f"question: {exc}") from None
    except (LLMError, ModelError) as exc:
        raise ApiError(503, f"the model cannot be reached: {exc}") from None
    audited(c, audit_answer, question, answer, role=who.role.value, actor=who.actor)
    return answer


def sse(event: str, data) -> str:
    """One Server-Sent Event.

    Examples
    --------
    >>> sse("token", {"text": "依据"})
    'event: token\\ndata: {"text": "依据"}\\n\\n'
    """
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


async def answer_events(c: Container, question: str, who: Principal) -> AsyncIterator[str]:
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue = asyncio.Queue()

    def put(item) -> None:
        loop.call_soon_threadsafe(queue.put_nowait, item)

    def work() -> None:
        try:
            put(("answer", answer_question(c, question, who, on_token=lambda piece: put(("token", piece)))))
        except ApiError as exc:
            put(("error", error_body(exc.status, exc.message)))
        except Exception:
            log.exception("answer stream failed")
            put(("error", error_body(500, "internal error; the server log has the details")))
        finally:
            put(None)

    job = loop.run_in_executor(None, work)
    try:
        while (item := await queue.get()) is not None:
            kind, data = item
            if kind == "token":
                yield sse("token", {"text": data})
            elif kind == "answer":
                for call in data.tool_calls:
                    yield sse("tool_call", call.model_dump(mode="json"))
                for cit in data.citations:
                    yield sse("citation", cit.model_dump(mode="json"))
                yield sse("answer", data.model_dump(mode="json"))
            else:
                yield sse(kind, data)
    finally:
        await job


def respond(c: Container, body: AskRequest, who: Principal):
    if body.stream:
        return StreamingResponse(answer_events(c, body.question, who), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
    return run_in_threadpool(answer_question, c, body.question, who)


_RESPONSES = {200: {"content": {"text/event-stream": {"example": sse("answer", {"answer": "……[1]"})}},
                    "description": "The answer (JSON), or Server-Sent Events with `stream: true`."}}


@router.post("/ask", response_model=Answer, responses=_RESPONSES, summary="Ask a question; cited answer")
async def ask(body: AskRequest, c: ContainerDep, who: AnyRole):
    result = respond(c, body, who)
    return result if isinstance(result, StreamingResponse) else await result
