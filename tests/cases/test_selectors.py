"""Who sees which case, and what of it (selectors.py); lists and the inbox cost the same however many cases exist."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from opennrm.cases.models import Deadline, Nationality, Population
from opennrm.cases.selectors import (
    access_case,
    access_referral,
    case_access,
    case_list,
    cases_visible_to,
    inbox,
    person_search,
    referrals_incoming,
)
from opennrm.cases.services.cases import break_glass_open, case_assign
from opennrm.cases.services.referrals import referral_accept
from opennrm.cases.services.work import task_create
from opennrm.core.errors import NotFoundOrForbidden
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
