"""Where a memory came from, when the backend names a ticket and a time but no message.

EverMemOS v1 memories carry no source message id: an episode names its ticket (the group)
and the time of its segment's last message (`Source.until`). The segment's messages are
then the ticket's messages after the previous segment's time, up to this one, read from
our own Message table. The previous segment is the one before it among the sources asked
about together: all of a ticket's episodes for "this ticket", so the windows are exact
there; a past ticket found by search names one segment only, and its window then opens at
the ticket's first message.

Times on the wire are whole milliseconds (a message's `created_at` cut to the
millisecond), so windows compare at that precision.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import TypeVar

from helpdesk.memory.types import MessageWindow, ProfileFact, Source, TicketMemory
from tickets.models import Message

_Item = TypeVar("_Item", bound=ProfileFact | TicketMemory)

_MS = datetime.timedelta(milliseconds=1)


def _to_ms(moment: datetime.datetime) -> datetime.datetime:
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


Windows = dict[tuple[int, datetime.datetime], MessageWindow]


def _window_key(source: Source) -> tuple[int, datetime.datetime] | None:
    """(ticket, until to the millisecond) for a source that names a time but no message."""
    if source.ticket_id is None or source.until is None or source.message_id is not None:
        return None
    return source.ticket_id, _to_ms(source.until)


def message_windows(sources: Iterable[Source]) -> Windows:
    """The message window of every (ticket, until) among `sources` that has messages.

    One query for all the tickets named with a time; sources with a message id need none."""
    untils: dict[int, set[datetime.datetime]] = defaultdict(set)
    for source in sources:
        key = _window_key(source)
        if key is not None:
            untils[key[0]].add(key[1])
    if not untils:
        return {}
    latest = max(moment for moments in untils.values() for moment in moments)
    messages: dict[int, list[tuple[int, datetime.datetime]]] = defaultdict(list)
    for ticket_id, pk, created_at in (
        Message.objects.conversation()
        .filter(ticket_id__in=untils, created_at__lt=latest + _MS)
        .order_by("created_at", "id")
        .values_list("ticket_id", "id", "created_at")
    ):
        messages[ticket_id].append((pk, created_at))
    windows: Windows = {}
    for ticket_id, moments in untils.items():
        ordered = sorted(moments)
        rows = messages[ticket_id]
        previous: datetime.datetime | None = None
        for moment in ordered:
            inside = [
                (number, pk)
                for number, (pk, created_at) in enumerate(rows, start=1)
                if created_at < moment + _MS and (previous is None or created_at >= previous + _MS)
            ]
            if inside:
                windows[(ticket_id, moment)] = MessageWindow(
                    message_ids=tuple(pk for _, pk in inside),
                    first_number=inside[0][0],
                    last_number=inside[-1][0],
                )
            previous = moment
    return windows


def resolve_source(source: Source, windows: Windows) -> Source:
    """`source` with its window and, as its message, the window's first message."""
    key = _window_key(source)
    window = windows.get(key) if key is not None else None
    if window is None:
        return source  # no message of ours in that time: the ticket link alone
    return dataclasses.replace(source, message_id=window.message_ids[0], window=window)


def with_windows(items: Sequence[_Item]) -> list[_Item]:
    """`items` with every ticket-and-time source mapped to its messages."""
    windows = message_windows(item.source for item in items)
    if not windows:
        return list(items)
    return [
        dataclasses.replace(item, source=resolve_source(item.source, windows)) for item in items
    ]
