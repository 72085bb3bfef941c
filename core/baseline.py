"""A client's own usual answers: the baseline their latest answers are compared with.

Alliance ratings pile up at the top of the scale, so flags compare a client with their
own history (``CLINICAL.md``): the median of their last few answers, and a drop that
counts, the larger of a number of points and a number of their own standard deviations.
Everything here is on the scale of the client's instrument (``Limits`` are scaled to it).
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from core.history import CheckinPoint, ClientHistory, item_series
from core.report_config import Limits

#: Evidence about the mean of the answered items rather than one item.
MEAN = "mean"


@dataclass(frozen=True)
class Baseline:
    """A client's usual level on one item: median, range, and the drop that counts."""

    median: float
    low: float
    high: float
    threshold: float

    @property
    def limit(self) -> float:
        """A value at or below this is a drop from the usual level."""
        return self.median - self.threshold


def baseline(values: Sequence[float], settings: Limits) -> Baseline | None:
    """The usual level from earlier values, oldest first; None with too few of them."""
    window = list(values)[-settings.baseline_window :]
    if len(window) < settings.baseline_min_points:
        return None
    spread = _pstdev(tuple(window)) * settings.baseline_drop_sds
    threshold = max(float(settings.baseline_drop_points), spread)
    return Baseline(statistics.median(window), min(window), max(window), threshold)


@lru_cache(maxsize=4096)
def _pstdev(values: tuple[float, ...]) -> float:
    # statistics.pstdev is exact (it sums fractions) and so slow that a digest spent most of
    # its time here; clients' short windows of 0-10 answers repeat, so remember them.
    return statistics.pstdev(values)


def series(points: Sequence[CheckinPoint], key: str) -> list[float]:
    if key == MEAN:
        return [p.mean for p in points if p.mean is not None]
    return [float(v) for v in item_series(points, key)]


def value_of(point: CheckinPoint, key: str) -> float | None:
    return point.mean if key == MEAN else point.values.get(key)


def usual_range(history: ClientHistory, key: str, settings: Limits) -> Baseline | None:
    """The usual level of an item before the latest answered check-in."""
    return baseline(series(history.answered[:-1], key), settings)
