"""The tickets app's configuration: keeps the Agents and Integrations groups after migrations."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class TicketsConfig(AppConfig):
    name = "tickets"
    verbose_name = "Tickets"

    def ready(self) -> None:
        from tickets.agents import agents_group_ensure, integrations_group_ensure

        post_migrate.connect(agents_group_ensure, sender=self, dispatch_uid="agents_group_ensure")
        post_migrate.connect(
            integrations_group_ensure, sender=self, dispatch_uid="integrations_group_ensure"
        )
