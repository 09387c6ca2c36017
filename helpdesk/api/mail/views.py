"""`/api/inbound/email/`: a raw e-mail in; `/api/attachments/{id}/`: a file it brought."""

from __future__ import annotations

from collections.abc import Iterable

from django.http import FileResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import ParseError
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import BaseParser
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from helpdesk.api.mail.serializers import IgnoredMailSerializer, InboundMailSerializer
from helpdesk.api.parsers import RawMailParser
from helpdesk.api.schema import error
from helpdesk.channels.models import Attachment
from helpdesk.channels.services import inbound_mail_receive

# Served as a download with the type the mail gave it, except types a browser would run.
_ACTIVE_TYPES = frozenset(
    {
        "text/html",
        "application/xhtml+xml",
        "image/svg+xml",
        "text/xml",
        "application/xml",
        "text/javascript",
        "application/javascript",
    }
)


class InboundEmailView(APIView):
    parser_classes = [RawMailParser]
    write_permission = "tickets.add_ticket"

    @extend_schema(
        operation_id="inbound_email_create",
        request={"message/rfc822": OpenApiTypes.BINARY},
        responses={
            201: InboundMailSerializer,
            200: OpenApiResponse(
                InboundMailSerializer, description="This Message-ID was taken in before."
            ),
            202: OpenApiResponse(
                IgnoredMailSerializer,
                description="An auto-reply, delivery report or loop: nothing is created.",
            ),
            400: error("Not an e-mail: empty, no headers, no sender, broken MIME, no text."),
            413: error("The mail is over INBOUND_EMAIL_MAX_BYTES."),
            415: error("The body's Content-Type is not message/rfc822."),
        },
    )
    def post(self, request: Request) -> Response:
        """Take in a raw e-mail (RFC 5322) from a mail gateway or a pipe.

        The sender's address finds or creates the customer; the mail continues the ticket
        whose Message-IDs it answers (`In-Reply-To`, `References`) or whose reference
        (`[T-000042]`) its subject holds, when that ticket is the sender's and not closed;
        otherwise it opens one. The stored body is the mail's new text (quoted history and
        signature removed, HTML as text); attachments are kept with the message.
        """
        raw = request.data.get("mail")
        if not isinstance(raw, bytes):
            raise ParseError("The body is empty: post the raw e-mail (message/rfc822).")
        outcome = inbound_mail_receive(raw=raw, posted_by=request.user)
        if outcome.ignored:
            return Response(IgnoredMailSerializer(outcome).data, status=status.HTTP_202_ACCEPTED)
        code = status.HTTP_201_CREATED if outcome.is_new else status.HTTP_200_OK
        return Response(InboundMailSerializer(outcome).data, status=code)


class _AnyAccept(BaseContentNegotiation):
    """A file is a file whatever the client accepts; errors still answer JSON."""

    def select_parser(self, request: Request, parsers: Iterable[BaseParser]) -> BaseParser | None:
        return next(iter(parsers), None)

    def select_renderer(
        self, request: Request, renderers: Iterable[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        renderer = next(iter(renderers))
        return renderer, renderer.media_type


class AttachmentDownloadView(APIView):
    content_negotiation_class = _AnyAccept

    @extend_schema(
        operation_id="attachment_download",
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
    )
    def get(self, request: Request, pk: int) -> FileResponse:
        """Download a file a customer's mail brought (agents only)."""
        attachment = get_object_or_404(Attachment, pk=pk)
        content_type = attachment.content_type
        if content_type in _ACTIVE_TYPES or "/" not in content_type:
            content_type = "application/octet-stream"
        response = FileResponse(
            attachment.file.open("rb"),
            as_attachment=True,
            filename=attachment.filename,
            content_type=content_type,
        )
        response["Content-Security-Policy"] = "sandbox; default-src 'none'"
        return response
