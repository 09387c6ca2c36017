"""`/api/customers/`: list, create, read and update customers, and their memory."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from customers import selectors, services
from customers.models import Customer
from helpdesk.api.customers.serializers import (
    CustomerInputSerializer,
    CustomerOutputSerializer,
    CustomerUpdateSerializer,
)
from helpdesk.api.schema import conflict
from helpdesk.api.tickets.context import CustomerMemorySerializer
from helpdesk.memory.selectors.context import customer_memory


class CustomerFilter(django_filters.FilterSet):
    external_id = django_filters.CharFilter(help_text="Exact external id (your CRM's id).")
    q = django_filters.CharFilter(
        method="search", help_text="Text in the name, email, phone or external id."
    )

    class Meta:
        model = Customer
        fields = ["external_id"]

    def search(self, queryset: QuerySet[Customer], name: str, value: str) -> QuerySet[Customer]:
        return selectors.customer_search(queryset, value)


class CustomerViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    queryset = Customer.objects.order_by("name", "id")
    serializer_class = CustomerOutputSerializer
    filterset_class = CustomerFilter
    write_permission = "customers.add_customer"

    @extend_schema(
        request=CustomerInputSerializer,
        responses={
            201: CustomerOutputSerializer,
            409: conflict("Another customer has this external id; `id` is theirs."),
        },
    )
    def create(self, request: Request) -> Response:
        data = CustomerInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        customer = services.customer_create(**data.validated_data)
        return Response(CustomerOutputSerializer(customer).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CustomerUpdateSerializer, responses=CustomerOutputSerializer)
    def partial_update(self, request: Request, pk: str) -> Response:
        customer = self.get_object()
        if not request.user.has_perm("customers.change_customer"):
            self.permission_denied(request, "You may not change customers.")
        data = CustomerUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        customer = services.customer_update(customer=customer, **data.validated_data)
        return Response(CustomerOutputSerializer(customer).data)

    @extend_schema(responses=CustomerMemorySerializer)
    @action(detail=True, methods=["get"])
    def memory(self, request: Request, pk: str) -> Response:
        """Profile facts and recurring issues that the memory layer knows of the customer."""
        customer = self.get_object()
        return Response(CustomerMemorySerializer(customer_memory(customer_id=customer.pk)).data)
