"""API endpoints for tickets, their messages, context, drafts and escalation."""
