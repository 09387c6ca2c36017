"""What the widget sends and is shown."""

from __future__ import annotations

from rest_framework import serializers

from tickets.models import Message, Ticket


class SessionRequestSerializer(serializers.Serializer[dict[str, str]]):
    site = serializers.CharField(max_length=32, help_text="The site key from the script tag.")
    token = serializers.CharField(
        max_length=1000, required=False, allow_blank=True, help_text="The token kept from before."
    )
    user_id = serializers.CharField(
        max_length=128,
        required=False,
        allow_blank=True,
        help_text="A signed-in user's id on the site (their customer's external id).",
    )
    user_hash = serializers.CharField(
        max_length=128,
        required=False,
        allow_blank=True,
        help_text="HMAC-SHA256 of user_id with the site's identity secret, hex.",
    )


class MessageRequestSerializer(serializers.Serializer[dict[str, str]]):
    body = serializers.CharField(max_length=20_000, trim_whitespace=True)
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)


class WidgetMessageSerializer(serializers.ModelSerializer[Message]):
    author = serializers.SerializerMethodField()

    class Meta:
        model = Message
        fields = ["id", "role", "author", "body", "created_at"]

    def get_author(self, message: Message) -> str:
        if message.role == Message.Role.CUSTOMER:
            return ""
        if message.author_id and message.author:  # an agent: the first name only
            return message.author.first_name or message.display_author.split()[0]
        return message.display_author


class ConversationSerializer(serializers.ModelSerializer[Ticket]):
    handed_over = serializers.SerializerMethodField(
        help_text="A person has the conversation (escalated or assigned)."
    )

    class Meta:
        model = Ticket
        fields = ["reference", "status", "handed_over"]

    def get_handed_over(self, ticket: Ticket) -> bool:
        return ticket.status == Ticket.Status.ESCALATED or ticket.assigned_to_id is not None
