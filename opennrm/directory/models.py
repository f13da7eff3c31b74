from django.db import models
from django.utils.translation import gettext_lazy as _

from opennrm.core.i18n import localized
from opennrm.core.models import BaseModel


class InstitutionType(BaseModel):
    """Reference data from the published pack (e.g. "orphan's court"); disabled, never deleted."""

    code = models.SlugField(max_length=64, unique=True)
    names = models.JSONField(default=dict)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return localized(self.names) or self.code


class Municipality(BaseModel):
    """An administrative area from the published pack (Latvia: 43 local governments)."""

    code = models.SlugField(max_length=64, unique=True)
    names = models.JSONField(default=dict)
    kind = models.CharField(max_length=32, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "municipalities"

    def __str__(self) -> str:
        return localized(self.names) or self.code


class Institution(BaseModel):
    """A concrete body, e.g. "Orphan's court of Cēsis municipality" or "State Police"."""

    class Scope(models.TextChoices):
        NATIONAL = "national", _("National")
        REGIONAL = "regional", _("Regional")
        MUNICIPAL = "municipal", _("Municipal")

    code = models.SlugField(max_length=100, unique=True)
    names = models.JSONField(default=dict)
    type = models.ForeignKey(InstitutionType, on_delete=models.PROTECT, related_name="institutions")
    scope = models.CharField(max_length=16, choices=Scope.choices)
    # Where the institution sits; for a municipal institution also the area it serves.
    municipality = models.ForeignKey(
        Municipality, null=True, blank=True, on_delete=models.PROTECT, related_name="institutions"
    )
    # A regional institution serves these areas; a national one serves all of them.
    service_area = models.ManyToManyField(Municipality, blank=True, related_name="served_by")
    address = models.CharField(max_length=300, blank=True)
    website = models.URLField(blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]
        indexes = [
            models.Index(fields=["type", "scope"]),
            # The directory lists one type at a time in code order (keyset pagination).
            models.Index(fields=["type", "code"]),
        ]

    def __str__(self) -> str:
        return localized(self.names) or self.code


class Unit(BaseModel):
    """A part of an institution that staff belong to (a department, a regional office, a shelter)."""

    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="units")
    code = models.SlugField(max_length=100)
    names = models.JSONField(default=dict)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["institution__code", "code"]
        constraints = [models.UniqueConstraint(fields=["institution", "code"], name="unit_unique_code")]

    def __str__(self) -> str:
        return f"{self.institution} — {localized(self.names) or self.code}"


class ContactPoint(BaseModel):
    """How to reach an institution (or one of its units) for a given purpose."""

    class Audience(models.TextChoices):
        PUBLIC = "public", _("Public")
        PROFESSIONALS = "professionals", _("Professionals only")

    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="contact_points")
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.CASCADE, related_name="contact_points")
    labels = models.JSONField(default=dict)
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    hours = models.JSONField(default=dict, blank=True)
    languages = models.JSONField(default=list, blank=True)
    audience = models.CharField(max_length=16, choices=Audience.choices, default=Audience.PUBLIC)
    is_round_the_clock = models.BooleanField(default=False)
    order = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["institution__code", "order", "pk"]

    def __str__(self) -> str:
        return f"{self.institution}: {localized(self.labels)}"
