"""Reading published releases and the headline figures taken from them."""

import datetime

import pytest
from django.utils import timezone

from opennrm.core.errors import NotFoundOrForbidden
from opennrm.stats import selectors
from opennrm.stats.models import PublishedRelease
from opennrm.stats.release import release_build
from opennrm.stats.services.release import release_withdraw
from tests.stats.test_release import publish_statistics


@pytest.fixture
def rapporteur(case_world):
    # The case world publishes the Latvian pack; these tests want exact numbers, so no noise.
    publish_statistics(case_world.version.content, dp=False)
    return case_world.rapporteur


def freeze(*, year, by, year_from=None, when=None, public=True) -> PublishedRelease:
    release = release_build(year=year, year_from=year_from, public=public)
    return PublishedRelease.objects.create(
        year=release.year,
        year_from=release.year_from,
        language_neutral_tables=release.to_json(),
        method=release.method(),
        published_at=when or timezone.now(),
        published_by=by,
    )


def test_nothing_is_published_at_first(db):
    assert selectors.release_published_latest() is None
    assert selectors.release_published(2024) is None
    assert selectors.nrm_headline_figures(year=2024) is None


def test_the_newest_publication_that_is_not_withdrawn_is_read(rapporteur, make_fact):
    for _ in range(7):
        make_fact(year=2023)
    older = freeze(year=2023, by=rapporteur, when=timezone.now() - datetime.timedelta(days=30))
    for _ in range(9):
        make_fact(year=2024)
    newer = freeze(year=2024, by=rapporteur)
    assert selectors.release_published_latest().year == 2024
    assert selectors.release_published(2023).year == 2023
    release_withdraw(release=newer, by=rapporteur)
    assert selectors.release_published_latest().year == 2023
    assert selectors.release_published(2024) is None
    assert [p.pk for p in selectors.published_releases(include_withdrawn=True)] == [newer.pk, older.pk]
    assert selectors.published_release_latest_record() == older


def test_headline_figures_come_from_the_publication(rapporteur, lv_pack_content, make_fact):
    publish_statistics(
        lv_pack_content,
        dp=False,
        public_tables=["victims_by_year_sex", "victims_by_age_group_sex", "outcomes_by_route"],
    )
    for _ in range(8):
        make_fact(year=2024, outcome="identified", identification_route="commission", is_child=False)
    for _ in range(6):
        make_fact(year=2024, outcome="in_progress", age_band="9-17", is_child=True, sex="Masculine")
    for _ in range(7):
        make_fact(year=2023, outcome="in_progress")
    freeze(year=2024, year_from=2023, by=rapporteur)
    figures = selectors.nrm_headline_figures(year=2024)
    assert figures["registered_victims"].count == 14
    assert figures["identified"].count == 8
    assert figures["children"].count == 6
    assert figures["release_year"] == 2024 and figures["dp"] is None and figures["threshold"] == 5
    earlier = selectors.nrm_headline_figures(year=2023)
    assert earlier["registered_victims"].count == 7
    assert earlier["identified"] is None and earlier["children"] is None
    assert selectors.nrm_headline_figures(year=2019) is None


def test_small_headline_figures_stay_hidden(rapporteur, make_fact):
    for _ in range(3):
        make_fact(year=2024, outcome="identified", identification_route="commission")
    freeze(year=2024, by=rapporteur)
    figures = selectors.nrm_headline_figures(year=2024)
    assert figures["registered_victims"].display == "< 5"
    assert figures["registered_victims"].count is None
    assert figures["identified"].hidden


def test_children_are_added_up_from_the_bands_only_when_all_are_published(rapporteur, make_fact):
    # packs/lv publishes age bands but not the child/adult table.
    for _ in range(6):
        make_fact(year=2024, age_band="9-17", is_child=True)
    for _ in range(9):
        make_fact(year=2024, age_band="30-38")
    freeze(year=2024, by=rapporteur)
    assert selectors.nrm_headline_figures(year=2024)["children"].count == 6


def test_only_a_publisher_reaches_a_publication_to_withdraw_it(rapporteur, case_world, make_fact):
    make_fact()
    published = freeze(year=2024, by=rapporteur)
    assert selectors.access_published_release(user=rapporteur, release_id=published.pk) == published
    with pytest.raises(NotFoundOrForbidden):
        selectors.access_published_release(user=case_world.coordinator, release_id=published.pk)
    with pytest.raises(NotFoundOrForbidden):
        selectors.access_published_release(user=rapporteur, release_id=published.pk + 1000)
    with pytest.raises(NotFoundOrForbidden):
        selectors.access_published_release(user=rapporteur, release_id="x")
