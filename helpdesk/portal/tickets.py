"""Portal pages for tickets: the queue, the ticket page and its actions."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from helpdesk.assist.drafts import ticket_suggested_reply
from helpdesk.assist.escalation import ticket_escalate_with_handoff
from helpdesk.channels.selectors import (
    attachments_prefetch,
    outgoing_mail_for,
    outgoing_mail_prefetch,
)
from helpdesk.memory.selectors.context import ticket_context
from helpdesk.portal.access import AuthenticatedHttpRequest, agent_required
from helpdesk.portal.forms import KEEP_STATUS, EscalateForm, ReplyForm, TicketUpdateForm
from helpdesk.portal.pagination import paginate, query_without_page
from tickets import selectors, services
from tickets.models import Message, Ticket
from tickets.selectors import latest_handoff


@require_GET
@agent_required
def queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    view = request.GET.get("view", "open")
    if view not in selectors.QUEUE_VIEWS:
        view = "open"
    status = request.GET.get("status", "")
    if status not in Ticket.Status.values:
        status = ""
    query = request.GET.get("q", "")[:200]
    tag = " ".join(request.GET.get("tag", "").split())[:50]
    tickets = selectors.ticket_queue(
        user=request.user, view=view, status=status, query=query, tag=tag
    )
    return render(
        request,
        "tickets/queue.html",
        {
            "page": paginate(request, tickets),
            "view": view,
            "views": selectors.QUEUE_VIEWS,
            "status": status,
            "statuses": Ticket.Status.choices,
            "query": query,
            "tag": tag,
            "querystring": query_without_page(request),
        },
    )


def _detail_context(
    request: AuthenticatedHttpRequest, ticket: Ticket, **forms: object
) -> dict[str, object]:
    attachments_prefetch(ticket.messages.all())
    outgoing_mail_prefetch(ticket.messages.all())
    tags = selectors.ticket_tag_names(ticket)
    return {
        "ticket": ticket,
        "customer": ticket.customer,
        "customer_ticket_count": ticket.customer.tickets.count(),
        "reply_form": forms.get("reply_form") or ReplyForm(user=request.user),
        "macros": [
            (macro, services.macro_render(macro, ticket=ticket, agent=request.user))
            for macro in selectors.macros_for(request.user)
        ],
        "update_form": forms.get("update_form")
        or TicketUpdateForm(
            initial={
                "status": ticket.status,
                "priority": ticket.priority,
                "assigned_to": ticket.assigned_to_id,
                "tags": services.tags_text(tags),
            }
        ),
        "tags": tags,
        "can_assign": request.user.has_perm("tickets.assign_ticket"),
        "can_escalate": request.user.has_perm("tickets.change_ticket"),
        "escalate_form": forms.get("escalate_form") or EscalateForm(),
        "handoff": latest_handoff(ticket) if ticket.status == Ticket.Status.ESCALATED else None,
    }


@require_GET
@agent_required
def detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    try:
        ticket = selectors.ticket_detail(ticket_id=pk)
    except Ticket.DoesNotExist:
        raise Http404("No such ticket.") from None
    return render(request, "tickets/detail.html", _detail_context(request, ticket))


def _reply_flash(ticket: Ticket, message: Message) -> str:
    """What became of a reply: going out by e-mail, or only added to the ticket (no other
    channel sends anything yet, so the page must not say it went out)."""
    mail = outgoing_mail_for(message)
    if mail is not None:
        return f"Reply sent by e-mail to {mail.to_address} on {ticket.reference}."
    return f"Reply added to {ticket.reference} (not sent: only e-mail tickets send replies)."


@require_POST
@agent_required
def reply(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    ticket = get_object_or_404(Ticket, pk=pk)
    if not request.user.has_perm("tickets.add_message"):
        raise PermissionDenied("You may not reply to tickets.")
    form = ReplyForm(request.POST, user=request.user)
    as_note = request.POST.get("as_note") == "1"
    if form.is_valid():
        macro = form.cleaned_data["macro"]
        body = form.cleaned_data["body"]
        if not body.strip() and macro is not None:
            body = services.macro_render(macro, ticket=ticket, agent=request.user)
        try:
            recorded = services.message_record(
                ticket=ticket,
                role=Message.Role.NOTE if as_note else Message.Role.AGENT,
                body=body,
                author=request.user,
                posted_by=request.user,
            )
        except services.TicketConflictError as error:
            messages.error(request, str(error))
            return redirect(ticket)
        then_status = form.cleaned_data["then_status"]
        if then_status != KEEP_STATUS:
            services.ticket_change_status(ticket=ticket, status=then_status, actor=request.user)
        if as_note:
            flash = (
                f"Internal note added to {ticket.reference} "
                "(agents only: not sent or shown to the customer)."
            )
        else:
            flash = _reply_flash(ticket, recorded.message)
        if macro is not None:
            changed = services.macro_apply(macro, ticket=ticket, actor=request.user)
            done = f" and set {', '.join(changed)}" if changed else ""
            flash += f" Macro “{macro.name}” used{done}."
        messages.success(request, flash)
        return redirect(ticket)
    ticket = selectors.ticket_detail(ticket_id=pk)
    context = _detail_context(request, ticket, reply_form=form)
    return render(request, "tickets/detail.html", context, status=400)


@require_POST
@agent_required
def update(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    ticket = get_object_or_404(Ticket, pk=pk)
    form = TicketUpdateForm(request.POST)
    if not form.is_valid():
        ticket = selectors.ticket_detail(ticket_id=pk)
        context = _detail_context(request, ticket, update_form=form)
        return render(request, "tickets/detail.html", context, status=400)
    data = form.cleaned_data
    # The assignee field is only shown to users who may assign; a form without it keeps
    # the current assignee.
    assignee = data["assigned_to"] if "assigned_to" in request.POST else ticket.assigned_to
    if assignee != ticket.assigned_to and not request.user.has_perm("tickets.assign_ticket"):
        raise PermissionDenied("You may not assign tickets.")
    if (data["status"], data["priority"]) != (ticket.status, ticket.priority) and (
        not request.user.has_perm("tickets.change_ticket")
    ):
        raise PermissionDenied("You may not change tickets.")
    changed = []
    if assignee != ticket.assigned_to:
        services.ticket_assign(ticket=ticket, assignee=assignee, actor=request.user)
        changed.append("assignee")
    if data["status"] != ticket.status:
        services.ticket_change_status(ticket=ticket, status=data["status"], actor=request.user)
        changed.append("status")
    if data["priority"] != ticket.priority:
        services.ticket_change_priority(
            ticket=ticket, priority=data["priority"], actor=request.user
        )
        changed.append("priority")
    if "tags" in request.POST:
        wanted = data["tags"]
        if not services.tags_same(wanted, selectors.ticket_tag_names(ticket)):
            if not request.user.has_perm("tickets.change_ticket"):
                raise PermissionDenied("You may not change tickets.")
            services.ticket_set_tags(ticket=ticket, tags=wanted, actor=request.user)
            changed.append("tags")
    if changed:
        messages.success(request, f"Updated {', '.join(changed)} of {ticket.reference}.")
    else:
        messages.info(request, "Nothing changed.")
    return redirect(ticket)


@require_POST
@agent_required
def take(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Assign the ticket to the agent who clicks."""
    ticket = get_object_or_404(Ticket, pk=pk)
    if not request.user.has_perm("tickets.assign_ticket"):
        raise PermissionDenied("You may not assign tickets.")
    try:
        services.ticket_assign(ticket=ticket, assignee=request.user, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{ticket.reference} is now yours.")
    return redirect(ticket)


@require_GET
@agent_required
def context(request: HttpRequest, pk: int) -> HttpResponse:
    """The memory panels of a ticket page, loaded after the page (htmx)."""
    ticket = get_object_or_404(Ticket.objects.select_related("customer"), pk=pk)
    query = request.GET.get("query", "")[:2_000] or None
    return render(
        request,
        "tickets/_memory_panels.html",
        {
            "ticket": ticket,
            "context": ticket_context(ticket=ticket, query=query),
            "can_forget": request.user.has_perm("customers.change_customer"),
            "return_to": ticket.get_absolute_url(),
        },
    )


@require_POST
@agent_required
def escalate(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Hand the ticket to a human agent with a structured handoff."""
    ticket = get_object_or_404(Ticket.objects.select_related("customer"), pk=pk)
    if not request.user.has_perm("tickets.change_ticket"):
        raise PermissionDenied("You may not escalate tickets.")
    form = EscalateForm(request.POST)
    if not form.is_valid():
        context = _detail_context(
            request, selectors.ticket_detail(ticket_id=pk), escalate_form=form
        )
        return render(request, "tickets/detail.html", context, status=400)
    assignee = form.cleaned_data["assign_to"]
    try:
        handoff = ticket_escalate_with_handoff(
            ticket=ticket,
            actor=request.user,
            reason=form.cleaned_data["reason"],
            assign_to=assignee.get_username() if assignee else None,
        )
    except (services.TicketConflictError, ValidationError) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    else:
        name = handoff.assigned_to.get_username() if handoff.assigned_to else "nobody"
        messages.success(request, f"{ticket.reference} escalated to {name}.")
    return redirect(ticket)


@require_GET
@agent_required
def suggested_reply(request: HttpRequest, pk: int) -> HttpResponse:
    """The suggested reply panel, loaded after the page (htmx): it may wait for the model."""
    ticket = get_object_or_404(Ticket.objects.select_related("customer"), pk=pk)
    fresh = request.GET.get("fresh") == "1"
    draft = ticket_suggested_reply(ticket=ticket, agent=request.user, reuse=not fresh)
    return render(request, "tickets/_suggested_reply.html", {"ticket": ticket, "draft": draft})
