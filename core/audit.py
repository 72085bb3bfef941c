"""What the append-only audit log records: kinds of events and who caused them.

An entry says *that* something happened, to whom (a pseudonymous code) and through
which command; never what a person wrote or answered.
"""

from __future__ import annotations

from enum import StrEnum


class AuditKind(StrEnum):
    """Kinds of audited events. Other features add their own (digests, briefs)."""

    ENROLLED = "enrolled"
    CONSENT_GIVEN = "consent_given"
    CONSENT_DECLINED = "consent_declined"
    CONSENT_WITHDRAWN = "consent_withdrawn"
    PAUSED = "paused"
    RESUMED = "resumed"
    STOPPED = "stopped"
    EXPORTED = "exported"
    DELETED = "deleted"
    RISK_ALERT = "risk_alert"
    RISK_ALERT_SENT = "risk_alert_sent"  # one recipient's try: how far it got, its outcome
    THERAPIST_NOTIFIED = "therapist_notified"
    PURGED = "purged"
    KEY_ROTATED = "key_rotated"
    DIGEST_SENT = "digest_sent"
    BRIEF_SENT = "brief_sent"
    INVITED = "invited"  # a therapist's /invite issued an invite (older unused ones revoked)
    INVITES_REVOKED = "invites_revoked"  # ``alliance invite CODE --revoke``
    RELINKED = "relinked"  # a relink invite moved the person to a new chat
    RETIRED = "retired"  # ``alliance retire``: the code is ended for good


class Actor(StrEnum):
    """Who caused an audited event."""

    CLIENT = "client"
    THERAPIST = "therapist"
    CLINIC = "clinic"  # a person at the clinic, through the ``alliance`` command line
    SYSTEM = "system"  # the bot on its own (scheduler, automatic alerts)
