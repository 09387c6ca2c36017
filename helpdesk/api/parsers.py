"""Request body parsers: JSON that cannot be read is a 400, however it is malformed; raw mail."""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO, Any

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError

from helpdesk.mail import MailTooLargeError


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, but a body nested too deep for Python's decoder is a `ParseError`.

    DRF already turns `ValueError` (bad syntax, NaN, bad encoding) into one; a few
    thousand `[` exhaust the decoder's recursion instead.
    """

    def parse(
        self,
        stream: IO[Any],
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - the body is nested too deeply.") from None


class RawMailParser(parsers.BaseParser):
    """A raw e-mail (`message/rfc822`), read no further than the size limit (413).

    The view finds the mail's bytes under `mail` in `request.data`.
    """

    media_type = "message/rfc822"

    def parse(
        self,
        stream: IO[Any],
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> dict[str, bytes]:
        limit = settings.INBOUND_EMAIL_MAX_BYTES
        raw = stream.read(limit + 1)
        if len(raw) > limit:
            raise MailTooLargeError(f"The e-mail is over the limit of {limit} bytes.")
        return {"mail": bytes(raw)}
