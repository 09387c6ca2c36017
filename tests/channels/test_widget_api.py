"""The chat widget's API as a website's visitor uses it, and as an attacker would."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from pytest_django.fixtures import Settings

from customers.models import Customer
from helpdesk.channels.models import WidgetConversation, WidgetSite
from helpdesk.channels.widget import user_hash
from tests.factories import CustomerFactory
from tickets import services
from tickets.models import Message, Ticket

pytestmark = pytest.mark.django_db

SHOP = "https://shop.example.com"
BLOG = "https://blog.example.org"
SESSION = "/api/widget/session/"
MESSAGES = "/api/widget/messages/"


@pytest.fixture(autouse=True)
def _fresh_throttles() -> None:
    cache.clear()


@pytest.fixture
def shop() -> WidgetSite:
    return WidgetSite.objects.create(name="Shop", origins=f"{SHOP}\nhttp://localhost:8001")


@pytest.fixture
def blog() -> WidgetSite:
    return WidgetSite.objects.create(name="Blog", origins=BLOG)


def start(client: Client, site: WidgetSite, origin: str = SHOP, **fields: str) -> Any:
    return client.post(
        SESSION,
        json.dumps({"site": site.key, **fields}),
        content_type="application/json",
        HTTP_ORIGIN=origin,
    )


def as_visitor(token: str, origin: str = SHOP) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Visitor {token}", "HTTP_ORIGIN": origin}


def say(client: Client, token: str, body: str, origin: str = SHOP, **extra: str) -> Any:
    return client.post(
        MESSAGES,
        json.dumps({"body": body, **extra}),
        content_type="application/json",
        **as_visitor(token, origin),
    )


def test_an_anonymous_visitor_chats_and_the_bot_answers(client: Client, shop: WidgetSite) -> None:
    session = start(client, shop)
    assert session.status_code == 200
    assert session.json()["conversation"] is None
    token = session.json()["token"]

    answer = say(client, token, "How do I reset my router password?", name="Sam")

    assert answer.status_code == 201
    shown = answer.json()["messages"]
    assert [m["role"] for m in shown] == ["customer", "bot"]
    assert shown[0]["body"] == "How do I reset my router password?"
    assert shown[1]["body"]
    assert shown[1]["author"]
    ticket = Ticket.objects.get()
    assert ticket.channel == Ticket.Channel.CHAT
    assert ticket.customer.name == "Sam"
    assert ticket.customer.external_id.startswith("widget-visitor:")
    assert WidgetConversation.objects.get().site == shop


def test_a_reload_resumes_the_conversation_with_the_kept_token(
    client: Client, shop: WidgetSite
) -> None:
    token = start(client, shop).json()["token"]
    say(client, token, "My parcel has not arrived.")

    again = start(client, shop, token=token)

    assert again.json()["conversation"]["reference"] == Ticket.objects.get().reference
    assert again.json()["messages"][0]["body"] == "My parcel has not arrived."
    say(client, again.json()["token"], "It was due on Monday.")
    assert Ticket.objects.count() == 1
    assert Customer.objects.count() == 1


def test_agents_replies_reach_the_widget_by_polling(
    client: Client, shop: WidgetSite, agent: Any
) -> None:
    token = start(client, shop).json()["token"]
    first = say(client, token, "I want to talk to a person please").json()
    last_seen = first["messages"][-1]["id"]
    ticket = Ticket.objects.get()
    services.message_record(
        ticket=ticket, role=Message.Role.AGENT, body="Hi, Maria here.", author=agent
    )

    polled = client.get(MESSAGES, {"after": last_seen}, **as_visitor(token))

    assert polled.status_code == 200
    assert [(m["role"], m["body"]) for m in polled.json()["messages"]] == [
        ("agent", "Hi, Maria here.")
    ]
    assert polled.json()["messages"][0]["author"] == (agent.first_name or agent.username)


def test_the_bot_hands_over_and_then_stays_quiet(
    client: Client, shop: WidgetSite, agent: Any
) -> None:
    token = start(client, shop).json()["token"]

    handed = say(client, token, "I want to speak to a human agent now.").json()

    assert handed["conversation"]["handed_over"] is True
    assert handed["messages"][-1]["role"] == "bot"
    later = say(client, token, "Hello? Anyone?").json()
    assert [m["role"] for m in later["messages"]] == ["customer"], "a person has it now"
    assert Ticket.objects.get().assigned_to == agent


def test_with_nobody_to_hand_over_to_the_visitor_is_told(client: Client, shop: WidgetSite) -> None:
    token = start(client, shop).json()["token"]

    answer = say(client, token, "I want to speak to a human agent now.").json()

    assert answer["messages"][-1]["role"] == "bot"
    assert answer["messages"][-1]["body"].startswith("Nobody from the team is available")
    assert Message.objects.count() == 2


def test_a_signed_in_user_of_the_site_joins_their_customer(
    client: Client, shop: WidgetSite
) -> None:
    known = CustomerFactory(external_id="crm-4711", name="Ada Lovelace")

    session = start(client, shop, user_id="crm-4711", user_hash=user_hash(shop, "crm-4711"))
    say(client, session.json()["token"], "Where is my invoice?")

    assert session.json()["identified"] is True
    assert Ticket.objects.get().customer == known
    assert Customer.objects.count() == 1


def test_a_wrong_user_signature_is_refused(
    client: Client, shop: WidgetSite, blog: WidgetSite
) -> None:
    CustomerFactory(external_id="crm-4711")

    forged = start(client, shop, user_id="crm-4711", user_hash="0" * 64)
    other_sites = start(client, shop, user_id="crm-4711", user_hash=user_hash(blog, "crm-4711"))

    assert forged.status_code == 403
    assert other_sites.status_code == 403


@pytest.mark.parametrize(
    "origin", ["https://evil.example.net", "", "https://shop.example.com.evil.net"]
)
def test_only_the_sites_origins_may_start_a_chat(
    client: Client, shop: WidgetSite, origin: str
) -> None:
    assert start(client, shop, origin=origin).status_code == 403


def test_an_unknown_or_inactive_site_is_refused(client: Client, shop: WidgetSite) -> None:
    shop.is_active = False
    shop.save()

    assert start(client, shop).status_code == 403
    response = client.post(
        SESSION, json.dumps({"site": "nope"}), content_type="application/json", HTTP_ORIGIN=SHOP
    )
    assert response.status_code == 403


def test_a_visitor_sees_only_their_own_conversation(client: Client, shop: WidgetSite) -> None:
    alice = start(client, shop).json()["token"]
    bob = start(client, shop).json()["token"]
    say(client, alice, "My card number ends in 4242 and was charged twice.")

    seen_by_bob = client.get(MESSAGES, **as_visitor(bob)).json()
    resumed_with_garbage = start(client, shop, token=alice + "x").json()

    assert seen_by_bob == {"conversation": None, "messages": []}
    assert resumed_with_garbage["conversation"] is None, "a forged token is a new visitor"


def test_tokens_are_checked(client: Client, shop: WidgetSite, blog: WidgetSite) -> None:
    token = start(client, shop).json()["token"]

    forged = client.get(MESSAGES, **as_visitor(token[:-2] + "zz"))
    elsewhere = client.get(MESSAGES, **as_visitor(token, origin=BLOG))
    no_token = client.get(MESSAGES, HTTP_ORIGIN=SHOP)

    assert forged.status_code == 401
    assert elsewhere.status_code == 403
    assert no_token.status_code in (401, 403)


def test_an_agents_session_is_no_visitor(client: Client, shop: WidgetSite, agent: Any) -> None:
    client.force_login(agent)

    assert client.get(MESSAGES, HTTP_ORIGIN=SHOP).status_code in (401, 403)
    assert say(client, "", "hi").status_code in (401, 403)


@pytest.mark.parametrize(("body", "field"), [("", "body"), ("x" * 4_001, "body")])
def test_message_limits(client: Client, shop: WidgetSite, body: str, field: str) -> None:
    token = start(client, shop).json()["token"]

    response = say(client, token, body)

    assert response.status_code == 400
    assert field in response.json()
    assert not Message.objects.exists()


def test_hostile_text_is_kept_as_data(client: Client, shop: WidgetSite) -> None:
    token = start(client, shop).json()["token"]
    hostile = '<script>alert(1)</script> "; DROP TABLE tickets; -- {{ 7*7 }}'

    say(client, token, hostile)

    assert Message.objects.filter(role="customer").get().body == hostile


def test_a_visitor_typing_too_fast_is_throttled(
    client: Client, shop: WidgetSite, settings: Settings
) -> None:
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "widget_visitor": "3/min",
        },
    }
    token = start(client, shop).json()["token"]
    other = start(client, shop).json()["token"]

    codes = [say(client, token, f"Message {n}").status_code for n in range(4)]

    assert codes == [201, 201, 201, 429]
    assert say(client, other, "Me too").status_code == 201, "per visitor"


def test_cors_answers_only_registered_origins_and_only_on_the_widget_api(
    client: Client, shop: WidgetSite
) -> None:
    def preflight(path: str, origin: str) -> Any:
        return client.options(
            path,
            HTTP_ORIGIN=origin,
            HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
            HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, content-type",
        )

    allowed = preflight(MESSAGES, SHOP)
    refused = preflight(MESSAGES, "https://evil.example.net")
    not_widget = preflight("/api/tickets/", SHOP)

    assert allowed["Access-Control-Allow-Origin"] == SHOP
    assert "authorization" in allowed["Access-Control-Allow-Headers"]
    assert "Access-Control-Allow-Origin" not in refused
    assert "Access-Control-Allow-Origin" not in not_widget


def test_a_site_needs_valid_origins() -> None:
    from django.core.exceptions import ValidationError

    site = WidgetSite(name="Bad", origins="shop.example.com\nhttps://ok.example.com/path")
    with pytest.raises(ValidationError) as caught:
        site.full_clean()
    assert len(caught.value.message_dict["origins"]) == 2
    good = WidgetSite(name="Good", origins=" HTTPS://Shop.Example.com/ \n\nhttp://localhost:8001")
    good.full_clean()
    assert good.origins == "https://shop.example.com\nhttp://localhost:8001"


def test_an_admin_registers_a_site(client: Client, superuser: Any) -> None:
    client.force_login(superuser)

    response = client.post(
        "/admin/channels/widgetsite/add/",
        {"name": "Shop", "origins": "https://shop.example.com/", "is_active": "on",
         "identity_secret": "a-long-identity-secret-of-the-shop"},
    )  # fmt: skip

    assert response.status_code == 302, response.content[:2000]
    site = WidgetSite.objects.get()
    assert site.origins == "https://shop.example.com"
    assert len(site.key) >= 16
    listing = client.get("/admin/channels/widgetsite/")
    assert site.key.encode() in listing.content
    page = client.get(f"/admin/channels/widgetsite/{site.pk}/change/")
    assert f"/widget.js&quot; data-site=&quot;{site.key}".encode() in page.content


def test_the_widget_files_are_served_to_any_site(client: Client) -> None:
    script = client.get("/widget.js")
    style = client.get("/widget.css")

    assert script.status_code == style.status_code == 200
    assert script["Content-Type"].startswith("text/javascript")
    assert style["Content-Type"].startswith("text/css")
    assert script["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert b"/api/widget/session/" in script.content
    assert b"eval(" not in script.content
    assert b"innerHTML" not in script.content, "text is set as text, never as markup"
    assert client.post("/widget.js").status_code == 405
