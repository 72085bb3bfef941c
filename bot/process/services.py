"""The services every handler and job uses, built once in ``bootstrap``."""

from __future__ import annotations

import asyncio
import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.config.watch import ConfigWatch
from bot.process.crypto import make_cipher
from bot.process.metrics import PrometheusMetrics
from core.clinic import ClinicConfig
from core.clock import Clock, SystemClock
from core.model import Checkin
from core.questionnaire import DEFAULT_QUESTIONNAIRE, Questionnaire
from core.repair import with_repair
from core.risk import RiskMatcher
from messages.render import crisis_line
from messages.risk import risk_matcher
from scheduler.planner import Planner
from scheduler.report_plan import ReportPlans
from storage.audit import Audit
from storage.cancellations import Cancellations
from storage.checkins import Checkins
from storage.client_data import ClientData
from storage.database import Database
from storage.deliveries import Deliveries
from storage.estimates import Estimates
from storage.followups import Followups
from storage.history import Histories
from storage.participation import Participation
from storage.people import People
from storage.reminders import Reminders
from storage.risk_notes import RiskNotes
from storage.therapist_messages import TherapistMessages


@dataclass
class Services:
    """Config, storage, the clock and the metrics, passed to handlers and jobs."""

    config: ClinicConfig
    database: Database
    clock: Clock = field(default_factory=SystemClock)
    metrics: PrometheusMetrics = field(default_factory=PrometheusMetrics)
    config_watch: ConfigWatch | None = None  # the file reloaded when it changes; or never
    people: People = field(init=False)
    checkins: Checkins = field(init=False)
    reminders: Reminders = field(init=False)
    cancellations: Cancellations = field(init=False)
    deliveries: Deliveries = field(init=False)
    histories: Histories = field(init=False)
    audit: Audit = field(init=False)
    participation: Participation = field(init=False)
    client_data: ClientData = field(init=False)
    risk_notes: RiskNotes = field(init=False)
    therapist_messages: TherapistMessages = field(init=False)
    estimates: Estimates = field(init=False)
    followups: Followups = field(init=False)
    report_plans: ReportPlans = field(default_factory=ReportPlans)
    planner: Planner = field(default_factory=Planner)
    risk: RiskMatcher = field(init=False)
    #: Set when the process is stopping: the tick starts nothing more (``alliance run``).
    stopping: asyncio.Event = field(default_factory=asyncio.Event)

    def __post_init__(self) -> None:
        self.people = People(self.database)
        self.checkins = Checkins(self.database)
        self.reminders = Reminders(self.database)
        self.cancellations = Cancellations(self.database)
        self.deliveries = Deliveries(self.database)
        self.histories = Histories(self.database)
        self.audit = Audit(self.database)
        self.participation = Participation(self.database)
        self.client_data = ClientData(self.database)
        self.risk_notes = RiskNotes(self.database)
        self.therapist_messages = TherapistMessages(self.database)
        self.estimates = Estimates(self.database)
        self.followups = Followups(self.database)
        self.risk = risk_matcher(self.config.safety)

    def therapist_reading(self, therapist_code: str) -> tuple[str, ZoneInfo]:
        """The language and time zone a therapist reads in (the clinic's language)."""
        therapist = self.config.therapist(therapist_code)
        tz = self.config.therapist_tz(therapist) if therapist else self.config.clinic.tz
        return self.config.clinic.language, tz

    def use_config(self, config: ClinicConfig) -> None:
        """Switch to a reloaded config, and to the risk phrases it lists."""
        self.config = config
        self.risk = risk_matcher(config.safety)

    def questionnaire_of(self, checkin: Checkin) -> Questionnaire | None:
        """The questionnaire a check-in asks, as it was planned, then its repair question
        if it asks one (``checkin.repair``).

        ``None`` when the config no longer has that questionnaire, or has changed it since:
        such a check-in can no longer be answered, so no check-in mixes two versions.
        """
        questionnaire = self.config.instruments.by_key.get(checkin.questionnaire)
        if questionnaire is None or questionnaire.version != checkin.questionnaire_version:
            return None
        return with_repair(questionnaire, checkin.repair)

    def repair_check(self, client_code: str) -> bool:
        """Whether a client's check-ins ask if a repair landed (``repair_check``)."""
        client = self.config.client(client_code)
        return client is not None and self.config.repair_check(client)

    def attach_followup(self, checkin: Checkin) -> Checkin:
        """The check-in about to be sent, with the client's waiting follow-ups attached if
        their check-ins ask them (see ``Followups.attach``)."""
        if not self.repair_check(checkin.client_code):
            return checkin
        kind = self.followups.attach(checkin.id)
        return checkin if kind is None else replace(checkin, repair=kind)

    def follow_up_flags(self, flags: Mapping[str, Sequence[str]], now: datetime) -> int:
        """Raise follow-ups for the needs-attention rules of a report that went out, by
        client code, for the clients whose check-ins ask them."""
        wanted = {code: rules for code, rules in flags.items() if self.repair_check(code)}
        return self.followups.raise_for_flags(wanted, now) if wanted else 0

    def questionnaire_for(self, client_code: str) -> Questionnaire:
        """The questionnaire a client answers now (the built-in one for a removed client)."""
        client = self.config.client(client_code)
        return DEFAULT_QUESTIONNAIRE if client is None else self.config.instruments.of(client)

    def lock_screen(self, text: str) -> str:
        """``text`` (Telegram HTML) with the clinic's neutral preview line first, if set.

        Used on messages that arrive unasked (check-ins, messages to therapists): a lock
        screen shows their first line.
        """
        line = self.config.privacy.preview_line
        return text if not line else f"{html.escape(line, quote=False)}\n{text}"

    def crisis(self, language: str) -> str:
        """The clinic's crisis contacts for ``language``."""
        clinic = self.config.clinic
        return crisis_line(clinic.crisis_contacts, language, clinic.language)


def bootstrap(
    config: ClinicConfig,
    database_url: str,
    clock: Clock | None = None,
    *,
    encryption_key: str | None = None,
    config_path: Path | None = None,
) -> Services:
    """Open the database (upgrading its schema) and sync the people in the config.

    Notes are encrypted with ``encryption_key`` (``ALLIANCE_ENCRYPTION_KEY``); without one
    this refuses (``MissingSettingError``) unless the config allows plaintext notes. With
    ``config_path``, the file the config came from is watched for changes.
    """
    cipher = make_cipher(encryption_key, config.privacy.allow_plaintext_notes)
    services = Services(
        config=config,
        database=Database.connect(database_url, cipher=cipher),
        clock=clock or SystemClock(),
        config_watch=None if config_path is None else ConfigWatch.of(config_path),
    )
    services.people.sync(config)
    return services
