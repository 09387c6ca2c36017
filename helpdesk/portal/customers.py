"""Portal pages for customers: the list, a customer's page, memory corrections."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from customers.models import Customer
from helpdesk.memory.selectors.context import customer_memory, ticket_context
from helpdesk.memory.services.corrections import memory_correct, memory_delete
from helpdesk.portal.access import agent_required
from helpdesk.portal.forms import CorrectMemoryForm, ForgetMemoryForm
from helpdesk.portal.pagination import paginate, query_without_page
from tickets import selectors as ticket_selectors
from tickets.models import Ticket


@require_GET
@agent_required
def customer_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:200]
    customers = ticket_selectors.customer_list(query=query)
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
    tickets = ticket_selectors.customer_tickets(customer_id=customer.pk)
    return render(
        request,
        "customers/detail.html",
        {
            "customer": customer,
            "page": paginate(request, tickets),
            "querystring": query_without_page(request),
            "events": customer.events.select_related("actor")[:10],
        },
    )


@require_GET
@agent_required
def customer_memory_panels(request: HttpRequest, pk: int) -> HttpResponse:
    """The memory panels of a customer's page (profile, recurring issues), loaded after the
    page (htmx), as a ticket page loads its own: the page itself never waits for memory."""
    customer = get_object_or_404(Customer, pk=pk)
    return render(
        request,
        "customers/_memory_panels.html",
        {
            "customer": customer,
            "memory": customer_memory(customer_id=customer.pk),
            "can_forget": request.user.has_perm("customers.change_customer"),
            "return_to": customer.get_absolute_url(),
        },
    )


def _back(request: HttpRequest, customer: Customer) -> HttpResponse:
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = customer.get_absolute_url()
    return redirect(next_url)


def _require_change_permission(request: HttpRequest) -> None:
    if not request.user.has_perm("customers.change_customer"):
        raise PermissionDenied("You may not change what we know of customers.")


def _htmx(request: HttpRequest) -> bool:
    """Whether htmx made the request (it swaps the answer in place; no redirect)."""
    return request.headers.get("HX-Request") == "true"


def _panel_ticket(request: HttpRequest, customer: Customer) -> Ticket | None:
    """The ticket page the change was made on (its memory panels are swapped), if any."""
    pk = request.POST.get("panel_ticket", "")
    if not pk.isdigit():
        return None
    return Ticket.objects.select_related("customer").filter(pk=pk, customer=customer).first()


def _panel(
    request: HttpRequest, customer: Customer, *, notice: str = "", error: str = ""
) -> HttpResponse:
    """The panel the change was made in, rendered again (htmx swaps it in place): a ticket
    page's memory panels, or the customer page's profile; with what became of the change."""
    said = {"memory_notice": notice, "memory_error": error}
    can_forget = request.user.has_perm("customers.change_customer")
    ticket = _panel_ticket(request, customer)
    if ticket is not None:
        return render(
            request,
            "tickets/_memory_panels.html",
            {
                "ticket": ticket,
                "context": ticket_context(ticket=ticket),
                "can_forget": can_forget,
                "return_to": ticket.get_absolute_url(),
                **said,
            },
        )
    return render(
        request,
        "customers/_profile_panel.html",
        {
            "customer": customer,
            "memory": customer_memory(customer_id=customer.pk),
            "can_forget": can_forget,
            "return_to": customer.get_absolute_url(),
            **said,
        },
    )


def _change_memory(
    request: HttpRequest, customer: Customer, change: Callable[[], object], done: str
) -> HttpResponse:
    """Run a memory change; its refusal or `done` is shown on the page the agent came from,
    or, for htmx, in the panel it was made in, rendered again with the change."""
    try:
        change()
    except ValidationError as error:
        if _htmx(request):
            return _panel(request, customer, error=" ".join(error.messages))
        messages.error(request, " ".join(error.messages))
    else:
        if _htmx(request):
            return _panel(request, customer, notice=done)
        messages.success(request, done)
    return _back(request, customer)


def _refused(request: HttpRequest, customer: Customer, error: str) -> HttpResponse:
    if _htmx(request):
        return _panel(request, customer, error=error)
    messages.error(request, error)
    return _back(request, customer)


@require_POST
@agent_required
def forget_memory(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete a wrong memory of this customer (queued to the memory backend, audited)."""
    _require_change_permission(request)
    customer = get_object_or_404(Customer, pk=pk)
    form = ForgetMemoryForm(request.POST)
    if not form.is_valid():
        return _refused(
            request, customer, "That memory could not be deleted: the request was incomplete."
        )
    data = form.cleaned_data
    return _change_memory(
        request,
        customer,
        lambda: memory_delete(
            customer=customer,
            memory_id=data["memory_id"],
            text=data["text"],
            source_ticket_id=data["source_ticket"],
            actor=request.user,
        ),
        "Memory deleted.",
    )


@require_POST
@agent_required
def correct_memory(request: HttpRequest, pk: int) -> HttpResponse:
    """Replace a wrong memory with what the agent knows is true (audited)."""
    _require_change_permission(request)
    customer = get_object_or_404(Customer, pk=pk)
    form = CorrectMemoryForm(request.POST)
    if not form.is_valid():
        return _refused(request, customer, "Write what is true instead (at most 500 characters).")
    data = form.cleaned_data
    return _change_memory(
        request,
        customer,
        lambda: memory_correct(
            customer=customer,
            memory_id=data["memory_id"],
            text=data["text"],
            corrected_text=data["corrected_text"],
            source_ticket_id=data["source_ticket"],
            actor=request.user,
        ),
        "Memory corrected: your note replaces it.",
    )
