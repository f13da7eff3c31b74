"""Who sees which case, and what of it (selectors.py); lists and the inbox cost the same however many cases exist."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from opennrm.accounts.models import Role
from opennrm.cases.models import Deadline, Nationality, Population
from opennrm.cases.reviews import reviews_pending
from opennrm.cases.selectors import (
    access_case,
    access_referral,
    can_read_review_texts,
    case_access,
    case_list,
    cases_visible_to,
    inbox,
    person_search,
    referral_texts_visible,
    referrals_incoming,
    task_assignee_choices,
)
from opennrm.cases.services.cases import break_glass_open, case_assign
from opennrm.cases.services.referrals import referral_accept, referral_decline
from opennrm.cases.services.work import note_add, task_create
from opennrm.core.errors import Forbidden, NotFoundOrForbidden
from tests.cases import steps
from tests.cases.conftest import SYNTHETIC_PERSON
from tests.factories import UserFactory

EMERGENCY = "A child is reported in immediate danger and the case holder cannot be reached tonight."


def colleague_of(user, username: str):
    """Another member of `user`'s unit with the same roles (not assigned to anything)."""
    colleague = UserFactory(username=username, email=f"{username}@example.lv", unit=user.unit)
    colleague.roles.set(user.roles.all())
    return colleague


def sees(user, case) -> bool:
    return cases_visible_to(user).filter(pk=case.pk).exists()


def test_a_case_is_seen_by_the_assigned_workers_and_the_heads_of_party_institutions(case_world):
    world = case_world
    case = steps.open_case(world)
    steps.consent(world, case)
    referral = steps.refer(world, case)
    visible = {name for name, user in world.staff.items() if sees(user, case)}
    assert visible == {"social_worker", "social_supervisor"}
    referral_accept(by=world.provider_worker, referral_id=referral.pk)
    visible = {name for name, user in world.staff.items() if sees(user, case)}
    # The commission member works at the Marta centre too, but sees the case only once assigned.
    assert visible == {"social_worker", "social_supervisor", "provider_worker", "provider_supervisor"}
    assert not sees(colleague_of(world.social_worker, "unassigned.colleague"), case)


def test_a_childs_case_is_seen_by_the_heads_of_the_orphans_court_and_the_inspectorate(case_world):
    case = steps.open_case(case_world, population=Population.CHILD, nationality=Nationality.NATIONAL)
    visible = {name for name, user in case_world.staff.items() if sees(user, case)}
    assert visible == {"social_worker", "social_supervisor", "orphans_court_supervisor", "inspectorate_supervisor"}


@pytest.mark.parametrize("name", ["coordinator", "rapporteur", "auditor", "other_social_worker", "emergency_officer"])
def test_oversight_audit_and_other_institutions_see_no_case(case_world, name):
    steps.open_case(case_world)
    assert not cases_visible_to(case_world.staff[name]).exists()
    assert case_list(user=case_world.staff[name]).cases == []


def test_break_glass_shows_the_case_for_its_hours_and_then_no_more(case_world, monkeypatch):
    case = steps.open_case(case_world)
    officer = case_world.emergency_officer
    assert not sees(officer, case)
    break_glass_open(by=officer, case=case, reason=EMERGENCY)
    assert sees(officer, case)
    access = case_access(user=officer, case=access_case(user=officer, case_id=case.pk))
    assert access.is_break_glass and not access.can_edit and access.transitions == []
    later = timezone.now() + timedelta(hours=12, minutes=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert not sees(officer, case)
    with pytest.raises(NotFoundOrForbidden):
        access_case(user=officer, case_id=case.pk)


def test_another_institutions_case_answers_exactly_like_a_missing_one(case_world):
    case = steps.open_case(case_world)
    outsider = case_world.other_social_worker
    with pytest.raises(NotFoundOrForbidden) as hidden:
        access_case(user=outsider, case_id=case.pk)
    with pytest.raises(NotFoundOrForbidden) as missing:
        access_case(user=outsider, case_id=case.pk + 1000)
    assert (type(hidden.value), hidden.value.message, hidden.value.field) == (
        type(missing.value),
        missing.value.message,
        missing.value.field,
    )
    with pytest.raises(NotFoundOrForbidden):
        access_case(user=outsider, reference=case.reference)
    assert access_case(user=case_world.social_worker, reference=case.reference.lower()) == case


def test_what_a_party_may_see_and_do(case_world):
    world = case_world
    case, referral = steps.to_identification(world)
    recognising = case_access(user=world.social_worker, case=case)
    assert recognising.data_scope == {"identity", "contacts", "circumstances"}
    assert recognising.can_edit and recognising.can_refer and not recognising.is_break_glass
    assert {t.id for t in recognising.transitions} == {"person_refuses", "person_withdraws"}
    steps.refer(world, case, to="lv-provider-safe-house", data_scope=["identity"])
    provider = case_access(user=world.provider_worker, case=case)
    assert provider.data_scope == set(referral.data_scope)
    case_assign(by=world.provider_supervisor, case=case, user=world.commission_member)
    commission = case_access(user=world.commission_member, case=case)
    assert {t.id for t in commission.transitions} == {"identify_by_commission", "not_identified"}
    # The commission files its decision (cases.edit) but does not refer: that is the case managers' work.
    assert commission.can_edit and not commission.can_refer
    assert commission.sees("identity") and not commission.sees("unknown")


def test_a_referral_is_shown_to_its_recipient_and_the_parties_only(case_world):
    case = steps.open_case(case_world)
    steps.consent(case_world, case)
    referral = steps.refer(case_world, case)
    assert access_referral(user=case_world.provider_worker, referral_id=referral.pk) == referral
    assert access_referral(user=case_world.social_worker, referral_id=referral.pk) == referral
    for name in ("siva_worker", "coordinator", "other_social_worker"):
        with pytest.raises(NotFoundOrForbidden):
            access_referral(user=case_world.staff[name], referral_id=referral.pk)
    assert list(referrals_incoming(user=case_world.provider_worker)) == [referral]
    # A member without a receiving role cannot answer, so nothing waits for them.
    assert list(referrals_incoming(user=case_world.commission_member)) == []


def test_a_waiting_referral_is_open_only_to_the_recipients_staff_who_may_answer_it(case_world):
    world = case_world
    case = steps.open_case(world)
    steps.consent(world, case)
    referral = steps.refer(world, case)
    assert access_referral(user=world.provider_worker, referral_id=referral.pk) == referral
    assert access_referral(user=world.provider_supervisor, referral_id=referral.pk) == referral
    # The commission member works at the Marta centre, but holds no receiving role: nothing to answer, nothing to see.
    with pytest.raises(NotFoundOrForbidden):
        access_referral(user=world.commission_member, referral_id=referral.pk)


def test_an_answered_referral_is_open_only_to_whoever_can_open_its_case(case_world):
    world = case_world
    case, accepted = steps.to_identification(world)
    colleague = colleague_of(world.provider_worker, "unassigned.provider")
    # Accepted: the worker who accepted is assigned; a colleague holding the same role is not, and sees nothing.
    assert access_referral(user=world.provider_worker, referral_id=accepted.pk) == accepted
    with pytest.raises(NotFoundOrForbidden):
        access_referral(user=colleague, referral_id=accepted.pk)
    # Declined: the recipient takes no part in the case, so it no longer opens the referral (walking ids shows nothing).
    steps.consent(world, case, purpose="criminal_proceedings", recipient_type="state_police")
    to_police = steps.refer(world, case, to="lv-state-police", purpose="criminal_proceedings")
    assert access_referral(user=world.police_officer, referral_id=to_police.pk) == to_police
    # Emergency access staff of the police hold no receiving role.
    with pytest.raises(NotFoundOrForbidden):
        access_referral(user=world.emergency_officer, referral_id=to_police.pk)
    referral_decline(by=world.police_officer, referral_id=to_police.pk, reason="Not ours to take.")
    for name in ("police_officer", "police_supervisor"):
        with pytest.raises(NotFoundOrForbidden):
            access_referral(user=world.staff[name], referral_id=to_police.pk)
    assert access_referral(user=world.social_worker, referral_id=to_police.pk) == to_police


def test_a_referrals_texts_are_for_the_two_institutions_and_only_while_they_see_the_circumstances(case_world):
    world = case_world
    case, to_marta = steps.to_identification(world)
    # Before the answer: its receiving-role staff read it to decide; a colleague without that role does not.
    steps.consent(world, case, purpose="criminal_proceedings", recipient_type="state_police")
    to_police = steps.refer(world, case, to="lv-state-police", purpose="criminal_proceedings")
    assert referral_texts_visible(user=world.police_officer, referral=to_police)
    assert not referral_texts_visible(user=world.emergency_officer, referral=to_police)
    case = steps.identify(world, case)
    case = steps.to_service_granted(world, case)
    # SIVA takes part with the identity only: it opens the Marta referral (its case is visible) but reads none of
    # its texts, and none of the texts of the referral that brought it in either.
    assert access_referral(user=world.siva_worker, referral_id=to_marta.pk) == to_marta
    assert not referral_texts_visible(user=world.siva_worker, referral=to_marta)
    to_siva = case.referrals.get(to_institution__code="lv-siva")
    assert not referral_texts_visible(user=world.siva_worker, referral=to_siva)
    # The two institutions the Marta referral passed between both see the circumstances.
    assert referral_texts_visible(user=world.social_worker, referral=to_marta)
    assert referral_texts_visible(user=world.provider_worker, referral=to_marta)
    # Nobody outside them, whatever they see of the case.
    assert not referral_texts_visible(user=world.provider_worker, referral=to_police)
    break_glass_open(by=world.emergency_officer, case=case, reason=EMERGENCY)
    assert not referral_texts_visible(user=world.emergency_officer, referral=to_marta)


def test_review_texts_need_personal_data_rights_besides_audit_rights(case_world):
    world = case_world
    officer = UserFactory(
        username="dpo.riga", unit=world.social_worker.unit, roles=[Role.objects.get(code="data_protection_officer")]
    )
    assert can_read_review_texts(user=officer)
    assert reviews_pending(user=officer).texts_visible
    for name in ("coordinator", "auditor"):
        assert not can_read_review_texts(user=world.staff[name])
        assert not reviews_pending(user=world.staff[name]).texts_visible
    # Personal data rights without audit rights open no review queue.
    assert not can_read_review_texts(user=world.social_worker)
    # The data protection officer opens no case: audit and personal data rights do not make case work.
    steps.open_case(world)
    assert not cases_visible_to(officer).exists()


def test_break_glass_by_an_unassigned_colleague_of_a_party_only_reads(case_world):
    world = case_world
    case, _ = steps.to_identification(world)
    steps.consent(world, case, purpose="criminal_proceedings", recipient_type="state_police")
    referral = steps.refer(world, case, to="lv-state-police", purpose="criminal_proceedings")
    referral_accept(by=world.police_officer, referral_id=referral.pk)
    # A police officer who also holds emergency access, not assigned to the case: the police take part, but they
    # see it only through break-glass.
    officer = UserFactory(
        username="police.breakglass",
        unit=world.police_officer.unit,
        roles=[Role.objects.get(code="police_officer"), Role.objects.get(code="emergency_access")],
    )
    assert not sees(officer, case)
    break_glass_open(by=officer, case=case, reason=EMERGENCY)
    access = case_access(user=officer, case=access_case(user=officer, case_id=case.pk))
    assert access.is_break_glass and not access.can_edit and access.transitions == [] and not access.can_refer
    with pytest.raises(Forbidden):
        note_add(by=officer, case=case, body="Written during an emergency access.")
    # The assigned officer acts for the police as before.
    assigned = case_access(user=world.police_officer, case=case)
    assert not assigned.is_break_glass and assigned.can_edit


def test_tasks_go_to_colleagues_who_work_on_the_case_unless_a_head_of_unit_assigns(case_world):
    world = case_world
    case = steps.open_case(world)
    unassigned = colleague_of(world.social_worker, "unassigned.social")
    worker_choices = task_assignee_choices(user=world.social_worker, case=case)
    assert world.social_worker in worker_choices and world.social_supervisor in worker_choices
    assert unassigned not in worker_choices
    assert unassigned in task_assignee_choices(user=world.social_supervisor, case=case)
    assert world.auditor not in task_assignee_choices(user=world.social_supervisor, case=case)


def test_person_search_finds_visible_cases_and_names_only_whom_to_contact_for_others(case_world):
    case = steps.open_case(case_world)
    found = person_search(
        user=case_world.social_worker,
        given_name=SYNTHETIC_PERSON.given_name.upper(),
        family_name=SYNTHETIC_PERSON.family_name,
        birth_date=SYNTHETIC_PERSON.birth_date,
    )
    assert (found.cases, found.contact_institutions) == ([case], [])
    elsewhere = person_search(
        user=case_world.other_social_worker,
        given_name=SYNTHETIC_PERSON.given_name,
        family_name=SYNTHETIC_PERSON.family_name,
        birth_date=SYNTHETIC_PERSON.birth_date,
    )
    assert elsewhere.cases == []
    assert [i.code for i in elsewhere.contact_institutions] == ["lv-social-service-riga"]
    for name in ("rapporteur", "coordinator"):
        nothing = person_search(
            user=case_world.staff[name],
            given_name=SYNTHETIC_PERSON.given_name,
            family_name=SYNTHETIC_PERSON.family_name,
            birth_date=SYNTHETIC_PERSON.birth_date,
        )
        assert (nothing.cases, nothing.contact_institutions) == ([], [])


# --- Lists ---------------------------------------------------------------------------------------------------


def test_the_case_list_filters_and_pages_through_every_case_once(case_world):
    adults = [steps.open_case(case_world) for _ in range(4)]
    child = steps.open_case(case_world, population=Population.CHILD, nationality=Nationality.NATIONAL)
    seen, cursor = [], None
    while True:
        page = case_list(user=case_world.social_worker, cursor=cursor, limit=2)
        seen += page.cases
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == [child, *reversed(adults)]
    assert case_list(user=case_world.social_worker, population="child").cases == [child]
    assert case_list(user=case_world.social_worker, reference=child.reference[:-1].lower()).cases[0] == child
    assert len(case_list(user=case_world.social_worker, state="recognised", state_kind="open").cases) == 5
    assert case_list(user=case_world.social_worker, state_kind="outcome").cases == []


@pytest.mark.parametrize("cursor", ["nonsense", "2026-01-01T00:00:00_x", "2026-01-01T00:00:00_5", "_"])
def test_a_cursor_not_made_here_is_refused(case_world, cursor):
    with pytest.raises(ValueError, match="cursor"):
        case_list(user=case_world.social_worker, cursor=cursor)


def make_cases(world, count: int) -> None:
    """Cases of the Riga social service referred to the Marta centre, each with a task and a deadline due soon."""
    for _ in range(count):
        case = steps.open_case(world)
        steps.consent(world, case)
        steps.refer(world, case)
        task_create(by=world.social_worker, case=case, title="Call back", assignee=world.social_worker)
        now = timezone.now()
        Deadline.objects.create(case=case, kind="reflection_period", starts_at=now, due_at=now + timedelta(days=3))


def queries(function) -> int:
    with CaptureQueriesContext(connection) as captured:
        function()
    return len(captured.captured_queries)


def read_list(user) -> list:
    """What a list page shows of each case."""
    return [
        (case.reference, case.state, case.recognising_institution.code, case.municipality.code)
        for case in case_list(user=user).cases
    ]


def read_inbox(user) -> list:
    """What the inbox page shows of each item."""
    waiting = inbox(user=user)
    return (
        [(r.case.reference, r.from_institution.code, r.due_at) for r in waiting.referrals]
        + [(d.case.reference, d.kind) for d in waiting.deadlines]
        + [(t.case.reference, t.title) for t in waiting.tasks]
    )


def test_the_case_list_and_the_inbox_cost_the_same_for_5_and_30_cases(case_world, django_assert_max_num_queries):
    world = case_world
    make_cases(world, 5)
    readers = {
        "list": lambda: read_list(world.social_worker),
        "inbox of the recipient": lambda: read_inbox(world.provider_worker),
        "inbox of the sender": lambda: read_inbox(world.social_worker),
    }
    for read in readers.values():
        read()  # the pack is parsed once per process; that is not the list's cost
    few = {name: queries(read) for name, read in readers.items()}
    assert len(inbox(user=world.provider_worker).referrals) == 5
    assert (len(inbox(user=world.social_worker).deadlines), len(inbox(user=world.social_worker).tasks)) == (5, 5)
    make_cases(world, 25)
    many = {name: queries(read) for name, read in readers.items()}
    assert many == few
    assert len(inbox(user=world.provider_worker).referrals) == 30
    for read in readers.values():
        with django_assert_max_num_queries(8):
            read()
