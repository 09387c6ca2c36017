"""Customers: who they are (the Customer record, its audit trail, erasure records)."""
