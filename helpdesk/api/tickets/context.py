"""Output shapes of the memory-derived context (api.md: context and customer memory)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

SOURCE_MESSAGES_HELP = (
    "Every message the memory came from: one, or the span of the ticket's messages a "
    "segment covers when the memory service names a time rather than a message "
    "(EverMemOS v1). `source_message` is the first of them."
)


def _source_messages(source: Any) -> list[int]:
    if source.window is not None:
        return list(source.window.message_ids)
    return [source.message_id] if source.message_id is not None else []


class ProfileFactSerializer(serializers.Serializer):
    text = serializers.CharField()
    kind = serializers.CharField()
    source_ticket = serializers.IntegerField(source="source.ticket_id", allow_null=True)
    source_message = serializers.IntegerField(source="source.message_id", allow_null=True)
    source_messages = serializers.SerializerMethodField(help_text=SOURCE_MESSAGES_HELP)
    memory_id = serializers.CharField()

    def get_source_messages(self, fact: Any) -> list[int]:
        return _source_messages(fact.source)


class TicketMemorySerializer(serializers.Serializer):
    text = serializers.CharField()
    created_at = serializers.DateTimeField(allow_null=True)
    source_message = serializers.IntegerField(source="source.message_id", allow_null=True)
    source_messages = serializers.SerializerMethodField(help_text=SOURCE_MESSAGES_HELP)
    memory_id = serializers.CharField()

    def get_source_messages(self, memory: Any) -> list[int]:
        return _source_messages(memory.source)


class RelatedTicketSerializer(serializers.Serializer):
    ticket = serializers.IntegerField(source="ticket_id")
    reference = serializers.CharField()
    subject = serializers.CharField()
    score = serializers.FloatField()
    snippet = serializers.CharField()
    status = serializers.CharField()
    created_at = serializers.DateTimeField()
    source_message = serializers.IntegerField(source="message_id", allow_null=True)
    source_messages = serializers.SerializerMethodField(help_text=SOURCE_MESSAGES_HELP)

    def get_source_messages(self, related: Any) -> list[int]:
        if related.message_ids:
            return list(related.message_ids)
        return [related.message_id] if related.message_id is not None else []


class RecurringIssueSerializer(serializers.Serializer):
    # DRF's metaclass takes declared fields off the class, so this does not shadow
    # Field.label at run time; the stubs only see a class attribute of another type.
    label = serializers.CharField(  # type: ignore[assignment]
        help_text='The topic the tickets share ("error code"), or empty when none reads as one.'
    )
    tickets = serializers.ListField(child=serializers.IntegerField(), source="ticket_ids")
    count = serializers.IntegerField()
    first_at = serializers.DateTimeField(allow_null=True)
    last_at = serializers.DateTimeField(allow_null=True)
    position = serializers.IntegerField(
        allow_null=True, help_text="Which time this is for the ticket asked about (1 = first)."
    )
    occurrence = serializers.CharField(help_text="'3rd time this month'; empty for a customer.")


class TicketContextSerializer(serializers.Serializer):
    query = serializers.CharField()
    profile = ProfileFactSerializer(many=True)
    ticket_memories = TicketMemorySerializer(many=True)
    related_tickets = RelatedTicketSerializer(many=True)
    recurring_issues = RecurringIssueSerializer(many=True)
    recurs = serializers.SerializerMethodField()
    pending_sync = serializers.IntegerField()
    failed_sync = serializers.IntegerField()
    memory_available = serializers.BooleanField(source="is_available")
    notice = serializers.CharField(source="unavailable")

    def get_recurs(self, context: Any) -> bool:
        """True when this ticket's problem came up in another ticket of the customer."""
        return context.recurring_for_ticket is not None


class CustomerMemorySerializer(serializers.Serializer):
    profile = ProfileFactSerializer(many=True)
    recurring_issues = RecurringIssueSerializer(many=True)
    memory_available = serializers.SerializerMethodField()
    notice = serializers.CharField(source="unavailable")
    recurring_notice = serializers.CharField(source="recurring_unavailable")

    def get_memory_available(self, memory: Any) -> bool:
        return not memory.unavailable


class ContextQuerySerializer(serializers.Serializer):
    query = serializers.CharField(required=False, allow_blank=True, max_length=2_000)
