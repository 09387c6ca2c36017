"""`/api/tickets/`: tickets, messages, context, suggested replies, the bot and escalation."""

from __future__ import annotations

from functools import cached_property

import django_filters
from django.db import transaction
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from helpdesk.api.schema import conflict
from helpdesk.api.tickets.context import ContextQuerySerializer, TicketContextSerializer
from helpdesk.api.tickets.replies import (
    BotReplySerializer,
    DraftSerializer,
    EscalateInputSerializer,
    EscalationSerializer,
)
from helpdesk.api.tickets.serializers import (
    MessageInputSerializer,
    MessageOutputSerializer,
    TicketCloseSerializer,
    TicketInputSerializer,
    TicketOutputSerializer,
    TicketPatchSerializer,
)
from helpdesk.assist.bot import ticket_bot_reply
from helpdesk.assist.drafts import ticket_suggested_reply
from helpdesk.assist.escalation import ticket_escalate_with_handoff
from helpdesk.memory.selectors.context import ticket_context
from tickets import selectors, services
from tickets.models import Message, Ticket


class TicketFilter(django_filters.FilterSet):
    assigned_to = django_filters.CharFilter(
        field_name="assigned_to__username", help_text="Username of the assigned agent."
    )
    unassigned = django_filters.BooleanFilter(
        field_name="assigned_to", lookup_expr="isnull", help_text="Only tickets nobody holds."
    )
    q = django_filters.CharFilter(
        method="search",
        help_text="A reference (T-000042); part of a subject, a customer's name, e-mail or id; "
        "or words of a message, each word or the start of one (up to 8 words).",
    )

    tag = django_filters.CharFilter(
        method="tagged", help_text="Only tickets with this tag (whatever its case)."
    )

    class Meta:
        model = Ticket
        fields = ["status", "customer", "priority", "channel"]

    def tagged(self, queryset: QuerySet[Ticket], name: str, value: str) -> QuerySet[Ticket]:
        return queryset.filter(tagged_items__tag__name__iexact=value.strip())

    def search(self, queryset: QuerySet[Ticket], name: str, value: str) -> QuerySet[Ticket]:
        return selectors.ticket_search(queryset, value)


class TicketViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    queryset = (
        Ticket.objects.select_related("customer", "assigned_to")
        .prefetch_related("tagged_items__tag")
        .order_by("-last_message_at", "-id")
    )
    serializer_class = TicketOutputSerializer
    filterset_class = TicketFilter
    write_permission = "tickets.add_ticket"

    @extend_schema(request=TicketInputSerializer, responses={201: TicketOutputSerializer})
    def create(self, request: Request) -> Response:
        data = TicketInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ticket = services.ticket_create(actor=request.user, **data.validated_data)
        ticket = self.get_queryset().get(pk=ticket.pk)
        return Response(TicketOutputSerializer(ticket).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=TicketPatchSerializer,
        responses={200: TicketOutputSerializer},
        description="Change a ticket's tags (replaced as a whole) or priority; each change "
        "is recorded in its audit trail. Needs `tickets.change_ticket`.",
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        if not request.user.has_perm("tickets.change_ticket"):
            raise PermissionDenied("You may not change tickets.")
        ticket = self.get_object()
        data = TicketPatchSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with transaction.atomic():
            if "tags" in data.validated_data:
                services.ticket_set_tags(
                    ticket=ticket, tags=data.validated_data["tags"], actor=request.user
                )
            if "priority" in data.validated_data:
                services.ticket_change_priority(
                    ticket=ticket, priority=data.validated_data["priority"], actor=request.user
                )
        return Response(TicketOutputSerializer(self.get_queryset().get(pk=ticket.pk)).data)

    @extend_schema(
        request=TicketCloseSerializer,
        responses={
            200: TicketOutputSerializer,
            409: conflict("The ticket already has that status."),
        },
    )
    @action(detail=True, methods=["post"], write_permission="tickets.change_ticket")
    def close(self, request: Request, pk: str) -> Response:
        """Resolve or close the ticket; its memories are then extracted."""
        ticket = self.get_object()
        data = TicketCloseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.ticket_close(
            ticket=ticket, status=data.validated_data["status"], actor=request.user
        )
        return Response(TicketOutputSerializer(self.get_queryset().get(pk=ticket.pk)).data)

    @extend_schema(parameters=[ContextQuerySerializer], responses=TicketContextSerializer)
    @action(detail=True, methods=["get"])
    def context(self, request: Request, pk: str) -> Response:
        """Memory-derived context: profile, this ticket's memories, related past tickets.

        `query` defaults to the newest customer message of the ticket.
        """
        ticket = self.get_object()
        params = ContextQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        context = ticket_context(ticket=ticket, query=params.validated_data.get("query"))
        return Response(TicketContextSerializer(context).data)

    @extend_schema(request=None, responses={200: DraftSerializer})
    @action(
        detail=True,
        methods=["post"],
        url_path="suggested-reply",
        write_permission="tickets.add_message",
    )
    def suggested_reply(self, request: Request, pk: str) -> Response:
        """A draft reply for the agent from the ticket's memory context, personal data masked.

        Without a language model (or when it fails) the offline composer writes it and
        `notice` says why. When the newest message is our side's (an agent's or the bot's),
        no draft is offered until the customer writes again: still 200, with `reply` empty,
        `waiting_for_customer` true, `composer` "none" and `notice` saying why.
        """
        draft = ticket_suggested_reply(ticket=self.get_object(), agent=request.user)
        return Response(DraftSerializer(draft).data)

    @extend_schema(
        request=None,
        responses={
            200: BotReplySerializer,
            409: conflict(
                "Nothing to answer: the newest message is not the customer's, or the "
                "ticket is escalated or closed."
            ),
        },
    )
    @action(
        detail=True, methods=["post"], url_path="bot-reply", write_permission="tickets.add_message"
    )
    def bot_reply(self, request: Request, pk: str) -> Response:
        """The bot answers the newest customer message, or hands over to a person.

        It hands over when the customer asks for a person, the issue keeps recurring, or
        the customer's sentiment turns bad; `action` says which happened.
        """
        outcome = ticket_bot_reply(ticket=self.get_object())
        return Response(BotReplySerializer(outcome).data)

    @extend_schema(
        request=EscalateInputSerializer,
        responses={
            200: EscalationSerializer,
            409: conflict("Already escalated, closed, or no agent to take it."),
        },
    )
    @action(detail=True, methods=["post"], write_permission="tickets.change_ticket")
    def escalate(self, request: Request, pk: str) -> Response:
        """Assign a human agent (named, or the least busy) with a structured handoff."""
        ticket = self.get_object()
        data = EscalateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        handoff = ticket_escalate_with_handoff(
            ticket=ticket,
            actor=request.user,
            reason=data.validated_data["reason"],
            assign_to=data.validated_data.get("assign_to") or None,
        )
        return Response(EscalationSerializer(handoff).data)


class TicketMessageViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = MessageOutputSerializer
    write_permission = "tickets.add_message"

    @cached_property
    def ticket(self) -> Ticket:
        return get_object_or_404(Ticket, pk=self.kwargs["ticket_pk"])

    def get_queryset(self) -> QuerySet[Message]:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no ticket
            return Message.objects.none()
        return self.ticket.messages.select_related("author", "posted_by").order_by(
            "created_at", "id"
        )

    @extend_schema(
        request=MessageInputSerializer,
        responses={
            201: MessageOutputSerializer,
            200: MessageOutputSerializer,
            409: conflict("The ticket is closed and takes no more messages."),
        },
    )
    def create(self, request: Request, ticket_pk: str) -> Response:
        """Store a message; repeating an `external_id` returns the stored one with 200.

        `role` is `customer`, `agent`, `bot`, or `note`: an internal note for agents, never
        sent to the customer, shown in the chat widget, mirrored to memory or quoted in a
        draft or a bot answer.

        `author_name` signs the message with another name; only integrations may set it
        (permission `tickets.set_message_author`, the Integrations group): for others it is
        a 400. `posted_by` in the answer names the account that really posted it.
        """
        data = MessageInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # An agent's reply or internal note is written by the caller.
        is_agent_message = data.validated_data["role"] in (Message.Role.AGENT, Message.Role.NOTE)
        try:
            # The service reads and locks the ticket: no separate read of it here.
            recorded = services.message_record(
                ticket=int(ticket_pk),
                author=request.user if is_agent_message else None,
                posted_by=request.user,
                **data.validated_data,
            )
        except Ticket.DoesNotExist as error:
            raise NotFound("No Ticket matches the given query.") from error
        code = status.HTTP_201_CREATED if recorded.created else status.HTTP_200_OK
        return Response(MessageOutputSerializer(recorded.message).data, status=code)
