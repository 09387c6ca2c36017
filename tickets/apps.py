"""The tickets app's configuration: keeps the Agents group in step after migrations."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class TicketsConfig(AppConfig):
    name = "tickets"
    verbose_name = "Tickets"

    def ready(self) -> None:
        from tickets.agents import agents_group_ensure

        post_migrate.connect(agents_group_ensure, sender=self, dispatch_uid="agents_group_ensure")
