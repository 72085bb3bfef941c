"""The services every handler and job uses, built once in ``bootstrap``."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.metrics import PrometheusMetrics
from core.clinic import ClinicConfig
from core.clock import Clock, SystemClock
from core.questionnaire import DEFAULT_QUESTIONNAIRE, Questionnaire
from messages.render import crisis_line
from storage.checkins import Checkins
from storage.database import Database
from storage.people import People


@dataclass
class Services:
    """Config, storage, the clock and the metrics, passed to handlers and jobs."""

    config: ClinicConfig
    database: Database
    clock: Clock = field(default_factory=SystemClock)
    questionnaire: Questionnaire = DEFAULT_QUESTIONNAIRE
    metrics: PrometheusMetrics = field(default_factory=PrometheusMetrics)
    people: People = field(init=False)
    checkins: Checkins = field(init=False)

    def __post_init__(self) -> None:
        self.people = People(self.database)
        self.checkins = Checkins(self.database)

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
