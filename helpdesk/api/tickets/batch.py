"""`/api/messages/batch/`: up to 500 messages, each on its ticket, with a result per message."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from helpdesk.api.parsers import JSONParser
from helpdesk.api.schema import VALIDATION_ERROR, error
from helpdesk.api.tickets.serializers import MessageInputSerializer
from tickets import services
from tickets.models import Message
from tickets.services.batch import CREATED, DUPLICATE, ERROR

BIGINT_MAX = 2**63 - 1


class TooManyMessagesError(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_many_messages"


class MessageBatchItemSerializer(MessageInputSerializer):
    """One message of a batch: the single post's fields and the ticket it goes on."""

    ticket = serializers.IntegerField(
        min_value=1, max_value=BIGINT_MAX, help_text="The id of the ticket the message goes on."
    )


# The request's shape, for the schema: the view checks the messages one by one, so that a bad
# one is an `error` result and not a 400 for the whole batch.
class MessageBatchInputSerializer(serializers.Serializer):
    """Messages to store, each on its ticket."""

    messages = MessageBatchItemSerializer(
        many=True,
        help_text="1 to MESSAGE_BATCH_MAX_ITEMS (500) messages, each checked as "
        "`POST /api/tickets/{id}/messages/` checks one.",
    )


class MessageBatchResultSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="The message's place in `messages`, from 0.")
    status = serializers.ChoiceField(choices=[CREATED, DUPLICATE, ERROR])
    id = serializers.IntegerField(
        required=False,
        help_text="The stored message: the new one (`created`), or the one holding the same "
        "`external_id` on the ticket, stored before or earlier in the batch (`duplicate`).",
    )
    # Named as the answer names it; the schema's field, not `Serializer.errors` (unused here).
    errors = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="For `error`: a list of messages per field; nothing of it was stored.",
    )


class MessageBatchOutputSerializer(serializers.Serializer):
    results = MessageBatchResultSerializer(many=True, help_text="One per message, in order.")


def _messages(data: Any) -> list[Any]:
    if not isinstance(data, dict) or not isinstance(data.get("messages"), list):
        raise ValidationError({"messages": ["Send an object with a list of messages."]})
    messages: list[Any] = data["messages"]
    limit = settings.MESSAGE_BATCH_MAX_ITEMS
    if not messages:
        raise ValidationError({"messages": ["The list of messages is empty."]})
    if len(messages) > limit:
        raise TooManyMessagesError(
            f"A batch holds at most {limit} messages; this one has {len(messages)}."
        )
    return messages


class MessageBatchView(APIView):
    write_permission = "tickets.add_message"
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="messages_batch_create",
        request=MessageBatchInputSerializer,
        responses={
            200: MessageBatchOutputSerializer,
            413: error(
                "More than MESSAGE_BATCH_MAX_ITEMS (500) messages, or a body over the "
                "upload limit (DATA_UPLOAD_MAX_MEMORY_SIZE)."
            ),
            400: OpenApiResponse(
                response=VALIDATION_ERROR,
                description="Not an object with a non-empty list `messages`; a bad message "
                "is not a 400 but an `error` result.",
            ),
        },
    )
    def post(self, request: Request) -> Response:
        """Store many messages in one transaction; one result per message, in order.

        Each message is checked as the single post checks one, and a repeated
        `external_id` on a ticket (stored, or earlier in this batch) is a `duplicate` with
        the stored message's id. A message that fails is an `error` with its reasons and
        the others are stored. Every stored message is mirrored to memory once.
        """
        items = _messages(request.data)
        checker = MessageBatchItemSerializer()
        results: list[dict[str, Any] | None] = [None] * len(items)
        valid: list[tuple[int, services.BatchMessage]] = []
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                errors = {"non_field_errors": ["A message is an object with its fields."]}
                results[index] = {"index": index, "status": ERROR, "errors": errors}
                continue
            try:
                fields = checker.run_validation(item)
            except ValidationError as invalid:
                results[index] = {"index": index, "status": ERROR, "errors": invalid.detail}
                continue
            is_agent_message = fields["role"] == Message.Role.AGENT
            valid.append(
                (
                    index,
                    services.BatchMessage(
                        ticket_id=fields["ticket"],
                        role=fields["role"],
                        body=fields["body"],
                        created_at=fields.get("created_at"),
                        external_id=fields.get("external_id") or None,
                        author=request.user if is_agent_message else None,  # type: ignore[arg-type]
                        author_name=fields.get("author_name", ""),
                    ),
                )
            )
        outcomes = (
            services.message_record_batch(
                messages=[message for _, message in valid], posted_by=request.user
            )
            if valid
            else []
        )
        for (index, _), outcome in zip(valid, outcomes, strict=True):
            result: dict[str, Any] = {"index": index, "status": outcome.status}
            if outcome.status == ERROR:
                result["errors"] = outcome.errors
            else:
                result["id"] = outcome.id
            results[index] = result
        return Response({"results": results})
