"""Facts follow the case in the case services' own transaction, say only codes, and can be rebuilt."""

import json
from datetime import date, timedelta

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opennrm.cases.models import Case, Referral
from opennrm.cases.services.cases import PersonData, case_open, person_update
from opennrm.cases.services.referrals import referral_accept, referral_decline, referral_withdraw
from opennrm.cases.services.retention import case_erase
from opennrm.cases.services.transitions import case_transition
from opennrm.screening.services import screening_save
from opennrm.stats.models import CaseFact, ReferralFact, ScreeningFact
from opennrm.stats.services.facts import (
    case_fact_refresh,
    facts_rebuild,
    referral_fact_refresh,
    screening_fact_refresh,
)
from tests.cases.conftest import SYNTHETIC_PERSON, SyntheticPerson
from tests.cases.steps import consent, identify, open_case, person_data, refer, riga, to_identification

pytestmark = pytest.mark.django_db

DISTINCT = SyntheticPerson(
    given_name="Vyxqorrim",
    family_name="Zqelbrantova",
    birth_date="1987-03-14",
    personal_code="140387-19999",
    phone="+371 20000777",
    email="vyxqorrim@example.lv",
    address="Fiktīvā iela 77, Demo",
)


def _age_today(birth: str) -> int:
    born, today = date.fromisoformat(birth), timezone.localdate()
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def fact_of(case) -> CaseFact:
    return CaseFact.objects.get(case=case)


def test_opening_a_case_writes_its_fact(case_world, lv_definitions):
    case = open_case(case_world)
    fact = fact_of(case)
    opened = timezone.localtime(case.opened_at)
    assert fact.source_key == f"case:{case.pk}"
    assert fact.source == "case"
    assert fact.pack_code == "lv"
    assert (fact.year, fact.month) == (opened.year, opened.month)
    assert fact.sex == "Feminine"
    assert fact.age_band == lv_definitions.age_band_for_age(_age_today(SYNTHETIC_PERSON.birth_date))
    assert fact.is_child is False
    assert (fact.citizenship, fact.citizenship_group) == ("UA", "non_eu")
    assert fact.forms == ["ForcedLabour"]
    assert fact.exploitation_countries == ["LV", "UA"]
    assert fact.recognising_type == "municipal_social_service"
    assert fact.region == "riga_region"
    assert fact.pathway == []
    assert (fact.outcome, fact.identification_route) == ("in_progress", "")
    assert (fact.days_to_referral, fact.days_to_identification, fact.days_to_service) == (None, None, None)
    assert fact.services == []


def test_referrals_identification_and_service_reach_the_fact(case_world):
    case, referral = to_identification(case_world)
    fact = fact_of(case)
    assert fact.pathway == [["municipal_social_service", "service_provider"]]
    assert fact.days_to_referral == 0
    referral_fact = ReferralFact.objects.get(referral=referral)
    assert referral_fact.case_fact == fact
    assert (referral_fact.from_type, referral_fact.to_type) == ("municipal_social_service", "service_provider")
    assert (referral_fact.status, referral_fact.hours_to_answer, referral_fact.overdue) == ("accepted", 0, False)

    case = identify(case_world, case)
    fact.refresh_from_db()
    assert (fact.outcome, fact.identification_route, fact.days_to_identification) == ("identified", "commission", 0)

    consent(case_world, case, purpose="social_rehabilitation", recipient_institution=case_world.institution("lv-siva"))
    siva = refer(case_world, case, to="lv-siva", purpose="social_rehabilitation", data_scope=["identity"])
    fact.refresh_from_db()
    assert fact.pathway[-1] == ["municipal_social_service", "siva"]
    assert ReferralFact.objects.get(referral=siva).status == "sent"
    referral_accept(by=case_world.siva_worker, referral_id=siva.pk)
    case_transition(by=case_world.siva_worker, case=Case.objects.get(pk=case.pk), transition="grant_service")
    fact.refresh_from_db()
    assert fact.services == ["social_rehabilitation"]
    assert fact.days_to_service == 0
    # Identified stays identified whatever happens later.
    case_transition(by=case_world.social_worker, case=case, transition="person_withdraws", reason="Demo reason.")
    fact.refresh_from_db()
    assert fact.outcome == "identified"


def test_a_decision_in_criminal_proceedings_and_a_refusal(case_world):
    case = open_case(case_world)
    consent(case_world, case, recipient_type="state_police")
    referral = refer(case_world, case, to="lv-state-police")
    referral_accept(by=case_world.police_officer, referral_id=referral.pk)
    case = Case.objects.get(pk=case.pk)
    case_transition(by=case_world.police_officer, case=case, transition="not_identified", reason="Demo reasons.")
    fact = fact_of(case)
    assert (fact.outcome, fact.identification_route, fact.days_to_identification) == (
        "not_identified",
        "criminal_proceedings",
        None,
    )
    other = open_case(case_world)
    case_transition(by=case_world.social_worker, case=other, transition="person_refuses", reason="Demo reason.")
    assert (fact_of(other).outcome, fact_of(other).identification_route) == ("refused", "")


def test_declined_and_withdrawn_referrals(case_world):
    case = open_case(case_world)
    consent(case_world, case)
    first = refer(case_world, case)
    referral_decline(by=case_world.provider_worker, referral_id=first.pk, reason="No place at the moment, sorry.")
    declined = ReferralFact.objects.get(referral=first)
    assert (declined.status, declined.hours_to_answer, declined.overdue) == ("declined", 0, False)
    consent(case_world, case, recipient_type="state_police")
    second = refer(case_world, case, to="lv-state-police")
    referral_withdraw(by=case_world.social_worker, referral_id=second.pk)
    withdrawn = ReferralFact.objects.get(referral=second)
    assert (withdrawn.status, withdrawn.hours_to_answer, withdrawn.overdue) == ("withdrawn", None, False)
    assert len(fact_of(case).pathway) == 2


def test_an_unanswered_referral_past_its_time_is_expired_and_overdue(case_world):
    case = open_case(case_world)
    consent(case_world, case)
    referral = refer(case_world, case)
    Referral.objects.filter(pk=referral.pk).update(due_at=timezone.now() - timedelta(hours=1))
    referral_fact_refresh(referral=referral)
    fact = ReferralFact.objects.get(referral=referral)
    assert (fact.status, fact.overdue, fact.hours_to_answer) == ("expired", True, None)


def test_person_update_moves_the_fact(case_world):
    case = open_case(case_world)
    data = person_data()
    data.sex = "Masculine"
    data.citizenship = ["LT"]
    person_update(by=case_world.social_worker, case=case, person=data)
    fact = fact_of(case)
    assert (fact.sex, fact.citizenship, fact.citizenship_group) == ("Masculine", "LT", "other_eu")
    data.citizenship = ["LV", "RU"]
    person_update(by=case_world.social_worker, case=case, person=data)
    fact.refresh_from_db()
    assert (fact.citizenship, fact.citizenship_group) == ("LV", "national")


@pytest.mark.parametrize(
    ("coarse", "band"),
    [("12-17", "9-17"), ("18-24", "unknown"), ("50+", "48+"), ("unknown", "unknown")],
)
def test_without_a_birth_date_the_coarse_band_counts_only_when_it_fits_one_band(case_world, coarse, band):
    data = PersonData(sex="Masculine", age_band=coarse, citizenship=["LV"])
    population = "child" if coarse == "12-17" else "adult"
    case = case_open(
        by=case_world.social_worker, population=population, nationality="national", person=data, municipality=riga()
    )
    fact = fact_of(case)
    assert fact.age_band == band
    assert fact.is_child is (population == "child")


def test_a_child_by_birth_date(case_world, lv_definitions):
    case = open_case(case_world, population="child")
    fact = fact_of(case)
    assert fact.is_child is True
    assert fact.age_band == "9-17"


def test_the_fact_is_written_in_the_case_services_transaction(case_world, monkeypatch):
    """If the fact cannot be written, the case is not opened either: one transaction."""

    def broken(*, case):
        raise RuntimeError("fact store unavailable")

    monkeypatch.setattr("opennrm.cases.services.cases.case_fact_refresh", broken)
    before = Case.objects.count()
    with pytest.raises(RuntimeError):
        open_case(case_world)
    assert Case.objects.count() == before
    assert not CaseFact.objects.exists()


def test_facts_hold_no_name_personal_code_free_text_or_exact_date(case_world):
    case = case_open(
        by=case_world.social_worker,
        population="adult",
        nationality="third_country_national",
        person=person_data(DISTINCT),
        municipality=riga(),
        forms=["SexualExploitation"],
        countries=["DE"],
    )
    consent(case_world, case)
    referral = refer(case_world, case, message=f"{DISTINCT.given_name} {DISTINCT.family_name} waits at the station.")
    referral_decline(
        by=case_world.provider_worker, referral_id=referral.pk, reason=f"{DISTINCT.family_name} cannot be placed."
    )
    rows = list(CaseFact.objects.values()) + list(ReferralFact.objects.values())
    text = json.dumps(rows, cls=DjangoJSONEncoder, ensure_ascii=False)
    for secret in [*DISTINCT.secrets(), DISTINCT.birth_date, DISTINCT.address, case.reference, "station"]:
        assert secret.lower() not in text.lower()
    # The only point in time a fact row carries is when the row itself was written; dates are year and month.
    for model in (CaseFact, ReferralFact, ScreeningFact):
        moments = [f.name for f in model._meta.concrete_fields if isinstance(f, models.DateField | models.TimeField)]
        assert moments in ([], ["updated_at"])
        texts = [f.name for f in model._meta.concrete_fields if isinstance(f, models.TextField)]
        assert texts == []


def test_refreshing_takes_a_handful_of_queries(case_world, django_assert_max_num_queries):
    case, _referral = to_identification(case_world)
    case = identify(case_world, case)
    case_fact_refresh(case=case)  # the definitions of the model in force are cached after the first use
    with django_assert_max_num_queries(8):
        case_fact_refresh(case=case)


def test_rebuild_recreates_the_same_facts_and_keeps_imported_ones(case_world, make_fact):
    case, _referral = to_identification(case_world)
    identify(case_world, case)
    open_case(case_world)
    imported = make_fact(source_key="htcds:DEMO-1")
    before = sorted(
        (f.source_key, f.outcome, f.pathway, f.age_band, f.days_to_identification) for f in CaseFact.objects.all()
    )
    referral_rows = sorted(ReferralFact.objects.values_list("referral_id", "status", "to_type", "overdue"))
    CaseFact.objects.filter(source="case").update(outcome="withdrawn", age_band="0-8")
    report = facts_rebuild()
    after = sorted(
        (f.source_key, f.outcome, f.pathway, f.age_band, f.days_to_identification) for f in CaseFact.objects.all()
    )
    assert after == before
    assert sorted(ReferralFact.objects.values_list("referral_id", "status", "to_type", "overdue")) == referral_rows
    assert CaseFact.objects.filter(pk=imported.pk).exists()
    assert (report.case_facts, report.referral_facts, report.htcds_facts_kept) == (2, 1, 1)


def test_rebuild_keeps_the_age_band_of_an_erased_case(case_world):
    case = open_case(case_world)
    case_transition(by=case_world.social_worker, case=case, transition="person_refuses", reason="Demo reason.")
    band = fact_of(case).age_band
    assert band != "unknown"
    case_erase(case=Case.objects.get(pk=case.pk))
    facts_rebuild()
    assert fact_of(case).age_band == band


def _screening_answers(version):
    indicator_set = version.content["indicator_sets"][0]
    return {indicator_set["id"]: {indicator_set["indicators"][0]["id"]: "yes"}}


def test_a_saved_screening_writes_its_fact_and_rebuild_recreates_it(case_world):
    screening = screening_save(
        by=case_world.border_guard,
        model=case_world.version,
        answers=_screening_answers(case_world.version),
        screened_on=date(2025, 4, 17),
    )
    fact = ScreeningFact.objects.get(screening=screening)
    assert (fact.year, fact.month, fact.institution_type, fact.outcome) == (
        2025,
        4,
        "state_border_guard",
        screening.outcome,
    )
    assert screening_fact_refresh(screening=screening).pk == fact.pk
    facts_rebuild()
    rebuilt = ScreeningFact.objects.get(screening=screening)
    assert (rebuilt.year, rebuilt.month, rebuilt.institution_type, rebuilt.region, rebuilt.outcome) == (
        fact.year,
        fact.month,
        fact.institution_type,
        fact.region,
        fact.outcome,
    )


NAME_LETTERS = "abcdefghijklmnoprstuvzāčēģīķļņšūž"


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    given=st.text(NAME_LETTERS, min_size=6, max_size=12),
    family=st.text(NAME_LETTERS, min_size=6, max_size=12),
    code=st.from_regex(r"\A[0-9]{6}-[0-9]{5}\Z"),
    note=st.text(NAME_LETTERS + " ", min_size=12, max_size=40),
)
def test_property_no_fact_holds_the_persons_name_code_or_a_free_text(case_world, given, family, code, note):
    person = SyntheticPerson(given_name="Zq" + given, family_name="Xq" + family, personal_code=code)
    case = case_open(
        by=case_world.social_worker,
        population="adult",
        nationality="national",
        person=person_data(person),
        municipality=riga(),
    )
    consent(case_world, case, recipient_type="state_police")
    refer(case_world, case, to="lv-state-police", message="Zq" + note)
    row = CaseFact.objects.filter(case=case).values().get()
    referral_rows = list(ReferralFact.objects.filter(case_fact_id=row["id"]).values())
    text = json.dumps([row, referral_rows], cls=DjangoJSONEncoder, ensure_ascii=False).casefold()
    for secret in (person.given_name, person.family_name, person.personal_code, "zq" + note):
        assert secret.casefold() not in text
