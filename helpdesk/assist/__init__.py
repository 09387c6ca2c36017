"""The agent's assistant: the ticket and its memory context, composed into text.

- `drafts`: the material a reply or handoff is written from, and the suggested reply.
- `escalation`: escalate with a handoff written from the ticket's whole history.
- `bot`: the bot's answer to a customer, or its hand-over to a person.

Above the memory app, below the portal and the API; writes go through `tickets.services`.
"""
