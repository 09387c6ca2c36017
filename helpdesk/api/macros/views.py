"""`GET /api/macros/`: the caller's macros (shared and their own), most used first."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import ValidationError

from tickets import selectors, services
from tickets.models import Macro, Ticket


class MacroSerializer(serializers.ModelSerializer[Macro]):
    shared = serializers.BooleanField(source="is_shared", read_only=True)
    owner: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    rendered = serializers.SerializerMethodField(
        help_text="The text written out for `?ticket=` (null without it)."
    )

    class Meta:
        model = Macro
        fields = [
            "id",
            "name",
            "body",
            "rendered",
            "shared",
            "owner",
            "set_status",
            "set_priority",
            "add_tags",
            "usage_count",
        ]
        read_only_fields = fields

    def get_rendered(self, macro: Macro) -> str | None:
        ticket: Ticket | None = self.context.get("ticket")
        user: Any = self.context["request"].user
        if ticket is None:
            return None
        return services.macro_render(macro, ticket=ticket, agent=user)


class MacroListView(generics.ListAPIView[Macro]):
    serializer_class = MacroSerializer

    queryset = Macro.objects.none()  # for the schema; get_queryset is the caller's

    def get_queryset(self) -> QuerySet[Macro]:
        user = self.request.user
        if not isinstance(user, User):  # the schema's fake request; agents only otherwise
            return Macro.objects.none()
        return selectors.macros_for(user).select_related("owner")

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        raw = self.request.query_params.get("ticket")
        if raw:
            try:
                context["ticket"] = Ticket.objects.select_related("customer").get(pk=int(raw))
            except (ValueError, Ticket.DoesNotExist) as error:
                raise ValidationError({"ticket": "No such ticket."}) from error
        return context

    @extend_schema(
        parameters=[
            OpenApiParameter("ticket", int, description="Write each macro out for this ticket.")
        ]
    )
    def get(self, *args: Any, **kwargs: Any) -> Any:
        """The macros the caller may use (the team's and their own), most used first."""
        return super().get(*args, **kwargs)
