"""The services every handler and job uses, built once in ``bootstrap``."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.metrics import PrometheusMetrics
from core.clinic import ClinicConfig
from core.clock import Clock, SystemClock
from core.questionnaire import DEFAULT_QUESTIONNAIRE, Questionnaire
from messages.render import crisis_line
from storage.cancellations import Cancellations
from storage.checkins import Checkins
from storage.database import Database
from storage.deliveries import Deliveries
from storage.history import Histories
from storage.people import People
from storage.reminders import Reminders


@dataclass
class Services:
    """Config, storage, the clock and the metrics, passed to handlers and jobs."""

    config: ClinicConfig
    database: Database
    clock: Clock = field(default_factory=SystemClock)
    questionnaire: Questionnaire = DEFAULT_QUESTIONNAIRE
    metrics: PrometheusMetrics = field(default_factory=PrometheusMetrics)
    config_path: Path | None = None  # reloaded when it changes; None: never reloaded
    config_stamp: str | None = None  # SHA-256 of the file the config was loaded from
    people: People = field(init=False)
    checkins: Checkins = field(init=False)
    reminders: Reminders = field(init=False)
    cancellations: Cancellations = field(init=False)
    deliveries: Deliveries = field(init=False)
    histories: Histories = field(init=False)

    def __post_init__(self) -> None:
        self.people = People(self.database)
        self.checkins = Checkins(self.database)
        self.reminders = Reminders(self.database)
        self.cancellations = Cancellations(self.database)
        self.deliveries = Deliveries(self.database)
        self.histories = Histories(self.database, self.questionnaire)

    def therapist_reading(self, therapist_code: str) -> tuple[str, ZoneInfo]:
        """The language and time zone a therapist reads in (the clinic's language)."""
        therapist = self.config.therapist(therapist_code)
        tz = self.config.therapist_tz(therapist) if therapist else self.config.clinic.tz
        return self.config.clinic.language, tz

    def crisis(self, language: str) -> str:
        """The clinic's crisis contacts for ``language``."""
        clinic = self.config.clinic
        return crisis_line(clinic.crisis_contacts, language, clinic.language)


def file_stamp(path: Path) -> str:
    """A fingerprint of a file's content, to notice edits (an mtime can stay the same)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def bootstrap(
    config: ClinicConfig,
    database_url: str,
    clock: Clock | None = None,
    config_path: Path | None = None,
) -> Services:
    """Open the database (upgrading its schema) and sync the people in the config.

    With ``config_path``, the file the config came from is watched for changes.
    """
    services = Services(
        config=config,
        database=Database.connect(database_url),
        clock=clock or SystemClock(),
        config_path=config_path,
    )
    if config_path is not None:
        services.config_stamp = file_stamp(config_path)
    services.people.sync(config)
    return services
