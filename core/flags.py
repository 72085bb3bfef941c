"""Flag rules: small functions over a client's recent check-ins that say what deserves a look.

Each rule returns a ``Fired`` with the evidence a therapist needs to judge it ("Goals 5,
usually 9-10"); the wording of reasons and next steps lives in ``messages/``. Thresholds
come from ``FlagSettings``, scaled to the client's instrument (``Limits``; ``limits_for``).
Skipped items are left out, never counted as zero. Rules read the latest answered check-in
on the client's current instrument, however old it is; the digest says when it was given.
Answers to reverse items arrive turned, so a low value is a worse one on every item. The
rules about repair follow-ups and the therapist's estimates are in ``core/loop_rules.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from itertools import pairwise

from core.baseline import MEAN, baseline, series, usual_range, value_of
from core.flag_types import SEVERITY as SEVERITY
from core.flag_types import Evidence as Evidence
from core.flag_types import Fired as Fired
from core.flag_types import Rule as Rule
from core.flag_types import Severity as Severity
from core.history import ClientHistory, Reply, item_series
from core.loop_rules import blind_spot, repair_not_yet
from core.model import CheckinStatus
from core.questionnaire import Questionnaire
from core.report_config import FlagSettings, Limits

#: Client statuses that mean the client no longer takes part (``stopped`` comes with /stop).
STOPPED_STATUSES = frozenset({"stopped", "declined"})


def _evidence(history: ClientHistory, key: str, value: float, limits: Limits) -> Evidence:
    usual = usual_range(history, key, limits)
    if usual is None:
        return Evidence(key, value)
    return Evidence(key, value, usual.low, usual.high)


def low_item(history: ClientHistory, limits: Limits) -> Fired | None:
    """Any item of the latest check-in at or below ``low_item``."""
    if not limits.absolute or not (answered := history.answered):
        return None
    values = answered[-1].values
    low = [
        _evidence(history, key, values[key], limits)
        for key in history.item_keys
        if key in values and values[key] <= limits.low_item
    ]
    return Fired(Rule.LOW_ITEM, tuple(low)) if low else None


def low_mean(history: ClientHistory, limits: Limits) -> Fired | None:
    """The mean of the latest check-in's answered items below ``low_mean``."""
    if not limits.absolute or not (answered := history.answered):
        return None
    mean = answered[-1].mean
    if mean is None or mean >= limits.low_mean:
        return None
    return Fired(Rule.LOW_MEAN, (_evidence(history, MEAN, mean, limits),))


def baseline_drop(history: ClientHistory, limits: Limits) -> Fired | None:
    """Items (or the mean) of the latest check-in clearly below the client's own median."""
    if not (answered := history.answered):
        return None
    latest, before = answered[-1], answered[:-1]
    dropped = []
    for key in (*history.item_keys, MEAN):
        value = value_of(latest, key)
        usual = baseline(series(before, key), limits)
        if value is not None and usual is not None and value <= usual.limit:
            dropped.append(Evidence(key, value, usual.low, usual.high))
    return Fired(Rule.BASELINE_DROP, tuple(dropped)) if dropped else None


def _repaired_after(history: ClientHistory) -> Callable[[int], bool]:
    """Whether the client answered Yes to a repair follow-up in a check-in after the k-th
    answered one (a Partly leaves a dip counting: the client says it is not done)."""
    answered = history.answered
    yes = [p.session_start for p in history.points if p.repair is Reply.YES]
    return lambda k: any(at > answered[k].session_start for at in yes)


def unrepaired_dip(history: ClientHistory, limits: Limits) -> Fired | None:
    """A drop from the usual level that has not come back in ``dip_repair_checkins`` answers,
    nor been confirmed as repaired by the client (a Yes to a follow-up after it)."""
    answered = history.answered
    repaired = _repaired_after(history)
    found: list[Evidence] = []
    since = 0
    for key in history.item_keys:
        for k in range(len(answered) - 1):
            dip = answered[k].values.get(key)
            usual = baseline(series(answered[:k], key), limits)
            if dip is None or usual is None or dip > usual.limit or repaired(k):
                continue
            later = item_series(answered[k + 1 :], key)
            if len(later) >= limits.dip_repair_checkins and all(v <= usual.limit for v in later):
                found.append(Evidence(key, later[-1], usual.low, usual.high, before=dip))
                since = max(since, len(later))
                break  # the earliest unrepaired dip of this item says the most
    return Fired(Rule.UNREPAIRED_DIP, tuple(found), count=since) if found else None


def decline_run(history: ClientHistory, limits: Limits) -> Fired | None:
    """The mean went down ``decline_run`` times in a row."""
    means = series(history.answered, MEAN)[-(limits.decline_run + 1) :]
    if len(means) <= limits.decline_run or not all(b < a for a, b in pairwise(means)):
        return None
    return Fired(
        Rule.DECLINE_RUN, (Evidence(MEAN, means[-1], before=means[0]),), limits.decline_run
    )


def missed(history: ClientHistory, limits: Limits) -> Fired | None:
    """The latest ``missed_in_row`` or more closed check-ins went unanswered (on any
    instrument: a switch does not reset disengagement)."""
    count = 0
    for point in reversed(history.every_point):
        if point.missed:
            count += 1
        elif count or point.answers or point.status is not CheckinStatus.OPEN:
            break
        # else: the newest check-in is still open and untouched; it may yet be answered
    return Fired(Rule.MISSED, count=count) if count >= limits.missed_in_row else None


def unreachable(history: ClientHistory, _limits: Limits) -> Fired | None:
    """The client blocked the bot."""
    return Fired(Rule.UNREACHABLE) if history.status == "unreachable" else None


def undelivered(history: ClientHistory, _limits: Limits) -> Fired | None:
    """Recent check-ins never reached the client because sending kept failing.

    A blocked or stopped client has a rule of their own; silence from a delivery fault
    must not read as the client disengaging, nor go unseen.
    """
    if history.undelivered == 0 or history.status == "unreachable":
        return None
    if history.status in STOPPED_STATUSES:
        return None
    return Fired(Rule.UNDELIVERED, count=history.undelivered)


def stopped(history: ClientHistory, _limits: Limits) -> Fired | None:
    """The client stopped, or declined, the check-ins."""
    return Fired(Rule.STOPPED) if history.status in STOPPED_STATUSES else None


def shared_concern(history: ClientHistory, _limits: Limits) -> Fired | None:
    """The client shared a note that has not been marked as discussed."""
    count = len(history.open_concerns)
    return Fired(Rule.SHARED_CONCERN, count=count) if count else None


def last_drop(history: ClientHistory, limits: Limits) -> Fired | None:
    """Items lower than at the check-in before by ``last_drop_points`` or more (a note)."""
    if len(answered := history.answered) < 2:
        return None
    before, latest = answered[-2].values, answered[-1].values
    step = limits.last_drop_points
    lower = tuple(
        Evidence(key, latest[key], before=before[key])
        for key in history.item_keys
        if key in latest and key in before and before[key] - latest[key] >= step
    )
    return Fired(Rule.LAST_DROP, lower) if lower else None


def ceiling(history: ClientHistory, limits: Limits) -> Fired | None:
    """Every item at the top of the instrument's scale, ``ceiling_checkins`` times in a row
    (a note)."""
    recent = history.answered[-limits.ceiling_checkins :]
    if not limits.absolute:
        return None
    top = {key: history.scale_max for key in history.item_keys}
    if len(recent) < limits.ceiling_checkins or any(p.values != top for p in recent):
        return None
    return Fired(Rule.CEILING, count=len(recent))


RULES: tuple[Callable[[ClientHistory, Limits], Fired | None], ...] = (
    low_item,
    low_mean,
    baseline_drop,
    unrepaired_dip,
    repair_not_yet,
    shared_concern,
    blind_spot,
    decline_run,
    missed,
    unreachable,
    undelivered,
    stopped,
    last_drop,
    ceiling,
)


#: A questionnaire's own thresholds, if its config sets them (``Instruments.flags_for``).
OwnFlags = Callable[[Questionnaire], FlagSettings | None]


def no_own_flags(_questionnaire: Questionnaire) -> FlagSettings | None:
    """No questionnaire has thresholds of its own: the clinic's, scaled, for all."""
    return None


def limits_for(
    history: ClientHistory, settings: FlagSettings, own: OwnFlags = no_own_flags
) -> Limits:
    """The thresholds this client's answers are read against, on their instrument's scale.

    The questionnaire's own ``flags:`` as written, if it has them; else the clinic's,
    written on 0-10 and scaled. A questionnaire rebuilt from its answers (``assumed``) has
    no own flags and no levels to compare with.
    """
    written = None if history.assumed else own(history.questionnaire)
    if written is not None:
        return written.as_written()
    limits = settings.on_scale(history.questionnaire)
    return replace(limits, absolute=False) if history.assumed else limits


def evaluate(history: ClientHistory, limits: Limits) -> tuple[Fired, ...]:
    """Every rule that fires for this client, most serious first."""
    fired = [f for rule in RULES if (f := rule(history, limits)) is not None]
    return tuple(sorted(fired, key=lambda f: -f.severity))
