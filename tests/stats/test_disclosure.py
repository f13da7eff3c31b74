"""Primary and secondary suppression, and the auditor, on hand-made tables (pure Python, no database)."""

import pytest

from opennrm.stats.disclosure import (
    PRIMARY,
    SECONDARY,
    Cell,
    Coarsening,
    CountTable,
    StatTable,
    audit,
    suppress,
)


def table(table_id, counts, *, rows="r", columns="c", scope=None, row_codes=None, column_codes=None):
    row_codes = row_codes or tuple(f"{rows}{i}" for i in range(len(counts)))
    column_codes = column_codes or tuple(f"{columns}{j}" for j in range(len(counts[0])))
    return CountTable(
        id=table_id,
        row_dimension=rows,
        column_dimension=columns,
        row_codes=tuple(row_codes),
        column_codes=tuple(column_codes),
        counts=tuple(tuple(r) for r in counts),
        scope=scope or {},
    )


def displays(published: StatTable) -> list[list[str]]:
    return [[cell.display for cell in row] for row in published.cells]


def test_a_small_cell_is_shown_as_less_than_the_threshold_and_its_complements_as_x():
    published = suppress([table("t", [[2, 10, 7], [8, 9, 12], [6, 11, 20]])], threshold=5)["t"]
    assert published.cells[0][0] == Cell(count=None, display="< 5", suppressed=PRIMARY)
    secondaries = [cell for cell in published.all_cells() if cell.suppressed == SECONDARY]
    # One small cell in a 3 × 3 table needs at least three more hidden to close a rectangle.
    assert len(secondaries) >= 3
    assert all(cell.display == "x" and cell.count is None for cell in secondaries)
    assert audit([published], threshold=5) == []


def test_zeros_and_large_counts_are_published_as_they_are():
    published = suppress([table("t", [[0, 10], [7, 0]])], threshold=5)["t"]
    assert displays(published) == [["0", "10"], ["7", "0"]]
    assert [c.count for c in published.row_totals] == [10, 7]
    assert published.total == Cell.shown(17)


def test_a_zero_is_never_chosen_to_hide_a_small_cell():
    # The only way to protect the 3 is to hide the 9 and the row and column totals around them, never a 0.
    published = suppress([table("t", [[3, 9], [0, 0]])], threshold=5)["t"]
    assert [c.display for c in published.cells[1]] == ["0", "0"]
    assert audit([published], threshold=5) == []


def test_a_margin_with_one_non_zero_cell_is_hidden_with_it():
    published = suppress([table("t", [[3, 0], [10, 12]])], threshold=5)["t"]
    assert published.cells[0][0].suppressed == PRIMARY
    assert published.row_totals[0].hidden
    assert audit([published], threshold=5) == []


def test_the_auditor_finds_a_cell_left_alone_in_its_row():
    cells = [[Cell.primary(5), Cell.shown(10)], [Cell.shown(8), Cell.shown(9)]]
    published = StatTable(
        id="t",
        row_dimension="r",
        column_dimension="c",
        row_codes=["r0", "r1"],
        column_codes=["c0", "c1"],
        cells=cells,
        row_totals=[Cell.shown(12), Cell.shown(17)],
        column_totals=[Cell.shown(10), Cell.shown(19)],
        total=Cell.shown(29),
    )
    [exposure] = audit([published], threshold=5)
    assert (exposure.table_id, exposure.row_code, exposure.column_code) == ("t", "r0", "c0")
    assert (exposure.value, exposure.how) == (2, "linear")


def test_the_auditor_narrows_ranges_as_a_reader_can():
    # 1 + 5 = 6 in the first row: a reader who knows that "< 5" is 1..4 and "x" is at least 5 pins both.
    cells = [[Cell.primary(5), Cell.secondary(), Cell.shown(7)], [Cell.shown(6), Cell.shown(9), Cell.shown(8)]]
    published = StatTable(
        id="t",
        row_dimension="r",
        column_dimension="c",
        row_codes=["r0", "r1"],
        column_codes=["c0", "c1", "c2"],
        cells=cells,
        row_totals=[Cell.shown(13), Cell.shown(23)],
        column_totals=[Cell.secondary(), Cell.secondary(), Cell.shown(15)],
        total=Cell.shown(36),
    )
    exposures = {(e.column_code, e.how, e.value) for e in audit([published], threshold=5)}
    assert ("c0", "range", 1) in exposures


def test_suppression_also_closes_the_ranges_a_reader_could_narrow():
    published = suppress([table("t", [[1, 5, 7], [6, 9, 8]])], threshold=5)["t"]
    assert audit([published], threshold=5) == []


def test_a_total_shared_by_two_tables_is_hidden_in_both():
    # Victims by sex is the column margin of both tables; the grand total is shared as well.
    scope = {"universe": "victims", "year": "2024"}
    ages = table("ages", [[3, 9], [12, 14]], rows="age", columns="sex", scope=scope, column_codes=("F", "M"))
    places = table("places", [[8, 11], [7, 12]], rows="place", columns="sex", scope=scope, column_codes=("F", "M"))
    published = suppress([ages, places], threshold=5)
    for sex in ("F", "M"):
        assert published["ages"].column_total_for(sex) == published["places"].column_total_for(sex)
    assert published["ages"].total == published["places"].total
    assert audit(list(published.values()), threshold=5) == []


def test_the_same_total_with_two_different_counts_is_refused():
    scope = {"universe": "victims"}
    first = table("a", [[3, 9]], rows="age", columns="sex", scope=scope, column_codes=("F", "M"))
    second = table("b", [[4, 9]], rows="place", columns="sex", scope=scope, column_codes=("F", "M"))
    with pytest.raises(ValueError, match="count of"):
        suppress([first, second], threshold=5)


def test_a_coarse_category_cannot_reveal_a_fine_one():
    # Eurostat's F is Feminine + TransgenderFeminine; a reader holding both tables must not recover the 2.
    scope = {"universe": "victims", "year": "2024"}
    fine = table(
        "fine", [[2, 30, 6], [11, 14, 9]], rows="age", columns="sex", scope=scope,
        column_codes=("TransgenderFeminine", "Feminine", "Masculine"),
    )  # fmt: skip
    coarse = table("coarse", [[32, 6], [25, 9]], rows="age", columns="esex", scope=scope, column_codes=("F", "M"))
    coarsening = Coarsening("sex", "esex", {"F": ("Feminine", "TransgenderFeminine"), "M": ("Masculine",)})
    published = suppress([fine, coarse], threshold=5, coarsenings=[coarsening])
    assert published["fine"].cells[0][0].suppressed == PRIMARY
    assert audit(list(published.values()), threshold=5, coarsenings=[coarsening]) == []
    # Protected one at a time, the two tables together give TransgenderFeminine = F - Feminine = 32 - 30.
    alone = [suppress([fine], threshold=5)["fine"], suppress([coarse], threshold=5)["coarse"]]
    exposures = audit(alone, threshold=5, coarsenings=[coarsening])
    assert ("fine", "age0", "TransgenderFeminine", 2) in {
        (e.table_id, e.row_code, e.column_code, e.value) for e in exposures
    }


def test_suppression_is_deterministic():
    tables = [
        table("a", [[1, 7, 9, 0], [6, 2, 8, 11], [5, 13, 3, 7]], columns="sex", scope={"u": "v"}),
        table("b", [[4, 6, 12, 0], [8, 16, 8, 18]], rows="age", columns="sex", scope={"u": "v"}),
    ]
    first = suppress(tables, threshold=5)
    second = suppress(list(tables), threshold=5)
    assert first == second


def test_a_table_that_does_not_add_up_is_refused():
    with pytest.raises(ValueError, match="counts do not match"):
        CountTable("t", "r", "c", ("a", "b"), ("x",), ((1,),))
    with pytest.raises(ValueError, match="whole numbers"):
        CountTable("t", "r", "c", ("a",), ("x",), ((-1,),))
    with pytest.raises(ValueError, match="both"):
        CountTable("t", "r", "r", ("a",), ("x",), ((1,),))
