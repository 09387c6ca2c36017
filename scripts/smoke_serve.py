"""Smoke test of production serving: gunicorn with production settings, as docs/deploy.md runs it.

    .venv/bin/python scripts/smoke_serve.py

In a throwaway directory: collectstatic, migrate (SQLite) and `check --deploy`
with PRODUCTION=true, a throwaway SECRET_KEY and ALLOWED_HOSTS=127.0.0.1; then
gunicorn (gunicorn.conf.py) on a free loopback port, asked as the reverse
proxy would ask it (X-Forwarded-Proto: https). Checks the login page and its
security headers and cookies, the HTTPS redirect, /api/health/, a static file
served by whitenoise with a year-long cache header, and a failed login through
CSRF and the lockout's bookkeeping. Stops gunicorn; exits 1 if anything failed.
Standard library only; a few seconds.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
BOOT_SECONDS = 30.0
HTTPS = {"X-Forwarded-Proto": "https"}


@dataclass(frozen=True)
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def header(self, name: str) -> str:
        return self.headers.get(name, "")

    def cookies(self) -> list[str]:
        return self.headers.get_all("Set-Cookie") or []

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def production_environment(workdir: Path) -> dict[str, str]:
    environment = dict(os.environ)
    environment.update(
        PRODUCTION="true",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO,https",
        NUM_PROXIES="1",
        DATABASE_URL=f"sqlite:///{workdir / 'db.sqlite3'}",
        STATIC_ROOT=str(workdir / "static"),
        STATIC_MANIFEST="true",
        CELERY_BROKER_URL="",
        MEMORY_BACKEND="embedded",
        OPENAI_BASE_URL="",
        PYTHONUNBUFFERED="1",
    )
    return environment


def prepare(environment: dict[str, str]) -> None:
    """collectstatic, migrate and check --deploy, side by side."""
    commands = {
        "collectstatic": ["collectstatic", "--noinput", "--verbosity", "0"],
        "migrate": ["migrate", "--noinput", "--verbosity", "0"],
        "check --deploy": ["check", "--deploy", "--fail-level", "WARNING"],
    }
    running = {
        name: subprocess.Popen(  # noqa: S603  # our manage.py with fixed arguments
            [sys.executable, "manage.py", *arguments],
            cwd=ROOT,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for name, arguments in commands.items()
    }
    for name, process in running.items():
        output, _ = process.communicate(timeout=300)
        if process.returncode != 0:
            raise SystemExit(f"smoke: manage.py {name} failed:\n{output}")
        print(f"ok    manage.py {name}")


@contextmanager
def gunicorn(environment: dict[str, str], port: int, log_path: Path) -> Iterator[None]:
    with log_path.open("w", encoding="utf-8") as log:
        process = subprocess.Popen(  # noqa: S603  # the venv's gunicorn with fixed arguments
            [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until_serving(process, port)
        yield
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_until_serving(process: subprocess.Popen[bytes], port: int) -> None:
    deadline = time.monotonic() + BOOT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode} while starting")
        try:
            if request(port, "GET", "/api/health/").status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer within {BOOT_SECONDS:.0f} s")


def request(
    port: int,
    method: str,
    path: str,
    headers: dict[str, str] | None = None,
    body: str | None = None,
) -> Answer:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return Answer(response.status, response.headers, response.read())
    finally:
        connection.close()


def cookie_value(answer: Answer, name: str) -> str:
    for cookie in answer.cookies():
        if cookie.startswith(f"{name}="):
            return cookie.split(";", 1)[0].split("=", 1)[1]
    return ""


class Checks:
    def __init__(self) -> None:
        self.failures: list[str] = []
        self.passed = 0

    def expect(self, what: str, condition: bool, detail: object = "") -> None:
        if condition:
            self.passed += 1
            print(f"ok    {what}")
        else:
            self.failures.append(what)
            print(f"FAIL  {what}: {detail}")


def check_health(port: int, checks: Checks) -> None:
    answer = request(port, "GET", "/api/health/")  # plain HTTP, as a load balancer probes
    state = json.loads(answer.body) if answer.status == 200 else {}
    checks.expect("GET /api/health/ over plain HTTP is 200", answer.status == 200, answer.status)
    checks.expect("health reports ok", state.get("status") == "ok", state)


def check_login_page(port: int, checks: Checks) -> Answer:
    answer = request(port, "GET", "/accounts/login/", HTTPS)
    policy = answer.header("Content-Security-Policy")
    secure_csrf = [c for c in answer.cookies() if c.startswith("csrftoken=") and "Secure" in c]
    checks.expect("GET /accounts/login/ is 200", answer.status == 200, answer.status)
    checks.expect("the page is the login form", "Log in to the helpdesk" in answer.text)
    checks.expect(
        "Content-Security-Policy allows only our scripts and styles",
        "default-src 'self'" in policy
        and "script-src 'self';" in policy
        and "unsafe" not in policy,
        policy,
    )
    checks.expect(
        "Strict-Transport-Security for a year",
        answer.header("Strict-Transport-Security").startswith("max-age=31536000"),
        answer.header("Strict-Transport-Security"),
    )
    for name, value in [
        ("X-Frame-Options", "DENY"),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "same-origin"),
    ]:
        checks.expect(f"{name}: {value}", answer.header(name) == value, answer.header(name))
    checks.expect("the CSRF cookie is Secure", bool(secure_csrf), answer.cookies())
    return answer


def check_https_redirect(port: int, checks: Checks) -> None:
    answer = request(port, "GET", "/accounts/login/")
    location = answer.header("Location")
    checks.expect(
        "plain HTTP is redirected to HTTPS",
        answer.status == 301 and location == f"https://127.0.0.1:{port}/accounts/login/",
        f"{answer.status} {location}",
    )


def check_static_file(port: int, login: Answer, checks: Checks) -> None:
    stylesheet = re.search(r'href="(/static/helpdesk/app\.[0-9a-f]{12}\.css)"', login.text)
    checks.expect("the page links a hashed stylesheet", stylesheet is not None)
    if stylesheet is None:
        return
    answer = request(port, "GET", stylesheet.group(1), {**HTTPS, "Accept-Encoding": "gzip"})
    cache_control = answer.header("Cache-Control")
    checks.expect("the stylesheet is served", answer.status == 200, answer.status)
    checks.expect(
        "with a long cache header",
        "max-age=315360000" in cache_control and "immutable" in cache_control,
        cache_control,
    )
    checks.expect("compressed", answer.header("Content-Encoding") == "gzip", answer.headers)


def check_failed_login(port: int, login: Answer, checks: Checks) -> None:
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text)
    form = {
        "csrfmiddlewaretoken": token.group(1) if token else "",
        "username": "nobody",
        "password": "wrong-password",
    }
    headers = {
        **HTTPS,
        "Cookie": f"csrftoken={cookie_value(login, 'csrftoken')}",
        "Origin": f"https://127.0.0.1:{port}",
        "Content-Type": "application/x-www-form-urlencoded",
    }
    answer = request(port, "POST", "/accounts/login/", headers, urlencode(form))
    checks.expect(
        "a wrong password is refused on the form (CSRF passes behind the proxy)",
        answer.status == 200 and "Please enter a correct username" in answer.text,
        f"{answer.status} {answer.text[:300]}",
    )


def main() -> int:
    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="helpdesk-smoke-"))
    log_path = workdir / "gunicorn.log"
    checks = Checks()
    try:
        environment = production_environment(workdir)
        prepare(environment)
        port = free_port()
        with gunicorn(environment, port, log_path):
            check_health(port, checks)
            login = check_login_page(port, checks)
            check_https_redirect(port, checks)
            check_static_file(port, login, checks)
            check_failed_login(port, login, checks)
    except (RuntimeError, OSError) as error:
        checks.failures.append(str(error))
        print(f"FAIL  {error}")
    finally:
        if checks.failures and log_path.exists():
            print("---- gunicorn log (last 40 lines)")
            print("\n".join(log_path.read_text(encoding="utf-8").splitlines()[-40:]))
        shutil.rmtree(workdir, ignore_errors=True)
    seconds = time.monotonic() - started
    if checks.failures:
        print(f"smoke: {len(checks.failures)} check(s) failed ({seconds:.1f} s)")
        return 1
    print(f"smoke: gunicorn served all {checks.passed} checks ({seconds:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
