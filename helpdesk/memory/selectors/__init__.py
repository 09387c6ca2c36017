"""Reads of memory: the context of a ticket or customer, recurring issues."""
