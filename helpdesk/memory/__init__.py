"""The memory app: every ticket mirrored to a long-term memory backend, and read back as context.

- `models`: the outbox (`MirrorEntry`) and the embedded engine's tables.
- `signals`: receivers that write outbox rows in the caller's transaction.
- `services`: delivery of the outbox (`mirror`), `backfill`, memory `corrections`.
- `selectors`: the ticket and customer `context`, `recurring` issues, sync state.
- `worker`, `tasks`: the in-process worker and the Celery task that deliver the outbox.
- `backends`: the one interface (`base`) and its two implementations (`evermemos`, `embedded`).
"""
