"""The channels app: ways customers reach the helpdesk besides the API (e-mail in, for now).

A channel reads what arrives, finds the customer and the ticket, and hands the message to
the ticket services, the one write path: the memory mirror and its masking apply as for
any message.
"""
