"""Jobs a clinic runs now and then: the retention purge and re-encryption under a new key."""

from __future__ import annotations

from datetime import datetime

from core.audit import Actor, AuditKind
from core.clinic import ClinicConfig
from core.retention import months_before
from storage.audit import Audit
from storage.client_data import ClientData, Purged
from storage.database import Database
from storage.notes_at_rest import reseal_notes


def purge(
    database: Database,
    config: ClinicConfig,
    now: datetime,
    *,
    dry_run: bool = False,
    via: str = "daily purge",
    actor: str = Actor.SYSTEM,
) -> Purged:
    """Remove answers and notes older than the clinic's ``retention_months``."""
    before = months_before(now, config.privacy.retention_months)
    return ClientData(database).purge(before, now, dry_run=dry_run, via=via, actor=actor)


def rotate_key(database: Database, now: datetime) -> int:
    """Re-encrypt every note with the first key of the database's cipher; audited."""
    count = reseal_notes(database)
    Audit(database).record(
        AuditKind.KEY_ROTATED,
        now,
        actor=Actor.CLINIC,
        via="alliance rotate-key",
        detail=f"{count} notes re-encrypted",
    )
    return count
