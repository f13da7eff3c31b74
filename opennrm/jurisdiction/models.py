from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from opennrm.core.models import BaseModel


class ModelVersion(BaseModel):
    """One version of a jurisdiction's General Model: the whole validated pack as a JSON document.

    Lifecycle: draft (editable by the coordinator) → published (immutable, the model in force) →
    superseded (immutable, kept readable for ever). Only services in `jurisdiction.services` change rows.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        SUPERSEDED = "superseded", _("Superseded")

    pack_code = models.CharField(max_length=32)
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    content = models.JSONField()
    content_hash = models.CharField(max_length=64)
    source = models.CharField(max_length=200, blank=True)
    based_on = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    change_note = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pack_code", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["pack_code", "number"], name="modelversion_unique_number"),
            models.UniqueConstraint(
                fields=["pack_code"], condition=Q(status="published"), name="modelversion_one_published"
            ),
            models.UniqueConstraint(fields=["pack_code"], condition=Q(status="draft"), name="modelversion_one_draft"),
        ]

    def __str__(self) -> str:
        return f"{self.pack_code} v{self.number} ({self.status})"

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT
