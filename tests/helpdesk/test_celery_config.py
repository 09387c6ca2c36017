"""The Celery settings a production worker relies on (see helpdesk/settings.py)."""

from __future__ import annotations

from django.conf import settings

from helpdesk import celery_app


def test_tasks_are_acknowledged_after_they_ran_one_at_a_time() -> None:
    assert celery_app.conf.task_acks_late is True
    assert celery_app.conf.task_reject_on_worker_lost is True
    assert celery_app.conf.worker_prefetch_multiplier == 1


def test_redis_redelivers_a_lost_task_only_after_its_entries_leases_ended() -> None:
    visibility = celery_app.conf.broker_transport_options["visibility_timeout"]
    longest_task = settings.MIRROR_TASK_SECONDS + settings.EVERMEMOS_TIMEOUT

    assert visibility > settings.MIRROR_LEASE_SECONDS
    assert visibility > longest_task


def test_beat_sweeps_the_mirror_and_the_quiet_tickets_with_registered_tasks() -> None:
    schedule = celery_app.conf.beat_schedule
    tasks = {entry["task"]: entry["schedule"] for entry in schedule.values()}

    assert tasks["helpdesk.deliver_mirror"] == settings.MIRROR_SWEEP_SECONDS
    assert tasks["helpdesk.enqueue_quiet_tickets"] == 60.0
    celery_app.loader.import_default_modules()
    assert set(tasks) <= set(celery_app.tasks)
