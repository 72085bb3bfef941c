"""Per-therapist numbers for ``alliance stats``: enrolment, response rate, time to answer."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import median

from core.model import CheckinStatus, ClientStatus


@dataclass(frozen=True)
class ClientFacts:
    """What the numbers need to know about one client in the config."""

    therapist_code: str
    status: ClientStatus


@dataclass(frozen=True)
class CheckinFacts:
    """What the numbers need to know about one check-in."""

    therapist_code: str
    status: CheckinStatus
    sent_at: datetime | None
    first_answer_at: datetime | None


@dataclass(frozen=True)
class TherapistStats:
    """One therapist's line.

    ``enrolled`` clients linked a chat; ``active`` ones consented and can be reached.
    ``sent`` check-ins reached the client; ``answered`` were completed; ``expired`` closed
    unfinished. ``response_rate`` is answered / (answered + expired): check-ins still open
    are not counted either way. ``median_to_answer`` runs from sending to the first tap.
    """

    therapist_code: str
    clients: int = 0
    enrolled: int = 0
    active: int = 0
    sent: int = 0
    answered: int = 0
    expired: int = 0
    response_rate: float | None = None
    median_to_answer: timedelta | None = None


def per_therapist(
    therapists: Iterable[str], clients: Iterable[ClientFacts], checkins: Iterable[CheckinFacts]
) -> list[TherapistStats]:
    """One line per therapist, in the order given; unknown therapist codes are added at the end."""
    codes = list(dict.fromkeys(therapists))
    people, sessions = list(clients), list(checkins)
    seen = {c.therapist_code for c in people} | {c.therapist_code for c in sessions}
    codes += sorted(seen - set(codes))
    return [_line(code, people, sessions) for code in codes]


def _line(code: str, clients: list[ClientFacts], checkins: list[CheckinFacts]) -> TherapistStats:
    theirs = [c for c in clients if c.therapist_code == code]
    done = [c for c in checkins if c.therapist_code == code]
    answered = sum(c.status is CheckinStatus.COMPLETED for c in done)
    expired = sum(c.status is CheckinStatus.EXPIRED for c in done)
    delays = [
        c.first_answer_at - c.sent_at
        for c in done
        if c.sent_at is not None and c.first_answer_at is not None
    ]
    return TherapistStats(
        therapist_code=code,
        clients=len(theirs),
        enrolled=sum(c.status is not ClientStatus.NOT_ENROLLED for c in theirs),
        active=sum(c.status is ClientStatus.ACTIVE for c in theirs),
        sent=sum(c.sent_at is not None for c in done),
        answered=answered,
        expired=expired,
        response_rate=answered / (answered + expired) if answered + expired else None,
        median_to_answer=_median(delays),
    )


def _median(delays: list[timedelta]) -> timedelta | None:
    if not delays:
        return None
    return timedelta(seconds=median(d.total_seconds() for d in delays))


def short_duration(delta: timedelta) -> str:
    """``45s``, ``12m``, ``3h 05m``, ``2d 4h``: how long, at a glance."""
    seconds = max(int(delta.total_seconds()), 0)
    if seconds < 60:
        return f"{seconds}s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes}m"
    hours = minutes // 60
    if hours < 48:
        return f"{hours}h {minutes % 60:02d}m"
    return f"{hours // 24}d {hours % 24}h"
