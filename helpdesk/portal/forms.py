"""The portal's forms: reply, ticket update, escalation, memory corrections."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from tickets.models import Macro, Ticket
from tickets.selectors import agent_list, macros_for
from tickets.services.escalation import REASON_MAX_LENGTH
from tickets.services.validation import tags_clean

KEEP_STATUS = ""


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Reply"),
        max_length=settings.MESSAGE_BODY_MAX_LENGTH,
        strip=False,
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 5, "placeholder": _("Write your reply… (type / for a macro)")}
        ),
    )
    macro = forms.ModelChoiceField(
        label=_("Macro"),
        queryset=Macro.objects.none(),
        required=False,
        empty_label=_("No macro"),
        help_text=_("Its text when the box is empty; its actions when the reply is sent."),
    )
    then_status = forms.ChoiceField(
        label=_("Then"),
        required=False,
        choices=[
            (KEEP_STATUS, _("keep status")),
            (Ticket.Status.PENDING, _("set pending")),
            (Ticket.Status.RESOLVED, _("set resolved")),
        ],
    )

    def __init__(self, *args: Any, user: User | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if user is not None:
            field = self.fields["macro"]
            assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 (declared above)
            field.queryset = macros_for(user)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("body") or "").strip() and data.get("macro") is None:
            self.add_error("body", _("A reply needs some text."))
        return data


class TicketUpdateForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Ticket.Status.choices)
    priority = forms.ChoiceField(label=_("Priority"), choices=Ticket.Priority.choices)
    assigned_to = forms.ModelChoiceField(
        label=_("Assignee"), queryset=agent_list(), required=False, empty_label=_("Unassigned")
    )
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=1_000,
        widget=forms.TextInput(attrs={"placeholder": _("billing, outage")}),
        help_text=_("Separated by commas."),
    )

    def clean_tags(self) -> list[str]:
        try:
            return tags_clean(self.cleaned_data["tags"].split(","))
        except ValidationError as error:
            raise forms.ValidationError(error.message_dict["tags"]) from error


class EscalateForm(forms.Form):
    reason = forms.CharField(
        label=_("Why"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(
            attrs={"rows": 3, "placeholder": _("e.g. needs a technician; asked for a person")}
        ),
    )
    assign_to = forms.ModelChoiceField(
        label=_("Hand to"),
        queryset=agent_list(),
        required=False,
        to_field_name="username",
        empty_label=_("Next available agent"),
    )


class ForgetMemoryForm(forms.Form):
    memory_id = forms.CharField(max_length=200)
    text = forms.CharField(max_length=5_000, required=False)
    source_ticket = forms.IntegerField(required=False, min_value=1)


class CorrectMemoryForm(ForgetMemoryForm):
    corrected_text = forms.CharField(max_length=500, label="What is true instead")
