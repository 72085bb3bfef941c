"""Flag rules that close the loop: the client's "Not yet" to a repair follow-up, and a
session the client rated well below the therapist's estimate of it (a blind spot).

A "Not yet" is useful information, not a failure: it keeps a concern open and asks the
therapist to come back to it. A blind spot grades nobody: it shows where the therapist's
sense of a session and the client's differ (client and therapist ratings agree only
moderately, and therapists tend to rate their work above what clients report).
"""

from __future__ import annotations

from core.baseline import MEAN
from core.flag_types import Evidence, Fired, Rule
from core.history import ClientHistory, Reply, settled
from core.report_config import Limits


def repair_not_yet(history: ClientHistory, _limits: Limits) -> Fired | None:
    """The client's latest answer about a concern, or about the flags, was "Not yet".

    A later Yes or Partly about the same subject (the same concern; any flag, the
    question after flags being about the last session in general) supersedes it.
    """
    count = sum(1 for f in settled(history.followups).values() if f.reply is Reply.NOT_YET)
    return Fired(Rule.REPAIR_NOT_YET, count=count) if count else None


def blind_spot(history: ClientHistory, limits: Limits) -> Fired | None:
    """The latest answered check-in's overall answer is ``blind_spot_points`` or more below
    the therapist's estimate of that session (both turned like the overall item)."""
    if not (answered := history.answered):
        return None
    latest = answered[-1].session_start
    pair = next((p for p in history.estimates if p.session_start == latest), None)
    if pair is None or pair.gap < limits.blind_spot_points:
        return None
    evidence = Evidence(pair.item or MEAN, pair.client, before=pair.expected)
    return Fired(Rule.BLIND_SPOT, (evidence,))
