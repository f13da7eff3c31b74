"""De-identified statistical facts, and the releases published from them.

A fact row holds codes, counts of days and the year and month only: no name, no personal code, no free text and no
date finer than the month. Facts are written only by `opennrm.stats.services.facts` (in the same transaction as the
case change they follow) and by the HTCDS import, each write with a new `FactsRevision` of the years it touched;
they outlive the personal data (retention erases the person, the fact stays), which is why they point at their
source with SET_NULL.
"""

import uuid

from django.conf import settings
from django.db import models


class CaseFact(models.Model):
    """One statistical row per case (source "case") or per imported HTCDS record (source "htcds")."""

    class Source(models.TextChoices):
        CASE = "case", "case"
        HTCDS = "htcds", "htcds"

    case = models.OneToOneField("cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="fact")
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.CASE)
    # "case:<case pk>" or "htcds:<cas_ID>": what makes a rebuild or a repeated import land on the same row.
    source_key = models.CharField(max_length=64, unique=True)
    pack_code = models.CharField(max_length=32)
    # Year and month of recognition (the case opened).
    year = models.PositiveSmallIntegerField(db_index=True)
    month = models.PositiveSmallIntegerField()
    # HTCDS prs_Gender value (cases.Sex).
    sex = models.CharField(max_length=32)
    # A pack statistics age band id, or "unknown".
    age_band = models.CharField(max_length=16)
    # Under 18 at recognition; None when unknown.
    is_child = models.BooleanField(null=True)
    # Whole years, only for an imported HTCDS record that gives it (vic_AgeWhenTrafficked), so that exporting it
    # again gives the same record; a case's own fact keeps the band alone.
    age_years = models.PositiveSmallIntegerField(null=True, blank=True)
    # ISO 3166-1 alpha-2, ZZ unknown.
    citizenship = models.CharField(max_length=2, default="ZZ")
    citizenship_group = models.CharField(max_length=16)
    # cases.ExploitationForm values, sorted.
    forms = models.JSONField(default=list)
    # ISO 3166-1 alpha-2, sorted.
    exploitation_countries = models.JSONField(default=list)
    # Institution type code of the recognising institution, "" unknown.
    recognising_type = models.CharField(max_length=64)
    # A pack statistics region id, or "unknown".
    region = models.CharField(max_length=64)
    # [[from_type, to_type], ...] of the referrals sent, in the order they were sent.
    pathway = models.JSONField(default=list)
    # "commission" | "criminal_proceedings" | "" (not identified yet).
    identification_route = models.CharField(max_length=32)
    # identified | not_identified | in_progress | refused | withdrawn
    outcome = models.CharField(max_length=32)
    days_to_referral = models.PositiveIntegerField(null=True)
    days_to_identification = models.PositiveIntegerField(null=True)
    days_to_service = models.PositiveIntegerField(null=True)
    # Service codes received (pack ids), sorted.
    services = models.JSONField(default=list)
    # An imported HTCDS record came with con_Consent "true": only such records are ever exported again. A case's own
    # fact leaves it False; whether a case goes out is decided by its consent at the time of the export.
    exchange_consent = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            # Reports group a span of years by one or two dimensions.
            models.Index(fields=["year", "sex"], name="casefact_year_sex"),
            models.Index(fields=["year", "outcome"], name="casefact_year_outcome"),
            models.Index(fields=["source", "year"], name="casefact_source_year"),
        ]

    def __str__(self) -> str:
        return f"{self.source_key} ({self.year}-{self.month:02d})"


class ReferralFact(models.Model):
    """One row per referral, for response times and overdue rates per institution type."""

    referral = models.OneToOneField("cases.Referral", null=True, on_delete=models.SET_NULL, related_name="fact")
    case_fact = models.ForeignKey(CaseFact, null=True, on_delete=models.CASCADE, related_name="referral_facts")
    # Year and month the referral was sent.
    year = models.PositiveSmallIntegerField(db_index=True)
    month = models.PositiveSmallIntegerField()
    from_type = models.CharField(max_length=64)
    to_type = models.CharField(max_length=64)
    urgent = models.BooleanField(default=False)
    # sent | accepted | declined | withdrawn | expired
    status = models.CharField(max_length=16)
    # Whole hours from sending to the answer; None while unanswered.
    hours_to_answer = models.PositiveIntegerField(null=True)
    # Answered after it was due, or unanswered past it.
    overdue = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["year", "to_type"], name="referralfact_year_to")]

    def __str__(self) -> str:
        return f"Referral fact {self.pk} ({self.from_type} → {self.to_type}, {self.status})"


class ScreeningFact(models.Model):
    """One row per saved anonymous screening."""

    screening = models.OneToOneField("screening.Screening", null=True, on_delete=models.SET_NULL, related_name="fact")
    year = models.PositiveSmallIntegerField(db_index=True)
    month = models.PositiveSmallIntegerField()
    institution_type = models.CharField(max_length=64)
    region = models.CharField(max_length=64)
    # screening.Screening.Outcome value.
    outcome = models.CharField(max_length=16)

    class Meta:
        indexes = [models.Index(fields=["year", "institution_type"], name="screeningfact_year_type")]

    def __str__(self) -> str:
        return f"Screening fact {self.pk} ({self.year}-{self.month:02d}, {self.outcome})"


class FactsRevision(models.Model):
    """Which state of one data year's facts the tables see: a new revision with every write to them.

    Written by `opennrm.stats.services.facts.facts_changed` in the same transaction as the fact rows, so a cached
    release keyed on the revisions of the years it reads is found again with one read by key, not by aggregating
    the facts. A random value rather than a counter: a restored database or a rolled-back transaction can never
    hand an old number to different facts. A year without a row has had no fact written since this table came.
    """

    year = models.PositiveSmallIntegerField(primary_key=True)
    revision = models.UUIDField(default=uuid.uuid4)

    def __str__(self) -> str:
        return f"Facts of {self.year}: revision {self.revision}"


class PublishedRelease(models.Model):
    """A frozen, disclosure-controlled release for the public site and the API."""

    # The reference year; tables cover year_from..year.
    year = models.PositiveSmallIntegerField()
    year_from = models.PositiveSmallIntegerField()
    # Release.to_json(): codes, counts or None, flags — no labels, so every language reads the same release.
    language_neutral_tables = models.JSONField()
    # Threshold, suppression method, differential privacy (epsilon, mechanism, scale) or null.
    method = models.JSONField()
    published_at = models.DateTimeField()
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-published_at", "-pk"]
        indexes = [models.Index(fields=["withdrawn_at", "-published_at"], name="release_current")]
        constraints = [
            # Two current releases of a year would be two noisy looks at the same counts.
            models.UniqueConstraint(
                fields=["year"], condition=models.Q(withdrawn_at__isnull=True), name="release_one_current_per_year"
            )
        ]

    def __str__(self) -> str:
        return f"Release {self.year_from}–{self.year} published {self.published_at:%Y-%m-%d}"


class NoiseDraw(models.Model):
    """The noise once drawn for a published quantity, reused by every later release that publishes it again.

    `quantity_key` names the pack, the table, the row and column codes and the data year the quantity counts (not
    the span of the release), so overlapping releases and republications show the same noisy value instead of
    fresh draws a reader could average. For a private quartile `noise` holds the released value itself.
    """

    quantity_key = models.CharField(max_length=300, unique=True)
    noise = models.IntegerField()
    scale = models.FloatField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.quantity_key}: {self.noise:+d}"


class PrivacySpend(models.Model):
    """The privacy budget a release spent on the quantities of one data year (0 when it only reused noise)."""

    release = models.ForeignKey(PublishedRelease, on_delete=models.PROTECT, related_name="privacy_spends")
    data_year = models.PositiveSmallIntegerField(db_index=True)
    epsilon = models.FloatField()
    new_draws = models.PositiveIntegerField()
    reused_draws = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["release", "data_year"], name="privacyspend_release_year")]

    def __str__(self) -> str:
        return f"{self.data_year}: ε {self.epsilon:g} (release {self.release_id})"
