"""Differential privacy: the budget arithmetic, OpenDP's noise as stated, and noisy public releases."""

import math
import statistics

import pytest

from opennrm.stats import privacy
from opennrm.stats.disclosure import PRIMARY, StatTable, audit
from opennrm.stats.release import Release, release_build
from tests.stats.test_release import publish_statistics


def discrete_laplace_tail(scale: float, m: int) -> float:
    """P(|X| > m) for X ~ discrete Laplace(scale), from its closed form: 2 a^(m+1) / (1 + a), a = exp(-1/scale)."""
    a = math.exp(-1 / scale)
    return 2 * a ** (m + 1) / (1 + a)


def test_the_budget_is_split_into_equal_shares():
    statement = privacy.dp_statement(epsilon=1.0, shares=9)
    assert statement.scale == 9.0
    assert statement.share_epsilon == pytest.approx(1 / 9)
    assert statement.mechanism == "discrete_laplace"
    # OpenDP's own accounting: a person who changes at most `shares` counts by one costs exactly epsilon.
    assert privacy.count_measurement(scale=statement.scale).map(9) <= 1.0 + 1e-9


@pytest.mark.parametrize("scale", [1.0, 4.5, 9.0, 20.0])
def test_the_stated_margin_covers_95_percent_and_no_less_would(scale):
    margin = privacy.margin_of_error(scale)
    assert discrete_laplace_tail(scale, margin) <= 0.05
    assert discrete_laplace_tail(scale, margin - 1) > 0.05


def test_noise_is_added_unbiased_and_within_the_stated_margin():
    scale = 3.0
    draws = privacy.noisy_counts([50] * 4000, scale=scale)
    errors = [d - 50 for d in draws]
    # Standard deviation of the noise is about scale * sqrt(2) = 4.2; the mean of 4000 draws is within 0.07 of 0
    # one time in three, so 0.5 (7 standard errors) fails only if the noise is biased.
    assert abs(statistics.fmean(errors)) < 0.5
    assert 3.2 < statistics.pstdev(errors) < 5.3
    within = sum(abs(e) <= privacy.margin_of_error(scale) for e in errors) / len(errors)
    assert within >= 0.93
    assert len(set(draws)) > 10


def test_noisy_counts_are_never_negative():
    draws = privacy.noisy_counts([0] * 500, scale=5.0)
    assert min(draws) == 0
    assert max(draws) > 0


def test_a_private_median_lands_near_the_true_one():
    values = list(range(100)) * 20
    q1, median, q3 = privacy.private_quartiles(values, epsilon_each=2.0, upper=200)
    assert q1 <= median <= q3
    assert abs(median - 50) <= 10
    assert abs(q1 - 25) <= 10 and abs(q3 - 75) <= 10


def test_the_statement_survives_its_stored_form():
    statement = privacy.dp_statement(epsilon=0.5, shares=4)
    assert privacy.DpStatement.from_json(statement.to_json()) == statement


def test_a_budget_that_is_not_positive_is_refused():
    with pytest.raises(ValueError):
        privacy.dp_statement(epsilon=0, shares=3)


def test_a_public_release_is_noisy_states_its_noise_and_is_still_suppressed(db, lv_pack_content, make_fact):
    publish_statistics(lv_pack_content, dp=True, epsilon=1.0)
    for i in range(60):
        make_fact(sex=("Feminine", "Masculine")[i % 2], age_band=("18-20", "30-38", "9-17")[i % 3])
    release = release_build(year=2024, public=True)
    public_tables = lv_pack_content["statistics"]["publication"]["public_tables"]
    assert list(release.tables) == public_tables
    dp = release.dp
    assert dp is not None and dp.epsilon == 1.0
    # Two form tables count up to two forms a person; every other public table one cell a person.
    assert dp.shares == len(public_tables) + 2
    assert dp.scale == pytest.approx(dp.shares / 1.0)
    assert release.method()["dp"]["margin_95"] == dp.margin_95
    assert release.contribution_bounds == {"forms_per_person": 2, "referrals_per_case": 3}
    exact = release_build(year=2024)
    cells = [
        (c.count, e.count)
        for table_id in public_tables
        for c, e in zip(release.tables[table_id].all_cells(), exact.tables[table_id].all_cells(), strict=True)
        if not c.hidden and not e.hidden
    ]
    assert any(noisy != true for noisy, true in cells), "no noise was added"
    for table in release.tables.values():
        assert isinstance(table, StatTable)
        assert all(cell.count is None or cell.count >= 0 for cell in table.all_cells())
        # Each noisy table adds up on its own and protects its own small cells.
        for row, total in zip(table.cells, table.row_totals, strict=True):
            if not total.hidden and not any(c.hidden for c in row):
                assert sum(c.count for c in row) == total.count
        assert audit([table], threshold=release.threshold) == []
        small = [c for c in table.all_cells() if c.suppressed == PRIMARY]
        assert all(c.display == "< 5" for c in small)
    stored = Release.from_json(release.to_json())
    assert stored.dp == dp


def test_a_public_release_without_differential_privacy_has_no_statement(db, lv_pack_content, make_fact):
    publish_statistics(lv_pack_content, dp=False)
    make_fact()
    release = release_build(year=2024, public=True)
    assert release.dp is None
    assert release.method()["dp"] is None


def test_noisy_durations_spend_their_shares(db, lv_pack_content, make_fact):
    publish_statistics(lv_pack_content, dp=True, epsilon=8.0, public_tables=["time_to_identification"])
    for days in range(40):
        make_fact(outcome="identified", days_to_identification=20 + days % 10)
    release = release_build(year=2024, public=True)
    assert release.dp.shares == 4
    row = release.tables["time_to_identification"].row_for("2024")
    assert row.n.count is not None and abs(row.n.count - 40) <= release.dp.margin_95 + 1
    assert 10 <= row.median <= 40


def test_noise_draws_are_whole_numbers_around_zero():
    from opennrm.stats.privacy import noise_draws

    draws = noise_draws(400, scale=2.0)
    assert len(draws) == 400 and all(isinstance(d, int) for d in draws)
    assert abs(sum(draws) / len(draws)) < 1
    assert len(set(draws)) > 3
    assert noise_draws(0, scale=2.0) == []
