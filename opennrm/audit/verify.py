"""Checking the audit chain: every event unaltered, none missing, each linked to the one before it."""

from __future__ import annotations

from dataclasses import dataclass

from opennrm.audit.models import AuditChainHead, AuditEvent
from opennrm.audit.services import GENESIS_HASH, event_hash, hashed_fields

ALTERED = "altered"
MISSING = "missing"
CHAIN_BROKEN = "chain broken"
# Rows are read in batches, so memory stays flat however long the log is.
CHUNK_SIZE = 2000


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    count: int
    seq: int | None = None
    reason: str | None = None
    # The newest event's hash: kept outside the database, it lets a later check prove nothing was rewritten.
    last_hash: str | None = None

    @property
    def message(self) -> str:
        if self.ok:
            return f"OK: {self.count} events, chain intact; newest hash {self.last_hash}"
        return f"BROKEN at event #{self.seq}: {self.reason}"


def _head() -> tuple[int, str]:
    head = AuditChainHead.objects.filter(id=1).first()
    return (head.last_seq, head.last_hash) if head is not None else (0, GENESIS_HASH)


def audit_verify() -> VerifyResult:
    """Walk the events in order and report the first broken link, or that the chain is intact.

    The chain head is read first: events written while the check runs lie beyond it and are left for the
    next check, so a busy system does not look broken.
    """
    head_seq, head_hash = _head()
    expected_seq = 1
    prev_hash = GENESIS_HASH
    events = AuditEvent.objects.filter(seq__lte=head_seq).order_by("seq")
    for event in events.iterator(chunk_size=CHUNK_SIZE):
        if event.seq != expected_seq:
            return VerifyResult(ok=False, count=expected_seq - 1, seq=expected_seq, reason=MISSING)
        if event_hash(fields=hashed_fields(event), prev_hash=event.prev_hash) != event.hash:
            return VerifyResult(ok=False, count=expected_seq - 1, seq=event.seq, reason=ALTERED)
        if event.prev_hash != prev_hash:
            return VerifyResult(ok=False, count=expected_seq - 1, seq=event.seq, reason=CHAIN_BROKEN)
        prev_hash = event.hash
        expected_seq += 1
    last_seq = expected_seq - 1
    if last_seq < head_seq:
        # The newest events were removed: no gap shows, but the head remembers how far the chain went.
        return VerifyResult(ok=False, count=last_seq, seq=last_seq + 1, reason=MISSING)
    if prev_hash != head_hash:
        # The newest event was rewritten with a freshly computed hash; only the head still knows the old one.
        return VerifyResult(ok=False, count=last_seq, seq=last_seq, reason=ALTERED)
    newer = AuditEvent.objects.filter(seq__gt=head_seq).order_by("seq").values_list("seq", flat=True).first()
    if newer is not None and _head()[0] < newer:
        # An event beyond the head that the head, read again, still does not know was not chained by us.
        return VerifyResult(ok=False, count=last_seq, seq=newer, reason=CHAIN_BROKEN)
    return VerifyResult(ok=True, count=last_seq, last_hash=prev_hash)
