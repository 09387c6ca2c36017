"""Who may do what: Django's model permissions, read in one query per request.

Django's `ModelBackend` reads a user's permissions in two ORM queries (their own, then their
groups'), each compiled afresh; every API call checks permissions (agents only), so that was
a sixth of a message POST's CPU. `ModelBackend` here answers the same, from one prepared
statement, and caches it on the user object for the request as Django does. Nothing is kept
between requests: a permission taken away applies to the next request.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.contrib.auth import backends, get_user_model
from django.contrib.auth.models import AnonymousUser, Group, Permission, User
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured
from django.db import connection


@cache
def _permissions_sql() -> str:
    """Codenames of a user's own permissions and their groups' (`%s` twice: the user id)."""
    user_model = get_user_model()
    quote = connection.ops.quote_name

    def table(model: Any) -> str:
        return quote(model._meta.db_table)

    def column(model: Any, field: str) -> str:
        return quote(model._meta.get_field(field).column)

    user_permissions = user_model._meta.get_field("user_permissions").remote_field.through
    user_groups = user_model._meta.get_field("groups").remote_field.through
    user_column = user_model._meta.model_name  # the through tables' field to the user
    if user_column is None:  # set on every installed model (Options types it optional)
        raise ImproperlyConfigured("The user model has no model_name.")
    group_permissions = Group.permissions.through
    # Only quoted table and column names of the models go in; the user id is a parameter.
    return (
        f"SELECT {table(ContentType)}.{column(ContentType, 'app_label')}, "  # noqa: S608
        f"{table(Permission)}.{column(Permission, 'codename')} "
        f"FROM {table(Permission)} INNER JOIN {table(ContentType)} "
        f"ON {table(ContentType)}.{column(ContentType, 'id')} = "
        f"{table(Permission)}.{column(Permission, 'content_type')} "
        f"WHERE {table(Permission)}.{column(Permission, 'id')} IN ("
        f"SELECT {column(user_permissions, 'permission')} FROM {table(user_permissions)} "
        f"WHERE {column(user_permissions, user_column)} = %s "
        f"UNION SELECT gp.{column(group_permissions, 'permission')} "
        f"FROM {table(group_permissions)} gp INNER JOIN {table(user_groups)} ug "
        f"ON ug.{column(user_groups, 'group')} = gp.{column(group_permissions, 'group')} "
        f"WHERE ug.{column(user_groups, user_column)} = %s)"
    )


class ModelBackend(backends.ModelBackend):
    """`django.contrib.auth.backends.ModelBackend`, with all permissions in one query."""

    def get_all_permissions(self, user_obj: User | AnonymousUser, obj: Any = None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if getattr(user_obj, "is_superuser", False):
            return super().get_all_permissions(user_obj, obj)
        if hasattr(user_obj, "_perm_cache"):
            return user_obj._perm_cache
        with connection.cursor() as cursor:
            cursor.execute(_permissions_sql(), [user_obj.pk, user_obj.pk])
            permissions = {f"{app}.{codename}" for app, codename in cursor.fetchall()}
        # Django's ModelBackend caches on the same private attribute, which the stubs don't declare.
        user_obj._perm_cache = permissions  # type: ignore[attr-defined]
        return permissions
