"""The "Agents" and "Integrations" groups and the permissions that make a user one of them."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, Permission

from tickets.selectors import AGENTS_GROUP

INTEGRATIONS_GROUP = "Integrations"

AGENT_PERMISSIONS = [
    ("customers", "view_customer"),
    ("customers", "add_customer"),
    ("customers", "change_customer"),
    ("tickets", "view_ticket"),
    ("tickets", "add_ticket"),
    ("tickets", "change_ticket"),
    ("tickets", "assign_ticket"),
    ("tickets", "view_message"),
    ("tickets", "add_message"),
    ("tickets", "view_ticketevent"),
]

# What an integration's account (chat widget, mail gateway) may do beyond an agent: sign the
# messages it relays with the name of whoever wrote them. Its users are in Agents as well.
INTEGRATION_PERMISSIONS = [("tickets", "set_message_author")]


def _group_ensure(name: str, permissions: list[tuple[str, str]]) -> Group:
    group, _ = Group.objects.get_or_create(name=name)
    for app_label, codename in permissions:
        permission = Permission.objects.filter(
            content_type__app_label=app_label, codename=codename
        ).first()
        if permission is not None:
            group.permissions.add(permission)
    return group


def agents_group_ensure(**kwargs: Any) -> Group:
    """Create the group with its permissions; never removes what a manager added."""
    return _group_ensure(AGENTS_GROUP, AGENT_PERMISSIONS)


def integrations_group_ensure(**kwargs: Any) -> Group:
    """Create the Integrations group with its permission; never removes what a manager added."""
    return _group_ensure(INTEGRATIONS_GROUP, INTEGRATION_PERMISSIONS)
