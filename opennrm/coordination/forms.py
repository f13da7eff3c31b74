"""Forms of the action plan, progress reports and the working group.

They shape input for the services (opennrm.coordination.services), which decide what the rules allow and say why
not; a refusal is shown next to the field it names (`add_application_error`). Texts the plan keeps in several
languages are one field per language ("Title (Latvian)", …), at least one of them filled.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from opennrm.cases.case_page import sort_key
from opennrm.coordination.importing import MAX_FILE_BYTES
from opennrm.coordination.models import ActionPlan, MeasureStatus
from opennrm.coordination.services.checks import EVIDENCE_LINKS_MAX, NARRATIVE_MAX
from opennrm.coordination.services.group import DOCUMENT_MAX_BYTES, AttendanceEntry, TaskSpec
from opennrm.core.errors import ApplicationError
from opennrm.directory import selectors as directory
from opennrm.directory.forms import AccessibleErrorsMixin

CHANGE_NOTE_MAX = 2000
REVIEW_COMMENT_MAX = 5000


class DateInput(forms.DateInput):
    # The browser's own date picker; the value travels as YYYY-MM-DD whatever the language of the page.
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class CoordinationForm(AccessibleErrorsMixin, forms.Form):
    """Shows a service's refusal next to its field, without the field name the service puts in front."""

    def add_application_error(self, error: ApplicationError, field_map: dict[str, str] | None = None) -> None:
        name = (field_map or {}).get(error.field or "", error.field)
        message = error.message
        if error.field and message.startswith(f"{error.field}: "):
            message = message[len(error.field) + 2 :]
            message = message[:1].upper() + message[1:]
            if not message.endswith("."):
                message += "."
        if name in self.fields:
            self.add_error(name, message)
        else:
            self.add_error(None, message)


def add_language_fields(form: forms.Form, name: str, label, *, required: bool, textarea: bool, max_length: int):
    """One field per interface language (`<name>_lv`, `<name>_en`, …) for a text kept in several languages."""
    for code, language in settings.LANGUAGES:
        widget = forms.Textarea(attrs={"rows": 3, "lang": code}) if textarea else forms.TextInput(attrs={"lang": code})
        form.fields[f"{name}_{code}"] = forms.CharField(
            label=_("%(field)s (%(language)s)") % {"field": label, "language": language},
            required=False,
            max_length=max_length,
            widget=widget,
        )
    form.multilingual = {**getattr(form, "multilingual", {}), name: required}


def language_values(form: forms.Form, name: str) -> dict[str, str]:
    return {
        code: form.cleaned_data.get(f"{name}_{code}", "").strip()
        for code, _language in settings.LANGUAGES
        if form.cleaned_data.get(f"{name}_{code}", "").strip()
    }


def language_initial(name: str, value: dict | None) -> dict[str, str]:
    return {f"{name}_{code}": (value or {}).get(code, "") for code, _language in settings.LANGUAGES}


def _require_some_language(form: forms.Form) -> None:
    for name, required in getattr(form, "multilingual", {}).items():
        if required and not language_values(form, name):
            first = f"{name}_{settings.LANGUAGES[0][0]}"
            form.add_error(first, gettext("Write the text in at least one language."))


def institution_choices(*, empty_label=None) -> list[tuple[str, str]]:
    """Active institutions of the directory by name, offered by code (codes are not personal)."""
    choices = sorted(((i.code, str(i)) for i in directory.institutions_list()), key=lambda c: sort_key(c[1]))
    return [("", empty_label), *choices] if empty_label is not None else choices


def change_note_field():
    return forms.CharField(
        label=_("Change note"),
        help_text=_("What was changed and why. It is kept with the new version of the plan."),
        max_length=CHANGE_NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


# --- The plan -----------------------------------------------------------------------------------------------------


class PlanImportForm(CoordinationForm):
    file = forms.FileField(
        label=_("Plan file"),
        help_text=_("A YAML file (.yaml) or the filled-in XLSX template (.xlsx), at most 5 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".yaml,.yml,.xlsx"}),
    )
    change_note = forms.CharField(
        label=_("Change note"),
        required=False,
        max_length=CHANGE_NOTE_MAX,
        help_text=_("Required when the file updates a plan that exists already: say what this version changes."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".yaml", ".yml", ".xlsx")):
            raise forms.ValidationError(gettext("Use a YAML file (.yaml) or the XLSX template (.xlsx)."))
        if upload.size > MAX_FILE_BYTES:
            # Refused before it is read; the importer checks the same limit on the content.
            raise forms.ValidationError(gettext("The file is too large (at most 5 MB)."))
        return upload


class PlanForm(CoordinationForm):
    period_start = forms.DateField(label=_("Period starts"), widget=DateInput)
    period_end = forms.DateField(label=_("Period ends"), widget=DateInput)
    approving_act = forms.CharField(
        label=_("Approving act"),
        required=False,
        max_length=300,
        help_text=_("As it is cited, e.g. “Cabinet Order No. 123 of 1 March 2025”."),
    )
    status = forms.ChoiceField(label=_("Status"), choices=ActionPlan.Status.choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        fields = dict(self.fields)
        self.fields.clear()
        add_language_fields(self, "title", _("Title"), required=True, textarea=False, max_length=500)
        self.fields.update(fields)
        self.fields["change_note"] = change_note_field()

    @classmethod
    def initial_for(cls, plan) -> dict:
        return {
            **language_initial("title", plan.title),
            "period_start": plan.period_start,
            "period_end": plan.period_end,
            "approving_act": plan.approving_act,
            "status": plan.status,
        }

    def clean(self):
        cleaned = super().clean()
        _require_some_language(self)
        start, end = cleaned.get("period_start"), cleaned.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", gettext("The period ends before it starts."))
        return cleaned

    def values(self) -> dict:
        data = self.cleaned_data
        return {
            "title": language_values(self, "title"),
            "period_start": data["period_start"],
            "period_end": data["period_end"],
            "approving_act": data["approving_act"],
            "status": data["status"],
        }


class GoalForm(CoordinationForm):
    code = forms.CharField(label=_("Code"), max_length=32, help_text=_("E.g. 1 or 2.1; no spaces."))
    order = forms.IntegerField(label=_("Position in the plan"), min_value=0, max_value=999, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        add_language_fields(self, "title", _("Title"), required=True, textarea=True, max_length=1000)
        self.fields["change_note"] = change_note_field()

    @classmethod
    def initial_for(cls, goal) -> dict:
        return {"code": goal.code, "order": goal.order, **language_initial("title", goal.title)}

    def clean(self):
        cleaned = super().clean()
        _require_some_language(self)
        return cleaned

    def values(self) -> dict:
        values = {"code": self.cleaned_data["code"], "title": language_values(self, "title")}
        if self.cleaned_data.get("order") is not None:
            values["order"] = self.cleaned_data["order"]
        return values


class MeasureForm(CoordinationForm):
    goal = forms.ChoiceField(label=_("Goal"))
    code = forms.CharField(label=_("Code"), max_length=32, help_text=_("Unique in the plan, e.g. 1.3; no spaces."))
    responsible = forms.ChoiceField(label=_("Responsible institution"))
    co_responsible = forms.MultipleChoiceField(
        label=_("Co-responsible institutions"),
        required=False,
        help_text=_("Each of them reports on the measure too. Hold Ctrl (or ⌘) to choose several."),
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    deadline = forms.DateField(
        label=_("Deadline"),
        required=False,
        widget=DateInput,
        help_text=_("Leave empty for a measure carried out throughout the plan's period."),
    )
    baseline = forms.CharField(label=_("Baseline"), required=False, max_length=30)
    target = forms.CharField(label=_("Target"), required=False, max_length=30)
    unit = forms.CharField(label=_("Unit"), required=False, max_length=50, help_text=_("E.g. persons, trainings, %."))
    funding_source = forms.CharField(label=_("Funding source"), required=False, max_length=300)
    cancelled = forms.BooleanField(
        label=_("Cancelled"),
        required=False,
        help_text=_("A cancelled measure stays in the plan and its history; nobody reports on it any more."),
    )

    def __init__(self, *args, goals, **kwargs):
        super().__init__(*args, **kwargs)
        fields = dict(self.fields)
        self.fields.clear()
        for name in ("goal", "code"):
            self.fields[name] = fields.pop(name)
        add_language_fields(self, "text", _("Measure"), required=True, textarea=True, max_length=4000)
        for name in ("responsible", "co_responsible", "deadline"):
            self.fields[name] = fields.pop(name)
        add_language_fields(self, "indicator", _("Result indicator"), required=False, textarea=True, max_length=1000)
        self.fields.update(fields)
        self.fields["change_note"] = change_note_field()
        self.goals = {str(goal.pk): goal for goal in goals}
        self.fields["goal"].choices = [(str(goal.pk), str(goal)) for goal in goals]
        self.fields["responsible"].choices = institution_choices(empty_label=gettext("Choose an institution"))
        self.fields["co_responsible"].choices = institution_choices()

    @classmethod
    def initial_for(cls, measure) -> dict:
        return {
            "goal": str(measure.goal_id),
            "code": measure.code,
            **language_initial("text", measure.text),
            "responsible": measure.responsible.code,
            "co_responsible": [i.code for i in measure.co_responsible.all()],
            "deadline": measure.deadline,
            **language_initial("indicator", measure.indicator),
            "baseline": _number_text(measure.baseline),
            "target": _number_text(measure.target),
            "unit": measure.unit,
            "funding_source": measure.funding_source,
            "cancelled": measure.cancelled,
        }

    def clean(self):
        cleaned = super().clean()
        _require_some_language(self)
        return cleaned

    @property
    def chosen_goal(self):
        return self.goals[self.cleaned_data["goal"]]

    def values(self) -> dict:
        data = self.cleaned_data
        return {
            "code": data["code"],
            "text": language_values(self, "text"),
            "responsible": data["responsible"],
            "co_responsible": list(data["co_responsible"]),
            "deadline": data["deadline"],
            "indicator": language_values(self, "indicator"),
            "baseline": data["baseline"],
            "target": data["target"],
            "unit": data["unit"],
            "funding_source": data["funding_source"],
        }


def _number_text(value) -> str:
    return "" if value is None else format(value.normalize(), "f")


class PeriodForm(CoordinationForm):
    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("E.g. 2025, or 1st half of 2026."))
    starts_on = forms.DateField(label=_("Starts on"), widget=DateInput)
    ends_on = forms.DateField(label=_("Ends on"), widget=DateInput)
    due_on = forms.DateField(label=_("Reports due on"), widget=DateInput)

    @classmethod
    def initial_for(cls, period) -> dict:
        return {"name": period.name, "starts_on": period.starts_on, "ends_on": period.ends_on, "due_on": period.due_on}

    def values(self) -> dict:
        return {name: self.cleaned_data[name] for name in ("name", "starts_on", "ends_on", "due_on")}


# --- Progress reports ---------------------------------------------------------------------------------------------

SUBMIT, SAVE_DRAFT = "submit", "save"


class ReportForm(CoordinationForm):
    status = forms.ChoiceField(label=_("Status"), choices=MeasureStatus.choices, widget=forms.RadioSelect)
    narrative = forms.CharField(
        label=_("Narrative"),
        required=False,
        max_length=NARRATIVE_MAX,
        help_text=_("What was done in this period and, if the measure is delayed or cancelled, why."),
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    indicator_value = forms.CharField(
        label=_("Indicator value"),
        required=False,
        max_length=30,
        help_text=_("The value of the result indicator at the end of the period; a decimal comma is fine."),
    )
    evidence_links = forms.CharField(
        label=_("Evidence links"),
        required=False,
        help_text=_("Web addresses of published evidence (reports, news, decisions), one per line."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    @classmethod
    def initial_for(cls, report) -> dict:
        if report is None:
            return {}
        return {
            "status": report.status,
            "narrative": report.narrative,
            "indicator_value": _number_text(report.indicator_value),
            "evidence_links": "\n".join(report.evidence_links or []),
        }

    def clean_evidence_links(self):
        links = [line.strip() for line in self.cleaned_data["evidence_links"].splitlines() if line.strip()]
        if len(links) > EVIDENCE_LINKS_MAX:
            raise forms.ValidationError(gettext("At most %(max)d links.") % {"max": EVIDENCE_LINKS_MAX})
        return links

    def values(self) -> dict:
        data = self.cleaned_data
        return {
            "status": data["status"],
            "narrative": data["narrative"],
            "indicator_value": data["indicator_value"],
            "evidence_links": data["evidence_links"],
        }


CLARIFY, ACCEPT = "clarify", "accept"


class ReviewForm(CoordinationForm):
    comment = forms.CharField(
        label=_("Comment to the institution"),
        required=False,
        max_length=REVIEW_COMMENT_MAX,
        help_text=_("Required when you ask for clarification: say what is missing or unclear."),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    decision = forms.ChoiceField(choices=[(CLARIFY, _("Ask for clarification")), (ACCEPT, _("Accept"))])

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == CLARIFY and not (cleaned.get("comment") or "").strip():
            self.add_error("comment", gettext("Say what the institution should clarify."))
        return cleaned


# --- Exports ------------------------------------------------------------------------------------------------------


class ProgressReportExportForm(CoordinationForm):
    language = forms.ChoiceField(label=_("Language of the report"), choices=settings.LANGUAGES)
    period = forms.ChoiceField(label=_("Reporting period"), required=False)

    def __init__(self, *args, periods, **kwargs):
        super().__init__(*args, **kwargs)
        self.periods = {str(period.pk): period for period in periods}
        self.fields["period"].choices = [
            ("", gettext("The latest report on each measure")),
            *((str(period.pk), period.name) for period in periods),
        ]

    @property
    def chosen_period(self):
        return self.periods.get(self.cleaned_data.get("period") or "")


# --- The working group --------------------------------------------------------------------------------------------


class InstitutionField(forms.ChoiceField):
    """A choice of active institutions by name; cleans to the Institution."""

    def __init__(self, *, empty_label, **kwargs):
        super().__init__(**kwargs)
        self.institutions = {i.code: i for i in directory.institutions_list()}
        self.choices = [
            ("", empty_label),
            *sorted(((code, str(i)) for code, i in self.institutions.items()), key=lambda c: sort_key(c[1])),
        ]

    def clean(self, value):
        code = super().clean(value)
        return self.institutions.get(code) if code else None


class GroupForm(CoordinationForm):
    code = forms.CharField(
        label=_("Code"), max_length=64, help_text=_("A short identifier, e.g. thb-working-group; it does not change.")
    )
    established_by = forms.CharField(
        label=_("Established by"),
        required=False,
        max_length=300,
        help_text=_("The act that set the group up, as it is cited, e.g. “Order of the Prime Minister No. 52”."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        fields = dict(self.fields)
        self.fields.clear()
        self.fields["code"] = fields.pop("code")
        add_language_fields(self, "name", _("Name"), required=True, textarea=False, max_length=300)
        self.fields.update(fields)

    @classmethod
    def initial_for(cls, group) -> dict:
        if group is None:
            return {}
        return {"code": group.code, **language_initial("name", group.name), "established_by": group.established_by}

    def clean(self):
        cleaned = super().clean()
        _require_some_language(self)
        return cleaned

    def values(self) -> dict:
        return {
            "code": self.cleaned_data["code"],
            "name": language_values(self, "name"),
            "established_by": self.cleaned_data["established_by"],
        }


class MembershipForm(CoordinationForm):
    delegate_name = forms.CharField(label=_("Delegate"), required=False, max_length=200)
    substitute_name = forms.CharField(label=_("Substitute"), required=False, max_length=200)
    since = forms.DateField(label=_("Member since"), widget=DateInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        fields = dict(self.fields)
        self.fields.clear()
        self.fields["institution"] = InstitutionField(
            label=_("Institution"), empty_label=gettext("Choose an institution")
        )
        self.fields.update(fields)


class MembershipEditForm(CoordinationForm):
    delegate_name = forms.CharField(label=_("Delegate"), required=False, max_length=200)
    substitute_name = forms.CharField(label=_("Substitute"), required=False, max_length=200)
    until = forms.DateField(
        label=_("Member until"),
        required=False,
        widget=DateInput,
        help_text=_("Fill in only when the institution leaves the group; its history stays."),
    )

    @classmethod
    def initial_for(cls, membership) -> dict:
        return {
            "delegate_name": membership.delegate_name,
            "substitute_name": membership.substitute_name,
            "until": membership.until,
        }


class MeetingForm(CoordinationForm):
    starts_at = forms.DateTimeField(label=_("Date and time"), widget=DateTimeInput)
    place = forms.CharField(label=_("Place"), required=False, max_length=200)
    agenda = forms.CharField(
        label=_("Agenda"), required=False, max_length=10000, widget=forms.Textarea(attrs={"rows": 6})
    )
    public = forms.BooleanField(
        label=_("Show the date on the public page"),
        required=False,
        initial=True,
        help_text=_("The public page lists member institutions and meeting dates only, never agendas or minutes."),
    )

    @classmethod
    def initial_for(cls, meeting) -> dict:
        return {
            "starts_at": timezone.localtime(meeting.starts_at),
            "place": meeting.place,
            "agenda": meeting.agenda,
            "public": meeting.public,
        }

    def values(self) -> dict:
        return {name: self.cleaned_data[name] for name in ("starts_at", "place", "agenda", "public")}


class MinutesForm(CoordinationForm):
    minutes = forms.CharField(label=_("Minutes"), max_length=50000, widget=forms.Textarea(attrs={"rows": 10}))


class AttendanceForm(CoordinationForm):
    """One "present" and one "the substitute came" box per member institution in force on the meeting's day."""

    def __init__(self, *args, rows, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = rows
        for row in rows:
            key = row.membership.pk
            institution = str(row.membership.institution)
            self.fields[f"present_{key}"] = forms.BooleanField(
                label=_("%(institution)s was present") % {"institution": institution},
                required=False,
                initial=row.present,
            )
            self.fields[f"substitute_{key}"] = forms.BooleanField(
                label=_("The substitute of %(institution)s attended") % {"institution": institution},
                required=False,
                initial=row.substitute_attended,
            )

    def pairs(self):
        """(row, present field, substitute field) for the table."""
        return [
            (row, self[f"present_{row.membership.pk}"], self[f"substitute_{row.membership.pk}"]) for row in self.rows
        ]

    def entries(self) -> list[AttendanceEntry]:
        return [
            AttendanceEntry(
                membership=row.membership,
                present=self.cleaned_data[f"present_{row.membership.pk}"],
                substitute_attended=self.cleaned_data[f"substitute_{row.membership.pk}"],
            )
            for row in self.rows
        ]


class MeetingDocumentForm(CoordinationForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    url = forms.URLField(
        label=_("Link"), required=False, max_length=500, assume_scheme="https", help_text=_("A link, or a file below.")
    )
    file = forms.FileField(
        label=_("File"), required=False, help_text=_("PDF, DOCX, XLSX, PPTX, ODT, ODS or plain text; at most 10 MB.")
    )

    def clean(self):
        cleaned = super().clean()
        url, upload = cleaned.get("url"), cleaned.get("file")
        if "url" not in self.errors and "file" not in self.errors:
            if url and upload:
                self.add_error("url", gettext("Give a link or a file, not both."))
            elif not url and not upload:
                self.add_error("url", gettext("Give a link or choose a file."))
        if upload and upload.size > DOCUMENT_MAX_BYTES:
            self.add_error("file", gettext("The file is too large (at most 10 MB)."))
        return cleaned


class DecisionForm(CoordinationForm):
    number = forms.CharField(
        label=_("Decision number"),
        required=False,
        max_length=32,
        help_text=_("Leave empty to number it automatically (year/sequence, e.g. 2025/3)."),
    )
    text = forms.CharField(label=_("Decision"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5}))
    task_text = forms.CharField(
        label=_("Task"),
        required=False,
        max_length=5000,
        help_text=_("Optional: what the decision asks an institution to do. More tasks can be added later."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    task_deadline = forms.DateField(label=_("Task deadline"), required=False, widget=DateInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        fields = dict(self.fields)
        self.fields.clear()
        for name in ("number", "text", "task_text"):
            self.fields[name] = fields.pop(name)
        self.fields["task_owner"] = InstitutionField(
            label=_("Institution responsible for the task"),
            required=False,
            empty_label=gettext("No task"),
        )
        self.fields.update(fields)

    def clean(self):
        cleaned = super().clean()
        text, owner = (cleaned.get("task_text") or "").strip(), cleaned.get("task_owner")
        if text and owner is None and "task_owner" not in self.errors:
            self.add_error("task_owner", gettext("Choose the institution responsible for the task."))
        if owner is not None and not text:
            self.add_error("task_text", gettext("Write what the institution is asked to do."))
        return cleaned

    def tasks(self) -> list[TaskSpec]:
        owner = self.cleaned_data.get("task_owner")
        if owner is None:
            return []
        return [
            TaskSpec(
                owner_institution=owner,
                text=self.cleaned_data["task_text"],
                deadline=self.cleaned_data.get("task_deadline"),
            )
        ]


class DecisionTaskForm(CoordinationForm):
    text = forms.CharField(label=_("Task"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))
    deadline = forms.DateField(label=_("Deadline"), required=False, widget=DateInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        fields = dict(self.fields)
        self.fields.clear()
        self.fields["owner_institution"] = InstitutionField(
            label=_("Institution responsible"), empty_label=gettext("Choose an institution")
        )
        self.fields.update(fields)


class TaskDoneForm(CoordinationForm):
    note = forms.CharField(
        label=_("What was done"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )
