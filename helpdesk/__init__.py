"""The helpdesk project package; its Celery app is loaded with Django so tasks bind to it."""

from helpdesk.celery import app as celery_app

__all__ = ["celery_app"]
