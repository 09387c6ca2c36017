"""Which processes run the in-process memory-mirror worker (helpdesk/memory/apps.py)."""

from __future__ import annotations

import pytest

from helpdesk.memory import apps


@pytest.mark.parametrize(
    ("argv", "environ", "expected"),
    [
        (["/srv/helpdesk/.venv/bin/gunicorn", "-c", "gunicorn.conf.py"], {}, True),
        (["/usr/lib/python3/dist-packages/gunicorn/__main__.py", "-c", "g.py"], {}, True),
        (["manage.py", "runserver"], {"RUN_MAIN": "true"}, True),
        (["manage.py", "runserver"], {}, False),  # the autoreloader's parent process
        (["manage.py", "runserver", "--noreload"], {}, True),
        (["manage.py", "migrate"], {}, False),
        (["/srv/helpdesk/.venv/bin/celery", "-A", "helpdesk", "worker"], {}, False),
        (["/srv/helpdesk/.venv/bin/pytest"], {}, False),
        ([], {}, False),
        ([""], {}, False),
    ],
)
def test_web_servers_are_recognised(monkeypatch, argv, environ, expected):
    monkeypatch.setattr("sys.argv", argv)
    monkeypatch.delenv("RUN_MAIN", raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    assert apps._is_web_server() is expected
