from __future__ import annotations

from django import forms


class ForgetMemoryForm(forms.Form):
    memory_id = forms.CharField(max_length=200)
    text = forms.CharField(max_length=5_000, required=False)
    source_ticket = forms.IntegerField(required=False, min_value=1)


class CorrectMemoryForm(ForgetMemoryForm):
    corrected_text = forms.CharField(max_length=500, label="What is true instead")
