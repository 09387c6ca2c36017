"""Tickets: tickets, their messages, audit trail and handoffs; their services and selectors."""
