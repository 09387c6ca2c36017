"""Drafts for agents and the bot, and handoffs for escalations, with personal data kept out.

`compose_reply` and `compose_handoff` take `Material` (plain values gathered by the
tickets app), mask it, ask the configured language model or write offline, and mask
the answer again.
"""
