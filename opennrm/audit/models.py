from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    """One thing that happened, append-only and chained to the event before it by a SHA-256 hash.

    `seq` runs 1, 2, 3… without gaps, so a removed row shows as a gap; `hash` covers every column and the
    previous row's hash, so an altered row breaks the chain from that row on (see `audit.services`).
    On PostgreSQL a trigger refuses UPDATE and DELETE on this table outright.
    """

    seq = models.PositiveBigIntegerField(unique=True)
    occurred_at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Kept as text too, so the event still says who acted if the account is later renamed.
    actor_username = models.CharField(max_length=150, blank=True)
    institution = models.ForeignKey(
        "directory.Institution", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    purpose = models.CharField(max_length=200, blank=True)
    old_values = models.JSONField(null=True, blank=True)
    new_values = models.JSONField(null=True, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["seq"]
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            # The audit page pages backwards by seq within an action or an institution: without these, the
            # database sorts every matching event first (benchmarks/README.md).
            models.Index(fields=["action", "seq"]),
            models.Index(fields=["institution", "seq"]),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"


class AuditChainHead(models.Model):
    """The single row that remembers the newest event; locking it serialises writers of the chain.

    It also lets `audit verify` notice that the newest events were removed, which a gap check alone cannot.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_seq = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self) -> str:
        return f"audit chain head at #{self.last_seq}"
