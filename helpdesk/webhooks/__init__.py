"""Outgoing webhooks: ticket and message events POSTed, signed, to the team's subscribers,
through the shared outbox (`helpdesk.outbox`)."""
