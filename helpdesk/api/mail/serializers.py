"""Output shapes of e-mail taken in (api.md: Channels, E-mail in) and of its attachments."""

from __future__ import annotations

from django.urls import reverse
from rest_framework import serializers

from helpdesk.channels.models import Attachment, InboundMail
from helpdesk.channels.services import MailOutcome


class AttachmentSerializer(serializers.ModelSerializer[Attachment]):
    url = serializers.SerializerMethodField(help_text="Where an agent downloads the file.")

    class Meta:
        model = Attachment
        fields = ["id", "filename", "content_type", "size", "is_inline", "url"]

    def get_url(self, attachment: Attachment) -> str:
        return reverse("api:attachment-download", args=[attachment.pk])


class InboundMailSerializer(serializers.Serializer[MailOutcome]):
    ticket = serializers.IntegerField(source="ticket.pk", help_text="The ticket's id.")
    reference = serializers.CharField(source="ticket.reference", help_text="e.g. T-000042.")
    message = serializers.IntegerField(source="message.pk", help_text="The message's id.")
    created_ticket = serializers.BooleanField(
        help_text="True when the mail opened a new ticket; false when it continued one."
    )
    attachments = AttachmentSerializer(many=True, help_text="The files kept with the message.")


class IgnoredMailSerializer(serializers.Serializer[MailOutcome]):
    ignored = serializers.ChoiceField(
        choices=InboundMail.IgnoredReason.values,
        help_text="Why nothing was created: an auto-responder, a delivery report, mail "
        "that our own outgoing mail caused, or more mail from one address within an hour "
        "than INBOUND_EMAIL_SENDER_HOURLY_LIMIT.",
    )
