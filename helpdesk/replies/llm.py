"""The one client for a language model: any OpenAI-compatible chat-completions endpoint.

`language_model()` returns None when no model is configured (the default): callers then
use the offline composer. Every failure (down, slow, rate-limited, junk) raises
`LanguageModelError`, so callers have one thing to catch and fall back from.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import openai
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

if TYPE_CHECKING:
    from openai.types.chat import ChatCompletionMessageParam

logger = logging.getLogger(__name__)

# Drafts are short; a model that rambles is cut here rather than making the agent wait.
MAX_OUTPUT_TOKENS = 700


class LanguageModelError(Exception):
    """The model could not give a usable answer; the caller falls back to the offline path."""


@dataclass(frozen=True)
class ChatMessage:
    role: Literal["system", "user"]
    content: str


def _message_param(message: ChatMessage) -> ChatCompletionMessageParam:
    if message.role == "system":
        return {"role": "system", "content": message.content}
    return {"role": "user", "content": message.content}


class LanguageModel:
    def __init__(
        self,
        *,
        model: str,
        base_url: str | None = None,
        api_key: str = "",
        timeout: float = 20.0,
        max_retries: int = 2,
    ) -> None:
        self.model = model
        self._client = openai.OpenAI(
            base_url=base_url or None,
            # Local OpenAI-compatible servers often need no key; the client insists on one.
            api_key=api_key or "not-needed",
            timeout=openai.Timeout(timeout, connect=min(timeout, 5.0)),
            max_retries=max_retries,
        )

    @classmethod
    def from_settings(cls) -> LanguageModel:
        return cls(
            model=settings.LLM_MODEL or "gpt-4o-mini",
            base_url=settings.OPENAI_BASE_URL,
            api_key=settings.OPENAI_API_KEY,
            timeout=settings.LLM_TIMEOUT,
            max_retries=settings.LLM_MAX_RETRIES,
        )

    def complete(self, messages: list[ChatMessage], *, json_object: bool = False) -> str:
        """The model's answer text; `json_object` asks for (and checks) one JSON object."""
        options: dict[str, Any] = {}
        if json_object:
            options["response_format"] = {"type": "json_object"}
        try:
            response = self._client.chat.completions.create(
                model=self.model,
                messages=[_message_param(m) for m in messages],
                temperature=0.2,
                max_tokens=MAX_OUTPUT_TOKENS,
                **options,
            )
        except openai.OpenAIError as error:
            raise LanguageModelError(_describe(error)) from error
        except ValueError as error:  # a body that is not JSON at all
            raise LanguageModelError(f"unreadable answer: {error}") from error
        try:
            text = response.choices[0].message.content
        except (AttributeError, IndexError, TypeError) as error:
            raise LanguageModelError("the answer had no message") from error
        if not isinstance(text, str) or not text.strip():
            raise LanguageModelError("the answer was empty")
        if json_object:
            parse_json_object(text)
        return text.strip()

    def close(self) -> None:
        self._client.close()


def parse_json_object(text: str) -> dict[str, Any]:
    """One JSON object from a model's answer (a fenced block is tolerated)."""
    stripped = text.strip()
    if stripped.startswith("```"):
        stripped = stripped.strip("`").removeprefix("json").strip()
    try:
        value = json.loads(stripped)
    except json.JSONDecodeError as error:
        raise LanguageModelError("the answer was not JSON") from error
    if not isinstance(value, dict):
        raise LanguageModelError("the answer was not a JSON object")
    return value


def _describe(error: openai.OpenAIError) -> str:
    if isinstance(error, openai.APITimeoutError):
        return "the language model did not answer in time"
    if isinstance(error, openai.RateLimitError):
        return "the language model is rate-limited"
    if isinstance(error, openai.APIConnectionError):
        return "the language model cannot be reached"
    if isinstance(error, openai.APIStatusError):
        return f"the language model answered HTTP {error.status_code}"
    return f"the language model failed: {type(error).__name__}"


_lock = threading.Lock()
_model: LanguageModel | None = None


def is_configured() -> bool:
    return bool(settings.OPENAI_BASE_URL or settings.OPENAI_API_KEY)


def language_model() -> LanguageModel | None:
    """The configured model, built once per process; None means "use the offline composer"."""
    global _model
    if not is_configured():
        return None
    with _lock:
        if _model is None:
            _model = LanguageModel.from_settings()
        return _model


@receiver(setting_changed)
def _forget_model(*, setting: str, **kwargs: Any) -> None:
    global _model
    if setting in {"OPENAI_BASE_URL", "OPENAI_API_KEY", "LLM_MODEL", "LLM_TIMEOUT"}:
        with _lock:
            if _model is not None:
                _model.close()
            _model = None
