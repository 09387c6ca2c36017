"""helpdesk.api.authentication.TokenAuthentication answers as DRF's, in one query."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework import exceptions
from rest_framework.authtoken.models import Token

from helpdesk.api.authentication import TokenAuthentication

pytestmark = pytest.mark.django_db


def test_token_authentication_returns_the_tokens_user(agent: User, other_agent: User) -> None:
    token = Token.objects.create(user=agent)
    Token.objects.create(user=other_agent)

    with CaptureQueriesContext(connection) as queries:
        user, auth = TokenAuthentication().authenticate_credentials(token.key)

    assert len(queries) == 1
    assert (user.pk, user.username, user.is_active) == (agent.pk, "maria", True)
    assert (auth.key, auth.user) == (token.key, user)


def test_token_authentication_unknown_key_is_refused(agent: User) -> None:
    key = Token.objects.create(user=agent).key

    with pytest.raises(exceptions.AuthenticationFailed, match="Invalid token"):
        TokenAuthentication().authenticate_credentials(key[:-1] + ("0" if key[-1] != "0" else "1"))


def test_token_authentication_inactive_user_is_refused(agent: User) -> None:
    token = Token.objects.create(user=agent)
    agent.is_active = False
    agent.save()

    with pytest.raises(exceptions.AuthenticationFailed, match="inactive"):
        TokenAuthentication().authenticate_credentials(token.key)


def test_token_authentication_key_matches_exactly(agent: User) -> None:
    token = Token.objects.create(user=agent)

    for near in (token.key.upper(), f"{token.key} ", "%", f"{token.key[:10]}%"):
        with pytest.raises(exceptions.AuthenticationFailed):
            TokenAuthentication().authenticate_credentials(near)
