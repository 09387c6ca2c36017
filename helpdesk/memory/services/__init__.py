"""Writes of the memory app: outbox delivery, backfill, corrections."""
