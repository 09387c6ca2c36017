"""The language-model client against a loopback OpenAI-compatible server."""

from __future__ import annotations

import pytest

from helpdesk.replies.llm import ChatMessage, LanguageModel, LanguageModelError, language_model
from tests.llm_server import LLMServer

PROMPT = [ChatMessage("system", "Be brief."), ChatMessage("user", "Hello")]


@pytest.fixture
def model(llm_server: LLMServer) -> LanguageModel:
    client = LanguageModel(
        model="loopback-model", base_url=llm_server.base_url, api_key="test-key", timeout=0.5,
        max_retries=0,
    )  # fmt: skip
    yield client
    client.close()


def test_complete_sends_model_messages_and_bearer_key(
    model: LanguageModel, llm_server: LLMServer
) -> None:
    llm_server.reply_with("  Hi there.  ")

    answer = model.complete(PROMPT)

    assert answer == "Hi there."
    (request,) = llm_server.requests
    assert request.headers["authorization"] == "Bearer test-key"
    assert request.body["model"] == "loopback-model"
    assert request.messages == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hello"},
    ]


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        (lambda s: s.fail_next(500), "HTTP 500"),
        (lambda s: s.fail_next(429, headers={"Retry-After": "0"}), "rate-limited"),
        (lambda s: s.delay_next(1.0), "did not answer in time"),
        (lambda s: s.empty_next(), "no message"),
        (lambda s: s.junk_next(), "no message"),
    ],
    ids=["server-error", "rate-limited", "slow", "no-choices", "junk"],
)
def test_every_failure_is_one_error_type(
    model: LanguageModel, llm_server: LLMServer, fault, message: str
) -> None:
    fault(llm_server)

    with pytest.raises(LanguageModelError, match=message):
        model.complete(PROMPT)


def test_wrong_key_is_an_error(llm_server: LLMServer) -> None:
    client = LanguageModel(model="m", base_url=llm_server.base_url, api_key="wrong", max_retries=0)

    with pytest.raises(LanguageModelError, match="HTTP 401"):
        client.complete(PROMPT)


def test_unreachable_server_is_an_error(closed_port_url: str) -> None:
    client = LanguageModel(model="m", base_url=closed_port_url, timeout=0.5, max_retries=0)

    with pytest.raises(LanguageModelError, match="cannot be reached"):
        client.complete(PROMPT)


def test_retries_once_after_a_server_error(llm_server: LLMServer) -> None:
    client = LanguageModel(
        model="m", base_url=llm_server.base_url, api_key="test-key", timeout=1, max_retries=1
    )
    llm_server.fail_next(503, headers={"Retry-After": "0"})
    llm_server.reply_with("Second time lucky.")

    assert client.complete(PROMPT) == "Second time lucky."
    assert len(llm_server.requests) == 2


def test_json_mode_asks_for_an_object_and_rejects_prose(
    model: LanguageModel, llm_server: LLMServer
) -> None:
    llm_server.reply_with('```json\n{"a": 1}\n```', "Sure! Here it is: a=1")

    assert model.complete(PROMPT, json_object=True) == '```json\n{"a": 1}\n```'
    assert llm_server.requests[0].body["response_format"] == {"type": "json_object"}
    with pytest.raises(LanguageModelError, match="not JSON"):
        model.complete(PROMPT, json_object=True)


def test_no_model_is_configured_by_default() -> None:
    assert language_model() is None


def test_configured_model_follows_settings(llm_server: LLMServer) -> None:
    configured = language_model()

    assert configured is not None
    assert configured.model == "loopback-model"
    assert configured.complete(PROMPT) == llm_server.default_reply
