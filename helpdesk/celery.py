"""The Celery app, used only when CELERY_BROKER_URL is set.

Workers: `celery -A helpdesk worker`; exactly one `celery -A helpdesk beat` for the
periodic sweep. Its settings are the `CELERY_*` names in `helpdesk/settings.py`
(late acknowledgement, one prefetched task, a visibility timeout above the mirror's
lease, the beat schedule).
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")

app = Celery("helpdesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["helpdesk.memory", "helpdesk.channels"])
