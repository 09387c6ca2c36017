from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from customers import selectors
from customers.models import Customer
from helpdesk.portal import agent_required, paginate, query_without_page
from tickets.selectors import customer_tickets


@require_GET
@agent_required
def customer_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:200]
    customers = selectors.customer_list(query=query)
    return render(
        request,
        "customers/list.html",
        {
            "page": paginate(request, customers),
            "query": query,
            "querystring": query_without_page(request),
        },
    )


@require_GET
@agent_required
def customer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_object_or_404(Customer, pk=pk)
    tickets = customer_tickets(customer_id=customer.pk)
    return render(
        request,
        "customers/detail.html",
        {"customer": customer, "page": paginate(request, tickets), "querystring": ""},
    )
