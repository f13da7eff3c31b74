from django.db import models
from django.utils.translation import gettext_lazy as _

from opennrm.core.models import BaseModel


class Screening(BaseModel):
    """A saved recognition screening: what was asked and what it indicated, and nothing about the person.

    Only the kind and place of the worker's institution are kept (not the worker), so that statistics can show
    which institutions recognise and how often; there is no field for a name or for free text, on purpose.
    Rows are written only by `screening.services.screening_save`.
    """

    class Outcome(models.TextChoices):
        INDICATIVE = "indicative", _("Indicative")
        PARTIAL = "partial", _("Partial")
        NONE = "none", _("None")

    pack_code = models.CharField(max_length=32)
    model_version = models.ForeignKey("jurisdiction.ModelVersion", on_delete=models.PROTECT, related_name="screenings")
    set_ids = models.JSONField(default=list)
    # {set id: {indicator id: "yes" | "no" | "unknown"}}
    answers = models.JSONField(default=dict)
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    institution_type = models.CharField(max_length=64, blank=True)
    municipality = models.CharField(max_length=64, blank=True)
    screened_on = models.DateField()
    # SHA-256 of the web screening's one-off name: the same screening is saved once. Empty from the API.
    save_key = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-screened_on", "-pk"]
        indexes = [
            models.Index(fields=["screened_on"]),
            models.Index(fields=["institution_type", "screened_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.pack_code} screening {self.pk} ({self.outcome}, {self.screened_on})"
