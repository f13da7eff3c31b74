"""Writing to the audit log. Every service that changes something calls `audit_record` inside its transaction."""

import hashlib
import json
from typing import Any

from django.db import transaction
from django.utils import timezone

from opennrm.audit.models import AuditChainHead, AuditEvent

GENESIS_HASH = "0" * 64


def event_hash(*, fields: dict[str, Any], prev_hash: str) -> str:
    """The SHA-256 of the event's fields in canonical JSON, chained to the previous event's hash."""
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(f"{prev_hash}\n{canonical}".encode()).hexdigest()


def hashed_fields(event: AuditEvent) -> dict[str, Any]:
    """The columns the hash covers, in the form they read back from the database."""
    return {
        "seq": event.seq,
        "occurred_at": event.occurred_at.isoformat(),
        "actor_id": event.actor_id,
        "actor_username": event.actor_username,
        "institution_id": event.institution_id,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "purpose": event.purpose,
        "old_values": event.old_values,
        "new_values": event.new_values,
        "ip_address": event.ip_address,
    }


def _json_safe(values: dict[str, Any] | None) -> dict[str, Any] | None:
    # Round-trip through JSON so the hash is computed over exactly what the JSON column will return.
    if values is None:
        return None
    return json.loads(json.dumps(values, default=str))


def audit_record(
    *,
    action: str,
    actor=None,
    object_type: str = "",
    object_id: Any = "",
    purpose: str = "",
    old_values: dict[str, Any] | None = None,
    new_values: dict[str, Any] | None = None,
    ip_address: str | None = None,
    institution=None,
) -> AuditEvent:
    """Append one event to the chain, in the caller's transaction (or a new one if there is none).

    The chain head row is locked for the rest of the transaction, so concurrent writers take turns and
    the sequence has no gaps; if the caller's transaction rolls back, the event disappears with the change.
    """
    with transaction.atomic():
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(id=1)
        if actor is not None and not getattr(actor, "is_authenticated", False):
            actor = None
        if institution is None and actor is not None:
            institution = actor.institution
        event = AuditEvent(
            seq=head.last_seq + 1,
            # Microseconds dropped: every database returns the same value that was hashed.
            occurred_at=timezone.now().replace(microsecond=0),
            actor=actor,
            actor_username=actor.get_username() if actor is not None else "",
            institution=institution,
            action=action,
            object_type=object_type,
            object_id=str(object_id) if object_id is not None else "",
            purpose=purpose,
            old_values=_json_safe(old_values),
            new_values=_json_safe(new_values),
            ip_address=ip_address or None,
            prev_hash=head.last_hash,
        )
        event.hash = event_hash(fields=hashed_fields(event), prev_hash=event.prev_hash)
        event.save()
        head.last_seq = event.seq
        head.last_hash = event.hash
        head.save(update_fields=["last_seq", "last_hash"])
    return event


def client_ip(request) -> str | None:
    """The address the request came from. Behind a proxy, configure it to set REMOTE_ADDR (admin guide)."""
    return request.META.get("REMOTE_ADDR") if request is not None else None


# Stored as data, not shown as interface text, so it is kept in one language.
AUDIT_READ_PURPOSE = "audit log review"


def audit_log_read(
    *,
    by,
    action: str | None = None,
    institution: str | None = None,
    before: int | None = None,
    ip_address: str | None = None,
) -> AuditEvent:
    """Record that `by` read a page of the audit log, with the filters that page was read with."""
    # Who looked at whose events is itself oversight data: a reader browsing other institutions shows here.
    with transaction.atomic():
        return audit_record(
            action="audit.read",
            actor=by,
            object_type="audit_log",
            new_values={"action": action or "", "institution": institution or "", "before": before},
            purpose=AUDIT_READ_PURPOSE,
            ip_address=ip_address,
        )
