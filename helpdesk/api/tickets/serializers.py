"""Input and output shapes of tickets and messages in the API."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from rest_framework import serializers

from customers.models import Customer
from helpdesk.api.fields import AwareDateTimeField, RecordIdField
from tickets.models import Message, Ticket
from tickets.selectors import ticket_tag_names

if TYPE_CHECKING:
    from django.contrib.auth.models import User


class TicketInputSerializer(serializers.Serializer):
    customer = RecordIdField(queryset=Customer.objects.all())
    subject = serializers.CharField(max_length=200)
    channel = serializers.ChoiceField(choices=Ticket.Channel.choices, default=Ticket.Channel.CHAT)
    priority = serializers.ChoiceField(
        choices=Ticket.Priority.choices, default=Ticket.Priority.NORMAL
    )
    created_at = AwareDateTimeField(required=False)
    tags = serializers.ListField(
        child=serializers.CharField(max_length=settings.TICKET_TAG_MAX_LENGTH),
        required=False,
        max_length=settings.TICKET_TAGS_MAX,
        help_text="Words that sort the ticket (one of each, whatever the case).",
    )


class TicketPatchSerializer(serializers.Serializer):
    tags = serializers.ListField(
        child=serializers.CharField(max_length=settings.TICKET_TAG_MAX_LENGTH),
        required=False,
        max_length=settings.TICKET_TAGS_MAX,
        help_text="The ticket's tags from now on (replaces them; [] removes all).",
    )
    priority = serializers.ChoiceField(choices=Ticket.Priority.choices, required=False)


class TicketCloseSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[Ticket.Status.RESOLVED, Ticket.Status.CLOSED], default=Ticket.Status.RESOLVED
    )


class TicketOutputSerializer(serializers.ModelSerializer):
    assigned_to: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    tags = serializers.SerializerMethodField(help_text="The ticket's tags, sorted.")

    class Meta:
        model = Ticket
        fields = [
            "id",
            "reference",
            "customer",
            "customer_name",
            "subject",
            "channel",
            "status",
            "priority",
            "tags",
            "assigned_to",
            "created_at",
            "updated_at",
            "last_message_at",
            "closed_at",
        ]
        read_only_fields = fields

    def get_tags(self, ticket: Ticket) -> list[str]:
        return ticket_tag_names(ticket)


class MessageInputSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Message.Role.choices)
    body = serializers.CharField(max_length=settings.MESSAGE_BODY_MAX_LENGTH, trim_whitespace=False)
    created_at = AwareDateTimeField(required=False)
    external_id = serializers.CharField(
        max_length=128, required=False, allow_null=True, allow_blank=True
    )
    author_name = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        default="",
        help_text="The name to show instead of the poster's (the customer's for customer "
        "messages). Only integrations may set it: permission tickets.set_message_author, "
        "the Integrations group; anyone else gets a 400.",
    )

    def validate_body(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError("A message needs some text.")
        return value


# Declared field by field, not a ModelSerializer: building a ModelSerializer's fields from the
# model on every use was a tenth of a message POST's CPU. The schema is the same.
class MessageOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    ticket = serializers.IntegerField(source="ticket_id", read_only=True)
    role = serializers.ChoiceField(choices=Message.Role.choices, read_only=True)
    author = serializers.CharField(
        source="display_author", read_only=True, help_text="The name the message shows."
    )
    posted_by = serializers.CharField(
        source="posted_by.username",
        read_only=True,
        allow_null=True,
        help_text="Username of the account that really posted it (agent or integration); "
        "null for the bot, imports and demo data.",
    )
    body = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True, label="Created")
    external_id = serializers.CharField(
        read_only=True,
        allow_null=True,
        help_text="The sender's own id for this message; unique within the ticket.",
    )
