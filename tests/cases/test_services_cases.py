"""Opening a case, the person's data, assignments and break-glass access (services/cases.py)."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone

from opennrm.audit.models import AuditEvent
from opennrm.cases.crypto import blind_index
from opennrm.cases.models import (
    Assignment,
    BreakGlassAccess,
    Case,
    CaseEvent,
    CaseParty,
    Nationality,
    Notification,
    Person,
    Population,
)
from opennrm.cases.services.cases import (
    PersonData,
    break_glass_open,
    case_assign,
    case_open,
    case_unassign,
    person_data_read,
    person_update,
)
from opennrm.cases.services.referrals import referral_accept
from opennrm.core.errors import ApplicationError, Forbidden, NotFoundOrForbidden
from tests.cases import steps
from tests.cases.conftest import SYNTHETIC_PERSON
from tests.factories import UserFactory


def test_an_adult_case_is_opened_under_the_published_version_with_the_person_encrypted(case_world):
    case = steps.open_case(case_world)
    assert re.fullmatch(rf"LV-{timezone.localdate().year}-\d{{6}}", case.reference)
    assert (case.state, case.state_kind, case.model_version) == ("recognised", "open", case_world.version)
    assert (case.population, case.nationality) == (Population.ADULT, Nationality.THIRD_COUNTRY_NATIONAL)
    assert case.recognising_institution == case_world.institution("lv-social-service-riga")
    assert (case.forms, case.countries, case.municipality.code) == (["ForcedLabour"], ["LV", "UA"], "riga")
    person = Person.objects.get(case=case)
    assert (person.given_name, person.family_name, person.birth_date) == (
        SYNTHETIC_PERSON.given_name,
        SYNTHETIC_PERSON.family_name,
        SYNTHETIC_PERSON.birth_date,
    )
    assert person.blind_index == blind_index(
        SYNTHETIC_PERSON.given_name, SYNTHETIC_PERSON.family_name, SYNTHETIC_PERSON.birth_date
    )
    [party] = CaseParty.objects.filter(case=case)
    assert (party.institution, party.reason) == (case.recognising_institution, CaseParty.Reason.RECOGNISED)
    assert Assignment.objects.filter(case=case, user=case_world.social_worker, ended_at__isnull=True).exists()
    assert list(CaseEvent.objects.filter(case=case).values_list("kind", flat=True)) == ["case.opened"]
    audit = AuditEvent.objects.get(action="case.opened")
    assert audit.actor == case_world.social_worker
    assert audit.new_values["case"] == case.reference
    assert audit.new_values["model_version"] == case_world.version.number


def test_references_count_up_within_a_year_and_start_again_in_the_next(case_world, monkeypatch):
    first, second = steps.open_case(case_world), steps.open_case(case_world)
    year = timezone.localdate().year
    assert [first.reference, second.reference] == [f"LV-{year}-000001", f"LV-{year}-000002"]
    # Just after midnight on New Year's Day in Riga, still the old year in UTC: the local year counts.
    new_year = datetime(year + 1, 1, 1, 0, 30, tzinfo=timezone.get_default_timezone()).astimezone(UTC)
    monkeypatch.setattr(timezone, "now", lambda: new_year)
    assert steps.open_case(case_world).reference == f"LV-{year + 1}-000001"


def test_a_childs_case_involves_the_orphans_court_and_the_inspectorate_and_tells_their_heads(case_world):
    case = steps.open_case(case_world, population=Population.CHILD, nationality=Nationality.NATIONAL)
    parties = {p.institution.code: p.reason for p in CaseParty.objects.filter(case=case).select_related("institution")}
    assert parties == {
        "lv-social-service-riga": CaseParty.Reason.RECOGNISED,
        "lv-orphans-court-riga": CaseParty.Reason.CHILD,
        "lv-children-rights-inspectorate": CaseParty.Reason.CHILD,
    }
    told = set(
        Notification.objects.filter(case=case, kind="party.involved").values_list("recipient__username", flat=True)
    )
    assert told == {"orphans.court.supervisor", "inspectorate.supervisor"}
    assert CaseEvent.objects.filter(case=case, kind="party.involved").count() == 2
    # The pack lets them see who the child is without a consent: the law puts them beside the child.
    involved = CaseParty.objects.filter(case=case, reason=CaseParty.Reason.CHILD)
    assert {frozenset(p.data_scope) for p in involved} == {frozenset({"identity", "contacts", "circumstances"})}


def test_an_adults_case_involves_no_one_else(case_world):
    case = steps.open_case(case_world)
    assert CaseParty.objects.filter(case=case).count() == 1
    assert not Notification.objects.filter(case=case).exists()


def test_a_childs_case_needs_the_municipality_whose_orphans_court_takes_part(case_world):
    with pytest.raises(ApplicationError) as refused:
        case_open(
            by=case_world.social_worker,
            population=Population.CHILD,
            nationality=Nationality.NATIONAL,
            person=steps.child_data(),
        )
    assert refused.value.field == "municipality"
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"population": "elder"}, "population"),
        ({"nationality": "martian"}, "nationality"),
        ({"forms": ["Kidnapping"]}, "forms"),
        ({"countries": ["Latvia"]}, "countries"),
        ({"person": PersonData(birth_date=date.today() + timedelta(days=2))}, "birth_date"),
        ({"person": PersonData(sex="robot")}, "sex"),
        ({"person": PersonData(given_name="x" * 201)}, "given_name"),
        ({"person": PersonData(citizenship=["LVA1"])}, "citizenship"),
    ],
)
def test_bad_input_opens_nothing_and_names_the_field(case_world, changes, field):
    arguments = {
        "by": case_world.social_worker,
        "population": Population.ADULT,
        "nationality": Nationality.NATIONAL,
        "person": steps.person_data(),
        "municipality": steps.riga(),
    }
    with pytest.raises(ApplicationError) as refused:
        case_open(**{**arguments, **changes})
    assert refused.value.field == field
    assert not Case.objects.exists()
    assert not AuditEvent.objects.filter(action="case.opened").exists()


@pytest.mark.parametrize("name", ["coordinator", "rapporteur", "auditor", "emergency_officer"])
def test_staff_who_do_not_edit_cases_cannot_open_one(case_world, name):
    with pytest.raises(NotFoundOrForbidden):
        steps.open_case(case_world, by=case_world.staff[name])
    assert not Case.objects.exists()


def test_a_frontline_worker_opens_a_case_for_their_institution(case_world):
    case = steps.open_case(case_world, by=case_world.border_guard)
    assert case.recognising_institution.code == "lv-state-border-guard"


# --- The person's data ---------------------------------------------------------------------------------------


def test_the_recognising_institution_corrects_the_person_and_the_log_names_only_the_fields(case_world):
    case = steps.open_case(case_world)
    data = steps.person_data()
    data.phone = "+371 20000099"
    data.given_name = "Zzyzxina"
    person_update(by=case_world.social_worker, case=case, person=data)
    person = Person.objects.get(case=case)
    assert (person.phone, person.given_name) == ("+371 20000099", "Zzyzxina")
    assert person.blind_index == blind_index("Zzyzxina", SYNTHETIC_PERSON.family_name, SYNTHETIC_PERSON.birth_date)
    audit = AuditEvent.objects.get(action="person.updated")
    assert sorted(audit.new_values["fields"]) == ["given_name", "phone"]
    assert "Zzyzxina" not in str(audit.new_values) and "20000099" not in str(audit.new_values)


def years_ago(years: int, *, days: int = 0) -> date:
    """Today `years` years ago (the 28th for a 29 February), moved on by `days`."""
    today = timezone.localdate()
    try:
        anniversary = today.replace(year=today.year - years)
    except ValueError:
        anniversary = today.replace(year=today.year - years, day=28)
    return anniversary + timedelta(days=days)


@pytest.mark.parametrize(
    ("population", "changes", "field"),
    [
        (Population.ADULT, {"birth_date": years_ago(17)}, "birth_date"),
        (Population.ADULT, {"birth_date": years_ago(18, days=2)}, "birth_date"),  # 18 in two days: still a child
        (Population.ADULT, {"birth_date": None, "age_band": "12-17"}, "age_band"),
        (Population.ADULT, {"birth_date": None, "age_band": "0-11"}, "age_band"),
        (Population.CHILD, {"birth_date": years_ago(19)}, "birth_date"),
    ],
    ids=["adult-born-17-years-ago", "adult-turning-18", "adult-aged-12-17", "adult-aged-0-11", "child-born-adult"],
)
def test_the_population_must_agree_with_the_persons_age(case_world, population, changes, field):
    person = steps.child_data() if population == Population.CHILD else steps.person_data()
    for name, value in changes.items():
        setattr(person, name, value)
    with pytest.raises(ApplicationError) as refused:
        case_open(
            by=case_world.social_worker,
            population=population,
            nationality=Nationality.NATIONAL,
            person=person,
            municipality=steps.riga(),
        )
    assert refused.value.field == field
    assert not Case.objects.exists()


def test_a_child_of_uncertain_age_may_be_opened_as_a_child(case_world):
    # In doubt a person is presumed a child: an adult age band does not stop a child's case.
    person = steps.child_data()
    person.birth_date, person.age_band = None, "18-24"
    case = case_open(
        by=case_world.social_worker,
        population=Population.CHILD,
        nationality=Nationality.NATIONAL,
        person=person,
        municipality=steps.riga(),
    )
    assert case.is_child
    assert (
        case_open(
            by=case_world.social_worker,
            population=Population.ADULT,
            nationality=Nationality.NATIONAL,
            person=steps.person_data(),
            municipality=steps.riga(),
        ).population
        == Population.ADULT
    )


def test_correcting_the_person_cannot_make_an_adults_case_a_childs(case_world):
    case = steps.open_case(case_world)
    data = steps.person_data()
    data.birth_date = years_ago(15)
    with pytest.raises(ApplicationError) as refused:
        person_update(by=case_world.social_worker, case=case, person=data)
    assert refused.value.field == "birth_date"
    assert Person.objects.get(case=case).birth_date == SYNTHETIC_PERSON.birth_date


def test_an_institution_given_only_part_of_the_data_cannot_rewrite_the_person(case_world):
    case = steps.open_case(case_world)
    steps.consent(case_world, case)
    referral = steps.refer(case_world, case, data_scope=["identity"])
    referral_accept(by=case_world.provider_worker, referral_id=referral.pk)
    with pytest.raises(Forbidden):
        person_update(by=case_world.provider_worker, case=case, person=steps.person_data())
    assert not AuditEvent.objects.filter(action="person.updated").exists()


def test_showing_the_person_is_audited_and_refused_to_those_who_cannot_open_the_case(case_world):
    case = steps.open_case(case_world)
    person_data_read(by=case_world.social_worker, case=case, purpose="case page")
    audit = AuditEvent.objects.get(action="person.viewed")
    assert (audit.actor, audit.purpose, audit.object_id) == (case_world.social_worker, "case page", case.reference)
    for name in ("other_social_worker", "provider_worker", "rapporteur"):
        with pytest.raises(NotFoundOrForbidden):
            person_data_read(by=case_world.staff[name], case=case)
    assert AuditEvent.objects.filter(action="person.viewed").count() == 1


# --- Assignments ---------------------------------------------------------------------------------------------


def test_a_head_of_unit_assigns_a_colleague_who_is_told(case_world):
    case = steps.open_case(case_world)
    colleague = case_world.social_supervisor
    worker = UserFactory(username="second.worker", email="second@example.lv", unit=case_world.social_worker.unit)
    worker.roles.set(case_world.social_worker.roles.all())
    case_assign(by=colleague, case=case, user=worker)
    case_assign(by=colleague, case=case, user=worker)  # twice: still one assignment, one e-mail
    assert Assignment.objects.filter(case=case, user=worker, ended_at__isnull=True).count() == 1
    assert Notification.objects.filter(recipient=worker, kind="case.assigned").count() == 1
    assert AuditEvent.objects.filter(action="case.assigned").count() == 1
    case_unassign(by=worker, case=case, user=worker)
    assert not Assignment.objects.filter(case=case, user=worker, ended_at__isnull=True).exists()


def test_only_heads_of_unit_assign_and_only_colleagues_who_work_with_cases(case_world):
    case = steps.open_case(case_world)
    with pytest.raises(NotFoundOrForbidden):
        case_assign(by=case_world.social_worker, case=case, user=case_world.auditor)
    with pytest.raises(ApplicationError) as refused:
        case_assign(by=case_world.social_supervisor, case=case, user=case_world.provider_worker)
    assert refused.value.field == "user"
    with pytest.raises(ApplicationError):
        case_assign(by=case_world.social_supervisor, case=case, user=case_world.auditor)
    with pytest.raises(NotFoundOrForbidden):
        case_assign(by=case_world.provider_supervisor, case=case, user=case_world.provider_worker)


# --- Break-glass ---------------------------------------------------------------------------------------------

EMERGENCY = "The child is reported in immediate danger tonight and the case holder cannot be reached."


def test_break_glass_needs_a_written_reason_and_is_flagged_and_told_to_the_parties_heads(case_world):
    case = steps.open_case(case_world)
    with pytest.raises(ApplicationError) as refused:
        break_glass_open(by=case_world.emergency_officer, case=case, reason="urgent")
    assert refused.value.field == "reason"
    access = break_glass_open(by=case_world.emergency_officer, case=case, reason=EMERGENCY)
    assert BreakGlassAccess.objects.get().reason == EMERGENCY
    hours = (access.expires_at - access.created_at).total_seconds() / 3600
    assert round(hours) == 12
    audit = AuditEvent.objects.get(action="case.break_glass")
    assert audit.new_values["flagged"] is True
    assert EMERGENCY not in str(audit.new_values)
    told = Notification.objects.filter(case=case, kind="case.break_glass").values_list("recipient__username", flat=True)
    assert list(told) == ["social.supervisor"]


@pytest.mark.parametrize("name", ["social_worker", "police_officer", "coordinator"])
def test_break_glass_is_only_for_the_emergency_role(case_world, name):
    case = steps.open_case(case_world)
    with pytest.raises(NotFoundOrForbidden):
        break_glass_open(by=case_world.staff[name], case=case, reason=EMERGENCY)
    assert not BreakGlassAccess.objects.exists()
