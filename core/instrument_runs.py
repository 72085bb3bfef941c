"""Stored check-ins into a client's history: split by instrument, reverse items turned.

Every check-in records the questionnaire key and version it was asked with. Check-ins in a
row with the same key and version make one run; a client's history is the last run (the
instrument of their latest delivered check-in), and the runs before it are kept apart as
``earlier``. So a switch, to another questionnaire or to a new version of the same one,
starts a new baseline, and so does a switch back.

A run's questionnaire comes from the config. When the config no longer has it:

- same key, other version: the config's questionnaire is used if the run's answers fit it
  (every item key is one of its items, every value on its scale), as after a change of
  wording; otherwise the run is rebuilt as below;
- the key is gone: the questionnaire is rebuilt from the answers: one item per key answered
  (dimension ``other``, not reversed, named by its key), on the built-in scale 0-10 widened
  to every value stored. Such a run is ``assumed``: its levels mean nothing certain, so the
  rules that compare with a level stay silent for it.

The answer to a repair follow-up (key ``repair``) is never one of a questionnaire's items:
storage keeps it apart, and it is dropped here should one come along, so it can neither
change a run's questionnaire nor reach a rule, a baseline or a chart.

A therapist's estimate is paired with the client's answer to the overall item of the
questionnaire its check-in was asked on, both turned like that item (``estimate_pairs``).
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from itertools import groupby

from core.estimate import overall_item
from core.history import CheckinPoint, ClientHistory, EstimatePair, FollowUp, InstrumentRun
from core.questionnaire import DEFAULT_QUESTIONNAIRE, REPAIR_KEY, Item, Questionnaire

Answers = Mapping[str, int | None]


@dataclass(frozen=True)
class Recorded:
    """A delivered check-in as stored: its questionnaire, and its answers as given."""

    questionnaire: str
    version: str
    point: CheckinPoint


@dataclass(frozen=True)
class RecordedEstimate:
    """A therapist's answered estimate of a session, with the client's answers as stored."""

    session_start: datetime
    questionnaire: str
    version: str
    value: int
    answers: Answers
    answered_at: datetime | None = None


def without_repair(point: CheckinPoint) -> CheckinPoint:
    """The point without a repair answer among its item answers."""
    if REPAIR_KEY not in point.answers:
        return point
    return replace(point, answers={k: v for k, v in point.answers.items() if k != REPAIR_KEY})


def fits(questionnaire: Questionnaire, answers: Sequence[Answers]) -> bool:
    """Whether every answer is to one of the questionnaire's items and on its scale (the
    repair follow-up's answer is no item's)."""
    keys = {item.key for item in questionnaire.items} | {REPAIR_KEY}
    return all(
        key in keys and (value is None or questionnaire.accepts(value))
        for given in answers
        for key, value in given.items()
    )


def rebuilt(key: str, answers: Sequence[Answers]) -> Questionnaire:
    """A stand-in for a questionnaire the config no longer has, from its answers alone."""
    keys = list(dict.fromkeys(k for given in answers for k in given if k != REPAIR_KEY))
    values = [v for given in answers for k, v in given.items() if v is not None and k != REPAIR_KEY]
    low = min([DEFAULT_QUESTIONNAIRE.scale_min, *values])
    high = max([DEFAULT_QUESTIONNAIRE.scale_max, *values])
    return Questionnaire(
        key=key,
        items=tuple(Item(k, "other") for k in keys),
        scale_min=low,
        scale_max=high,
        title={"en": key},  # named by its key in every language; not the built-in one
    )


def resolve(
    key: str, version: str, answers: Sequence[Answers], known: Mapping[str, Questionnaire]
) -> tuple[Questionnaire, bool]:
    """The questionnaire a run was answered on, and whether it had to be rebuilt."""
    current = known.get(key)
    if current is not None and (current.version == version or fits(current, answers)):
        return current, False
    return rebuilt(key, answers), True


def turned(point: CheckinPoint, questionnaire: Questionnaire) -> CheckinPoint:
    """The point with its reverse items' answers mirrored, so higher is better on all."""
    reverse = {item.key: item for item in questionnaire.items if item.reverse}
    if not reverse.keys() & point.answers.keys():
        return point
    answers = {
        key: questionnaire.turned(reverse[key], value)
        if key in reverse and value is not None
        else value
        for key, value in point.answers.items()
    }
    return replace(point, answers=answers)


def runs(recorded: Sequence[Recorded], known: Mapping[str, Questionnaire]) -> list[InstrumentRun]:
    """Check-ins (oldest first) in runs of one questionnaire version each, oldest first."""
    found = []
    for (key, version), group in groupby(recorded, key=lambda r: (r.questionnaire, r.version)):
        points = [without_repair(r.point) for r in group]
        questionnaire, assumed = resolve(key, version, [p.answers for p in points], known)
        found.append(
            InstrumentRun(questionnaire, tuple(turned(p, questionnaire) for p in points), assumed)
        )
    return found


def pair_of(estimate: RecordedEstimate, questionnaire: Questionnaire) -> EstimatePair | None:
    """The estimate beside the client's overall answer, both turned like the overall item;
    without one, beside the mean of the answered items. None when the client gave no
    overall answer, or the estimate is off the questionnaire's scale."""
    if not questionnaire.accepts(estimate.value):
        return None
    item = overall_item(questionnaire)
    if item is None:
        values = [
            questionnaire.turned(i, v)
            for i in questionnaire.items
            if (v := estimate.answers.get(i.key)) is not None
        ]
        if not values:
            return None
        expected, client = float(estimate.value), statistics.fmean(values)
    else:
        answer = estimate.answers.get(item.key)
        if answer is None:
            return None
        expected = float(questionnaire.turned(item, estimate.value))
        client = float(questionnaire.turned(item, answer))
    return EstimatePair(
        estimate.session_start,
        expected,
        client,
        questionnaire,
        item.key if item is not None else None,
        estimate.answered_at,
    )


def estimate_pairs(
    estimates: Sequence[RecordedEstimate],
    found: Sequence[InstrumentRun],
    known: Mapping[str, Questionnaire],
) -> list[EstimatePair]:
    """The sessions with both numbers, oldest first. A session in a run is read on that
    run's questionnaire, one further back on its own; one on a questionnaire the config
    no longer has (``assumed``) is left out, since its scale is a guess."""
    in_runs = {p.session_start: run for run in found for p in run.points}
    pairs = []
    for estimate in estimates:
        run = in_runs.get(estimate.session_start)
        if run is not None:
            questionnaire, assumed = run.questionnaire, run.assumed
        else:
            answers = {k: v for k, v in estimate.answers.items() if k != REPAIR_KEY}
            key, version = estimate.questionnaire, estimate.version
            questionnaire, assumed = resolve(key, version, [answers], known)
        if not assumed and (pair := pair_of(estimate, questionnaire)) is not None:
            pairs.append(pair)
    return sorted(pairs, key=lambda p: p.session_start)


def client_history(
    code: str,
    status: str,
    recorded: Sequence[Recorded],
    known: Mapping[str, Questionnaire],
    undelivered: int = 0,
    followups: Sequence[FollowUp] = (),
    estimates: Sequence[RecordedEstimate] = (),
) -> ClientHistory:
    """A client's history from their delivered check-ins (oldest first), their repair
    follow-ups and the therapist's answered estimates."""
    found = runs(recorded, known)
    pairs = tuple(estimate_pairs(estimates, found, known))
    if not found:
        return ClientHistory(
            code, status, undelivered=undelivered, followups=tuple(followups), estimates=pairs
        )
    *earlier, latest = found
    return ClientHistory(
        code,
        status,
        latest.points,
        latest.questionnaire,
        undelivered=undelivered,
        earlier=tuple(earlier),
        assumed=latest.assumed,
        followups=tuple(followups),
        estimates=pairs,
    )
