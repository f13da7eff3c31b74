"""`release_current` finds its cached release again with two reads by key, and counts it again after any write to
the facts it reads — whichever service wrote them — or after a new version of the pack is published.

Each test that changes something asserts both that the release was built again (a write path that forgets
`facts_changed` fails here) and that what is served equals a fresh build.
"""

import copy
import time
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from opennrm.cases.models import Deadline, Referral
from opennrm.cases.services.cases import person_update
from opennrm.cases.services.consent import consent_withdraw
from opennrm.cases.services.referrals import referral_accept, referral_decline, referral_withdraw
from opennrm.cases.services.tick import tick
from opennrm.cases.services.transitions import case_transition
from opennrm.jurisdiction.models import ModelVersion
from opennrm.jurisdiction.services import content_hash, version_publish
from opennrm.screening.services import screening_save
from opennrm.stats import report
from opennrm.stats.htcds import htcds_import
from opennrm.stats.models import CaseFact, FactsRevision, ReferralFact
from opennrm.stats.release import release_build
from opennrm.stats.services.facts import facts_changed
from tests.cases.steps import consent, open_case, person_data, refer
from tests.cases.test_concurrency import at_once, postgresql_only
from tests.stats.test_facts import _screening_answers
from tests.stats.test_htcds import GOOD, HEADER, write

pytestmark = pytest.mark.django_db


@pytest.fixture
def builds(monkeypatch):
    """The release builds `release_current` asks for, counted."""
    counted = []
    real_build = report.release_build

    def counting_build(**kwargs):
        counted.append(kwargs)
        return real_build(**kwargs)

    monkeypatch.setattr(report, "release_build", counting_build)
    return counted


def rebuild() -> None:
    call_command("stats", "rebuild", stdout=StringIO())


def this_year() -> int:
    # A case opened, a referral sent or a screening saved today counts in this year.
    return timezone.localdate().year


def built_again(builds, year: int) -> bool:
    """Ask for the current release of `year`; True if it had to be built, and then it must be what a build gives."""
    before = len(builds)
    served = report.release_current(year=year)
    assert served.to_json() == release_build(year=year).to_json()
    return len(builds) > before


@pytest.fixture
def cached(case_world, builds):
    """A case of this year with a referral waiting for an answer, and the year's release cached."""
    case = open_case(case_world)
    consent(case_world, case)
    referral = refer(case_world, case)
    report.release_current(year=this_year())
    return case, referral


# --- found again while nothing changes ----------------------------------------------------------------------


def test_an_unchanged_release_is_found_again_with_two_reads_by_key(cached, builds, django_assert_max_num_queries):
    assert len(builds) == 1
    with CaptureQueriesContext(connection) as queries, django_assert_max_num_queries(2):
        report.release_current(year=this_year())
    assert len(builds) == 1
    # Neither the facts nor the pack's content are read: the cost does not grow with either.
    statements = " ".join(query["sql"] for query in queries.captured_queries)
    for table in ("stats_casefact", "stats_referralfact", "stats_screeningfact", '"content"'):
        assert table not in statements


def test_a_case_change_that_leaves_the_facts_as_they_were_keeps_the_release(case_world, cached, builds):
    case, _referral = cached
    data = person_data()
    data.phone = "+371 20000999"
    person_update(by=case_world.social_worker, case=case, person=data)
    assert not built_again(builds, this_year())


def test_facts_of_a_year_outside_the_span_keep_the_release(cached, builds, make_fact):
    make_fact(year=this_year() - 10)
    assert not built_again(builds, this_year())
    # A year inside the span is read by the release (victims by year, recognising institutions by year).
    make_fact(year=this_year() - 2, outcome="identified")
    assert built_again(builds, this_year())


def test_a_direct_write_that_bypasses_the_services_is_not_seen_until_a_rebuild(cached, builds):
    """Documents the contract: the facts are written through `opennrm.stats.services.facts` or not at all."""
    CaseFact.objects.filter(source="case").update(outcome="withdrawn")
    assert len(builds) == 1
    report.release_current(year=this_year())
    assert len(builds) == 1
    rebuild()
    assert built_again(builds, this_year())


# --- built again after every kind of write ---------------------------------------------------------------------


def _person_update(world, case, referral):
    data = person_data()
    data.sex = "Masculine"
    person_update(by=world.social_worker, case=case, person=data)


def _open_another(world, case, referral):
    open_case(world)


def _accept(world, case, referral):
    referral_accept(by=world.provider_worker, referral_id=referral.pk)


def _decline(world, case, referral):
    referral_decline(by=world.provider_worker, referral_id=referral.pk, reason="No place is free this month.")


def _withdraw(world, case, referral):
    referral_withdraw(by=world.social_worker, referral_id=referral.pk)


def _refer_again(world, case, referral):
    consent(world, case, recipient_type="state_police")
    refer(world, case, to="lv-state-police")


def _consent_withdrawn(world, case, referral):
    consent_withdraw(by=world.social_worker, consent=referral.consent, note="The person changed their mind.")


def _transition(world, case, referral):
    case_transition(by=world.social_worker, case=case, transition="person_refuses", reason="Demo reason.")


@pytest.mark.parametrize(
    "change",
    [
        _person_update,
        _open_another,
        _accept,
        _decline,
        _withdraw,
        _refer_again,
        _consent_withdrawn,
        _transition,
    ],
    ids=lambda change: change.__name__.strip("_"),
)
def test_a_case_service_change_counts_the_release_again(case_world, cached, builds, change):
    case, referral = cached
    change(case_world, case, referral)
    assert built_again(builds, this_year())
    assert not built_again(builds, this_year())


def test_a_referral_escalated_by_tick_counts_the_release_again(cached, builds):
    _case, referral = cached
    past = timezone.now() - timedelta(hours=1)
    Referral.objects.filter(pk=referral.pk).update(due_at=past)
    Deadline.objects.filter(referral=referral).update(due_at=past)
    assert ReferralFact.objects.get(referral=referral).overdue is False
    assert tick().escalations == 1
    assert ReferralFact.objects.get(referral=referral).overdue is True
    assert built_again(builds, this_year())


def test_a_saved_screening_counts_the_release_of_its_year_again(case_world, cached, builds):
    screening_save(
        by=case_world.border_guard,
        model=case_world.version,
        answers=_screening_answers(case_world.version),
        screened_on=timezone.localdate(),
    )
    assert built_again(builds, this_year())


def test_a_rebuild_counts_the_releases_of_the_years_it_rewrote_again(cached, builds, make_fact):
    # The fact of a case that is gone: a rebuild drops it, and its year then has no fact at all.
    make_fact(source="case", source_key="case:999999", year=this_year() - 2, outcome="identified")
    report.release_current(year=this_year() - 1)
    builds.clear()
    rebuild()
    assert not CaseFact.objects.filter(source_key="case:999999").exists()
    assert built_again(builds, this_year())
    assert built_again(builds, this_year() - 1)


def test_an_htcds_import_counts_the_release_again_once_per_change(case_world, builds, tmp_path):
    facts_changed(years=[2023, 2024, 2025])  # rows for the years: then each takes one update
    report.release_current(year=2024)
    path = write(tmp_path, [HEADER, *GOOD])
    with CaptureQueriesContext(connection) as queries:
        htcds_import(path=path)
    # Three records of 2023, 2024 and 2025: one new revision per year, not one per record.
    bumps = [q for q in queries.captured_queries if q["sql"].startswith('UPDATE "stats_factsrevision"')]
    assert len(bumps) == 3
    assert built_again(builds, 2024)
    htcds_import(path=path)  # the same file again changes nothing
    assert not built_again(builds, 2024)
    htcds_import(path=write(tmp_path, [HEADER, GOOD[1].replace("Masculine", "Feminine")], "changed.csv"))
    assert built_again(builds, 2024)


# --- one order of locks for every writer -------------------------------------------------------------------------
# A year's revision row stays locked until the transaction ends, and so does the audit log's chain head. A writer
# taking them the other way round from the rest could deadlock with it on PostgreSQL (one of the two would fail),
# so every writer bumps the revisions after its audit record (`facts_changed`).


def _statements(queries) -> list[str]:
    return [q["sql"] for q in queries.captured_queries]


def assert_revisions_after_audit(queries) -> None:
    statements = _statements(queries)
    bumps = [n for n, sql in enumerate(statements) if '"stats_factsrevision"' in sql and not sql.startswith("SELECT")]
    heads = [n for n, sql in enumerate(statements) if '"audit_auditchainhead"' in sql]
    assert bumps and heads, "the writer should both audit and bump a revision"
    assert max(heads) < min(bumps), "the audit chain head is taken after a facts revision"


@pytest.mark.parametrize(
    "change",
    [_person_update, _accept, _decline, _withdraw, _consent_withdrawn, _transition],
    ids=lambda change: change.__name__.strip("_"),
)
def test_a_case_service_bumps_the_revisions_after_its_audit_record(case_world, cached, change):
    case, referral = cached
    with CaptureQueriesContext(connection) as queries:
        change(case_world, case, referral)
    assert_revisions_after_audit(queries)


def test_the_tick_bumps_the_revisions_after_its_audit_record(cached):
    _case, referral = cached
    past = timezone.now() - timedelta(hours=1)
    Referral.objects.filter(pk=referral.pk).update(due_at=past)
    Deadline.objects.filter(referral=referral).update(due_at=past)
    with CaptureQueriesContext(connection) as queries:
        assert tick().escalations == 1
    assert_revisions_after_audit(queries)


def test_an_htcds_import_bumps_the_revisions_after_its_audit_record(case_world, tmp_path):
    with CaptureQueriesContext(connection) as queries:
        htcds_import(path=write(tmp_path, [HEADER, *GOOD]))
    assert_revisions_after_audit(queries)


def test_a_saved_screening_bumps_the_revisions_after_its_audit_record(case_world):
    with CaptureQueriesContext(connection) as queries:
        screening_save(
            by=case_world.border_guard,
            model=case_world.version,
            answers=_screening_answers(case_world.version),
            screened_on=timezone.localdate(),
        )
    assert_revisions_after_audit(queries)


def test_a_new_version_of_the_pack_counts_the_release_again(case_world, cached, builds):
    content = copy.deepcopy(case_world.version.content)
    content["statistics"]["threshold"] = 7
    draft = ModelVersion.objects.create(
        pack_code="lv",
        number=case_world.version.number + 1,
        status=ModelVersion.Status.DRAFT,
        content=content,
        content_hash=content_hash(content),
        based_on=case_world.version,
    )
    version_publish(version=draft, change_note="A higher threshold.", by=None)
    assert built_again(builds, this_year())
    assert report.release_current(year=this_year()).threshold == 7


# --- the revisions themselves ---------------------------------------------------------------------------------


def test_a_year_gets_its_row_at_its_first_change_and_a_new_revision_at_every_other(db):
    assert not FactsRevision.objects.exists()
    facts_changed(years=[2024, 2022, 2024])
    first = dict(FactsRevision.objects.values_list("year", "revision"))
    assert sorted(first) == [2022, 2024]
    facts_changed(years=[2024])
    second = dict(FactsRevision.objects.values_list("year", "revision"))
    assert second[2022] == first[2022]
    assert second[2024] != first[2024]


def test_revisions_are_taken_in_the_order_of_the_years(db):
    facts_changed(years=[2021, 2023])
    with CaptureQueriesContext(connection) as queries:
        facts_changed(years=[2023, 2021, 2022])
    updated = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    # 2022 has no row yet: its update finds nothing, the row is inserted and updated.
    years = [int(sql.rsplit("=", 1)[1].strip(" )")) for sql in updated]
    assert years == [2021, 2022, 2022, 2023]


def test_a_rebuild_takes_one_revision_per_year_whatever_the_number_of_facts(case_world, make_fact):
    for _ in range(3):
        open_case(case_world)
    for year in (2019, 2020):
        make_fact(year=year)
    with CaptureQueriesContext(connection) as queries:
        rebuild()
    bumps = [q for q in queries.captured_queries if q["sql"].startswith('UPDATE "stats_factsrevision"')]
    assert len(bumps) == 3  # this year, 2019 and 2020


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_writers_of_the_same_years_at_once_all_go_through():
    """Fresh years, so every writer races to create the rows too; each holds them a moment before committing."""

    def writer(years):
        def write():
            with transaction.atomic():
                facts_changed(years=years)
                time.sleep(0.2)
            return years

        return write

    years = [[2030, 2031], [2031, 2030], [2031], [2032, 2030]]
    assert at_once(*[writer(y) for y in years]) == years
    assert sorted(FactsRevision.objects.values_list("year", flat=True)) == [2030, 2031, 2032]
