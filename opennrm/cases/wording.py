"""How the case pages put codes into words: dates, choice labels, deadlines with their end dates, and the timeline.

A case's timeline (`CaseEvent`) holds codes and ids only, so that it can be shown to every party; the names of
states, steps, deadlines and purposes come from the workflow of the case's pack version, in the reader's language.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from opennrm.cases.models import CaseEvent, CaseParty, DataCategory, Deadline, Referral
from opennrm.core.i18n import localized
from opennrm.jurisdiction.schema import Workflow


def when(moment: datetime | None, *, with_time: bool = False) -> str:
    """A date (and time) in the active language's format, in the installation's time zone."""
    if moment is None:
        return ""
    local = timezone.localtime(moment)
    return date_format(local, "DATETIME_FORMAT" if with_time else "DATE_FORMAT")


def label(choices, value: str) -> str:
    return str(dict(choices).get(value, value))


def scope_labels(scope: Iterable[str]) -> list[str]:
    """The categories of personal data, named, in their fixed order (identity, contacts, circumstances)."""
    chosen = set(scope)
    return [str(name) for category, name in DataCategory.choices if category in chosen]


def iso_date(value: str) -> date | None:
    """A date kept as ISO text (an encrypted birth date), or None when it is empty or not a date."""
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@dataclass(frozen=True)
class DeadlineLine:
    deadline: Deadline
    name: str
    sentence: str
    quota: str = ""
    is_running: bool = False
    is_overdue: bool = False


def deadline_line(deadline: Deadline, workflow: Workflow, now: datetime) -> DeadlineLine:
    rule = workflow.deadline(deadline.kind)
    name = localized(rule.name) if rule else deadline.kind
    # A period counted in hours (an answer to a referral) needs the time, a period of days only the date.
    with_time = bool(rule and (rule.hours or rule.urgent_hours))
    values = {"name": name, "date": when(deadline.due_at, with_time=with_time)}
    status = deadline.status
    if status == Deadline.Status.RUNNING:
        if deadline.due_at < now:
            sentence = gettext("%(name)s was due on %(date)s and is overdue") % values
        else:
            sentence = gettext("%(name)s ends on %(date)s") % values
    elif status == Deadline.Status.MET:
        values["date"] = when(deadline.ended_at, with_time=with_time)
        sentence = gettext("%(name)s ended in time on %(date)s") % values
    elif status == Deadline.Status.EXPIRED:
        sentence = gettext("%(name)s ran out on %(date)s") % values
    else:
        values["date"] = when(deadline.ended_at, with_time=with_time)
        sentence = gettext("%(name)s was stopped on %(date)s") % values
    quota = ""
    if deadline.quota:
        quota = gettext("%(used)d of %(quota)d used") % {"used": deadline.used, "quota": deadline.quota}
    return DeadlineLine(
        deadline=deadline,
        name=name,
        sentence=sentence,
        quota=quota,
        is_running=status == Deadline.Status.RUNNING,
        is_overdue=status == Deadline.Status.RUNNING and deadline.due_at < now,
    )


@dataclass(frozen=True)
class TimelineEntry:
    occurred_at: datetime
    text: str
    by: str


@dataclass
class Names:
    """Names for the codes and ids a timeline event holds, gathered from what the page has loaded anyway."""

    workflow: Workflow
    institutions: dict[str, str] = field(default_factory=dict)
    users: dict[int, str] = field(default_factory=dict)

    def institution(self, code) -> str:
        return self.institutions.get(code or "", code or gettext("an institution"))

    def purpose(self, purpose_id) -> str:
        purpose = self.workflow.consent_purpose(purpose_id or "")
        return localized(purpose.name) if purpose else (purpose_id or "")

    def state(self, state_id) -> str:
        state = self.workflow.state(state_id or "")
        return localized(state.name) if state else (state_id or "")

    def deadline(self, deadline_id) -> str:
        deadline = self.workflow.deadline(deadline_id or "")
        return localized(deadline.name) if deadline else (deadline_id or "")

    def step(self, transition_id) -> str:
        transition = self.workflow.transition(transition_id or "")
        return localized(transition.name) if transition else (transition_id or "")


def _opened(details, names: Names) -> str:
    if details.get("screening"):
        return gettext("Case opened after a screening")
    return gettext("Case opened")


def _involved(details, names: Names) -> str:
    return gettext("%(institution)s became a party to the case (%(reason)s)") % {
        "institution": names.institution(details.get("institution")),
        "reason": label(CaseParty.Reason.choices, details.get("reason", "")),
    }


def _scope_narrowed(details, names: Names) -> str:
    return gettext("%(institution)s no longer sees part of the person's data: a consent was withdrawn") % {
        "institution": names.institution(details.get("institution")),
    }


def _assigned(details, names: Names) -> str:
    user = names.users.get(details.get("user"))
    if user:
        return gettext("Assigned to %(user)s") % {"user": user}
    return gettext("A worker was assigned to the case")


def _unassigned(details, names: Names) -> str:
    user = names.users.get(details.get("user"))
    if user:
        return gettext("%(user)s is no longer assigned to the case") % {"user": user}
    return gettext("A worker is no longer assigned to the case")


def _break_glass(details, names: Names) -> str:
    hours = int(details.get("hours") or 0)
    return ngettext("Emergency access for %(hours)d hour", "Emergency access for %(hours)d hours", hours) % {
        "hours": hours
    }


def _consent_recorded(details, names: Names) -> str:
    recipient = details.get("recipient", "")
    return gettext("Consent recorded: %(purpose)s, for %(recipient)s") % {
        "purpose": names.purpose(details.get("purpose")),
        "recipient": names.institution(recipient),
    }


def _consent_withdrawn(details, names: Names) -> str:
    text = gettext("Consent withdrawn: %(purpose)s") % {"purpose": names.purpose(details.get("purpose"))}
    lapsed = details.get("referrals_withdrawn") or 0
    if lapsed:
        text += " " + ngettext(
            "(%(count)d referral waiting under it was withdrawn)",
            "(%(count)d referrals waiting under it were withdrawn)",
            lapsed,
        ) % {"count": lapsed}
    return text


def _referral_sent(details, names: Names) -> str:
    values = {"institution": names.institution(details.get("to")), "purpose": names.purpose(details.get("purpose"))}
    if details.get("legal_duty_exception"):
        return gettext("Referral sent to %(institution)s without consent, under a legal duty (%(purpose)s)") % values
    if details.get("urgency") == Referral.Urgency.URGENT:
        return gettext("Urgent referral sent to %(institution)s (%(purpose)s)") % values
    return gettext("Referral sent to %(institution)s (%(purpose)s)") % values


def _referral_accepted(details, names: Names) -> str:
    return gettext("Referral accepted by %(institution)s") % {
        "institution": names.institution(details.get("institution"))
    }


def _referral_declined(details, names: Names) -> str:
    return gettext("Referral declined by %(institution)s") % {
        "institution": names.institution(details.get("institution"))
    }


def _referral_withdrawn(details, names: Names) -> str:
    values = {"institution": names.institution(details.get("institution"))}
    if details.get("cause") == "consent_withdrawn":
        return gettext("Referral to %(institution)s withdrawn because the consent was withdrawn") % values
    return gettext("Referral to %(institution)s withdrawn") % values


def _referral_escalated(details, names: Names) -> str:
    return gettext("The referral to %(institution)s was not answered in time; its heads of unit were told") % {
        "institution": names.institution(details.get("institution"))
    }


def _transition(details, names: Names) -> str:
    return gettext("Step: %(step)s (from “%(from)s” to “%(to)s”)") % {
        "step": names.step(details.get("transition")),
        "from": names.state(details.get("from")),
        "to": names.state(details.get("to")),
    }


def _deadline_started(details, names: Names) -> str:
    due = details.get("due_at")
    try:
        due_text = when(datetime.fromisoformat(due)) if due else ""
    except ValueError:
        due_text = ""
    values = {"name": names.deadline(details.get("deadline")), "date": due_text}
    if due_text:
        return gettext("%(name)s started; it ends on %(date)s") % values
    return gettext("%(name)s started") % values


def _deadline_ended(details, names: Names) -> str:
    values = {"name": names.deadline(details.get("deadline"))}
    if details.get("status") == Deadline.Status.EXPIRED:
        return gettext("%(name)s ran out") % values
    return gettext("%(name)s ended") % values


def _deadline_expired(details, names: Names) -> str:
    return gettext("%(name)s ran out") % {"name": names.deadline(details.get("deadline"))}


# Events whose words need nothing from their details.
FIXED_TEXTS = {
    "person.updated": _("The person's data was corrected"),
    "note.added": _("Note added"),
    "task.created": _("Task created"),
    "task.done": _("Task done"),
    "document.added": _("Document attached"),
    "case.erased": _("Personal data erased at the end of the retention period"),
}

EVENT_TEXTS: dict[str, Callable[[dict, Names], str]] = {
    "case.opened": _opened,
    "party.involved": _involved,
    "party.scope_narrowed": _scope_narrowed,
    "case.assigned": _assigned,
    "case.unassigned": _unassigned,
    "case.break_glass": _break_glass,
    "consent.recorded": _consent_recorded,
    "consent.withdrawn": _consent_withdrawn,
    "referral.sent": _referral_sent,
    "referral.accepted": _referral_accepted,
    "referral.declined": _referral_declined,
    "referral.withdrawn": _referral_withdrawn,
    "referral.escalated": _referral_escalated,
    "transition.performed": _transition,
    "deadline.started": _deadline_started,
    "deadline.ended": _deadline_ended,
    "deadline.expired": _deadline_expired,
}


def event_text(event: CaseEvent, names: Names) -> str:
    if event.kind in FIXED_TEXTS:
        return str(FIXED_TEXTS[event.kind])
    describe = EVENT_TEXTS.get(event.kind)
    return describe(event.details or {}, names) if describe else event.kind


def event_by(event: CaseEvent) -> str:
    if event.actor is None and event.institution is None:
        return gettext("Automatically")
    if event.actor is None:
        return str(event.institution)
    name = event.actor.get_full_name() or event.actor.get_username()
    if event.institution is None:
        return name
    return gettext("%(person)s, %(institution)s") % {"person": name, "institution": str(event.institution)}
