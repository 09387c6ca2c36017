"""CPU and queries of one message POST, in process: `POST /api/tickets/{id}/messages/`.

Runs the API view through Django's test client (token auth, DEBUG off, throttles off), on a
database that bench/load.py built (its `--level` database, or any `DATABASE_URL`), and prints
the CPU time per POST, the queries of one POST, and with `--profile` the functions that cost
most (cProfile). The messages are written to open tickets of the first customers and stay.

    DATABASE_URL=sqlite:////tmp/helpdesk-load-1000.sqlite3 .venv/bin/python bench/ingest_profile.py
    .venv/bin/python bench/ingest_profile.py --posts 2000 --profile
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=1000, help="messages to post (per round)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds; the median is printed")
    parser.add_argument("--profile", action="store_true", help="print cProfile's top functions")
    parser.add_argument("--profile-out", help="also write the cProfile data to this file")
    parser.add_argument("--queries", action="store_true", help="print one POST's queries")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
    for name, value in {
        "DEBUG": "false",
        "ALLOWED_HOSTS": "testserver",
        "API_THROTTLE_USER": "off",
        "API_THROTTLE_ANON": "off",
        "LOGIN_LOCKOUT": "false",
        "MEMORY_BACKEND": "embedded",
        "MEMORY_EMBEDDINGS": "false",
        "MIRROR_WORKER_AUTOSTART": "false",
        "LOG_LEVEL": "WARNING",
    }.items():
        os.environ.setdefault(name, value)
    import django

    django.setup()
    from django.db import close_old_connections, connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from rest_framework.authtoken.models import Token

    from bench.load import agent
    from tickets.models import Ticket

    token, _ = Token.objects.get_or_create(user=agent())
    targets = list(
        Ticket.objects.exclude(status=Ticket.Status.CLOSED)
        .order_by("-id")
        .values_list("id", flat=True)[:64]
    )
    client = Client(HTTP_AUTHORIZATION=f"Token {token.key}")

    def post(number: int) -> None:
        ticket = targets[number % len(targets)]
        response = client.post(
            f"/api/tickets/{ticket}/messages/",
            {"role": "customer", "body": f"Message {number}: it dropped again this morning."},
            content_type="application/json",
        )
        if response.status_code != 201:
            raise RuntimeError(f"{response.status_code} {response.content[:200]!r}")
        # What a WSGI server's request_finished does and Django's test client skips: close
        # the connection unless CONN_MAX_AGE keeps it.
        close_old_connections()

    post(0)  # the first request loads what every later one shares
    with CaptureQueriesContext(connection) as captured:
        post(1)
    print(f"queries per POST: {len(captured)} ({connection.vendor})")
    if args.queries:
        for query in captured.captured_queries:
            print("   ", query["sql"][:160])

    cpu_per_post = []
    profiler = cProfile.Profile() if args.profile else None
    for _ in range(args.rounds):
        started = time.process_time()
        if profiler:
            profiler.enable()
        for number in range(args.posts):
            post(number)
        if profiler:
            profiler.disable()
        cpu_per_post.append((time.process_time() - started) / args.posts)
    print(
        f"CPU per POST: {statistics.median(cpu_per_post) * 1000:.2f} ms "
        f"(median of {args.rounds} rounds of {args.posts}"
        f"{', under cProfile' if profiler else ''})"
    )
    if profiler:
        if args.profile_out:
            profiler.dump_stats(args.profile_out)
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats(45)
        stats.sort_stats("tottime").print_stats(30)


if __name__ == "__main__":
    main()
