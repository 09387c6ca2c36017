"""The webhooks app's configuration: connects the receivers that queue events."""

from __future__ import annotations

from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "helpdesk.webhooks"
    label = "webhooks"
    verbose_name = "Webhooks"

    def ready(self) -> None:
        from helpdesk.webhooks import signals

        signals.connect()
