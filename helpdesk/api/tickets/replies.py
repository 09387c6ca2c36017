"""Shapes of drafts, bot replies and escalations (api.md: replies and escalation)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from helpdesk.api.tickets.serializers import MessageOutputSerializer
from helpdesk.assist.bot import BotOutcome
from tickets.models import Handoff
from tickets.services.escalation import REASON_MAX_LENGTH

if TYPE_CHECKING:
    from django.contrib.auth.models import User


class SourceSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="past_ticket, profile or memory")
    text = serializers.CharField()
    ticket = serializers.IntegerField(source="ticket_id", allow_null=True)
    reference = serializers.CharField()
    message = serializers.IntegerField(source="message_id", allow_null=True)


class DraftSerializer(serializers.Serializer):
    reply = serializers.CharField(
        source="text",
        allow_blank=True,
        help_text="The draft; empty when none is offered (see waiting_for_customer).",
    )
    redactions = serializers.IntegerField(help_text="How many personal values were masked.")
    sources = SourceSerializer(many=True)
    composer = serializers.CharField(
        help_text="llm, or offline when no model answered; none when no draft is offered"
    )
    notice = serializers.CharField(
        allow_blank=True,
        help_text="Why the offline composer answered, if it did; or why no draft is offered.",
    )
    waiting_for_customer = serializers.BooleanField(
        help_text="True when the newest message is our side's (an agent's or the bot's): "
        "no draft until the customer writes again, and reply is empty."
    )


class EscalateInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=REASON_MAX_LENGTH)
    assign_to = serializers.CharField(
        max_length=150, required=False, allow_null=True, allow_blank=True,
        help_text="An agent's username; by default the agent with the fewest active tickets.",
    )  # fmt: skip


class HistoryItemSerializer(serializers.Serializer):
    ticket = serializers.IntegerField()
    reference = serializers.CharField()
    summary = serializers.CharField()


class HandoffSerializer(serializers.ModelSerializer):
    relevant_history = HistoryItemSerializer(many=True)
    attempted_solutions = serializers.ListField(child=serializers.CharField())
    open_questions = serializers.ListField(child=serializers.CharField())
    escalated_by: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = Handoff
        fields = [
            "customer_summary",
            "issue_summary",
            "attempted_solutions",
            "customer_sentiment",
            "relevant_history",
            "open_questions",
            "reason",
            "escalated_by",
            "created_at",
            "composer",
            "redactions",
        ]
        read_only_fields = fields


class EscalationSerializer(serializers.Serializer):
    ticket = serializers.IntegerField(source="ticket_id")
    status = serializers.CharField(source="ticket.status")
    assigned_to = serializers.CharField(source="assigned_to.username", allow_null=True)
    handoff = HandoffSerializer(source="*")


class BotReplySerializer(serializers.Serializer):
    action = serializers.SerializerMethodField(help_text="replied or escalated")
    message = MessageOutputSerializer()
    draft = DraftSerializer(allow_null=True)
    escalation = serializers.SerializerMethodField()

    def get_action(self, outcome: BotOutcome) -> str:
        return "escalated" if outcome.escalated else "replied"

    @extend_schema_field(EscalationSerializer(allow_null=True))
    def get_escalation(self, outcome: BotOutcome) -> dict | None:
        return EscalationSerializer(outcome.handoff).data if outcome.handoff else None
