"""Building a release from the facts: what each table counts, its suppression, durations and the stored form."""

import copy

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from opennrm.core.errors import ApplicationError
from opennrm.jurisdiction.models import ModelVersion
from opennrm.jurisdiction.services import content_hash
from opennrm.stats.disclosure import PRIMARY, StatTable, audit
from opennrm.stats.models import ReferralFact, ScreeningFact
from opennrm.stats.release import (
    CASE_TABLE_IDS,
    COUNT_TABLE_IDS,
    DURATION_TABLE_IDS,
    FORM_TABLE_IDS,
    REFERRAL_TABLE_IDS,
    SCREENING_TABLE_IDS,
    TABLE_IDS,
    VICTIM_TABLE_IDS,
    DurationTable,
    Release,
    _Counter,
    release_build,
)


def publish_statistics(content, *, dp=None, threshold=None, public_tables=None, epsilon=None) -> ModelVersion:
    """Publish a copy of the Latvian pack with its statistics section changed as asked."""
    content = copy.deepcopy(content)
    section = content["statistics"]
    if dp is not None:
        section["publication"]["differential_privacy"]["enabled"] = dp
    if epsilon is not None:
        section["publication"]["differential_privacy"]["epsilon"] = epsilon
    if threshold is not None:
        section["threshold"] = threshold
    if public_tables is not None:
        section["publication"]["public_tables"] = public_tables
    ModelVersion.objects.filter(pack_code="lv", status=ModelVersion.Status.PUBLISHED).update(
        status=ModelVersion.Status.SUPERSEDED
    )
    number = ModelVersion.objects.filter(pack_code="lv").count() + 1
    return ModelVersion.objects.create(
        pack_code="lv",
        number=number,
        status=ModelVersion.Status.PUBLISHED,
        content=content,
        content_hash=content_hash(content),
        published_at=timezone.now(),
    )


@pytest.fixture
def lv_statistics(db, lv_pack_content):
    """The Latvian statistics in force, without noise unless a test asks for it."""
    publish_statistics(lv_pack_content, dp=False)
    return lv_pack_content


def facts(make_fact, n, **columns):
    for _ in range(n):
        make_fact(**columns)


def count_tables(release: Release) -> list[StatTable]:
    return [t for t in release.tables.values() if isinstance(t, StatTable)]


def counter_for(release: Release) -> _Counter:
    from opennrm.stats.dimensions import statistics_definitions

    return _Counter(statistics_definitions(), year_from=release.year_from, year=release.year, bounded=False)


@pytest.mark.parametrize("threshold", [1, 2])
def test_a_threshold_below_three_is_refused(lv_pack_content, threshold):
    import pydantic

    from opennrm.jurisdiction.schema import Pack

    content = copy.deepcopy(lv_pack_content)
    content["statistics"]["threshold"] = threshold
    with pytest.raises(pydantic.ValidationError, match="threshold must be at least 3"):
        Pack.model_validate(content)
    content["statistics"]["threshold"] = 3
    Pack.model_validate(content)


def test_registered_victims_are_counted_by_year_and_sex(lv_statistics, make_fact):
    facts(make_fact, 6, year=2024, sex="Feminine", outcome="identified", identification_route="commission")
    facts(make_fact, 7, year=2024, sex="Masculine", outcome="in_progress")
    # Found not to be a victim: a case, but not a registered victim.
    facts(make_fact, 9, year=2024, sex="Feminine", outcome="not_identified")
    facts(make_fact, 8, year=2023, sex="Feminine", outcome="refused")
    facts(make_fact, 5, year=2022, sex="Masculine", outcome="withdrawn")
    release = release_build(year=2024, year_from=2022)
    table = release.tables["victims_by_year_sex"]
    assert table.row_codes == ["2022", "2023", "2024"]
    assert table.cell("2024", "Feminine").count == 6
    assert table.cell("2024", "Masculine").count == 7
    assert table.cell("2023", "Feminine").count == 8
    assert table.cell("2022", "Masculine").count == 5
    assert table.cell("2024", "NonSpecifiedUnknown").count == 0
    assert table.total.count == 26
    outcomes = release.tables["outcomes_by_route"]
    assert outcomes.column_total_for("not_identified").count == 9
    assert outcomes.cell("commission", "identified").count == 6
    assert outcomes.total.count == 22
    recognising = release.tables["recognising_by_year"]
    assert recognising.cell("state_police", "2024").count == 22
    assert release.registered_outcomes == ("identified", "in_progress", "refused", "withdrawn")


def test_a_victim_is_counted_once_under_each_form(lv_statistics, make_fact):
    facts(make_fact, 5, sex="Feminine", forms=["ForcedLabour", "SexualExploitation"])
    facts(make_fact, 6, sex="Feminine", forms=["ForcedLabour"])
    facts(make_fact, 7, sex="Masculine", forms=[])
    release = release_build(year=2024)
    forms = release.tables["victims_by_form_sex"]
    assert forms.note == "multi_valued"
    assert forms.cell("ForcedLabour", "Feminine").count == 11
    assert forms.cell("SexualExploitation", "Feminine").count == 5
    # No form recorded: counted as unknown, never dropped.
    assert forms.cell("unknown", "Masculine").count == 7
    victims = release.tables["victims_by_year_sex"].row_total_for("2024").count
    assert victims == 18
    assert forms.total.count == 23 > victims
    assert release.tables["victims_by_year_form"].cell("2024", "ForcedLabour").count == 11
    groups = release.tables["eurostat_victims_by_form_sex"]
    assert groups.cell("LAB_EXP", "F").count == 11
    assert groups.cell("SEX_EXP", "F").count == 5
    assert groups.cell("UNK", "M").count == 7


def test_small_numbers_are_hidden_and_nothing_hidden_can_be_worked_out(lv_statistics, make_fact):
    facts(make_fact, 2, sex="Masculine", age_band="9-17", is_child=True, citizenship_group="non_eu")
    facts(make_fact, 9, sex="Feminine", age_band="18-20", citizenship_group="national")
    facts(make_fact, 7, sex="Masculine", age_band="30-38", citizenship_group="other_eu")
    facts(make_fact, 8, sex="Feminine", age_band="30-38", citizenship_group="national", outcome="identified")
    release = release_build(year=2024)
    ages = release.tables["victims_by_age_sex"]
    assert ages.cell("9-17", "Masculine").suppressed == PRIMARY
    assert ages.cell("9-17", "Masculine").display == "< 5"
    assert ages.row_total_for("9-17").suppressed == PRIMARY
    assert release.tables["victims_by_age_group_sex"].cell("under_18", "Masculine").hidden
    # The children of Eurostat's table (M = Masculine + TransgenderMasculine) are hidden with them.
    assert release.tables["eurostat_victims_by_age_sex"].cell("under_18", "M").hidden
    assert audit(count_tables(release), threshold=5, coarsenings=counter_for(release).coarsenings()) == []
    # Published numbers are the true counts.
    assert ages.cell("30-38", "Feminine").count == 8 or ages.cell("30-38", "Feminine").hidden


def test_referrals_and_screenings_are_counted_for_the_year(lv_statistics, make_fact):
    case = make_fact()
    answered = {"from_type": "municipal_social_service", "to_type": "service_provider", "status": "accepted"}
    for hours in (2, 4, 6, 8, 10):
        ReferralFact.objects.create(case_fact=case, year=2024, month=3, hours_to_answer=hours, **answered)
    late = {"from_type": "municipal_social_service", "to_type": "state_police", "status": "accepted", "overdue": True}
    for _ in range(6):
        ReferralFact.objects.create(year=2024, month=4, hours_to_answer=80, **late)
    ReferralFact.objects.create(
        year=2023, month=4, from_type="municipal_social_service", to_type="state_police", status="sent"
    )
    for outcome in ["indicative"] * 6 + ["none"] * 5:
        ScreeningFact.objects.create(
            year=2024, month=2, institution_type="municipal_social_service", region="riga_region", outcome=outcome
        )
    release = release_build(year=2024)
    pathway = release.tables["pathway"]
    assert pathway.cell("municipal_social_service", "service_provider").count == 5
    assert pathway.cell("municipal_social_service", "state_police").count == 6
    assert pathway.total.count == 11
    response = release.tables["referral_response"]
    assert response.cell("service_provider", "on_time").count == 5
    assert response.cell("state_police", "overdue").count == 6
    screenings = release.tables["screenings_by_type_outcome"]
    assert screenings.cell("municipal_social_service", "indicative").count == 6
    assert screenings.cell("municipal_social_service", "none").count == 5
    hours = release.tables["referral_response_time"]
    assert isinstance(hours, DurationTable)
    assert hours.unit == "hours"
    row = hours.row_for("service_provider")
    # Five answers: a count, but quartiles of five values would be close to single answers.
    assert (row.n.count, row.q1, row.median, row.q3) == (5, None, None, None)


def test_durations_are_hidden_for_fewer_persons_than_the_threshold(lv_statistics, make_fact):
    for days in range(1, 12):
        make_fact(year=2024, outcome="identified", days_to_identification=days, days_to_service=days * 10)
    for days in (3, 30):
        make_fact(year=2023, outcome="identified", days_to_identification=days)
    # Without them the 2023 victims (2) would be hidden, and with them 2024's: n = all victims of 2024.
    facts(make_fact, 5, year=2023, outcome="identified")
    release = release_build(year=2024, year_from=2023)
    table = release.tables["time_to_identification"]
    assert table.unit == "days"
    this_year = table.row_for("2024")
    assert (this_year.n.count, this_year.q1, this_year.median, this_year.q3) == (11, 3.5, 6.0, 8.5)
    last_year = table.row_for("2023")
    assert last_year.n.suppressed == PRIMARY
    assert last_year.median is None and last_year.q1 is None
    assert release.tables["time_to_service"].row_for("2024").median == 60.0


def test_quartiles_need_twice_the_threshold(lv_statistics, make_fact):
    for days in range(1, 10):
        make_fact(year=2024, outcome="identified", days_to_identification=days)
    row = release_build(year=2024).tables["time_to_identification"].row_for("2024")
    assert (row.n.count, row.q1, row.median, row.q3) == (9, None, None, None)
    make_fact(year=2024, outcome="identified", days_to_identification=10)
    row = release_build(year=2024).tables["time_to_identification"].row_for("2024")
    assert (row.n.count, row.median) == (10, 5.5)


def test_duration_counts_are_audited_with_the_totals_they_belong_to(lv_statistics, make_fact):
    from opennrm.stats.disclosure import quantity_key
    from opennrm.stats.release import _duration_count_tables

    # 2023: 7 victims, 2 of them with a time to identification: n is hidden, while the year's 7 is published.
    # (Had 2024 one victim without a time, n = 8 would be hidden too: 9 - 8 = 1 is a count of one person.)
    facts(make_fact, 8, year=2024, outcome="identified", days_to_identification=4)
    facts(make_fact, 5, year=2024, outcome="identified")
    facts(make_fact, 2, year=2023, outcome="identified", days_to_identification=4)
    facts(make_fact, 5, year=2023, outcome="identified")
    release = release_build(year=2024, year_from=2023)
    assert release.tables["time_to_identification"].row_for("2023").n.hidden
    assert release.tables["time_to_identification"].row_for("2024").n.count == 8
    counter = counter_for(release)
    linked = {t.id: t for t in _duration_count_tables(counter.count_tables(), counter.durations(), counter)}
    recorded = linked["time_to_identification__n__2023"]
    years = release.tables["victims_by_year_sex"]
    # The row of n adds up to the very quantity the year table publishes as its row total.
    assert quantity_key(recorded.scope, year="2023") == quantity_key(years.scope, year="2023")
    assert recorded.row_total(0) == 7
    assert years.row_total_for("2023").hidden is False
    assert audit(count_tables(release), threshold=5, coarsenings=counter.coarsenings()) == []


def test_the_release_survives_its_stored_form(lv_statistics, make_fact):
    facts(make_fact, 3, sex="Masculine")
    facts(make_fact, 12, sex="Feminine", days_to_service=40)
    release = release_build(year=2024)
    data = release.to_json()
    again = Release.from_json(data)
    assert again == release
    assert again.to_json() == data
    assert list(again.tables) == [t for t in TABLE_IDS if t in release.tables]
    # Codes only: nothing in the stored form is a label of any language.
    assert "Female" not in str(data) and "Sieviete" not in str(data)
    with pytest.raises(ValueError, match="format"):
        Release.from_json({**data, "version": 99})


def test_every_table_of_the_contract_is_built(lv_statistics, make_fact):
    make_fact()
    release = release_build(year=2024)
    assert set(release.tables) == set(TABLE_IDS)
    assert release.dp is None and release.public is False
    assert release.method()["threshold"] == 5


def test_a_public_release_is_the_full_release_cut_down(lv_pack_content, db, make_fact):
    publish_statistics(lv_pack_content, dp=False, public_tables=["victims_by_year_sex", "victims_by_age_sex"])
    facts(make_fact, 2, sex="Masculine", age_band="9-17")
    facts(make_fact, 11, sex="Feminine", age_band="30-38")
    facts(make_fact, 6, sex="Feminine", age_band="21-23")
    full = release_build(year=2024)
    public = release_build(year=2024, public=True)
    assert list(public.tables) == ["victims_by_year_sex", "victims_by_age_sex"]
    assert public.public and public.dp is None
    for table_id in public.tables:
        assert public.tables[table_id] == full.tables[table_id]


def test_bad_years_are_refused_with_the_field_named(lv_statistics):
    with pytest.raises(ApplicationError) as error:
        release_build(year="2024")
    assert error.value.field == "year"
    with pytest.raises(ApplicationError) as error:
        release_build(year=2024, year_from=2025)
    assert error.value.field == "year_from"


def test_a_release_is_read_with_a_handful_of_queries(lv_statistics, make_fact, django_assert_max_num_queries):
    facts(make_fact, 20, sex="Feminine")
    with django_assert_max_num_queries(12):
        release_build(year=2024)


def test_count_tables_are_listed_in_the_contract_order(lv_statistics, make_fact):
    make_fact()
    release = release_build(year=2024)
    assert [t.id for t in count_tables(release)] == list(COUNT_TABLE_IDS)


def test_each_grouped_read_is_listed_with_the_tables_it_lays_out(lv_statistics, make_fact):
    make_fact()
    counter = counter_for(release_build(year=2024))
    assert [t.id for t in counter.count_tables()] == [
        *VICTIM_TABLE_IDS,
        *FORM_TABLE_IDS,
        *CASE_TABLE_IDS,
        *REFERRAL_TABLE_IDS,
        *SCREENING_TABLE_IDS,
    ]
    assert sorted(t.id for t in counter.count_tables()) == sorted(COUNT_TABLE_IDS)
    for table_id in COUNT_TABLE_IDS:
        assert [t.id for t in counter.count_tables(only={table_id})] == [table_id]
    assert list(counter.durations()) == list(DURATION_TABLE_IDS)
    assert list(counter.durations(only={"time_to_service", "pathway"})) == ["time_to_service"]


def test_a_noisy_public_release_counts_only_the_tables_it_publishes(lv_pack_content, db, make_fact):
    version = publish_statistics(lv_pack_content, dp=True)
    public_tables = version.content["statistics"]["publication"]["public_tables"]
    assert not set(public_tables) & {*REFERRAL_TABLE_IDS, *SCREENING_TABLE_IDS, *DURATION_TABLE_IDS}
    facts(make_fact, 12, outcome="identified", days_to_identification=30, days_to_service=9)
    with CaptureQueriesContext(connection) as queries:
        public = release_build(year=2024, public=True)
    assert list(public.tables) == [t for t in TABLE_IDS if t in public_tables]
    statements = " ".join(query["sql"] for query in queries.captured_queries)
    for unread in ("stats_referralfact", "stats_screeningfact", "days_to_identification", "days_to_service"):
        assert unread not in statements


def test_a_noisy_public_release_counts_the_referral_and_duration_tables_it_publishes(lv_pack_content, db, make_fact):
    publish_statistics(lv_pack_content, dp=True, public_tables=["pathway", "referral_response_time", "time_to_service"])
    facts(make_fact, 12, outcome="identified", days_to_service=9)
    public = release_build(year=2024, public=True)
    assert list(public.tables) == ["pathway", "time_to_service", "referral_response_time"]
    assert public.dp is not None
