"""Input and output shapes of customer records in the API."""

from __future__ import annotations

from django.core.validators import RegexValidator
from rest_framework import serializers

from customers.models import Customer
from helpdesk.api.fields import AwareDateTimeField, OptionalEmailField

phone_validator = RegexValidator(
    r"^\+?[0-9 ().\-/]{3,40}$", "Use digits, spaces, + ( ) . - / only, e.g. +44 20 7946 0000."
)


class CustomerInputSerializer(serializers.Serializer):
    external_id = serializers.CharField(max_length=128)
    name = serializers.CharField(max_length=200)
    email = OptionalEmailField(required=False, default="")
    phone = serializers.CharField(
        max_length=40, required=False, allow_blank=True, default="", validators=[phone_validator]
    )
    created_at = AwareDateTimeField(
        required=False, help_text="When the customer first came to you (imports); default now."
    )


class CustomerUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    email = OptionalEmailField(required=False)
    phone = serializers.CharField(
        max_length=40, required=False, allow_blank=True, validators=[phone_validator]
    )


class CustomerOutputSerializer(serializers.ModelSerializer):
    email = OptionalEmailField(read_only=True)

    class Meta:
        model = Customer
        fields = ["id", "external_id", "name", "email", "phone", "created_at", "updated_at"]
        read_only_fields = fields
