"""The services every handler and job uses, built once in ``bootstrap``."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from core.clinic import ClinicConfig
from core.clock import Clock, SystemClock
from core.questionnaire import DEFAULT_QUESTIONNAIRE, Questionnaire
from messages.render import crisis_line
from storage.cancellations import Cancellations
from storage.checkins import Checkins
from storage.database import Database
from storage.people import People
from storage.reminders import Reminders


@dataclass
class Services:
    """Config, storage and the clock, passed to handlers and jobs."""

    config: ClinicConfig
    database: Database
    clock: Clock = field(default_factory=SystemClock)
    questionnaire: Questionnaire = DEFAULT_QUESTIONNAIRE
    config_path: Path | None = None  # reloaded when it changes; None: never reloaded
    config_stamp: tuple[int, int] | None = None  # (mtime in ns, size) of the loaded file
    people: People = field(init=False)
    checkins: Checkins = field(init=False)
    reminders: Reminders = field(init=False)
    cancellations: Cancellations = field(init=False)

    def __post_init__(self) -> None:
        self.people = People(self.database)
        self.checkins = Checkins(self.database)
        self.reminders = Reminders(self.database)
        self.cancellations = Cancellations(self.database)

    def crisis(self, language: str) -> str:
        """The clinic's crisis contacts for ``language``."""
        clinic = self.config.clinic
        return crisis_line(clinic.crisis_contacts, language, clinic.language)


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
        stat = config_path.stat()
        services.config_stamp = (stat.st_mtime_ns, stat.st_size)
    services.people.sync(config)
    return services
