"""The services every handler and job uses, built once in ``bootstrap``."""

from __future__ import annotations

from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from core.clinic import ClinicConfig
from core.clock import Clock, SystemClock
from core.questionnaire import DEFAULT_QUESTIONNAIRE, Questionnaire
from messages.render import crisis_line
from storage.checkins import Checkins
from storage.database import Database
from storage.deliveries import Deliveries
from storage.history import Histories
from storage.people import People


@dataclass
class Services:
    """Config, storage and the clock, passed to handlers and jobs."""

    config: ClinicConfig
    database: Database
    clock: Clock = field(default_factory=SystemClock)
    questionnaire: Questionnaire = DEFAULT_QUESTIONNAIRE
    people: People = field(init=False)
    checkins: Checkins = field(init=False)
    deliveries: Deliveries = field(init=False)
    histories: Histories = field(init=False)

    def __post_init__(self) -> None:
        self.people = People(self.database)
        self.checkins = Checkins(self.database)
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


def bootstrap(config: ClinicConfig, database_url: str, clock: Clock | None = None) -> Services:
    """Open the database (upgrading its schema) and sync the people in the config."""
    services = Services(
        config=config, database=Database.connect(database_url), clock=clock or SystemClock()
    )
    services.people.sync(config)
    return services
