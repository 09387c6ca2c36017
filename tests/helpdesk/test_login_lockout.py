"""Failed logins lock a username from an address, or a whole address; trusted browsers pass."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.db.models import F, Sum
from django.http import HttpResponse
from django.test import Client, RequestFactory
from pytest_django.fixtures import Settings

from helpdesk.lockout import DEVICE_COOKIE
from helpdesk.security import client_ip
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"


def log_in(client: Client, username: str, password: str, *, url: str = LOGIN) -> HttpResponse:
    return client.post(url, {"username": username, "password": password})


def fail(client: Client, username: str, times: int, *, url: str = LOGIN) -> HttpResponse:
    for _ in range(times):
        response = log_in(client, username, "wrong-password", url=url)
    return response


def test_four_failures_still_show_the_login_form(client: Client, agent: User) -> None:
    response = fail(client, agent.username, 4)

    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


def test_fifth_failure_locks_out_with_a_clear_page(client: Client, agent: User) -> None:
    response = fail(client, agent.username, 5)

    assert response.status_code == 429
    html = response.content.decode()
    assert "Too many failed logins" in html
    assert f"After 5 failed logins for <strong>{agent.username}</strong>" in html
    assert "paused for 15 minutes" in html


def test_locked_out_username_is_refused_even_with_the_right_password(
    client: Client, agent: User
) -> None:
    fail(client, agent.username, 5)

    response = log_in(client, agent.username, PASSWORD)

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_lockout_is_per_username_and_address(client: Client, agent: User) -> None:
    fail(client, agent.username, 5)
    elsewhere = Client(REMOTE_ADDR="198.51.100.7")

    same_user_elsewhere = log_in(elsewhere, agent.username, PASSWORD)
    other_user_here = fail(client, "someone-else", 1)

    assert same_user_elsewhere.status_code == 302
    assert other_user_here.status_code == 200


def test_lockout_ends_after_the_cool_off(client: Client, agent: User) -> None:
    fail(client, agent.username, 5)
    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.get().attempt_time - timedelta(minutes=16)
    )

    response = log_in(client, agent.username, PASSWORD)

    assert response.status_code == 302


def test_a_success_resets_the_count(client: Client, agent: User) -> None:
    fail(client, agent.username, 4)
    log_in(client, agent.username, PASSWORD)
    client.logout()

    response = fail(client, agent.username, 4)

    assert response.status_code == 200


def test_admin_login_locks_out_too(client: Client, superuser: User) -> None:
    response = fail(client, superuser.username, 5, url=ADMIN_LOGIN)

    assert response.status_code == 429
    assert "Too many failed logins" in response.content.decode()


def test_failure_limit_and_cool_off_come_from_settings(
    client: Client, agent: User, settings: Settings
) -> None:
    settings.AXES_FAILURE_LIMIT = 2
    settings.AXES_COOLOFF_TIME = timedelta(minutes=1)

    response = fail(client, agent.username, 2)

    assert response.status_code == 429
    assert "paused for 1 minute." in response.content.decode()


def test_client_ip_is_the_connection_without_proxies(settings: Settings) -> None:
    settings.NUM_PROXIES = 0
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4")

    assert client_ip(request) == "10.0.0.2"


def test_client_ip_behind_one_proxy_ignores_what_the_client_forwarded(settings: Settings) -> None:
    settings.NUM_PROXIES = 1
    request = RequestFactory().get(
        "/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9"
    )

    assert client_ip(request) == "203.0.113.9"


# Password spraying, growing locks, trusted browsers (helpdesk.lockout).

SPRAYER = "203.0.113.66"
ELSEWHERE = "198.51.100.7"


def wait(delta: timedelta) -> None:
    """As if `delta` had passed since every failure recorded so far."""
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - delta)


def failures() -> int:
    return AccessAttempt.objects.aggregate(total=Sum("failures_since_start"))["total"] or 0


def test_spraying_many_usernames_from_one_address_locks_the_address(agent: User) -> None:
    sprayer = Client(REMOTE_ADDR=SPRAYER)
    usernames = [agent.username, *(f"user{n}" for n in range(39))]
    answers = [
        log_in(sprayer, username, f"guess-{guess}").status_code
        for username in usernames
        for guess in range(4)
    ]

    assert len(answers) == 160
    assert answers.index(429) == 19  # the 20th failure locks: no username got 5 of its own
    assert set(answers[19:]) == {429}
    assert failures() == 20  # refused tries are not counted
    assert log_in(sprayer, agent.username, PASSWORD).status_code == 429


def test_the_address_lock_page_says_it_is_the_address_and_when_to_retry(
    settings: Settings,
) -> None:
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 3
    sprayer = Client(REMOTE_ADDR=SPRAYER)
    for username in ("ann", "bob"):
        log_in(sprayer, username, "wrong")

    response = log_in(sprayer, "cyd", "wrong")

    assert response.status_code == 429
    html = response.content.decode()
    assert "After 3 failed logins from this address, whatever the username" in html
    assert "paused for 15 minutes." in html
    assert "You can try again at <strong>" in html
    assert 899 <= int(response["Retry-After"]) <= 901


def test_a_sprayed_address_does_not_stop_the_same_user_elsewhere(agent: User) -> None:
    sprayer = Client(REMOTE_ADDR=SPRAYER)
    for n in range(20):
        log_in(sprayer, f"user{n}", "wrong")
    assert log_in(sprayer, agent.username, PASSWORD).status_code == 429

    response = log_in(Client(REMOTE_ADDR=ELSEWHERE), agent.username, PASSWORD)

    assert response.status_code == 302


def test_nat_failures_for_a_user_from_one_address_do_not_stop_them_from_another(
    agent: User,
) -> None:
    fail(Client(REMOTE_ADDR=SPRAYER), agent.username, 12)

    response = log_in(Client(REMOTE_ADDR=ELSEWHERE), agent.username, PASSWORD)

    assert response.status_code == 302


def test_address_lock_ends_after_the_cool_off_and_the_right_password_works(
    agent: User,
) -> None:
    sprayer = Client(REMOTE_ADDR=SPRAYER)
    for n in range(20):
        log_in(sprayer, f"user{n}", "wrong")
    wait(timedelta(minutes=14))
    assert log_in(sprayer, agent.username, PASSWORD).status_code == 429

    wait(timedelta(minutes=1, seconds=1))
    response = log_in(sprayer, agent.username, PASSWORD)

    assert response.status_code == 302


def test_the_right_password_after_the_cool_off_logs_in_and_forgets_the_failures(
    agent: User,
) -> None:
    fail(Client(), agent.username, 5)
    wait(timedelta(minutes=15, seconds=1))
    client = Client()

    response = log_in(client, agent.username, PASSWORD)

    assert response.status_code == 302
    assert "_auth_user_id" in client.session
    assert not AccessAttempt.objects.exists()


def test_tries_during_a_lock_neither_count_nor_extend_it(client: Client, agent: User) -> None:
    fail(client, agent.username, 5)
    locked_at = AccessAttempt.objects.get().attempt_time

    response = fail(client, agent.username, 3)

    assert response.status_code == 429
    assert (failures(), AccessAttempt.objects.get().attempt_time) == (5, locked_at)


def test_after_a_lock_each_failure_locks_again_and_the_locks_grow(
    client: Client, agent: User
) -> None:
    fail(client, agent.username, 5)
    pauses = []
    for _ in range(6):
        wait(timedelta(days=1) - timedelta(seconds=1))  # past any lock, within the memory
        response = fail(client, agent.username, 1)
        assert response.status_code == 429
        pauses.append(re.search(r"paused for ([^.]+)\.", response.content.decode())[1])

    # failures 6-9: 15 minutes each; 10: twice that; 11 still 30
    assert pauses == ["15 minutes"] * 4 + ["30 minutes"] * 2


def test_locks_double_up_to_the_maximum(settings: Settings, client: Client, agent: User) -> None:
    settings.AXES_FAILURE_LIMIT = 1
    settings.LOGIN_COOLOFF_MAX = timedelta(hours=1)
    pauses = []
    for _ in range(5):
        response = fail(client, agent.username, 1)
        pauses.append(re.search(r"paused for ([^.]+)\.", response.content.decode())[1])
        wait(timedelta(minutes=61))

    assert pauses == ["15 minutes", "30 minutes", "1 hour", "1 hour", "1 hour"]


def test_failures_are_forgotten_twice_the_longest_lock_after_the_last(
    client: Client, agent: User
) -> None:
    fail(client, agent.username, 5)
    wait(timedelta(days=2, seconds=1))

    response = fail(client, agent.username, 1)

    assert response.status_code == 200
    assert failures() == 1


def test_a_success_forgets_only_the_users_failures_not_the_addresss(agent: User) -> None:
    shared = Client(REMOTE_ADDR=SPRAYER)
    for n in range(19):
        log_in(shared, f"user{n}", "wrong")
    assert log_in(Client(REMOTE_ADDR=SPRAYER), agent.username, PASSWORD).status_code == 302

    response = log_in(shared, "user99", "wrong")

    assert response.status_code == 429


# Trusted browsers: someone failing behind the same NAT cannot lock an agent out.


def logged_in_browser(user: User, address: str) -> Client:
    """A browser that has logged in as `user` before (and logged out since)."""
    browser = Client(REMOTE_ADDR=address)
    assert log_in(browser, user.username, PASSWORD).status_code == 302
    log_out_keeping_the_device(browser)
    return browser


def log_out_keeping_the_device(browser: Client) -> None:
    device = browser.cookies[DEVICE_COOKIE]
    browser.logout()  # the test client drops every cookie; a browser keeps this one
    browser.cookies[DEVICE_COOKIE] = device


def test_a_successful_login_leaves_a_trusted_browser_cookie(client: Client, agent: User) -> None:
    response = log_in(client, agent.username, PASSWORD)

    cookie = response.cookies[DEVICE_COOKIE]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert int(cookie["max-age"]) == 30 * 24 * 3600
    assert agent.username not in cookie.value


def test_a_browser_the_user_logged_in_from_passes_a_lock_someone_else_caused(
    agent: User,
) -> None:
    browser = logged_in_browser(agent, SPRAYER)
    attacker = Client(REMOTE_ADDR=SPRAYER)
    fail(attacker, agent.username, 5)
    for n in range(20):
        log_in(attacker, f"user{n}", "wrong")
    assert log_in(attacker, agent.username, PASSWORD).status_code == 429

    response = log_in(browser, agent.username, PASSWORD)

    assert response.status_code == 302
    assert "_auth_user_id" in browser.session
    # The lock stands for everyone else: the attacker's failures are not forgotten.
    assert log_in(attacker, agent.username, PASSWORD).status_code == 429


def test_a_trusted_browser_is_trusted_for_its_user_only(agent: User, other_agent: User) -> None:
    browser = logged_in_browser(agent, SPRAYER)
    fail(Client(REMOTE_ADDR=SPRAYER), other_agent.username, 5)

    response = log_in(browser, other_agent.username, PASSWORD)

    assert response.status_code == 429


def test_a_trusted_browser_that_keeps_failing_is_locked_like_any_other(agent: User) -> None:
    browser = logged_in_browser(agent, SPRAYER)
    assert fail(browser, agent.username, 4).status_code == 200

    response = fail(browser, agent.username, 1)

    assert response.status_code == 429
    assert log_in(browser, agent.username, PASSWORD).status_code == 429


def test_a_forged_or_expired_cookie_earns_no_trust(settings: Settings, agent: User) -> None:
    browser = logged_in_browser(agent, SPRAYER)
    fail(Client(REMOTE_ADDR=SPRAYER), agent.username, 5)
    genuine = browser.cookies[DEVICE_COOKIE].value

    browser.cookies[DEVICE_COOKIE] = genuine[:-2] + ("AA" if not genuine.endswith("AA") else "BB")
    forged = log_in(browser, agent.username, PASSWORD)
    browser.cookies[DEVICE_COOKIE] = genuine
    settings.LOGIN_TRUSTED_DEVICE_DAYS = 0
    switched_off = log_in(browser, agent.username, PASSWORD)

    assert (forged.status_code, switched_off.status_code) == (429, 429)


def test_a_successful_login_renews_a_browsers_trust(agent: User) -> None:
    browser = logged_in_browser(agent, SPRAYER)
    fail(browser, agent.username, 4)
    assert log_in(browser, agent.username, PASSWORD).status_code == 302
    log_out_keeping_the_device(browser)
    fail(browser, agent.username, 4)  # 8 in all, but 4 since its last login
    fail(Client(REMOTE_ADDR=SPRAYER), agent.username, 5)

    response = log_in(browser, agent.username, PASSWORD)

    assert response.status_code == 302
