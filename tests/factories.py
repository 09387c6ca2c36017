"""factory_boy factories for the helpdesk's models.

Factories write rows directly (no services, no events): tests that care about
the audit trail call the services themselves.
"""

from __future__ import annotations

from typing import Any

import factory
from django.contrib.auth.models import Group, User
from django.utils import timezone
from factory.django import DjangoModelFactory

from customers.models import Customer
from tickets.agents import INTEGRATIONS_GROUP
from tickets.models import Message, Ticket
from tickets.selectors import AGENTS_GROUP

PASSWORD = "correct-horse-battery-staple"


class UserFactory(DjangoModelFactory[User]):
    """A user who is not an agent: no group, no permissions."""

    class Meta:
        model = User
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.django.Password(PASSWORD)


class AgentFactory(UserFactory):
    """A member of the "Agents" group (created by the post_migrate hook)."""

    username = factory.Sequence(lambda n: f"agent{n}")

    @factory.post_generation
    def agents_group(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create:
            self.groups.add(Group.objects.get(name=AGENTS_GROUP))


class IntegrationFactory(AgentFactory):
    """An integration's account: an agent that is also in "Integrations" (may set author_name)."""

    username = factory.Sequence(lambda n: f"integration{n}")
    first_name = ""
    last_name = ""

    @factory.post_generation
    def integrations_group(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create:
            self.groups.add(Group.objects.get(name=INTEGRATIONS_GROUP))


class SuperuserFactory(UserFactory):
    username = factory.Sequence(lambda n: f"admin{n}")
    is_staff = True
    is_superuser = True


class CustomerFactory(DjangoModelFactory[Customer]):
    class Meta:
        model = Customer

    external_id = factory.Sequence(lambda n: f"crm-{n:05d}")
    name = factory.Faker("name")
    email = factory.Faker("email")
    phone = factory.Sequence(lambda n: f"+44 20 7946 {n:04d}")


class TicketFactory(DjangoModelFactory[Ticket]):
    class Meta:
        model = Ticket

    customer = factory.SubFactory(CustomerFactory)
    subject = factory.Sequence(lambda n: f"Router keeps dropping #{n}")
    channel = Ticket.Channel.CHAT
    status = Ticket.Status.OPEN
    priority = Ticket.Priority.NORMAL
    created_at = factory.LazyFunction(timezone.now)
    last_message_at = factory.SelfAttribute("created_at")


class MessageFactory(DjangoModelFactory[Message]):
    class Meta:
        model = Message

    ticket = factory.SubFactory(TicketFactory)
    role = Message.Role.CUSTOMER
    body = factory.Sequence(lambda n: f"It dropped again this morning ({n}).")
    created_at = factory.LazyFunction(timezone.now)
