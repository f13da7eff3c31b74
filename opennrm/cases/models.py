"""Cases of presumed victims, the person behind each, consent, referrals, deadlines and the work on a case.

Rows change only through `opennrm.cases.services`; they are read only through `opennrm.cases.selectors`
(`cases_visible_to(user)` decides who sees which case). What the workflow allows — states, transitions, who may
perform them, deadlines — comes from the pack version the case started under (`Case.model_version`), never from code.

Personal data is in encrypted fields only (`fields.py`); every other column is safe to show to any party of the case
and to use, de-identified, in statistics.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from opennrm.cases.fields import EncryptedBinaryField, EncryptedTextField
from opennrm.core.models import BaseModel


class Population(models.TextChoices):
    ADULT = "adult", _("Adult")
    CHILD = "child", _("Child")


class Nationality(models.TextChoices):
    NATIONAL = "national", _("National of the country")
    EU_CITIZEN = "eu_citizen", _("EU citizen")
    THIRD_COUNTRY_NATIONAL = "third_country_national", _("Third-country national")


class Sex(models.TextChoices):
    # HTCDS 2.0 prs_Gender picklist.
    FEMININE = "Feminine", _("Female")
    MASCULINE = "Masculine", _("Male")
    TRANSGENDER_FEMININE = "TransgenderFeminine", _("Transgender female")
    TRANSGENDER_MASCULINE = "TransgenderMasculine", _("Transgender male")
    NON_CONFORMING = "NonConforming", _("Gender non-conforming")
    UNKNOWN = "NonSpecifiedUnknown", _("Not specified or unknown")


class AgeBand(models.TextChoices):
    # Bands that statistics can publish without singling anyone out.
    UNDER_12 = "0-11", _("0–11")
    FROM_12 = "12-17", _("12–17")
    FROM_18 = "18-24", _("18–24")
    FROM_25 = "25-34", _("25–34")
    FROM_35 = "35-49", _("35–49")
    FROM_50 = "50+", _("50 or older")
    UNKNOWN = "unknown", _("Unknown")


class ExploitationForm(models.TextChoices):
    # HTCDS 2.0 vic_TypeOfExploitation picklist.
    FORCED_LABOUR = "ForcedLabour", _("Forced labour")
    SEXUAL_EXPLOITATION = "SexualExploitation", _("Sexual exploitation")
    CHILD_LABOUR = "ChildLabour", _("Child labour")
    FORCED_MARRIAGE = "ForcedMarriage", _("Forced or sham marriage")
    SERVITUDE = "Servitude", _("Servitude")
    FORCED_MILITARY = "ForcedMilitaryByNonStateActors", _("Forced military service by non-state actors")
    ORGAN_REMOVAL = "OrganRemoval", _("Organ removal")
    FORCED_BEGGING = "ForcedBegging", _("Forced begging")
    FORCED_ADOPTION = "ForcedAdoption", _("Forced adoption")
    SURROGACY = "Surrogacy", _("Surrogacy")
    FORCED_CRIMINALITY = "ForcedCriminality", _("Forced criminality")
    OTHER = "Other", _("Other")


class DataCategory(models.TextChoices):
    """What a consent or a referral lets a recipient see. Structured, non-identifying fields go with every case."""

    IDENTITY = "identity", _("Identity (names, birth date, personal code)")
    CONTACTS = "contacts", _("Contact details")
    CIRCUMSTANCES = "circumstances", _("Circumstances (notes and documents)")


class CaseReferenceCounter(models.Model):
    """The last number given out for a reference prefix and year; locked while a case is opened."""

    prefix = models.CharField(max_length=8)
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prefix", "year"], name="casereferencecounter_unique")]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.year}: {self.last_number}"


class Case(BaseModel):
    """One presumed victim's path through the referral mechanism, known by a pseudonymous reference."""

    reference = models.CharField(max_length=24, unique=True)
    # The pack version the case started under: its workflow applies for the whole life of the case.
    model_version = models.ForeignKey("jurisdiction.ModelVersion", on_delete=models.PROTECT, related_name="cases")
    state = models.CharField(max_length=64)
    # The kind of the current state (open / outcome / closed), copied from the pack so lists can filter on it.
    state_kind = models.CharField(max_length=16, default="open")
    population = models.CharField(max_length=16, choices=Population.choices)
    nationality = models.CharField(max_length=32, choices=Nationality.choices)
    municipality = models.ForeignKey(
        "directory.Municipality", null=True, blank=True, on_delete=models.PROTECT, related_name="cases"
    )
    recognising_institution = models.ForeignKey(
        "directory.Institution", on_delete=models.PROTECT, related_name="recognised_cases"
    )
    # HTCDS picklist values (ExploitationForm) and ISO 3166 alpha-2 country codes.
    forms = models.JSONField(default=list, blank=True)
    countries = models.JSONField(default=list, blank=True)
    # The screening that led to the case, if it started from one (it holds no personal data).
    screening = models.ForeignKey(
        "screening.Screening", null=True, blank=True, on_delete=models.SET_NULL, related_name="cases"
    )
    opened_at = models.DateTimeField()
    # Set when the case reaches an outcome or is closed; retention counts from here.
    ended_at = models.DateTimeField(null=True, blank=True)
    # Set by `opennrm retention run`: the person's data and the case's free texts are gone, the facts remain.
    erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at", "-pk"]
        indexes = [
            # Case lists are read newest first with keyset pagination.
            models.Index(fields=["-opened_at", "-id"], name="case_opened_keyset"),
            models.Index(fields=["state_kind", "-opened_at"], name="case_kind_opened"),
            models.Index(fields=["recognising_institution", "-opened_at"], name="case_recognising_opened"),
            models.Index(fields=["ended_at"], name="case_ended"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_child(self) -> bool:
        return self.population == Population.CHILD


class Person(BaseModel):
    """The person behind a case. Identifying fields are encrypted; the rest are structured, non-identifying facts.

    One person row per case, on purpose: institutions do not share a person record, they find each other's
    cases only through the blind index, which says whom to contact and nothing else.
    """

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="person")
    given_name = EncryptedTextField(blank=True)
    family_name = EncryptedTextField(blank=True)
    # ISO date (YYYY-MM-DD) as text, so that it can be encrypted like the rest.
    birth_date = EncryptedTextField(blank=True)
    personal_code = EncryptedTextField(blank=True)
    phone = EncryptedTextField(blank=True)
    email = EncryptedTextField(blank=True)
    address = EncryptedTextField(blank=True)
    # HMAC of normalised given name + family name + birth date (crypto.blind_index); empty without all three.
    blind_index = models.CharField(max_length=64, blank=True, db_index=True)
    sex = models.CharField(max_length=32, choices=Sex.choices, default=Sex.UNKNOWN)
    age_band = models.CharField(max_length=16, choices=AgeBand.choices, default=AgeBand.UNKNOWN)
    # ISO 3166 alpha-2 codes and ISO 639 codes.
    citizenship = models.JSONField(default=list, blank=True)
    languages = models.JSONField(default=list, blank=True)

    IDENTITY_FIELDS = ("given_name", "family_name", "birth_date", "personal_code")
    CONTACT_FIELDS = ("phone", "email", "address")

    def __str__(self) -> str:
        # Never the name: this string may end up in logs.
        return f"Person of {self.case_id}"


class CaseParty(BaseModel):
    """An institution taking part in a case, and which categories of personal data it may see."""

    class Reason(models.TextChoices):
        RECOGNISED = "recognised", _("Recognised the person")
        REFERRAL = "referral", _("Accepted a referral")
        INVOLVED = "involved", _("Involved by the workflow")
        CHILD = "child", _("Involved in every child's case")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="parties")
    institution = models.ForeignKey("directory.Institution", on_delete=models.PROTECT, related_name="case_parties")
    reason = models.CharField(max_length=16, choices=Reason.choices)
    # DataCategory values the institution may see; the recognising institution sees all.
    data_scope = models.JSONField(default=list, blank=True)
    joined_at = models.DateTimeField()
    left_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "institution"], name="caseparty_unique")]
        indexes = [models.Index(fields=["institution", "case"], name="caseparty_institution_case")]


class Assignment(BaseModel):
    """A worker of a party institution assigned to the case: they see it and are told of what happens."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assignments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="case_assignments")
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["case", "user"], condition=Q(ended_at__isnull=True), name="assignment_one_active"
            )
        ]
        indexes = [models.Index(fields=["user", "case"], name="assignment_user_case")]


class Consent(BaseModel):
    """One consent: who agreed that which data may be shared for what purpose with whom, and how it was given."""

    class Method(models.TextChoices):
        WRITTEN = "written", _("Written")
        ORAL = "oral", _("Oral")
        INTERPRETER = "interpreter", _("Oral, through an interpreter")

    class Giver(models.TextChoices):
        PERSON = "person", _("The person")
        LEGAL_REPRESENTATIVE = "legal_representative", _("Legal representative")
        ORPHANS_COURT = "orphans_court", _("Orphan's court")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="consents")
    # A consent purpose id of the case's workflow.
    purpose = models.CharField(max_length=64)
    data_categories = models.JSONField(default=list)
    # A named institution, or any institution of a type (one of the two).
    recipient_institution = models.ForeignKey(
        "directory.Institution", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recipient_type = models.CharField(max_length=64, blank=True)
    method = models.CharField(max_length=16, choices=Method.choices)
    given_by = models.CharField(max_length=32, choices=Giver.choices, default=Giver.PERSON)
    # The interpreter's language, or the representative's name and capacity, if any (personal data: encrypted).
    giver_details = EncryptedTextField(blank=True)
    given_on = models.DateField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_by_institution = models.ForeignKey("directory.Institution", on_delete=models.PROTECT, related_name="+")
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    withdrawal_note = EncryptedTextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["case", "purpose"], name="consent_case_purpose")]

    @property
    def is_valid(self) -> bool:
        return self.withdrawn_at is None


class Referral(BaseModel):
    """A request from one party institution to another to take part in the case."""

    class Status(models.TextChoices):
        SENT = "sent", _("Waiting for an answer")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Urgency(models.TextChoices):
        NORMAL = "normal", _("Normal")
        URGENT = "urgent", _("Urgent")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="referrals")
    from_institution = models.ForeignKey("directory.Institution", on_delete=models.PROTECT, related_name="+")
    to_institution = models.ForeignKey(
        "directory.Institution", on_delete=models.PROTECT, related_name="incoming_referrals"
    )
    # A consent purpose id of the case's workflow.
    purpose = models.CharField(max_length=64)
    urgency = models.CharField(max_length=16, choices=Urgency.choices, default=Urgency.NORMAL)
    # The message may describe the situation: encrypted, and shown to the recipient only.
    message = EncryptedTextField(blank=True)
    # DataCategory values the recipient will see: at most what the consent allows.
    data_scope = models.JSONField(default=list, blank=True)
    # The consent it rests on, or the legal-duty exception (pack id) with its justification.
    consent = models.ForeignKey(Consent, null=True, blank=True, on_delete=models.PROTECT, related_name="referrals")
    legal_duty_exception = models.CharField(max_length=64, blank=True)
    legal_duty_justification = EncryptedTextField(blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SENT)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    sent_at = models.DateTimeField()
    due_at = models.DateTimeField()
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    decline_reason = EncryptedTextField(blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    # Set for legal-duty referrals until someone with audit rights has looked at the justification.
    needs_review = models.BooleanField(default=False)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-sent_at", "-pk"]
        indexes = [
            # The inbox: waiting referrals of an institution, oldest due first.
            models.Index(fields=["to_institution", "status", "due_at"], name="referral_inbox"),
            models.Index(fields=["status", "due_at"], name="referral_status_due"),
            models.Index(fields=["case", "status"], name="referral_case_status"),
        ]

    def __str__(self) -> str:
        return f"Referral {self.pk} of {self.case_id}"


class Deadline(BaseModel):
    """A running period of the workflow (reflection period, service limit, an answer to a referral)."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        MET = "met", _("Ended in time")
        EXPIRED = "expired", _("Ran out")
        CANCELLED = "cancelled", _("Stopped")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="deadlines")
    # A deadline id of the case's workflow.
    kind = models.CharField(max_length=64)
    referral = models.OneToOneField(
        Referral, null=True, blank=True, on_delete=models.CASCADE, related_name="response_deadline"
    )
    # The institution that must act before it runs out (its supervisors hear of an escalation).
    responsible_institution = models.ForeignKey(
        "directory.Institution", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    starts_at = models.DateTimeField()
    due_at = models.DateTimeField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING)
    quota = models.PositiveSmallIntegerField(null=True, blank=True)
    used = models.PositiveSmallIntegerField(default=0)
    reminded_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at", "pk"]
        indexes = [
            models.Index(fields=["status", "due_at"], name="deadline_status_due"),
            models.Index(fields=["case", "status"], name="deadline_case_status"),
        ]


class TransitionRecord(BaseModel):
    """A transition performed on a case, with what its preconditions asked for (reason, checklist, document)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="transitions")
    transition = models.CharField(max_length=64)
    from_state = models.CharField(max_length=64)
    to_state = models.CharField(max_length=64)
    # None when `opennrm tick` performed it (a deadline ran out).
    performed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    institution = models.ForeignKey(
        "directory.Institution", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    performed_at = models.DateTimeField()
    reason = EncryptedTextField(blank=True)
    # Checklist item ids found to be met.
    checklist = models.JSONField(default=list, blank=True)
    document = models.ForeignKey("cases.Document", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["performed_at", "pk"]


class CaseEvent(models.Model):
    """One line of a case's timeline. Holds codes and ids only, never personal data, so it can be shown to every
    party; the audit log keeps the tamper-evident record of the same write."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    occurred_at = models.DateTimeField()
    # e.g. case.opened, consent.recorded, referral.sent, transition.performed, note.added, deadline.expired
    kind = models.CharField(max_length=64)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    institution = models.ForeignKey(
        "directory.Institution", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["occurred_at", "pk"]
        indexes = [models.Index(fields=["case", "occurred_at"], name="caseevent_case_time")]

    def __str__(self) -> str:
        return f"{self.kind} on {self.case_id} at {self.occurred_at:%Y-%m-%d %H:%M}"


class Note(BaseModel):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    institution = models.ForeignKey("directory.Institution", on_delete=models.PROTECT, related_name="+")
    body = EncryptedTextField()

    class Meta:
        ordering = ["-created_at", "-pk"]


class Task(BaseModel):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tasks")
    title = EncryptedTextField()
    institution = models.ForeignKey("directory.Institution", on_delete=models.PROTECT, related_name="+")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="case_tasks"
    )
    due_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["done_at", "due_on", "pk"]
        indexes = [models.Index(fields=["assignee", "done_at", "due_on"], name="task_assignee_open")]


class Document(BaseModel):
    """A file attached to a case (a decision, a consent form), encrypted with its name."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="documents")
    institution = models.ForeignKey("directory.Institution", on_delete=models.PROTECT, related_name="+")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    filename = EncryptedTextField()
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    content = EncryptedBinaryField()

    class Meta:
        ordering = ["-created_at", "-pk"]


class BreakGlassAccess(BaseModel):
    """Emergency access to a case the user's institution is not a party to; time-limited, flagged for review."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="break_glass_accesses")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    institution = models.ForeignKey("directory.Institution", on_delete=models.PROTECT, related_name="+")
    reason = EncryptedTextField()
    expires_at = models.DateTimeField()
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "case", "expires_at"], name="breakglass_user_case")]


class Notification(BaseModel):
    """An e-mail to send. It names the case reference and a link, never the person; `opennrm tick` sends it.

    `key` makes writing it idempotent: the same reminder for the same deadline and person is queued once.
    """

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    key = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=64)
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications")
    details = models.JSONField(default=dict, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["sent_at", "created_at"], name="notification_unsent")]
