from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.contrib.messages import get_messages
from django.http import HttpResponse
from django.test import Client

from customers.models import Customer
from tests.factories import MessageFactory, TicketFactory
from tickets.models import Handoff, Ticket, TicketEvent
from tickets.services import ticket_change_status

pytestmark = pytest.mark.django_db

CHANGELISTS = [
    "/admin/tickets/ticket/",
    "/admin/tickets/message/",
    "/admin/tickets/ticketevent/",
    "/admin/customers/customer/",
]


@pytest.fixture
def history(ticket: Ticket, agent: User) -> Ticket:
    """A ticket with a message and an event, so every admin list has a row."""
    MessageFactory(ticket=ticket, body="It dropped again this morning.")
    ticket_change_status(ticket=ticket, status="pending", actor=agent)
    return ticket


@pytest.mark.parametrize("url", CHANGELISTS)
@pytest.mark.usefixtures("history")
def test_changelist_renders_for_superuser(superuser_client: Client, url: str) -> None:
    response = superuser_client.get(url)

    assert response.status_code == 200
    assert response.context["cl"].result_count == 1


def test_ticket_changelist_filters_by_status(
    superuser_client: Client, ticket: Ticket, other_ticket: Ticket
) -> None:
    Ticket.objects.filter(pk=other_ticket.pk).update(status="escalated")

    response = superuser_client.get("/admin/tickets/ticket/", {"status__exact": "escalated"})

    assert list(response.context["cl"].result_list) == [other_ticket]


def test_ticket_change_page_shows_messages_and_events(
    superuser_client: Client, history: Ticket
) -> None:
    response = superuser_client.get(f"/admin/tickets/ticket/{history.pk}/change/")

    assert response.status_code == 200
    html = response.content.decode()
    assert history.reference in html
    assert "It dropped again this morning." in html
    assert "Status changed" in html


def test_message_change_page_renders(superuser_client: Client, history: Ticket) -> None:
    message = history.messages.get()

    response = superuser_client.get(f"/admin/tickets/message/{message.pk}/change/")

    assert response.status_code == 200
    assert "It dropped again this morning." in response.content.decode()


def test_ticketevent_change_page_renders_read_only(
    superuser_client: Client, history: Ticket
) -> None:
    event = history.events.get()

    response = superuser_client.get(f"/admin/tickets/ticketevent/{event.pk}/change/")

    assert response.status_code == 200
    assert 'name="_save"' not in response.content.decode()


@pytest.mark.parametrize("url", ["/admin/tickets/message/add/", "/admin/tickets/ticketevent/add/"])
def test_messages_and_events_cannot_be_added_in_admin(superuser_client: Client, url: str) -> None:
    assert superuser_client.get(url).status_code == 403


def run_action(client: Client, action: str, *tickets: Ticket) -> HttpResponse:
    response = client.post(
        "/admin/tickets/ticket/",
        {"action": action, "_selected_action": [ticket.pk for ticket in tickets]},
    )
    assert response.status_code == 302
    return response


def test_action_assign_to_me_assigns_with_events(
    superuser_client: Client, superuser: User, ticket: Ticket, other_ticket: Ticket
) -> None:
    run_action(superuser_client, "assign_to_me", ticket, other_ticket)

    assert set(Ticket.objects.values_list("assigned_to", flat=True)) == {superuser.pk}
    events = TicketEvent.objects.filter(kind=TicketEvent.Kind.ASSIGNED, actor=superuser)
    assert {event.ticket_id for event in events} == {ticket.pk, other_ticket.pk}


def test_action_mark_resolved_resolves_with_events(
    superuser_client: Client, superuser: User, ticket: Ticket, other_ticket: Ticket
) -> None:
    run_action(superuser_client, "mark_resolved", ticket)

    ticket.refresh_from_db()
    other_ticket.refresh_from_db()
    assert (ticket.status, other_ticket.status) == ("resolved", "open")
    event = TicketEvent.objects.get(ticket=ticket)
    assert (event.new_value, event.actor) == ("resolved", superuser)


def test_action_mark_closed_closes_with_events(
    superuser_client: Client, superuser: User, ticket: Ticket, other_ticket: Ticket
) -> None:
    run_action(superuser_client, "mark_closed", ticket, other_ticket)

    assert set(Ticket.objects.values_list("status", flat=True)) == {"closed"}
    assert TicketEvent.objects.filter(new_value="closed", actor=superuser).count() == 2


def test_action_mark_closed_skips_tickets_already_closed(
    superuser_client: Client, customer: Customer
) -> None:
    ticket = TicketFactory(customer=customer, status=Ticket.Status.CLOSED)

    run_action(superuser_client, "mark_closed", ticket)

    assert not TicketEvent.objects.exists()


def change_form(ticket: Ticket, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "customer": ticket.customer_id,
        "subject": ticket.subject,
        "channel": ticket.channel,
        "status": ticket.status,
        "priority": ticket.priority,
        "assigned_to": ticket.assigned_to_id or "",
        "_save": "Save",
    }
    for prefix in ["messages", "events", "handoffs"]:
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": "0",
                f"{prefix}-INITIAL_FORMS": "0",
                f"{prefix}-MIN_NUM_FORMS": "0",
                f"{prefix}-MAX_NUM_FORMS": "1000",
            }
        )
    data.update(changes)
    return data


def test_change_form_status_change_writes_event(
    superuser_client: Client, superuser: User, ticket: Ticket
) -> None:
    response = superuser_client.post(
        f"/admin/tickets/ticket/{ticket.pk}/change/", change_form(ticket, status="escalated")
    )

    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.ESCALATED
    event = TicketEvent.objects.get(ticket=ticket)
    assert (event.kind, event.old_value, event.new_value, event.actor) == (
        TicketEvent.Kind.STATUS_CHANGED,
        "open",
        "escalated",
        superuser,
    )


def test_change_form_assignment_and_priority_write_events(
    superuser_client: Client, agent: User, ticket: Ticket
) -> None:
    superuser_client.post(
        f"/admin/tickets/ticket/{ticket.pk}/change/",
        change_form(ticket, assigned_to=agent.pk, priority="high"),
    )

    ticket.refresh_from_db()
    assert (ticket.assigned_to, ticket.priority) == (agent, "high")
    assert {event.kind for event in TicketEvent.objects.filter(ticket=ticket)} == {
        TicketEvent.Kind.ASSIGNED,
        TicketEvent.Kind.PRIORITY_CHANGED,
    }


def test_change_form_subject_change_is_saved(superuser_client: Client, ticket: Ticket) -> None:
    superuser_client.post(
        f"/admin/tickets/ticket/{ticket.pk}/change/", change_form(ticket, subject="New subject")
    )

    ticket.refresh_from_db()
    assert ticket.subject == "New subject"


def test_add_form_creates_ticket_with_created_event(
    superuser_client: Client, superuser: User, customer: Customer
) -> None:
    data = change_form(TicketFactory.build(customer=customer, subject="Made in the admin"))

    response = superuser_client.post("/admin/tickets/ticket/add/", data)

    assert response.status_code == 302
    ticket = Ticket.objects.get(subject="Made in the admin")
    event = TicketEvent.objects.get(ticket=ticket)
    assert (event.kind, event.actor) == (TicketEvent.Kind.CREATED, superuser)


def test_add_form_keeps_chosen_status_and_assignee_with_events(
    superuser_client: Client, agent: User, customer: Customer
) -> None:
    draft = TicketFactory.build(customer=customer, subject="Made in the admin")
    data = change_form(draft, status="pending", assigned_to=agent.pk)

    superuser_client.post("/admin/tickets/ticket/add/", data)

    ticket = Ticket.objects.get(subject="Made in the admin")
    assert (ticket.status, ticket.assigned_to) == (Ticket.Status.PENDING, agent)
    assert {event.kind for event in TicketEvent.objects.filter(ticket=ticket)} == {
        TicketEvent.Kind.CREATED,
        TicketEvent.Kind.ASSIGNED,
        TicketEvent.Kind.STATUS_CHANGED,
    }


def test_change_form_assignee_choices_are_agents_only(
    superuser_client: Client, agent: User, non_agent: User, ticket: Ticket
) -> None:
    response = superuser_client.get(f"/admin/tickets/ticket/{ticket.pk}/change/")

    choices = response.context["adminform"].form.fields["assigned_to"].queryset
    assert agent in choices
    assert non_agent not in choices


def test_change_form_assigning_non_agent_shows_error_not_500(
    superuser_client: Client, non_agent: User, ticket: Ticket
) -> None:
    response = superuser_client.post(
        f"/admin/tickets/ticket/{ticket.pk}/change/", change_form(ticket, assigned_to=non_agent.pk)
    )

    assert response.status_code == 200
    assert "assigned_to" in response.context["adminform"].form.errors
    ticket.refresh_from_db()
    assert ticket.assigned_to is None


def test_mirror_entry_admin_lists_failures_and_retries_them(admin_client, ticket) -> None:
    from helpdesk.memory.models import MirrorEntry

    MirrorEntry.objects.filter(ticket=ticket).update(
        state=MirrorEntry.State.FAILED, attempts=8, last_error="HTTP 401 from EverMemOS"
    )
    failed = MirrorEntry.objects.filter(ticket=ticket)

    listing = admin_client.get("/admin/memory/mirrorentry/?state__exact=failed")
    response = admin_client.post(
        "/admin/memory/mirrorentry/",
        {"action": "retry", "_selected_action": [entry.pk for entry in failed]},
    )

    assert "HTTP 401 from EverMemOS" in listing.content.decode()
    assert response.status_code == 302
    assert set(failed.values_list("state", flat=True)) == {MirrorEntry.State.PENDING}
    assert set(failed.values_list("attempts", flat=True)) == {0}


def test_action_escalate_hands_tickets_to_agents_with_handoffs(
    superuser_client: Client, agent: User, ticket: Ticket, other_ticket: Ticket
) -> None:
    ticket_change_status(ticket=other_ticket, status="escalated", actor=agent)

    response = run_action(superuser_client, "escalate", ticket, other_ticket)

    ticket.refresh_from_db()
    assert (ticket.status, ticket.assigned_to) == ("escalated", agent)
    handoff = Handoff.objects.get()
    assert handoff.ticket == ticket
    assert "from the admin" in handoff.reason
    shown = [str(message) for message in get_messages(response.wsgi_request)]
    assert any("already escalated" in text for text in shown)


def test_handoff_admin_is_read_only(superuser_client: Client, agent: User, ticket: Ticket) -> None:
    run_action(superuser_client, "escalate", ticket)
    handoff = Handoff.objects.get()

    listed = superuser_client.get("/admin/tickets/handoff/")
    page = superuser_client.get(f"/admin/tickets/handoff/{handoff.pk}/change/")

    assert listed.context["cl"].result_count == 1
    assert page.status_code == 200
    assert b'name="reason"' not in page.content
    assert superuser_client.get("/admin/tickets/handoff/add/").status_code == 403
