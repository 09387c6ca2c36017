"""E-mail in from a mail provider's inbound webhook, through django-anymail.

Anymail answers each provider's inbound webhook (`/inbound/anymail/<provider>/inbound/`:
Mailgun, Postmark, SendGrid, Amazon SES, Brevo, Mailjet, ...), checks the shared basic-auth
secret (and the provider's signature where it has one), and sends its `inbound` signal with
the mail. This receiver turns the mail back into bytes and takes it in through
`inbound_mail_receive`, the path every mail takes. Mail the helpdesk cannot read is logged
and answered 200 like the rest: a provider retries any error, and no retry would help.
"""

from __future__ import annotations

import logging
from email import policy
from typing import Any

from django.core.exceptions import ValidationError

from helpdesk.channels.services import inbound_mail_receive
from helpdesk.mail import MailTooLargeError, UnreadableMailError

logger = logging.getLogger(__name__)


def provider_mail_receive(sender: object, event: Any, esp_name: str, **kwargs: Any) -> None:
    """Anymail's `inbound` signal: one mail a provider received for us."""
    message = event.message
    if message is None:
        logger.warning("%s sent an inbound event without a mail (%s)", esp_name, event.event_id)
        return
    raw = message.as_bytes(policy=policy.SMTPUTF8)
    try:
        outcome = inbound_mail_receive(raw=raw)
    except (UnreadableMailError, MailTooLargeError, ValidationError) as error:
        logger.warning(
            "Mail from %s (event %s) cannot be taken in: %s", esp_name, event.event_id, error
        )
        return
    if outcome.ignored:
        logger.info(
            "Mail from %s (event %s) ignored: %s", esp_name, event.event_id, outcome.ignored
        )


def connect() -> None:
    from anymail.signals import inbound

    inbound.connect(provider_mail_receive, dispatch_uid="helpdesk_provider_mail")
