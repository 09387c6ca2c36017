"""helpdesk.permissions.ModelBackend answers as Django's ModelBackend, in one query."""

from __future__ import annotations

import pytest
from django.contrib.auth import backends
from django.contrib.auth.models import Group, Permission, User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from helpdesk.permissions import ModelBackend
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _permission(codename: str) -> Permission:
    return Permission.objects.get(codename=codename)


def _fresh(user: User) -> User:
    """The user as the next request loads it, with no permissions cached."""
    return User.objects.get(pk=user.pk)


def test_backend_answers_as_djangos_for_own_and_group_permissions() -> None:
    user = UserFactory()
    group = Group.objects.create(name="Billing")
    group.permissions.add(_permission("view_customer"), _permission("change_customer"))
    user.groups.add(group)
    user.user_permissions.add(_permission("view_ticket"), _permission("change_customer"))

    ours = ModelBackend().get_all_permissions(_fresh(user))

    assert ours == backends.ModelBackend().get_all_permissions(_fresh(user))
    assert ours == {"customers.view_customer", "customers.change_customer", "tickets.view_ticket"}


def test_backend_agent_permissions_are_the_agents_groups(agent: User) -> None:
    ours = ModelBackend().get_all_permissions(_fresh(agent))

    assert ours == backends.ModelBackend().get_all_permissions(_fresh(agent))
    assert "tickets.add_message" in ours


def test_backend_reads_all_permissions_in_one_query(agent: User) -> None:
    user = _fresh(agent)

    with CaptureQueriesContext(connection) as queries:
        assert user.has_perm("tickets.view_ticket")
        assert user.has_perm("tickets.add_message")
        assert not user.has_perm("auth.delete_user")

    assert len(queries) == 1


def test_backend_user_in_no_group_has_no_permissions(non_agent: User) -> None:
    assert ModelBackend().get_all_permissions(_fresh(non_agent)) == set()


def test_backend_inactive_user_has_no_permissions(agent: User) -> None:
    agent.is_active = False
    agent.save()

    assert ModelBackend().get_all_permissions(_fresh(agent)) == set()


def test_backend_superuser_has_every_permission(superuser: User) -> None:
    assert len(ModelBackend().get_all_permissions(_fresh(superuser))) == Permission.objects.count()


def test_backend_permission_taken_away_applies_to_the_next_request(agent: User) -> None:
    before = _fresh(agent)
    assert before.has_perm("tickets.view_ticket")

    agent.groups.clear()

    assert not _fresh(agent).has_perm("tickets.view_ticket")
