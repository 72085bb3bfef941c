"""Planning that follows the change: the running bot remembers what each client's plan was
computed from, and re-plans only the clients whose plan can have changed since.

A client's plan is a function of their sessions (the config, calendar files, ``/cancel``),
their check-in timing and questionnaire, and the time: as time passes, a client's plan
changes only when their next session comes within the horizon. So a planning round
re-plans

- every client, the first time (after start-up);
- on a new config, the clients whose plan inputs differ from the last round's, and it
  cancels the check-ins of clients no longer in the config;
- the clients whose calendar sessions or cancellations changed;
- the clients whose next session has come within the horizon since.

An unchanged config on a quiet hour costs a query for the cancellations and a look at a
heap. Rounds never overlap (a lock), so a planning job, a reload and ``/cancel`` can each
call ``plan`` from their own thread.
"""

from __future__ import annotations

import heapq
import threading
from collections.abc import Iterable, Mapping
from datetime import datetime
from functools import partial

from core.clinic import Client, ClinicConfig
from core.schedule import SessionPattern
from scheduler.planning import (
    HORIZON,
    Extra,
    next_change,
    pattern_of,
    plan_clients,
    timing_of,
)
from storage.checkins import Checkins
from storage.planned import PlanCounts
from storage.reminders import Reminders


class Planner:
    """The planning memory of one running bot (its services own it)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._config: ClinicConfig | None = None
        self._extra = Extra()
        self._keys: dict[str, int] = {}  # client code -> hash of their plan inputs
        self._changes: list[tuple[datetime, str]] = []  # heap: (next change, client code)

    def plan(
        self,
        config: ClinicConfig,
        checkins: Checkins,
        now: datetime,
        extra: Extra,
        reminders: Reminders | None = None,
    ) -> PlanCounts:
        """Re-plan the clients whose plan can have changed since the last round."""
        with self._lock:
            new_config = config is not self._config
            codes = self._changed(config, extra, now, new_config)
            clients = [c for c in config.clients if c.code in codes]
            stopping = self._stopping.is_set
            remember = partial(self._remember, config, extra, now)
            counts = plan_clients(
                config, clients, checkins, now, extra, reminders, stopping, remember
            )
            if stopping():
                self._config = None  # a round cut short: everyone again next time
                return counts
            if new_config:
                counts.cancelled += checkins.cancel_others([c.code for c in config.clients], now)
            self._config, self._extra = config, extra
            return counts

    def stop(self) -> None:
        """Cut a running round short at its next transaction, and every later one: the
        process is shutting down."""
        self._stopping.set()

    def forget(self) -> None:
        """Re-plan every client in the next round (the database changed under the plan)."""
        with self._lock:
            self._config = None

    def _changed(
        self, config: ClinicConfig, extra: Extra, now: datetime, new_config: bool
    ) -> set[str]:
        if self._config is None:
            self._keys.clear()
            self._changes.clear()
            return {c.code for c in config.clients}
        if new_config:
            current = {c.code for c in config.clients}
            self._keys = {code: key for code, key in self._keys.items() if code in current}
            candidates: Iterable[Client] = config.clients
        else:
            touched = _differing(self._extra.occurrences, extra.occurrences)
            touched |= _differing(self._extra.cancelled, extra.cancelled)
            candidates = [c for code in touched if (c := config.client(code)) is not None]
        codes = {c.code for c in candidates if self._keys.get(c.code) != _key(config, c, extra)}
        horizon = now + HORIZON
        while self._changes and self._changes[0][0] < horizon:
            codes.add(heapq.heappop(self._changes)[1])
        return codes

    def _remember(
        self,
        config: ClinicConfig,
        extra: Extra,
        now: datetime,
        client: Client,
        pattern: SessionPattern,
    ) -> None:
        """A client was planned (their transaction committed): what it was computed from,
        and when time alone next changes it."""
        self._keys[client.code] = _key(config, client, extra, pattern)
        heapq.heappush(self._changes, (next_change(pattern, now), client.code))


def _key(
    config: ClinicConfig, client: Client, extra: Extra, pattern: SessionPattern | None = None
) -> int:
    """A hash of everything a client's plan is computed from, besides the time."""
    questionnaire = config.instruments.of(client)
    return hash(
        (
            repr(pattern or pattern_of(config, client, extra)),
            repr(timing_of(config, client)),
            questionnaire.key,
            questionnaire.version,
        )
    )


def _differing(old: Mapping[str, object], new: Mapping[str, object]) -> set[str]:
    """The codes whose entry differs between two per-client mappings."""
    return {code for code in old.keys() | new.keys() if old.get(code) != new.get(code)}
