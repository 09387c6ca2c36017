"""The exits' policy (helpdesk.pii.exits): which kinds each way out masks, decided once."""

from __future__ import annotations

import pytest

from helpdesk.pii import ALL, CONTACT_KINDS, SECRET_KINDS, KnownIdentifiers
from helpdesk.pii.exits import POLICIES, Exit, exit_kinds, mask

ADA = KnownIdentifiers(
    names=("Ada Lovelace",), emails=("ada@example.com",), phones=("+44 20 7946 0958",),
    ids=("crm-4711",),
)  # fmt: skip
TEXT = "Ada Lovelace (crm-4711), ada@example.com, card 4111 1111 1111 1111, password: hunter2"


def test_every_exit_has_a_policy() -> None:
    assert set(POLICIES) == set(Exit)


@pytest.mark.parametrize("exit_", [Exit.LANGUAGE_MODEL, Exit.HANDOFF, Exit.EMAIL])
def test_the_model_the_handoff_and_the_email_mask_every_kind(exit_: Exit) -> None:
    assert exit_kinds(exit_) == ALL
    assert exit_kinds(exit_, mask_contacts=True) == ALL

    masked = mask(TEXT, exit_, known=ADA).text

    for value in ("Ada", "Lovelace", "crm-4711", "ada@example.com", "4111", "hunter2"):
        assert value not in masked


def test_the_memory_backend_masks_secrets_and_contacts_only_when_asked() -> None:
    assert exit_kinds(Exit.MEMORY) == SECRET_KINDS
    assert exit_kinds(Exit.MEMORY, mask_contacts=True) == SECRET_KINDS | CONTACT_KINDS

    kept = mask(TEXT, Exit.MEMORY, known=ADA).text
    masked = mask(TEXT, Exit.MEMORY, known=ADA, mask_contacts=True).text

    assert kept == "Ada Lovelace (<ID_1>), ada@example.com, card <CARD_1>, password: <SECRET_1>"
    for value in ("Ada", "Lovelace", "ada@example.com"):
        assert value not in masked


def test_a_text_bound_for_several_exits_is_masked_for_all_of_them() -> None:
    assert exit_kinds(Exit.MEMORY, Exit.LANGUAGE_MODEL) == ALL
    with pytest.raises(ValueError, match="exit"):
        exit_kinds()
