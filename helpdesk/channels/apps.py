"""The channels app's configuration: connects the receivers that delete attachment files
and that take in mail from a provider's inbound webhook."""

from __future__ import annotations

from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    name = "helpdesk.channels"
    label = "channels"
    verbose_name = "Channels"

    def ready(self) -> None:
        from helpdesk.channels import providers, signals

        signals.connect()
        providers.connect()
