"""The chat widget's API: start a session, read the conversation, write to it.

No agent credentials are accepted here: a visitor token (`Authorization: Visitor ...`)
issued by `POST /api/widget/session/`, from an origin the site registered. The bot answers
a visitor's message at once (from the customer's memory) until a person has the
conversation; agents' replies are read by polling `GET /api/widget/messages/?after=<id>`.
"""

from __future__ import annotations

import logging
from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotAuthenticated, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from helpdesk.api.throttles import WidgetAddressThrottle, WidgetVisitorThrottle
from helpdesk.api.widget.authentication import VisitorTokenAuthentication
from helpdesk.api.widget.serializers import (
    ConversationSerializer,
    MessageRequestSerializer,
    SessionRequestSerializer,
    WidgetMessageSerializer,
)
from helpdesk.assist.bot import BOT_NAME, ticket_bot_reply
from helpdesk.channels.widget import (
    Visitor,
    bot_should_answer,
    conversation_current,
    conversation_messages,
    site_for_origin,
    visitor_message_post,
    visitor_start,
    visitor_token,
)
from helpdesk.errors import HelpdeskError
from tickets.models import Message, Ticket
from tickets.services import NoAgentAvailableError, message_record

logger = logging.getLogger(__name__)


def _conversation(ticket: Ticket | None, *, after: int = 0) -> dict[str, Any]:
    if ticket is None:
        return {"conversation": None, "messages": []}
    messages = conversation_messages(ticket, after=after)
    return {
        "conversation": ConversationSerializer(ticket).data,
        "messages": WidgetMessageSerializer(messages, many=True).data,
    }


NOBODY_AVAILABLE = (
    "Nobody from the team is available right now. Your message is saved, and a person "
    "will answer here as soon as they can."
)


def _bot_turn(ticket: Ticket) -> None:
    """The bot answers, or hands over; when nobody can take it, the visitor is told so."""
    try:
        ticket_bot_reply(ticket=ticket)
    except NoAgentAvailableError:
        message_record(
            ticket=ticket, role=Message.Role.BOT, body=NOBODY_AVAILABLE, author_name=BOT_NAME
        )
    except HelpdeskError as error:  # e.g. answered meanwhile: the next poll shows it
        logger.info("No bot answer on %s: %s", ticket.reference, error)


class _WidgetView(APIView):
    authentication_classes = [VisitorTokenAuthentication]
    permission_classes = [AllowAny]
    throttle_classes = [WidgetAddressThrottle]

    def visitor(self, request: Request) -> Visitor:
        if not isinstance(request.auth, Visitor):
            raise NotAuthenticated("Start a chat session first (POST /api/widget/session/).")
        return request.auth


class WidgetSessionView(_WidgetView):
    authentication_classes = []

    @extend_schema(
        operation_id="widget_session_create",
        request=SessionRequestSerializer,
        responses={200: inline_serializer("WidgetSession", {"token": serializers.CharField()})},
    )
    def post(self, request: Request) -> Response:
        """Start (or resume) a visitor's chat: anonymous, by the token kept from before, or
        as the site's signed-in user (`user_id` and its `user_hash`)."""
        given = SessionRequestSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        site = site_for_origin(key=data["site"], origin=request.headers.get("Origin", ""))
        visitor = visitor_start(
            site=site,
            token=data.get("token", ""),
            user_id=data.get("user_id", ""),
            signature=data.get("user_hash", ""),
        )
        body = {"token": visitor_token(visitor), "identified": visitor.identified}
        return Response(body | _conversation(conversation_current(visitor)))


class WidgetMessagesView(_WidgetView):
    throttle_classes = [WidgetAddressThrottle, WidgetVisitorThrottle]

    def get_throttles(self) -> list[Any]:
        if self.request.method == "GET":  # polling: the address limit only
            return [WidgetAddressThrottle()]
        return super().get_throttles()

    @extend_schema(
        operation_id="widget_messages_list",
        parameters=[OpenApiParameter("after", int, description="Only messages after this id.")],
        responses={200: WidgetMessageSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        """The visitor's conversation: what the customer may see, after message `after`."""
        visitor = self.visitor(request)
        try:
            after = int(request.query_params.get("after", 0))
        except ValueError as error:
            raise ValidationError({"after": "A message id."}) from error
        return Response(_conversation(conversation_current(visitor), after=after))

    @extend_schema(
        operation_id="widget_messages_create",
        request=MessageRequestSerializer,
        responses={201: WidgetMessageSerializer(many=True)},
    )
    def post(self, request: Request) -> Response:
        """The visitor writes; the bot answers at once unless a person has the chat."""
        visitor = self.visitor(request)
        given = MessageRequestSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        ticket, message = visitor_message_post(
            visitor, body=data["body"], name=data.get("name", ""), email=data.get("email", "")
        )
        if bot_should_answer(ticket):
            _bot_turn(ticket)
            ticket.refresh_from_db()
        answer = _conversation(ticket, after=message.pk - 1)
        return Response(answer, status=status.HTTP_201_CREATED)
