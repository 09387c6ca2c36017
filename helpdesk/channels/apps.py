"""The channels app's configuration: connects the receiver that deletes attachment files."""

from __future__ import annotations

from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    name = "helpdesk.channels"
    label = "channels"
    verbose_name = "Channels"

    def ready(self) -> None:
        from helpdesk.channels import signals

        signals.connect()
