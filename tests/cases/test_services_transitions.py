"""Moving a case through the Latvian workflow (services/transitions.py), up to the full path from recognition to
closure."""

from datetime import timedelta

import pytest
from django.utils import timezone

from opennrm.accounts.models import Role, User
from opennrm.audit.models import AuditEvent
from opennrm.audit.verify import audit_verify
from opennrm.cases.models import Case, CaseParty, Deadline, Document, Referral, TransitionRecord
from opennrm.cases.selectors import case_access
from opennrm.cases.services import transitions
from opennrm.cases.services.cases import break_glass_open, case_assign
from opennrm.cases.services.referrals import referral_accept
from opennrm.cases.services.tick import tick
from opennrm.cases.services.transitions import case_transition, case_transition_with_document
from opennrm.cases.services.work import document_upload
from opennrm.core.errors import ApplicationError, NotFoundOrForbidden
from tests.cases import steps
from tests.factories import UserFactory


def running(case: Case) -> dict[str, Deadline]:
    return {d.kind: d for d in Deadline.objects.filter(case=case, status=Deadline.Status.RUNNING, referral=None)}


def problems(error: pytest.ExceptionInfo) -> list[str]:
    return [problem["code"] for problem in error.value.extra["problems"]]


# --- Identification ------------------------------------------------------------------------------------------


@pytest.fixture
def identification(case_world):
    """A case in identification at the Marta centre, its commission member assigned and its decision filed."""
    case, _ = steps.to_identification(case_world)
    case_assign(by=case_world.provider_supervisor, case=case, user=case_world.commission_member)
    document = document_upload(
        by=case_world.commission_member,
        case=case,
        filename="decision.pdf",
        content_type="application/pdf",
        content=steps.PDF,
    )
    return case, document


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"checklist": steps.CHECKLIST[:-1]}, "checklist_incomplete"),
        ({"checklist": [*steps.CHECKLIST, "gut_feeling"]}, "checklist_unknown"),
        ({"reason": "  "}, "reason_missing"),
        ({"document": None}, "document_missing"),
    ],
)
def test_the_commission_identifies_only_with_every_criterion_reasons_and_the_decision(
    case_world, identification, changes, code
):
    case, document = identification
    arguments = {"reason": steps.REASON, "checklist": steps.CHECKLIST, "document": document, **changes}
    with pytest.raises(ApplicationError) as refused:
        case_transition(by=case_world.commission_member, case=case, transition="identify_by_commission", **arguments)
    assert problems(refused) == [code]
    assert steps.refresh(case).state == "identification"
    assert not TransitionRecord.objects.filter(transition="identify_by_commission").exists()


def test_the_commission_identifies_and_the_reflection_period_ends(case_world, identification):
    case, document = identification
    assert "reflection_period" in running(case)
    case_transition(
        by=case_world.commission_member,
        case=case,
        transition="identify_by_commission",
        reason=steps.REASON,
        checklist=steps.CHECKLIST,
        document=document,
    )
    case = steps.refresh(case)
    assert (case.state, case.state_kind, case.ended_at) == ("identified", "open", None)
    record = TransitionRecord.objects.get(transition="identify_by_commission")
    assert (record.performed_by, record.institution.code) == (case_world.commission_member, "lv-provider-marta")
    assert (record.reason, record.checklist, record.document) == (steps.REASON, sorted(steps.CHECKLIST), document)
    assert Deadline.objects.get(kind="reflection_period").status == Deadline.Status.MET
    audit = AuditEvent.objects.get(action="case.transition", new_values__transition="identify_by_commission")
    assert audit.old_values == {"state": "identification"}
    assert audit.new_values["with_reason"] is True


def test_a_document_of_another_case_cannot_back_a_decision(case_world, identification):
    case, _ = identification
    other = steps.open_case(case_world)
    foreign = document_upload(
        by=case_world.social_worker, case=other, filename="x.pdf", content_type="application/pdf", content=steps.PDF
    )
    with pytest.raises(NotFoundOrForbidden):
        case_transition(
            by=case_world.commission_member,
            case=case,
            transition="identify_by_commission",
            reason=steps.REASON,
            checklist=steps.CHECKLIST,
            document=foreign,
        )


def test_the_police_identify_in_criminal_proceedings(case_world):
    case = steps.open_case(case_world)
    steps.consent(case_world, case, purpose="criminal_proceedings", recipient_type="state_police")
    referral = steps.refer(case_world, case, to="lv-state-police", purpose="criminal_proceedings")
    referral_accept(by=case_world.police_officer, referral_id=referral.pk)
    case = steps.refresh(case)
    assert case.state == "identification"
    with pytest.raises(ApplicationError):
        case_transition(by=case_world.police_officer, case=case, transition="identify_in_proceedings")
    case_transition(by=case_world.police_officer, case=case, transition="identify_in_proceedings", reason="Art. 154-1.")
    assert steps.refresh(case).state == "identified"


def test_the_decision_is_attached_and_the_step_taken_in_one_transaction_locking_the_case_first(case_world, monkeypatch):
    case, _ = steps.to_identification(case_world)
    case_assign(by=case_world.provider_supervisor, case=case, user=case_world.commission_member)
    order = []

    def lock_case(case_id):
        order.append("lock")
        return original_lock(case_id)

    def document_upload(**arguments):
        order.append("upload")
        return original_upload(**arguments)

    original_lock, original_upload = transitions.lock_case, transitions.document_upload
    monkeypatch.setattr(transitions, "lock_case", lock_case)
    monkeypatch.setattr(transitions, "document_upload", document_upload)
    arguments = {
        "by": case_world.commission_member,
        "case": case,
        "transition": "identify_by_commission",
        "reason": steps.REASON,
        "filename": "decision.pdf",
        "content_type": "application/pdf",
        "content": steps.PDF,
    }
    # A refused step keeps no document.
    with pytest.raises(ApplicationError) as refused:
        case_transition_with_document(**arguments, checklist=steps.CHECKLIST[:-1])
    assert problems(refused) == ["checklist_incomplete"]
    assert not Document.objects.exists()
    # The case row is locked before the document row is written (the insert takes a key lock on the case).
    assert order[:2] == ["lock", "upload"]

    record = case_transition_with_document(**arguments, checklist=steps.CHECKLIST)
    document = Document.objects.get()
    assert (record.document, document.filename, document.content) == (document, "decision.pdf", steps.PDF)
    assert steps.refresh(case).state == "identified"


def test_a_step_without_a_new_file_cites_a_document_already_on_the_case(case_world, identification):
    case, document = identification
    record = case_transition_with_document(
        by=case_world.commission_member,
        case=case,
        transition="identify_by_commission",
        reason=steps.REASON,
        checklist=steps.CHECKLIST,
        document=document,
    )
    assert record.document == document and Document.objects.count() == 1


def test_only_an_institution_that_sees_the_circumstances_cites_a_document(case_world, identification):
    case, document = identification
    # The Marta centre's part in the case shrinks to the identity (as a withdrawn consent would leave it).
    CaseParty.objects.filter(case=case, institution__code="lv-provider-marta").update(data_scope=["identity"])
    with pytest.raises(ApplicationError) as refused:
        case_transition(
            by=case_world.commission_member,
            case=case,
            transition="identify_by_commission",
            reason=steps.REASON,
            checklist=steps.CHECKLIST,
            document=document,
        )
    assert refused.value.field == "document"
    assert steps.refresh(case).state == "identification"


def test_a_role_that_does_not_change_cases_takes_no_step(case_world):
    case, _ = steps.to_identification(case_world)
    case = steps.identify(case_world, case)
    steps.consent(
        case_world, case, purpose="social_rehabilitation", recipient_institution=case_world.institution("lv-siva")
    )
    referral = steps.refer(case_world, case, to="lv-siva", purpose="social_rehabilitation", data_scope=["identity"])
    referral_accept(by=case_world.siva_worker, referral_id=referral.pk)
    # Were the pack to take cases.edit from the case manager, its holders could still see the case but not move it.
    Role.objects.filter(code="case_manager").update(capabilities=["cases.view", "personal_data.view"])
    reader = User.objects.get(pk=case_world.siva_worker.pk)
    with pytest.raises(ApplicationError) as refused:
        case_transition(by=reader, case=steps.refresh(case), transition="grant_service")
    assert problems(refused) == ["not_allowed"]
    assert case_access(user=reader, case=case).transitions == []
    assert steps.refresh(case).state == "identified"


# --- Who may, and when ---------------------------------------------------------------------------------------


def test_steps_are_refused_from_the_wrong_state_to_the_wrong_role_and_for_automatic_ones(case_world, identification):
    case, document = identification
    attempts = [
        (case_world.siva_worker, "grant_service", {}, NotFoundOrForbidden),  # not a party: cannot even see it
        (case_world.provider_worker, "start_rehabilitation", {}, "wrong_state"),
        (case_world.provider_worker, "identify_by_commission", {"reason": "x", "document": document}, "not_allowed"),
        (case_world.social_worker, "start_identification", {}, "not_allowed"),  # set off by an acceptance only
        (case_world.social_worker, "complete_at_limit", {}, "not_allowed"),  # set off by `opennrm tick` only
    ]
    for by, transition, arguments, expected in attempts:
        if expected is NotFoundOrForbidden:
            with pytest.raises(NotFoundOrForbidden):
                case_transition(by=by, case=case, transition=transition, **arguments)
            continue
        with pytest.raises(ApplicationError) as refused:
            case_transition(by=by, case=case, transition=transition, checklist=steps.CHECKLIST, **arguments)
        assert expected in problems(refused), transition
    with pytest.raises(ApplicationError) as unknown:
        case_transition(by=case_world.social_worker, case=case, transition="teleport")
    assert unknown.value.field == "transition"
    assert steps.refresh(case).state == "identification"


def test_break_glass_shows_a_case_but_does_not_move_it(case_world):
    case = steps.open_case(case_world)
    break_glass_open(by=case_world.emergency_officer, case=case, reason="A child may be in danger tonight, urgently.")
    with pytest.raises(ApplicationError) as refused:
        case_transition(by=case_world.emergency_officer, case=case, transition="person_refuses", reason="x")
    assert problems(refused) == ["not_allowed"]


def test_an_unassigned_colleague_of_a_party_cannot_move_the_case(case_world):
    case = steps.open_case(case_world)
    colleague = UserFactory(username="colleague", unit=case_world.social_worker.unit)
    colleague.roles.set(case_world.social_worker.roles.all())
    with pytest.raises(NotFoundOrForbidden):
        case_transition(by=colleague, case=case, transition="person_refuses", reason="x")


# --- SIVA, the service and after ----------------------------------------------------------------------------


def test_siva_grants_the_service_only_on_the_persons_consent_to_it(case_world):
    case, _ = steps.to_identification(case_world)
    case = steps.identify(case_world, case)
    steps.consent(case_world, case, purpose="assistance", recipient_institution=case_world.institution("lv-siva"))
    referral = steps.refer(case_world, case, to="lv-siva", purpose="assistance", data_scope=["identity"])
    referral_accept(by=case_world.siva_worker, referral_id=referral.pk)
    case = steps.refresh(case)
    assert case.state == "identified"  # accepting a referral moves a case on only from "referred"
    with pytest.raises(ApplicationError) as refused:
        case_transition(by=case_world.siva_worker, case=case, transition="grant_service")
    assert problems(refused) == ["consent_missing"]
    assert refused.value.field == "consent"
    steps.consent(case_world, case, purpose="social_rehabilitation", recipient_type="siva")
    case_transition(by=case_world.siva_worker, case=case, transition="grant_service")
    assert steps.refresh(case).state == "service_granted"


def test_the_service_runs_at_most_180_days_then_five_consultations_in_two_years(case_world):
    case, _ = steps.to_identification(case_world)
    case = steps.to_service_granted(case_world, steps.identify(case_world, case))
    case_transition(by=case_world.provider_worker, case=case, transition="start_rehabilitation")
    service = running(case)["rehabilitation_service"]
    assert service.due_at - service.starts_at == timedelta(days=180)
    case_transition(by=case_world.provider_worker, case=steps.refresh(case), transition="complete_service")
    assert Deadline.objects.get(pk=service.pk).status == Deadline.Status.MET
    follow_up = running(case)["follow_up_consultations"]
    assert (follow_up.due_at - follow_up.starts_at, follow_up.quota) == (timedelta(days=730), 5)
    for _ in range(5):
        case_transition(by=case_world.provider_worker, case=steps.refresh(case), transition="record_consultation")
    assert Deadline.objects.get(pk=follow_up.pk).used == 5
    with pytest.raises(ApplicationError) as sixth:
        case_transition(by=case_world.provider_worker, case=steps.refresh(case), transition="record_consultation")
    assert problems(sixth) == ["quota_used_up"]
    assert Deadline.objects.get(pk=follow_up.pk).used == 5


def test_the_full_latvian_path_from_recognition_to_closure(case_world):
    world = case_world
    case, _ = steps.to_identification(world)
    assert case.state == "identification"
    case = steps.identify(world, case)
    assert case.state == "identified"
    case = steps.to_service_granted(world, case)
    assert case.state == "service_granted"
    case_transition(by=world.provider_worker, case=case, transition="start_rehabilitation")
    # 181 days later `opennrm tick` ends the service at its limit, as the system.
    tick(now=timezone.now() + timedelta(days=181))
    case = steps.refresh(case)
    assert case.state == "completed"
    record = TransitionRecord.objects.get(transition="complete_at_limit")
    assert (record.performed_by, record.institution) == (None, None)
    assert "follow_up_consultations" in running(case)
    case_transition(by=world.provider_worker, case=case, transition="record_consultation")
    case_transition(by=world.provider_worker, case=steps.refresh(case), transition="close")
    case = steps.refresh(case)
    assert (case.state, case.state_kind) == ("closed", "closed")
    assert case.ended_at is not None
    assert not running(case)
    assert list(TransitionRecord.objects.filter(case=case).values_list("transition", flat=True)) == [
        "refer",
        "start_identification",
        "identify_by_commission",
        "grant_service",
        "start_rehabilitation",
        "complete_at_limit",
        "record_consultation",
        "close",
    ]
    assert audit_verify().ok


# --- Outcomes ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("by", "transition", "outcome"),
    [
        ("commission_member", "not_identified", "not_identified"),
        ("social_worker", "person_refuses", "refused"),
        ("provider_worker", "person_withdraws", "withdrawn"),
    ],
)
def test_an_outcome_needs_reasons_ends_the_case_and_everything_still_running(case_world, by, transition, outcome):
    case, _ = steps.to_identification(case_world)
    if by == "commission_member":
        case_assign(by=case_world.provider_supervisor, case=case, user=case_world.commission_member)
    waiting = steps.refer(case_world, case, to="lv-provider-safe-house")
    actor = case_world.staff[by]
    with pytest.raises(ApplicationError) as refused:
        case_transition(by=actor, case=case, transition=transition)
    assert problems(refused) == ["reason_missing"]
    case_transition(by=actor, case=case, transition=transition, reason=steps.REASON)
    case = steps.refresh(case)
    assert (case.state, case.state_kind) == (outcome, "outcome")
    assert case.ended_at is not None
    assert not Deadline.objects.filter(case=case, status=Deadline.Status.RUNNING).exists()
    waiting.refresh_from_db()
    assert waiting.status == Referral.Status.WITHDRAWN
    assert AuditEvent.objects.get(action="referral.withdrawn").new_values["cause"] == "case_ended"
    with pytest.raises(ApplicationError) as after:
        case_transition(by=actor, case=case, transition="close")
    assert "wrong_state" in problems(after)
