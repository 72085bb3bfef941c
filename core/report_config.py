"""Config for what the therapist receives: flag thresholds, digest time, quiet hours.

Every default here has its reason in docs/architecture.md ("Flags and digests") and the
clinical guide's "What counts as a signal". These models live apart from ``clinic.py`` so
that the clinic models stay as they are; ``ClinicConfig`` only gains fields of these types.
Quiet hours are the same ``QuietHours`` as a client's (see ``clinic_values.py``).

Thresholds are written on the 0-10 reference scale; ``FlagSettings.on_scale`` turns them
into ``Limits`` on an instrument's own scale (a questionnaire's own ``flags:`` are read as
written, ``FlagSettings.as_written``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from pydantic import BaseModel, ConfigDict, Field, model_validator

from core.clinic_values import ClockTime, QuietSetting, Weekday
from core.clinic_values import QuietHours as QuietHours
from core.clinic_values import weekday_index as weekday_index
from core.questionnaire import Questionnaire

#: Digits a scaled threshold keeps: 3.4 stays 3.4, not 3.4000000000000004.
_DIGITS = 9


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


@dataclass(frozen=True)
class Limits:
    """What the flag rules read, on one instrument's scale.

    Levels (``low_item``, ``low_mean``) are values on the scale and distances
    (``baseline_drop_points``, ``last_drop_points``, ``blind_spot_points``) are its
    points; the rest are counts.
    ``absolute`` is False when the instrument's scale is only assumed (its questionnaire
    left the config): then the rules that compare with a level stay silent.
    """

    low_item: float
    low_mean: float
    baseline_drop_points: float
    last_drop_points: float
    baseline_window: int
    baseline_min_points: int
    baseline_drop_sds: float
    decline_run: int
    dip_repair_checkins: int
    missed_in_row: int
    ceiling_checkins: int
    blind_spot_points: float
    absolute: bool = True


class FlagSettings(_Model):
    """Thresholds of the flag rules, written on the 0-10 reference scale.

    The clinic's ``flags:`` are scaled to each instrument (``on_scale``); a questionnaire's
    own ``flags:`` are written on its scale and read as they are (``as_written``).
    """

    # An item at or below this is low (SRS-style cut-offs flag far more; see the docs).
    low_item: int = Field(default=6, ge=0, le=10, strict=True)
    # The mean of the answered items below this is low (7.5 = a total of 30 of 40).
    low_mean: float = Field(default=7.5, ge=0, le=10)
    # The client's usual level: median of up to this many check-ins before the latest ...
    baseline_window: int = Field(default=5, ge=3, le=10, strict=True)
    # ... and at least this many answers to the item, else no baseline yet.
    baseline_min_points: int = Field(default=3, ge=2, le=10, strict=True)
    # A drop from the usual level counts from this many points ...
    baseline_drop_points: int = Field(default=2, ge=1, le=10, strict=True)
    # ... or this many standard deviations of the client's own answers, whichever is more
    # (0 turns the spread-aware part off; Stiles 2004 used 2).
    baseline_drop_sds: float = Field(default=2.0, ge=0, le=5)
    # Lower than the check-in before by this many points: a note, never an alert.
    last_drop_points: int = Field(default=1, ge=1, le=10, strict=True)
    # This many declines of the mean in a row.
    decline_run: int = Field(default=2, ge=2, le=10, strict=True)
    # A drop from the usual level still not recovered this many check-ins later.
    dip_repair_checkins: int = Field(default=2, ge=1, le=10, strict=True)
    # This many missed check-ins in a row.
    missed_in_row: int = Field(default=2, ge=1, le=10, strict=True)
    # All answers at the top of the scale this many times in a row: a gentle note.
    ceiling_checkins: int = Field(default=3, ge=2, le=10, strict=True)
    # The client's overall answer this many points below the therapist's estimate of it.
    blind_spot_points: int = Field(default=2, ge=1, le=10, strict=True)
    # How many recent check-ins digests, briefs and charts look at.
    history_checkins: int = Field(default=10, ge=4, le=30, strict=True)

    @model_validator(mode="after")
    def _windows_fit(self) -> FlagSettings:
        if self.baseline_min_points > self.baseline_window:
            raise ValueError(
                f"baseline_min_points ({self.baseline_min_points}) cannot be more than "
                f"baseline_window ({self.baseline_window})"
            )
        if self.history_checkins <= self.baseline_window:
            raise ValueError(
                f"history_checkins ({self.history_checkins}) must be more than "
                f"baseline_window ({self.baseline_window})"
            )
        return self

    def as_written(self) -> Limits:
        """The thresholds as they are written, for answers on the scale they were written on."""
        return Limits(
            low_item=self.low_item,
            low_mean=self.low_mean,
            baseline_drop_points=self.baseline_drop_points,
            last_drop_points=self.last_drop_points,
            baseline_window=self.baseline_window,
            baseline_min_points=self.baseline_min_points,
            baseline_drop_sds=self.baseline_drop_sds,
            decline_run=self.decline_run,
            dip_repair_checkins=self.dip_repair_checkins,
            missed_in_row=self.missed_in_row,
            ceiling_checkins=self.ceiling_checkins,
            blind_spot_points=self.blind_spot_points,
        )

    def on_scale(self, questionnaire: Questionnaire) -> Limits:
        """The thresholds, written on 0-10, on ``questionnaire``'s scale from min to max.

        A level L becomes ``min + L * (max - min) / 10`` and a distance D becomes
        ``D * (max - min) / 10``: on 1-5, ``low_item`` 6 is 3.4 (answers 1 to 3 are low),
        ``low_mean`` 7.5 is 4.0 and a drop (or a blind spot) of 2 points is 0.8. On 0-10
        nothing changes.
        """
        return replace(
            self.as_written(),
            low_item=round(questionnaire.at_reference(self.low_item), _DIGITS),
            low_mean=round(questionnaire.at_reference(self.low_mean), _DIGITS),
            baseline_drop_points=round(
                questionnaire.from_reference(self.baseline_drop_points), _DIGITS
            ),
            last_drop_points=round(questionnaire.from_reference(self.last_drop_points), _DIGITS),
            blind_spot_points=round(questionnaire.from_reference(self.blind_spot_points), _DIGITS),
        )


class DigestSettings(_Model):
    """When therapists get their weekly digest and their pre-session briefs."""

    day: Weekday = "monday"
    time: ClockTime = dt.time(8, 0)
    briefs: bool = True
    brief_minutes_before: int = Field(default=60, ge=5, le=1440, strict=True)
    quiet_hours: QuietSetting = Field(default_factory=QuietHours)  # false for none


class TherapistDigest(_Model):
    """A therapist's own digest day and time and quiet hours; unset ones follow ``digests``."""

    day: Weekday | None = None
    time: ClockTime | None = None
    quiet_hours: QuietSetting | None = None
