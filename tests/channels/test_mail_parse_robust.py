"""Whatever bytes arrive, reading them ends in a mail or in one of the two clear errors.

The corpus mails are cut, spliced and sprinkled with random bytes; `mail_parse` must
answer with an `InboundMail`, `UnreadableMailError` (400) or `MailTooLargeError` (413),
never anything else (which the API would answer with a 500). Seeded: the same cases run
every time.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpdesk.mail import InboundMail, MailTooLargeError, UnreadableMailError, mail_parse
from tests.channels.conftest import MAIL_DIR

CORPUS = [path.read_bytes() for path in sorted(MAIL_DIR.glob("*.eml"))]


@st.composite
def damaged_mails(draw: st.DrawFn) -> bytes:
    raw = bytearray(draw(st.sampled_from(CORPUS)))
    for _ in range(draw(st.integers(min_value=0, max_value=6))):
        position = draw(st.integers(min_value=0, max_value=max(len(raw) - 1, 0)))
        change = draw(st.sampled_from(["cut", "insert", "flip", "splice"]))
        if change == "cut":
            del raw[position:]
        elif change == "insert":
            raw[position:position] = draw(st.binary(min_size=1, max_size=40))
        elif change == "flip" and raw:
            raw[position] = draw(st.integers(min_value=0, max_value=255))
        elif change == "splice":
            other = draw(st.sampled_from(CORPUS))
            raw[position:] = other[draw(st.integers(min_value=0, max_value=len(other))) :]
    return bytes(raw)


def _read(raw: bytes) -> InboundMail | None:
    try:
        return mail_parse(raw, max_bytes=100_000, attachment_max_bytes=50_000)
    except (UnreadableMailError, MailTooLargeError):
        return None


@settings(
    max_examples=300,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
@given(raw=damaged_mails())
def test_damaged_mail_is_read_or_refused_clearly(raw: bytes) -> None:
    mail = _read(raw)

    if mail is not None:
        assert mail.sender
        assert "\n" not in mail.subject
        assert mail.message_id


@settings(max_examples=200, derandomize=True, database=None, deadline=None)
@given(raw=st.binary(max_size=2_000))
def test_random_bytes_are_read_or_refused_clearly(raw: bytes) -> None:
    _read(raw)
