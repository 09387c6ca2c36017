"""The "Agents" group and the permissions that make a user an agent."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, Permission

from tickets.selectors import AGENTS_GROUP

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


def agents_group_ensure(**kwargs: Any) -> Group:
    """Create the group with its permissions; never removes what a manager added."""
    group, _ = Group.objects.get_or_create(name=AGENTS_GROUP)
    for app_label, codename in AGENT_PERMISSIONS:
        permission = Permission.objects.filter(
            content_type__app_label=app_label, codename=codename
        ).first()
        if permission is not None:
            group.permissions.add(permission)
    return group
