"""Load what a web process's first memory panel would otherwise wait for, in the background.

A fresh process reading its first context used to pay for the PII filter's word lists
(about a second: the memory exit masks the query, recurring labels mask the tickets' text) and
the embedding model, on top of the read. Web processes (gunicorn workers, runserver) load both
in a daemon thread as they start; the first request waits for nothing that is not its own.

What was loaded is then frozen out of the garbage collector's reach (`gc.freeze`, as
gunicorn.conf.py does for what a worker loaded before it): the word lists and the model's
vocabulary are some hundred thousand objects, and every full collection that a request set off
(building a customer's index allocates enough to) scanned them all, about 100 ms.
"""

from __future__ import annotations

import gc
import logging
import threading

logger = logging.getLogger(__name__)

# Words of each kind the filter reads by its word lists and tagger: a name, a street, a phone.
SAMPLE = "Jane Doe wrote from 12 Baker Street, London NW1 6XE, +44 20 7946 0000."


def preload() -> None:
    """The PII filter's word lists and tagger, the recurring labels' lexicons (parts of
    speech, word frequencies, praise words: about half a second), and the memory backend with
    its embedder."""
    from helpdesk import pii
    from helpdesk.memory.backends import get_backend
    from helpdesk.memory.selectors.labels import reads_as_topic

    pii.redact(SAMPLE)
    reads_as_topic(["printer", "offline"])
    embedder = getattr(get_backend(), "embedder", None)
    if embedder is not None:
        embedder.embed_query(SAMPLE)


def _run() -> None:
    try:
        preload()
    except Exception:  # nothing is lost: the first request loads what is missing
        logger.warning("Preloading the memory panels' models failed", exc_info=True)
    else:
        freeze()


def freeze() -> None:
    """Keep what the process has loaded out of later full collections (garbage first)."""
    gc.collect()
    gc.freeze()


def start() -> threading.Thread:
    thread = threading.Thread(target=_run, name="memory-preload", daemon=True)
    thread.start()
    return thread
