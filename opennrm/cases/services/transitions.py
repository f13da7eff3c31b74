"""Moving a case through its pack's workflow, and the deadlines, parties and notifications that sets off.

The rules come from `workflow.py` (pure); this module gathers the facts, refuses with a clear message, applies the
plan and records it — all in the caller's transaction.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from opennrm.cases.models import Case, CaseParty, DataCategory, Deadline, Document, Referral, TransitionRecord
from opennrm.cases.selectors import (
    acting_party,
    case_access,
    case_assignees,
    case_facts,
    case_workflow,
    institution_staff,
)
from opennrm.cases.services.common import (
    acting_institution,
    case_audit,
    case_event,
    involve_parties,
    lock_case,
    notify,
    referrals_withdraw_waiting,
    require_visible,
)
from opennrm.cases.services.work import document_upload
from opennrm.cases.workflow import (
    ActorFacts,
    Refusal,
    Submission,
    deadline_due,
    plan,
    refusals,
    triggered_transition,
)
from opennrm.core.capabilities import Capability
from opennrm.core.errors import ApplicationError, NotFoundOrForbidden
from opennrm.core.i18n import localized
from opennrm.jurisdiction.schema import Transition, Workflow
from opennrm.stats.services.facts import case_fact_refresh

REASON_MAX = 5000
ENDED_KINDS = ("outcome", "closed")
# Names of the case fields a transition may require (schema.CaseField), as a person reads them.
FIELD_LABELS = {
    "sex": gettext_lazy("sex"),
    "age_band": gettext_lazy("age band"),
    "citizenship": gettext_lazy("citizenship"),
    "forms": gettext_lazy("forms of exploitation"),
    "countries": gettext_lazy("countries"),
    "languages": gettext_lazy("languages"),
    "municipality": gettext_lazy("municipality"),
    "identity": gettext_lazy("the person's name"),
}


def refusal_message(refusal: Refusal, workflow: Workflow) -> str:
    """A person-readable sentence for a refusal of the workflow engine."""
    params = refusal.params
    if refusal.code == "wrong_state":
        state = workflow.state(params.get("state", ""))
        return gettext("This step is not possible while the case is in the state “%(state)s”.") % {
            "state": localized(state.name) if state else params.get("state", "")
        }
    if refusal.code == "not_for_person":
        return gettext("This step does not apply to this person.")
    if refusal.code == "not_allowed":
        return gettext("Your role in your institution does not allow this step.")
    if refusal.code == "consent_missing":
        purpose = workflow.consent_purpose(params.get("purpose", ""))
        return gettext("This step needs the person's valid consent for “%(purpose)s”.") % {
            "purpose": localized(purpose.name) if purpose else params.get("purpose", "")
        }
    if refusal.code == "field_missing":
        return gettext("Fill in “%(field)s” in the case first.") % {
            "field": FIELD_LABELS.get(refusal.field or "", refusal.field)
        }
    if refusal.code == "reason_missing":
        return gettext("Give the reasons for this step.")
    if refusal.code == "checklist_incomplete":
        return gettext("Every criterion of the checklist must be confirmed.")
    if refusal.code == "checklist_unknown":
        return gettext("The checklist contains items that are not in it.")
    if refusal.code == "document_missing":
        return gettext("Attach the decision document.")
    if refusal.code == "quota_not_running":
        return gettext("The period this step counts against is not running.")
    if refusal.code == "quota_used_up":
        return gettext("All the uses this period allows have been used.")
    return gettext("This step is not possible now.")


def _raise(problems: list[Refusal], workflow: Workflow) -> None:
    first = problems[0]
    raise ApplicationError(
        refusal_message(first, workflow),
        field=first.field,
        extra={
            "problems": [{"code": p.code, "field": p.field, "message": refusal_message(p, workflow)} for p in problems]
        },
    )


def _start_deadline(*, case: Case, workflow: Workflow, kind: str, now) -> Deadline | None:
    rule = workflow.deadline(kind)
    if rule is None or Deadline.objects.filter(case=case, kind=kind, status=Deadline.Status.RUNNING).exists():
        return None
    deadline = Deadline.objects.create(
        case=case, kind=kind, starts_at=now, due_at=deadline_due(rule, starts_at=now), quota=rule.quota
    )
    case_event(case=case, kind="deadline.started", details={"deadline": kind, "due_at": deadline.due_at.isoformat()})
    return deadline


def _stop_deadline(*, case: Case, kind: str, now) -> None:
    running = Deadline.objects.select_for_update().filter(case=case, kind=kind, status=Deadline.Status.RUNNING)
    for deadline in running:
        deadline.status = Deadline.Status.MET if now <= deadline.due_at else Deadline.Status.EXPIRED
        deadline.ended_at = now
        deadline.save(update_fields=["status", "ended_at", "updated_at"])
        case_event(case=case, kind="deadline.ended", details={"deadline": kind, "status": deadline.status})


def _use_quota(*, case: Case, kind: str) -> None:
    deadline = Deadline.objects.select_for_update().filter(case=case, kind=kind, status=Deadline.Status.RUNNING).first()
    if deadline is not None:
        deadline.used += 1
        deadline.save(update_fields=["used", "updated_at"])


def _recipients(*, case: Case, who: str) -> list:
    if who == "assigned":
        return case_assignees(case=case)
    parties = CaseParty.objects.filter(case=case, left_at__isnull=True).select_related("institution")
    if who == "supervisors":
        return [
            u
            for p in parties
            for u in institution_staff(institution=p.institution, capability=Capability.CASES_SUPERVISE)
        ]
    # "parties": the assigned workers of every party, and the supervisors of parties with nobody assigned yet.
    assigned = case_assignees(case=case)
    covered = {u.institution.pk for u in assigned if u.institution}
    supervisors = [
        u
        for p in parties
        if p.institution_id not in covered
        for u in institution_staff(institution=p.institution, capability=Capability.CASES_SUPERVISE)
    ]
    return assigned + supervisors


def apply_transition(
    *,
    case: Case,
    transition: Transition,
    by=None,
    reason: str = "",
    checklist=(),
    document: Document | None = None,
    ip_address: str | None = None,
) -> TransitionRecord:
    """Perform a transition already checked, with all its effects. Runs in the caller's transaction, which holds
    the case lock (`lock_case`); `by` None is the system (`opennrm tick`)."""
    workflow = case_workflow(case)
    steps = plan(workflow, transition, case_facts(case))
    now = timezone.now()
    record = TransitionRecord.objects.create(
        case=case,
        transition=transition.id,
        from_state=steps.from_state,
        to_state=steps.to_state,
        performed_by=by,
        institution=by.institution if by is not None else None,
        performed_at=now,
        reason=reason.strip(),
        checklist=sorted(checklist),
        document=document,
    )
    case.state = steps.to_state
    case.state_kind = steps.to_kind
    if steps.to_kind in ENDED_KINDS and case.ended_at is None:
        case.ended_at = now
    elif steps.to_kind == "open":
        case.ended_at = None
    case.save(update_fields=["state", "state_kind", "ended_at", "updated_at"])
    for kind in steps.stop_deadlines:
        _stop_deadline(case=case, kind=kind, now=now)
    for kind in steps.start_deadlines:
        _start_deadline(case=case, workflow=workflow, kind=kind, now=now)
    for kind in steps.use_quota:
        _use_quota(case=case, kind=kind)
    if steps.to_kind in ENDED_KINDS:
        # Nothing goes on for an ended case: referrals still waiting are taken back, its periods stop with it.
        waiting = Referral.objects.select_for_update(of=("self",)).select_related("case", "to_institution")
        referrals_withdraw_waiting(
            referrals=waiting.filter(case=case, status=Referral.Status.SENT),
            by=by,
            cause="case_ended",
            ip_address=ip_address,
        )
        for kind in set(
            Deadline.objects.filter(case=case, status=Deadline.Status.RUNNING).values_list("kind", flat=True)
        ):
            _stop_deadline(case=case, kind=kind, now=now)
    if steps.involve:
        involve_parties(case=case, type_codes=steps.involve, reason=CaseParty.Reason.INVOLVED, by=by)
    details = {
        "transition": transition.id,
        "from": steps.from_state,
        "to": steps.to_state,
        "checklist": sorted(checklist),
        "document": document.pk if document else None,
        "with_reason": bool(reason.strip()),
    }
    case_event(case=case, kind="transition.performed", by=by, details=details)
    case_audit(
        action="case.transition",
        case=case,
        by=by,
        old_values={"state": steps.from_state},
        new_values=details,
        ip_address=ip_address,
    )
    for who in steps.notify:
        notify(
            users=[u for u in _recipients(case=case, who=who) if by is None or u.pk != by.pk],
            kind="case.transition",
            case=case,
            key=f"transition:{record.pk}",
            details={"transition": transition.id, "to": steps.to_state},
        )
    case_fact_refresh(case=case)
    return record


def case_transition(
    *,
    by,
    case: Case,
    transition: str,
    reason: str = "",
    checklist=(),
    document: Document | None = None,
    ip_address: str | None = None,
) -> TransitionRecord:
    """Perform a manual transition of the case's workflow, if `by` may and its preconditions are met."""
    require_visible(by=by, case=case)
    workflow = case_workflow(case)
    rule = workflow.transition(transition)
    if rule is None:
        raise ApplicationError(gettext("There is no such step in this case's workflow."), field="transition")
    if len(reason or "") > REASON_MAX:
        raise ApplicationError(gettext("The reasons are too long."), field="reason")
    if document is not None:
        if document.case_id != case.pk:
            raise NotFoundOrForbidden()
        # A document tells the circumstances: citing one the institution may not read would be reading it.
        if not case_access(user=by, case=case).sees(DataCategory.CIRCUMSTANCES):
            raise ApplicationError(
                gettext("Your institution may not see the documents of this case, so it cannot cite one."),
                field="document",
            )
    institution = acting_institution(by)
    with transaction.atomic():
        # Locked so that two people performing steps at once cannot both start from the same state.
        case = lock_case(case.pk)
        actor = ActorFacts(
            roles=frozenset(role.code for role in by.active_roles()),
            institution_type=institution.type.code,
            # Break-glass access shows a case; only a party's staff who work on it and may change cases move it on.
            is_party=acting_party(user=by, case=case) is not None
            and by.has_capability(Capability.CASES_EDIT)
            and case.erased_at is None,
        )
        given = Submission(reason=reason or "", checklist=frozenset(checklist or ()), has_document=document is not None)
        problems = refusals(workflow, rule, case_facts(case), actor, given)
        if problems:
            _raise(problems, workflow)
        return apply_transition(
            case=case,
            transition=rule,
            by=by,
            reason=reason or "",
            checklist=checklist or (),
            document=document,
            ip_address=ip_address,
        )


def case_transition_with_document(
    *,
    by,
    case: Case,
    transition: str,
    reason: str = "",
    checklist=(),
    filename: str = "",
    content_type: str = "",
    content: bytes | None = None,
    document: Document | None = None,
    ip_address: str | None = None,
) -> TransitionRecord:
    """Attach a new decision document (when `content` is given) and perform the step, in one transaction: a refused
    step keeps no document. Without `content` the step cites `document`, one already on the case (or none).

    The case is locked before the document row is written: the insert takes a key lock on the case row, and a
    writer holding that while waiting for the case lock could deadlock with one doing the same the other way round.
    """
    with transaction.atomic():
        lock_case(case.pk)
        if content:
            document = document_upload(
                by=by,
                case=case,
                filename=filename,
                content_type=content_type,
                content=content,
                ip_address=ip_address,
            )
        return case_transition(
            by=by,
            case=case,
            transition=transition,
            reason=reason,
            checklist=checklist,
            document=document,
            ip_address=ip_address,
        )


def case_perform_automatic(
    *, case: Case, transition: Transition, by=None, ip_address: str | None = None
) -> TransitionRecord | None:
    """Perform a transition an event sets off, if the workflow's rules let it happen now (None: they do not).

    The caller holds the case lock. `by` is whoever set the event off (None: `opennrm tick`); the transition's own
    `by` list does not apply, only its state, its `when` and its preconditions.
    """
    problems = refusals(case_workflow(case), transition, case_facts(case), None, Submission())
    if problems:
        return None
    return apply_transition(case=case, transition=transition, by=by, ip_address=ip_address)


def case_trigger(*, case: Case, trigger: str, by=None, ip_address: str | None = None) -> TransitionRecord | None:
    """Perform the transition an event (a referral sent or accepted) sets off from the case's state, if any."""
    rule = triggered_transition(case_workflow(case), trigger, case_facts(case))
    if rule is None:
        return None
    return case_perform_automatic(case=case, transition=rule, by=by, ip_address=ip_address)
