"""Jobs a clinic runs now and then: the retention purge and re-encryption under a new key."""

from __future__ import annotations

import logging
from datetime import datetime

from core.audit import Actor, AuditKind
from core.clinic import ClinicConfig
from core.retention import months_before
from storage.audit import Audit
from storage.client_data import ClientData, Purged
from storage.database import Database
from storage.notes_at_rest import reseal_notes

log = logging.getLogger(__name__)


def purge(
    database: Database,
    config: ClinicConfig,
    now: datetime,
    *,
    dry_run: bool = False,
    via: str = "daily purge",
    actor: str = Actor.SYSTEM,
) -> Purged:
    """Remove answers and notes older than the clinic's ``retention_months``.

    Client by client: a client whose rows could not be removed is logged (code and error
    type only) and listed in ``Purged.failed``; everyone else's are removed all the same.
    """
    before = months_before(now, config.privacy.retention_months)
    purged = ClientData(database).purge(before, now, dry_run=dry_run, via=via, actor=actor)
    for failure in purged.failed:
        log.error(
            "purge failed for a client",
            extra={"client": failure.client_code, "error": failure.error},
        )
    return purged


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
