"""The usual cast: two agents, a non-agent, a superuser, two customers with a ticket each."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from django.contrib.auth.models import Permission, User
from django.core.cache import cache
from django.test import Client, override_settings
from pytest_django.fixtures import Settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from customers.models import Customer
from helpdesk.memory.backends import reset_backend
from tests.factories import (
    AgentFactory,
    CustomerFactory,
    SuperuserFactory,
    TicketFactory,
    UserFactory,
)
from tests.llm_server import LLMServer
from tests.smtp_server import smtp_server  # noqa: F401 (a fixture for every test package)
from tickets.models import Ticket


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix: None) -> None:
    """On SQLite the test database is a file, not memory, so that the worker processes the
    fault and Celery tests start (`tests/memory/processes.py`) see the same rows."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        test = database.setdefault("TEST", {})
        if not test.get("NAME"):
            test["NAME"] = str(settings.VAR_DIR / "test_db.sqlite3")


@pytest.fixture(autouse=True)
def _evermemos_v0_unless_told(settings: Settings) -> None:
    """The tests written for the v0 loopback server speak v0; the v1 tests say so (the
    product's default is v1)."""
    settings.EVERMEMOS_API_VERSION = "v0"


def pytest_configure(config: pytest.Config) -> None:
    # whitenoise warns once per client when collectstatic has not run; tests never need it.
    config.addinivalue_line("filterwarnings", "ignore:No directory at:UserWarning")


PLAIN_STATIC_FILES = "django.contrib.staticfiles.storage.StaticFilesStorage"


@pytest.fixture(scope="session", autouse=True)
def _static_files_by_their_plain_names() -> Iterator[None]:
    """Pages link static files by their plain names, and the apps' folders serve them.

    Whatever the environment says (STATIC_MANIFEST=true in a `.env`) or `make run` left in
    STATIC_ROOT: the live server finds static files in the apps' folders by their plain
    names, so a hashed name from the manifest would be a 404 in the browser tests.
    """
    from django.conf import settings

    storages = {**settings.STORAGES, "staticfiles": {"BACKEND": PLAIN_STATIC_FILES}}
    with override_settings(STORAGES=storages, WHITENOISE_USE_FINDERS=True):
        yield


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings: Settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _keyword_only_memory(settings: Settings) -> None:
    """Tests rank with keywords; tests of the embedding model turn it on themselves."""
    settings.MEMORY_EMBEDDINGS = False


@pytest.fixture(autouse=True)
def _fresh_memory_backend() -> None:
    """The memory backend is built afresh for each test (the embedded engine keeps prepared
    histories per process, and ids repeat across tests)."""
    reset_backend()


@pytest.fixture
def agent(db: None) -> User:
    return AgentFactory(username="maria", first_name="Maria", last_name="Garcia")


@pytest.fixture
def other_agent(db: None) -> User:
    return AgentFactory(username="tom", first_name="Tom", last_name="Baker")


@pytest.fixture
def non_agent(db: None) -> User:
    """Logged in, active, but in no group: may use neither the portal nor the API."""
    return UserFactory(username="visitor")


@pytest.fixture
def readonly_agent(db: None) -> User:
    """May read tickets and customers (so counts as an agent) but may change nothing."""
    user = UserFactory(username="reader")
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label__in=["tickets", "customers"],
            codename__in=["view_ticket", "view_customer", "view_message", "view_ticketevent"],
        )
    )
    return user


@pytest.fixture
def superuser(db: None) -> User:
    return SuperuserFactory(username="root")


@pytest.fixture
def customer(db: None) -> Customer:
    return CustomerFactory(external_id="crm-4711", name="Ada Lovelace", email="ada@example.com")


@pytest.fixture
def other_customer(db: None) -> Customer:
    return CustomerFactory(
        external_id="crm-1815", name="Charles Babbage", email="charles@example.com"
    )


@pytest.fixture
def ada(db: None) -> Customer:
    """A customer known by name only, for the memory and recurring-problem histories."""
    return CustomerFactory(name="Ada Lovelace")


@pytest.fixture
def ticket(customer: Customer) -> Ticket:
    return TicketFactory(customer=customer, subject="Router keeps dropping")


@pytest.fixture
def other_ticket(other_customer: Customer) -> Ticket:
    return TicketFactory(customer=other_customer, subject="Invoice shows the wrong address")


def token_client(user: User) -> APIClient:
    """An API client that sends `Authorization: Token <key>` for `user`."""
    token, _ = Token.objects.get_or_create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def api_client(agent: User) -> APIClient:
    """The API as an integration sees it: token auth for an agent."""
    return token_client(agent)


@pytest.fixture
def anonymous_api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def non_agent_api_client(non_agent: User) -> APIClient:
    return token_client(non_agent)


@pytest.fixture
def agent_client(agent: User) -> Client:
    """The portal in a browser, logged in as an agent."""
    client = Client()
    client.force_login(agent)
    return client


@pytest.fixture
def non_agent_client(non_agent: User) -> Client:
    client = Client()
    client.force_login(non_agent)
    return client


@pytest.fixture
def superuser_client(superuser: User) -> Client:
    client = Client()
    client.force_login(superuser)
    return client


@pytest.fixture
def readonly_api_client(readonly_agent: User) -> APIClient:
    return token_client(readonly_agent)


@pytest.fixture
def readonly_client(readonly_agent: User) -> Client:
    client = Client()
    client.force_login(readonly_agent)
    return client


@pytest.fixture(autouse=True)
def _offline_composer(settings: Settings) -> None:
    """No test reaches a language model unless it starts `llm_server` itself."""
    settings.OPENAI_BASE_URL = ""
    settings.OPENAI_API_KEY = ""


@pytest.fixture
def llm_server(settings: Settings) -> Iterator[LLMServer]:
    """A loopback OpenAI-compatible server, configured as the product's language model."""
    server = LLMServer(api_key="test-key").start()
    settings.OPENAI_BASE_URL = server.base_url
    settings.OPENAI_API_KEY = "test-key"
    settings.LLM_MODEL = "loopback-model"
    settings.LLM_TIMEOUT = 1.0
    settings.LLM_MAX_RETRIES = 0
    yield server
    server.stop()


@pytest.fixture
def closed_port_url() -> str:
    """A loopback URL nothing listens on: connections are refused."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    """Ids repeat across tests (rolled back), so nothing cached may outlive its test."""
    yield
    cache.clear()
