"""Widget calls carry the visitor's token (`Authorization: Visitor <token>`), and come from
one of the site's origins."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from helpdesk.channels.widget import Visitor, origin_allowed, visitor_from_token

KEYWORD = b"visitor"


class VisitorTokenAuthentication(BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[AnonymousUser, Visitor] | None:
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != KEYWORD:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Authorization: Visitor <token>.")
        try:
            visitor = visitor_from_token(header[1].decode("ascii", "replace"))
        except PermissionDenied as error:
            raise exceptions.AuthenticationFailed(str(error)) from error
        if not origin_allowed(visitor.site, request.headers.get("Origin", "")):
            raise exceptions.PermissionDenied("This site may not use the chat.")
        return AnonymousUser(), visitor

    def authenticate_header(self, request: Request) -> str:
        return "Visitor"


class VisitorTokenScheme(OpenApiAuthenticationExtension):
    """How the schema documents the visitor token."""

    target_class = VisitorTokenAuthentication
    name = "visitorToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Visitor <token>` from POST /api/widget/session/.",
        }
