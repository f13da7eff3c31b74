"""Publishing and withdrawing a release: who may, what is frozen, and the audit trail."""

import pytest
from django.contrib.auth.models import AnonymousUser

from opennrm.audit.models import AuditEvent
from opennrm.core.errors import ApplicationError, Forbidden
from opennrm.stats.models import PublishedRelease
from opennrm.stats.release import Release, release_build
from opennrm.stats.services.release import release_publish, release_withdraw


@pytest.fixture
def world_with_facts(case_world, make_fact):
    for i in range(30):
        make_fact(sex=("Feminine", "Masculine")[i % 2], outcome=("identified", "in_progress")[i % 2])
    return case_world


def test_the_rapporteur_publishes_a_frozen_public_release(world_with_facts):
    rapporteur = world_with_facts.rapporteur
    published = release_publish(year=2024, by=rapporteur)
    assert (published.year, published.year_from, published.published_by) == (2024, 2020, rapporteur)
    assert published.withdrawn_at is None
    stored = PublishedRelease.objects.get(pk=published.pk)
    release = Release.from_json(stored.language_neutral_tables)
    assert release.public
    public_tables = world_with_facts.version.content["statistics"]["publication"]["public_tables"]
    assert list(release.tables) == public_tables
    # The Latvian pack asks for noise on public releases: the method says how much.
    assert stored.method["dp"]["epsilon"] == 1.0
    assert stored.method["threshold"] == 5
    event = AuditEvent.objects.get(action="stats.release_publish")
    assert event.actor == rapporteur
    assert event.object_id == str(published.pk)
    assert event.new_values["tables"] == public_tables


def test_the_frozen_release_does_not_follow_later_facts(world_with_facts, make_fact):
    published = release_publish(year=2024, by=world_with_facts.rapporteur)
    before = published.language_neutral_tables
    for _ in range(10):
        make_fact(sex="Masculine")
    published.refresh_from_db()
    assert published.language_neutral_tables == before


@pytest.mark.parametrize("who", ["coordinator", "social_worker", "police_officer"])
def test_only_a_holder_of_stats_publish_may_publish(world_with_facts, who):
    with pytest.raises(Forbidden):
        release_publish(year=2024, by=getattr(world_with_facts, who))
    assert not PublishedRelease.objects.exists()
    assert not AuditEvent.objects.filter(action="stats.release_publish").exists()


@pytest.mark.parametrize("by", [None, AnonymousUser()])
def test_a_release_names_who_published_it(world_with_facts, by):
    with pytest.raises(Forbidden):
        release_publish(year=2024, by=by)


def test_a_bad_year_changes_nothing(world_with_facts):
    with pytest.raises(ApplicationError) as error:
        release_publish(year=99, by=world_with_facts.rapporteur)
    assert error.value.field == "year"
    assert not PublishedRelease.objects.exists()


def test_withdrawing_keeps_the_record_and_is_audited(world_with_facts):
    rapporteur = world_with_facts.rapporteur
    published = release_publish(year=2024, by=rapporteur)
    withdrawn = release_withdraw(release=published, by=rapporteur, reason="A correction follows.")
    assert withdrawn.withdrawn_at is not None
    assert PublishedRelease.objects.get(pk=published.pk).withdrawn_at == withdrawn.withdrawn_at
    event = AuditEvent.objects.get(action="stats.release_withdraw")
    assert event.new_values["reason"] == "A correction follows."
    with pytest.raises(ApplicationError) as error:
        release_withdraw(release=published, by=rapporteur)
    assert error.value.field == "release"


def test_only_a_holder_of_stats_publish_may_withdraw(world_with_facts):
    published = release_publish(year=2024, by=world_with_facts.rapporteur)
    with pytest.raises(Forbidden):
        release_withdraw(release=published, by=world_with_facts.coordinator)
    assert PublishedRelease.objects.get(pk=published.pk).withdrawn_at is None


def test_publishing_is_one_transaction(world_with_facts, monkeypatch):
    from opennrm.stats.services import release as services

    def broken_audit(**kwargs):
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(services, "audit_record", broken_audit)
    with pytest.raises(RuntimeError):
        release_publish(year=2024, by=world_with_facts.rapporteur)
    assert not PublishedRelease.objects.exists()


def test_an_unpublished_build_shows_every_table_without_noise(world_with_facts):
    release = release_build(year=2024)
    assert release.dp is None
    assert not release.public


# --- the privacy budget across publications ---------------------------------------------------------------------


def _noisy_cells(published: PublishedRelease, table_id: str) -> dict[tuple[str, str], int | None]:
    table = Release.from_json(published.language_neutral_tables).tables[table_id]
    return {(r, c): table.cell(r, c).count for r in table.row_codes for c in table.column_codes}


def test_a_year_is_not_published_twice_while_its_release_stands(world_with_facts):
    rapporteur = world_with_facts.rapporteur
    published = release_publish(year=2024, by=rapporteur)
    with pytest.raises(ApplicationError, match="published already") as error:
        release_publish(year=2024, by=rapporteur)
    assert error.value.field == "year"
    assert PublishedRelease.objects.count() == 1
    release_withdraw(release=published, by=rapporteur)
    assert release_publish(year=2024, by=rapporteur).year == 2024


def test_the_database_refuses_a_second_current_release_of_a_year(world_with_facts):
    from django.db import IntegrityError, transaction
    from django.utils import timezone

    first = release_publish(year=2024, by=world_with_facts.rapporteur)
    with pytest.raises(IntegrityError), transaction.atomic():
        PublishedRelease.objects.create(
            year=2024,
            year_from=2020,
            language_neutral_tables=first.language_neutral_tables,
            method=first.method,
            published_at=timezone.now(),
            published_by=world_with_facts.rapporteur,
        )


def test_republishing_and_overlapping_releases_reuse_the_noise(world_with_facts, make_fact):
    from opennrm.stats.models import NoiseDraw, PrivacySpend

    for _ in range(12):
        make_fact(year=2023, sex="Feminine", outcome="identified")
    rapporteur = world_with_facts.rapporteur
    first = release_publish(year=2024, by=rapporteur)
    draws = NoiseDraw.objects.count()
    assert draws > 0
    release_withdraw(release=first, by=rapporteur)
    again = release_publish(year=2024, by=rapporteur)
    # The same counts, the same noise: nothing new for a reader to average.
    assert NoiseDraw.objects.count() == draws
    assert _noisy_cells(again, "victims_by_year_sex") == _noisy_cells(first, "victims_by_year_sex")
    # The next year's release shares 2021-2024 with it: those rows keep their noisy values.
    later = release_publish(year=2025, by=rapporteur)
    earlier_rows = _noisy_cells(first, "victims_by_year_sex")
    later_rows = _noisy_cells(later, "victims_by_year_sex")
    shared = [
        (year, sex)
        for (year, sex), value in earlier_rows.items()
        if year in ("2021", "2022", "2023", "2024") and value is not None and later_rows[year, sex] is not None
    ]
    assert shared
    for key in shared:
        assert later_rows[key] == earlier_rows[key]
    spent = {(s.release_id, s.data_year): s for s in PrivacySpend.objects.all()}
    assert spent[first.pk, 2024].epsilon == 1.0 and spent[first.pk, 2024].new_draws > 0
    assert spent[again.pk, 2024].epsilon == 0.0 and spent[again.pk, 2024].new_draws == 0
    assert spent[later.pk, 2023].epsilon == 0.0
    assert spent[later.pk, 2025].epsilon == 1.0
