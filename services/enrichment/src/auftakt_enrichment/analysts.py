"""Claude as the analyst, through the `anthropic` SDK: the German prompt, an answer
forced through one tool whose input is validated against `LeadAnalysis`; an invalid
answer is sent back once with what was wrong, then given up (the caller falls back to
the rule-based analysis). The SDK's client retries connection errors, 429 and 5xx."""

from __future__ import annotations

from typing import Any, cast

import structlog
from anthropic import APIError, AsyncAnthropic
from anthropic.types import Message, MessageParam, ToolParam
from auftakt_common.events import LeadAnalysis
from pydantic import ValidationError

from .analysis import ANALYSIS_TOOL, SYSTEM_PROMPT, AnalysisInput, user_prompt

__all__ = ["AnalysisFailed", "ClaudeAnalyst"]

_log = structlog.get_logger("auftakt.enrichment.analysis")


class AnalysisFailed(Exception):
    """Claude gave no usable analysis; the message (German) says why, for the label."""


class ClaudeAnalyst:
    def __init__(
        self,
        *,
        api_key: str,
        model: str,
        max_tokens: int,
        timeout: float,
        base_url: str | None = None,
        max_retries: int = 2,
    ) -> None:
        self.model = model
        self._max_tokens = max_tokens
        self._client = AsyncAnthropic(
            api_key=api_key, base_url=base_url, timeout=timeout, max_retries=max_retries
        )

    async def aclose(self) -> None:
        await self._client.close()

    async def _ask(self, messages: list[MessageParam]) -> Message:
        try:
            return await self._client.messages.create(
                model=self.model,
                max_tokens=self._max_tokens,
                system=SYSTEM_PROMPT,
                messages=messages,
                tools=[cast(ToolParam, ANALYSIS_TOOL)],
                tool_choice={"type": "tool", "name": ANALYSIS_TOOL["name"]},
            )
        except APIError as exc:
            _log.warning("claude request failed", error=type(exc).__name__)
            raise AnalysisFailed("Claude nicht erreichbar") from exc

    async def analyse(self, analysis_input: AnalysisInput, *, attempts: int = 2) -> LeadAnalysis:
        """Claude's analysis of the input; `attempts` answers at most (one correction)."""
        messages: list[MessageParam] = [{"role": "user", "content": user_prompt(analysis_input)}]
        for attempt in range(attempts):
            response = await self._ask(messages)
            tool_use = next(
                (
                    block
                    for block in response.content
                    if block.type == "tool_use" and block.name == ANALYSIS_TOOL["name"]
                ),
                None,
            )
            if tool_use is None:
                problem = "Die Antwort enthielt keinen Aufruf von lead_analyse."
            else:
                try:
                    return LeadAnalysis.model_validate(tool_use.input)
                except ValidationError as exc:
                    problem = "Ungültige Felder: " + "; ".join(
                        f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()
                    )
            _log.warning("claude answer invalid", attempt=attempt + 1, problem=problem[:300])
            messages += _correction(response.content, tool_use, problem)
        raise AnalysisFailed("Claude-Antwort ungültig")


def _correction(content: Any, tool_use: Any, problem: str) -> list[MessageParam]:
    """The turns that send an invalid answer back: Claude's own turn, then our reply
    saying what was wrong (as the tool's error result when it called the tool)."""
    assistant = {
        "role": "assistant",
        "content": [block.model_dump(exclude_none=True) for block in content],
    }
    if tool_use is None:
        reply: Any = f"{problem} Bitte antworte über das Werkzeug lead_analyse."
    else:
        reply = [
            {
                "type": "tool_result",
                "tool_use_id": tool_use.id,
                "is_error": True,
                "content": f"{problem} Bitte rufe lead_analyse erneut mit gültigen Werten auf.",
            }
        ]
    return [cast(MessageParam, assistant), cast(MessageParam, {"role": "user", "content": reply})]
