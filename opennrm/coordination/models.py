"""The national action plan, its monitoring and the inter-institutional working group.

Rows change only through `opennrm.coordination.services` and are read through `opennrm.coordination.selectors`.
Nothing here is about a case or a person who was trafficked: the texts are policy texts and the people named are
officials acting for their institutions.

Text that the plan states in several languages (titles, measure texts, indicators, the group's name) is a JSON
object {"lv": ..., "en": ..., "ru": ...}, read with `opennrm.core.i18n.localized`, as the directory keeps names.
Text written once by a person (narratives, agendas, minutes, decisions, comments) is kept as written.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from opennrm.core.i18n import localized
from opennrm.core.models import BaseModel

INDICATOR_DIGITS = 14
INDICATOR_DECIMALS = 2


def _indicator_number(**options) -> models.DecimalField:
    return models.DecimalField(
        max_digits=INDICATOR_DIGITS, decimal_places=INDICATOR_DECIMALS, null=True, blank=True, **options
    )


# --- The action plan ---------------------------------------------------------------------------------------------


class ActionPlan(BaseModel):
    """A plan approved by the government for a period (e.g. 2025–2027), with its goals and measures."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_FORCE = "in_force", _("In force")
        ARCHIVED = "archived", _("Archived")

    code = models.SlugField(max_length=64, unique=True)
    title = models.JSONField(default=dict)
    period_start = models.DateField()
    period_end = models.DateField()
    # The act that approved the plan, as it is cited (e.g. "Cabinet Order No. 123 of 1 March 2025").
    approving_act = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    # The number of the latest PlanVersion; every change through the services writes a new one.
    current_version = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-period_start", "code"]
        constraints = [
            models.CheckConstraint(condition=Q(period_end__gte=F("period_start")), name="actionplan_period_order")
        ]

    def __str__(self) -> str:
        return localized(self.title) or self.code


class PlanVersion(models.Model):
    """What the plan said after one change: a full snapshot, who changed it and why."""

    class Source(models.TextChoices):
        IMPORT = "import", _("Imported from a file")
        EDIT = "edit", _("Changed in OpenNRM")

    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.EDIT)
    change_note = models.TextField()
    snapshot = models.JSONField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["plan", "-number"]
        constraints = [models.UniqueConstraint(fields=["plan", "number"], name="planversion_unique_number")]

    def __str__(self) -> str:
        return f"{self.plan.code} v{self.number}"


class Goal(BaseModel):
    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="goals")
    code = models.CharField(max_length=32)
    title = models.JSONField(default=dict)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["plan", "order", "code"]
        constraints = [models.UniqueConstraint(fields=["plan", "code"], name="goal_unique_code")]

    def __str__(self) -> str:
        return f"{self.code} {localized(self.title)}"


class Measure(BaseModel):
    """One task of the plan: who does it by when, and how success is measured."""

    # Kept beside `goal` so that a code is unique across the whole plan and a plan's measures need no join.
    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="measures")
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="measures")
    code = models.CharField(max_length=32)
    text = models.JSONField(default=dict)
    responsible = models.ForeignKey(
        "directory.Institution", on_delete=models.PROTECT, related_name="responsible_measures"
    )
    co_responsible = models.ManyToManyField("directory.Institution", blank=True, related_name="co_responsible_measures")
    # None: carried out continuously throughout the plan's period.
    deadline = models.DateField(null=True, blank=True)
    indicator = models.JSONField(default=dict, blank=True)
    baseline = _indicator_number()
    target = _indicator_number()
    unit = models.CharField(max_length=50, blank=True)
    funding_source = models.CharField(max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    # Cancelled measures stay in the plan (and in its history); nobody reports on them any more.
    cancelled = models.BooleanField(default=False)

    class Meta:
        ordering = ["plan", "goal__order", "order", "code"]
        constraints = [models.UniqueConstraint(fields=["plan", "code"], name="measure_unique_code")]
        indexes = [
            models.Index(fields=["responsible", "plan"], name="measure_responsible"),
            models.Index(fields=["plan", "deadline"], name="measure_deadline"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {localized(self.text)}"


# --- Progress reporting ------------------------------------------------------------------------------------------


class ReportingPeriod(BaseModel):
    """A stretch of the plan's period that each responsible institution reports on, by `due_on`."""

    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="periods")
    name = models.CharField(max_length=100)
    starts_on = models.DateField()
    ends_on = models.DateField()
    due_on = models.DateField()

    class Meta:
        ordering = ["plan", "starts_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "name"], name="reportingperiod_unique_name"),
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="reportingperiod_order"),
        ]
        indexes = [models.Index(fields=["due_on"], name="reportingperiod_due")]

    def __str__(self) -> str:
        return self.name


class MeasureStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    ON_TRACK = "on_track", _("On track")
    DELAYED = "delayed", _("Delayed")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class ReviewState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    CLARIFICATION_REQUESTED = "clarification_requested", _("Clarification requested")
    ACCEPTED = "accepted", _("Accepted")


class ProgressReport(BaseModel):
    """One institution's account of one measure in one period. Its revisions keep every earlier state."""

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="reports")
    period = models.ForeignKey(ReportingPeriod, on_delete=models.CASCADE, related_name="reports")
    institution = models.ForeignKey("directory.Institution", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=16, choices=MeasureStatus.choices, default=MeasureStatus.NOT_STARTED)
    narrative = models.TextField(blank=True)
    indicator_value = _indicator_number()
    evidence_links = models.JSONField(default=list, blank=True)
    review_state = models.CharField(max_length=32, choices=ReviewState.choices, default=ReviewState.DRAFT)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_comment = models.TextField(blank=True)

    class Meta:
        ordering = ["period", "measure__code", "institution__code"]
        constraints = [
            models.UniqueConstraint(fields=["measure", "period", "institution"], name="progressreport_unique")
        ]
        indexes = [
            models.Index(fields=["period", "review_state"], name="progressreport_review"),
            models.Index(fields=["institution", "period"], name="progressreport_institution"),
        ]

    def __str__(self) -> str:
        return f"{self.measure.code} / {self.period.name} / {self.institution.code}"


class ProgressReportRevision(models.Model):
    """The report as it stood after one step (saved, submitted, clarification asked, accepted)."""

    class Action(models.TextChoices):
        SAVED = "saved", _("Saved as draft")
        SUBMITTED = "submitted", _("Submitted")
        CLARIFICATION_REQUESTED = "clarification_requested", _("Clarification requested")
        ACCEPTED = "accepted", _("Accepted")

    report = models.ForeignKey(ProgressReport, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    action = models.CharField(max_length=32, choices=Action.choices)
    status = models.CharField(max_length=16, choices=MeasureStatus.choices)
    narrative = models.TextField(blank=True)
    indicator_value = _indicator_number()
    evidence_links = models.JSONField(default=list, blank=True)
    review_state = models.CharField(max_length=32, choices=ReviewState.choices)
    comment = models.TextField(blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["report", "number"]
        constraints = [models.UniqueConstraint(fields=["report", "number"], name="reportrevision_unique_number")]

    def __str__(self) -> str:
        return f"{self.report_id} #{self.number} {self.action}"


# --- The working group -------------------------------------------------------------------------------------------


class WorkingGroup(BaseModel):
    code = models.SlugField(max_length=64, unique=True)
    name = models.JSONField(default=dict)
    # The act that set the group up, as it is cited (e.g. "Order of the Prime Minister No. 52 of 28 February 2017").
    established_by = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return localized(self.name) or self.code


class Membership(BaseModel):
    """An institution's seat in the group: its delegate and substitute, from `since` until `until` (open: None)."""

    group = models.ForeignKey(WorkingGroup, on_delete=models.CASCADE, related_name="memberships")
    institution = models.ForeignKey("directory.Institution", on_delete=models.PROTECT, related_name="+")
    # The delegate's account, when they have one; the name is kept either way (officials of NGOs often have none).
    delegate = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    delegate_name = models.CharField(max_length=200, blank=True)
    substitute_name = models.CharField(max_length=200, blank=True)
    since = models.DateField()
    until = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["group", "institution__code", "since"]
        constraints = [
            models.CheckConstraint(condition=Q(until__isnull=True) | Q(until__gte=F("since")), name="membership_order"),
            models.UniqueConstraint(
                fields=["group", "institution"], condition=Q(until__isnull=True), name="membership_one_open"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group.code}: {self.institution.code}"


class Meeting(BaseModel):
    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        HELD = "held", _("Held")
        CANCELLED = "cancelled", _("Cancelled")

    group = models.ForeignKey(WorkingGroup, on_delete=models.CASCADE, related_name="meetings")
    starts_at = models.DateTimeField()
    place = models.CharField(max_length=200, blank=True)
    agenda = models.TextField(blank=True)
    minutes = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PLANNED)
    # Whether the date appears on the public list of the group's meetings (never the agenda or minutes).
    public = models.BooleanField(default=True)

    class Meta:
        ordering = ["-starts_at", "pk"]
        indexes = [models.Index(fields=["group", "starts_at"], name="meeting_group_date")]

    def __str__(self) -> str:
        return f"{self.group.code} {self.starts_at:%Y-%m-%d}"


class MeetingDocument(BaseModel):
    """A document of a meeting: a link, or a small uploaded file kept in the database (policy papers, not cases)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(max_length=200)
    url = models.URLField(max_length=500, blank=True)
    filename = models.CharField(max_length=200, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    content = models.BinaryField(null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["meeting", "pk"]
        constraints = [
            # Exactly one of the two: a link, or a file.
            models.CheckConstraint(
                condition=(Q(url="") & ~Q(filename="")) | (~Q(url="") & Q(filename="")),
                name="meetingdocument_link_or_file",
            )
        ]

    @property
    def is_link(self) -> bool:
        return bool(self.url)

    def __str__(self) -> str:
        return self.title


class Attendance(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="attendance")
    present = models.BooleanField(default=False)
    # The substitute came instead of the delegate.
    substitute_attended = models.BooleanField(default=False)

    class Meta:
        ordering = ["meeting", "membership__institution__code"]
        constraints = [models.UniqueConstraint(fields=["meeting", "membership"], name="attendance_unique")]

    def __str__(self) -> str:
        return f"{self.meeting_id}: {self.membership_id} {'present' if self.present else 'absent'}"


class Decision(BaseModel):
    """An entry of the decisions register, taken at a meeting."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="decisions")
    number = models.CharField(max_length=32)
    text = models.TextField()

    class Meta:
        ordering = ["-meeting__starts_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["meeting", "number"], name="decision_unique_number")]

    def __str__(self) -> str:
        return self.number


class DecisionTask(BaseModel):
    """What a decision asks an institution to do by when; open until marked done."""

    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="tasks")
    owner_institution = models.ForeignKey("directory.Institution", on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    deadline = models.DateField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    done_note = models.TextField(blank=True)

    class Meta:
        ordering = ["deadline", "pk"]
        indexes = [
            models.Index(fields=["owner_institution", "done_at"], name="decisiontask_owner"),
            models.Index(fields=["done_at", "deadline"], name="decisiontask_open"),
        ]


# --- E-mail ------------------------------------------------------------------------------------------------------


class Notice(BaseModel):
    """An e-mail to a member of staff about the plan or the working group; `opennrm tick` sends it.

    `key` makes queueing idempotent: the same reminder for the same period, institution and person is queued once.
    It carries a subject kind and a link, never report texts or minutes (e-mail leaves the system).
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="coordination_notices"
    )
    key = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=64)
    details = models.JSONField(default=dict, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["sent_at", "created_at"], name="notice_unsent")]
