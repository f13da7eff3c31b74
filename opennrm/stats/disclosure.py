"""Disclosure control for count tables: primary and secondary cell suppression, checked by an exact auditor.

Pure Python, no Django. The method is described for readers in docs/statistics-method.md; in short:

- Every published number is a *quantity*: the count of records meeting a set of conditions (the table's scope,
  e.g. universe and year, plus the row and column codes). Two tables that publish the same conditions publish the
  same quantity — victims by sex is a margin of several tables and the grand total is everywhere — so hiding it
  hides it in every table of the release.
- Primary suppression hides every quantity with 0 < count < threshold and shows it as "< threshold". Zeros are
  published: a count of nobody describes no person, and structural zeros (impossible combinations) must stay visible.
- The auditor writes down what a reader knows: every published value, every table's row, column and grand-total
  sums, the identities between coarse and fine categories (`Coarsening`), and the ranges the method itself gives
  away (a "< 5" cell is 1–4, a cell hidden as "x" is at least the threshold, since every smaller non-zero cell is a
  primary one). It solves the linear system exactly (fractions, reduced row echelon form) and also narrows the
  ranges through the equations; a hidden cell is *exposed* when its value is fixed either way.
- Secondary suppression hides, one at a time, the published cell that costs least among those sharing a sum with
  an exposed cell: first the fewest sums it would be left alone in (a cell closing a rectangle costs nothing, a
  margin read by many tables the most), then inner cells before margins, then the smallest count, then the
  earliest position — until the auditor finds nothing exposed. Zeros are never chosen. Same input, same output.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from math import lcm

PRIMARY = "primary"
SECONDARY = "secondary"
# What a reader sees instead of a secondary cell: it says nothing about the size, unlike "< n".
SECONDARY_DISPLAY = "x"

Key = tuple[tuple[str, str], ...]
# Coefficients and values of the equations: whole numbers while they can be, exact fractions otherwise.
Number = int | Fraction


@dataclass(frozen=True)
class Cell:
    """One published number: `count` is None when suppressed ("primary" | "secondary"), `display` what is shown."""

    count: int | None
    display: str
    suppressed: str = ""

    @property
    def hidden(self) -> bool:
        return bool(self.suppressed)

    @classmethod
    def shown(cls, count: int) -> Cell:
        return cls(count=count, display=str(count))

    @classmethod
    def primary(cls, threshold: int) -> Cell:
        return cls(count=None, display=f"< {threshold}", suppressed=PRIMARY)

    @classmethod
    def secondary(cls) -> Cell:
        return cls(count=None, display=SECONDARY_DISPLAY, suppressed=SECONDARY)


@dataclass(frozen=True)
class CountTable:
    """A two-way table of true counts before disclosure control.

    `scope` holds the conditions every cell shares (the universe counted, the year or span of years); a cell's
    conditions are the scope plus its row and column codes, a margin's the scope plus one of them. Row and column
    codes must list every category (including "unknown"), so that the margins are true totals.
    """

    id: str
    row_dimension: str
    column_dimension: str
    row_codes: tuple[str, ...]
    column_codes: tuple[str, ...]
    counts: tuple[tuple[int, ...], ...]
    scope: Mapping[str, str] = field(default_factory=dict)
    note: str = ""

    def __post_init__(self) -> None:
        if self.row_dimension == self.column_dimension:
            raise ValueError(f"table {self.id}: rows and columns are both {self.row_dimension!r}")
        for name, codes in (("row", self.row_codes), ("column", self.column_codes)):
            if len(set(codes)) != len(codes):
                raise ValueError(f"table {self.id}: a {name} code is repeated")
        if len(self.counts) != len(self.row_codes) or any(len(r) != len(self.column_codes) for r in self.counts):
            raise ValueError(f"table {self.id}: counts do not match the row and column codes")
        if any(not isinstance(c, int) or c < 0 for r in self.counts for c in r):
            raise ValueError(f"table {self.id}: counts must be whole numbers, 0 or more")

    def row_total(self, i: int) -> int:
        return sum(self.counts[i])

    def column_total(self, j: int) -> int:
        return sum(row[j] for row in self.counts)

    @property
    def total(self) -> int:
        return sum(sum(row) for row in self.counts)


@dataclass(frozen=True)
class Coarsening:
    """Coarse categories that are sums of fine ones, e.g. Eurostat's "F" = Feminine + TransgenderFeminine.

    Wherever a quantity is conditioned on `coarse` = g, it equals the sum of the same quantity conditioned on
    `fine` = each code of `groups[g]` instead. The auditor adds these equations; fine quantities that no table
    publishes enter as unknowns that nobody sees.
    """

    fine: str
    coarse: str
    groups: Mapping[str, tuple[str, ...]]


@dataclass
class StatTable:
    """A table as published: codes and `Cell`s only (labels come from opennrm.stats.labels)."""

    id: str
    row_dimension: str
    column_dimension: str
    row_codes: list[str]
    column_codes: list[str]
    cells: list[list[Cell]]
    row_totals: list[Cell]
    column_totals: list[Cell]
    total: Cell
    kind: str = "count"
    scope: dict[str, str] = field(default_factory=dict)
    # "multi_valued": a record can be counted in more than one row, so totals exceed the records counted.
    note: str = ""

    def cell(self, row_code: str, column_code: str) -> Cell:
        return self.cells[self.row_codes.index(row_code)][self.column_codes.index(column_code)]

    def row_total_for(self, row_code: str) -> Cell:
        return self.row_totals[self.row_codes.index(row_code)]

    def column_total_for(self, column_code: str) -> Cell:
        return self.column_totals[self.column_codes.index(column_code)]

    def all_cells(self) -> Iterable[Cell]:
        for row in self.cells:
            yield from row
        yield from self.row_totals
        yield from self.column_totals
        yield self.total

    @property
    def suppressed_count(self) -> int:
        return sum(1 for cell in self.all_cells() if cell.hidden)


@dataclass(frozen=True)
class Exposure:
    """A hidden quantity whose value a reader can work out: where it is shown, and how ("linear" | "range")."""

    table_id: str
    row_code: str | None
    column_code: str | None
    value: int
    how: str


# --- quantities and equations -----------------------------------------------------------------------------------


def quantity_key(scope: Mapping[str, str], **conditions: str) -> Key:
    """The conditions a quantity counts, in a canonical order; row and column codes override the scope."""
    merged = dict(scope)
    merged.update(conditions)
    return tuple(sorted(merged.items()))


@dataclass
class _Slot:
    """Where a quantity appears first, for messages and the deterministic order."""

    table_id: str
    row_code: str | None
    column_code: str | None


class _System:
    """Every quantity of a release, the equations between them and their connected components."""

    def __init__(self, tables: Sequence[CountTable | StatTable], coarsenings: Sequence[Coarsening]) -> None:
        self.keys: list[Key] = []
        self.index: dict[Key, int] = {}
        self.slots: list[_Slot | None] = []
        self.latent: list[bool] = []
        self.equations: list[dict[int, Number]] = []
        self._solved: dict[tuple, dict[int, tuple[int, str]]] = {}
        self.rank: dict[int, int] = {}
        self.positions: dict[str, dict[tuple[int | None, int | None], int]] = {}
        for table in tables:
            self._add_table(table)
        for coarsening in coarsenings:
            self._add_coarsening(coarsening)
        self._eliminate_latents()
        self.component = self._components()
        self.member_equations: dict[int, list[int]] = {}
        for e, equation in enumerate(self.equations):
            for q in equation:
                self.member_equations.setdefault(q, []).append(e)

    def _quantity(self, key: Key, slot: _Slot | None) -> int:
        q = self.index.get(key)
        if q is None:
            q = len(self.keys)
            self.index[key] = q
            self.keys.append(key)
            self.slots.append(slot)
            self.latent.append(slot is None)
        elif slot is not None and self.latent[q]:
            self.latent[q] = False
            self.slots[q] = slot
        return q

    def _add_table(self, table: CountTable | StatTable) -> None:
        if table.id in self.positions:
            raise ValueError(f"table id {table.id!r} is used twice")
        scope, rd, cd = table.scope, table.row_dimension, table.column_dimension
        pos: dict[tuple[int | None, int | None], int] = {}
        for i, r in enumerate(table.row_codes):
            for j, c in enumerate(table.column_codes):
                pos[i, j] = self._quantity(quantity_key(scope, **{rd: r, cd: c}), _Slot(table.id, r, c))
        for i, r in enumerate(table.row_codes):
            pos[i, None] = self._quantity(quantity_key(scope, **{rd: r}), _Slot(table.id, r, None))
        for j, c in enumerate(table.column_codes):
            pos[None, j] = self._quantity(quantity_key(scope, **{cd: c}), _Slot(table.id, None, c))
        pos[None, None] = self._quantity(quantity_key(scope), _Slot(table.id, None, None))
        self.positions[table.id] = pos
        # A margin is read in more places than a cell (a grand total in the most), so hiding one costs more.
        for where, q in pos.items():
            level = (where[0] is None) + (where[1] is None)
            self.rank[q] = max(self.rank.get(q, 0), level)
        rows, cols = range(len(table.row_codes)), range(len(table.column_codes))
        for i in rows:
            self._equation([pos[i, j] for j in cols], pos[i, None])
        for j in cols:
            self._equation([pos[i, j] for i in rows], pos[None, j])
        self._equation([pos[i, None] for i in rows], pos[None, None])
        self._equation([pos[None, j] for j in cols], pos[None, None])

    def _add_coarsening(self, coarsening: Coarsening) -> None:
        for key in list(self.keys):
            conditions = dict(key)
            group = conditions.get(coarsening.coarse)
            if group is None or coarsening.fine in conditions or group not in coarsening.groups:
                continue
            del conditions[coarsening.coarse]
            parts = [
                self._quantity(quantity_key(conditions, **{coarsening.fine: code}), None)
                for code in coarsening.groups[group]
            ]
            self._equation(parts, self.index[key])

    def _equation(self, parts: Sequence[int], total: int) -> None:
        equation: dict[int, Number] = {}
        for q in parts:
            equation[q] = equation.get(q, 0) + 1
        equation[total] = equation.get(total, 0) - 1
        equation = {q: c for q, c in equation.items() if c}
        if equation:
            self.equations.append(equation)

    def _eliminate_latents(self) -> None:
        # Nobody sees a latent quantity, so only the relations among the others matter: each latent is solved
        # from one equation and substituted into the rest (Gaussian elimination of those columns alone), and
        # the equations left hold real quantities only. A latent in a single equation simply drops it.
        equations = [dict(e) for e in self.equations]
        holding: dict[int, set[int]] = {}
        for e, equation in enumerate(equations):
            for q in equation:
                if self.latent[q]:
                    holding.setdefault(q, set()).add(e)
        alive = set(range(len(equations)))
        for latent in sorted(holding):
            rows = sorted(e for e in holding[latent] & alive if latent in equations[e])
            if not rows:
                continue
            # The shortest equation keeps the fill-in small.
            pivot = min(rows, key=lambda e: (len(equations[e]), e))
            alive.discard(pivot)
            pivot_row = equations[pivot]
            lead = pivot_row[latent]
            for e in rows:
                if e == pivot:
                    continue
                row = equations[e]
                factor = _divide(row[latent], lead)
                for q, c in pivot_row.items():
                    value = row.get(q, 0) - factor * c
                    if value:
                        row[q] = value
                    else:
                        row.pop(q, None)
                    if self.latent[q] and q in row:
                        holding.setdefault(q, set()).add(e)
        self.equations = [equations[e] for e in sorted(alive) if equations[e]]
        assert not any(self.latent[q] for e in self.equations for q in e)

    def _components(self) -> list[int]:
        parent = list(range(len(self.keys)))

        def find(q: int) -> int:
            while parent[q] != q:
                parent[q] = parent[parent[q]]
                q = parent[q]
            return q

        for equation in self.equations:
            first, *rest = equation
            for q in rest:
                a, b = find(first), find(q)
                if a != b:
                    parent[max(a, b)] = min(a, b)
        return [find(q) for q in range(len(self.keys))]

    def describe(self, q: int, value: int, how: str) -> Exposure:
        slot = self.slots[q]
        assert slot is not None
        return Exposure(slot.table_id, slot.row_code, slot.column_code, value, how)


# --- the auditor --------------------------------------------------------------------------------------------------


def _divide(value: Number, by: Number) -> Number:
    """Exact division; whole numbers stay whole numbers when they can (the equations are mostly ±1)."""
    if by == 1:
        return value
    if by == -1:
        return -value
    quotient = Fraction(value) / by
    return quotient.numerator if quotient.denominator == 1 else quotient


def _reduce(rows: Iterable[tuple[dict[int, Number], Number]]) -> dict[int, tuple[dict[int, Number], Number]]:
    """Reduced row echelon form, kept as pivot column -> (row, right-hand side); exact, deterministic."""
    pivots: dict[int, tuple[dict[int, Number], Number]] = {}
    for coefficients, rhs in rows:
        row = dict(coefficients)
        for col in [c for c in row if c in pivots]:
            factor = row.get(col)
            if not factor:
                continue
            pivot_row, pivot_rhs = pivots[col]
            for c, v in pivot_row.items():
                value = row.get(c, 0) - factor * v
                if value:
                    row[c] = value
                else:
                    row.pop(c, None)
            rhs -= factor * pivot_rhs
        if not row:
            if rhs:
                raise ValueError("the tables contradict each other: their totals do not add up")
            continue
        col = min(row)
        lead = row[col]
        row = {c: _divide(v, lead) for c, v in row.items()}
        rhs = _divide(rhs, lead)
        for other, (other_row, other_rhs) in list(pivots.items()):
            factor = other_row.get(col)
            if factor:
                for c, v in row.items():
                    value = other_row.get(c, 0) - factor * v
                    if value:
                        other_row[c] = value
                    else:
                        other_row.pop(c, None)
                pivots[other] = (other_row, other_rhs - factor * rhs)
        pivots[col] = (row, rhs)
    return pivots


Bound = int | None


def _integral(row: Mapping[int, Number], rhs: Number) -> tuple[dict[int, int], int]:
    """The same equation with whole-number coefficients (both sides times the common denominator)."""
    if isinstance(rhs, int) and all(isinstance(c, int) for c in row.values()):
        return dict(row), rhs
    scale = lcm(Fraction(rhs).denominator, *(Fraction(c).denominator for c in row.values()))
    return {q: int(c * scale) for q, c in row.items()}, int(rhs * scale)


def _narrow(rows: Sequence[tuple[dict[int, int], int]], low: dict[int, Bound], high: dict[int, Bound]) -> None:
    """Tighten integer ranges through the equations until nothing changes (bounded rounds; always sound)."""
    for _round in range(60):
        changed = False
        for row, rhs in rows:
            # a_t * x_t = rhs - sum(c * x) over the others, so the others' extreme values bound x_t. Each term's
            # least and most contribution to -c * x, with the number of unbounded ones, is summed once per row.
            terms = {q: _term(c, low[q], high[q]) for q, c in row.items()}
            least_sum = sum(t[0] for t in terms.values() if t[0] is not None)
            most_sum = sum(t[1] for t in terms.values() if t[1] is not None)
            least_open = sum(1 for t in terms.values() if t[0] is None)
            most_open = sum(1 for t in terms.values() if t[1] is None)
            for target, a in row.items():
                t_least, t_most = terms[target]
                least = _without(least_sum, least_open, t_least)
                most = _without(most_sum, most_open, t_most)
                least = None if least is None else rhs + least
                most = None if most is None else rhs + most
                if a < 0:
                    least, most = most, least
                if least is not None:
                    value = -(-least // a)
                    current = low[target]
                    if current is None or value > current:
                        low[target] = value
                        changed = True
                if most is not None:
                    value = most // a
                    current = high[target]
                    if current is None or value < current:
                        high[target] = value
                        changed = True
        if not changed:
            return


def _term(c: int, lo: Bound, hi: Bound) -> tuple[Bound, Bound]:
    """The least and most value of -c * x for x in [lo, hi] (None: unbounded)."""
    if c > 0:
        return (None if hi is None else -c * hi), (None if lo is None else -c * lo)
    return (None if lo is None else -c * lo), (None if hi is None else -c * hi)


def _without(total: int, open_terms: int, own: Bound) -> Bound:
    """The sum of the other terms: unbounded if any other term is."""
    if own is None:
        return total if open_terms == 1 else None
    return total - own if open_terms == 0 else None


def _known_range(status: str, threshold: int) -> tuple[Bound, Bound]:
    if status == PRIMARY:
        return 1, threshold - 1
    if status == SECONDARY:
        # Every non-zero count under the threshold is a primary cell, so a secondary one is at least the threshold.
        return threshold, None
    return 0, None


def _audit_component(
    system: _System,
    members: Sequence[int],
    values: Mapping[int, int],
    hidden: Mapping[int, str],
    threshold: int,
) -> dict[int, tuple[int, str]]:
    """Hidden quantities of one component whose value a reader can fix: q -> (value, "linear" | "range")."""
    unknown = {q for q in members if q in hidden}
    if not unknown:
        return {}
    # Hidden cells that share no equation cannot inform each other: each block of linked ones is solved alone,
    # and a block already solved with the same hidden cells (the usual case after one more suppression) is reused.
    parent = {q: q for q in unknown}

    def find(q: int) -> int:
        while parent[q] != q:
            parent[q] = parent[parent[q]]
            q = parent[q]
        return q

    equation_ids = sorted({e for q in unknown for e in system.member_equations.get(q, ())})
    for e in equation_ids:
        first, *rest = (q for q in system.equations[e] if q in unknown)
        for q in rest:
            a, b = find(first), find(q)
            if a != b:
                parent[max(a, b)] = min(a, b)
    blocks: dict[int, list[int]] = {}
    for e in equation_ids:
        blocks.setdefault(find(next(q for q in system.equations[e] if q in unknown)), []).append(e)
    exposed: dict[int, tuple[int, str]] = {}
    for root, block_equations in blocks.items():
        block_unknown = sorted(q for q in unknown if find(q) == root)
        signature = (tuple(block_equations), tuple((q, hidden[q]) for q in block_unknown))
        found = system._solved.get(signature)
        if found is None:
            found = _audit_block(system, block_equations, set(block_unknown), values, hidden, threshold)
            system._solved[signature] = found
        exposed.update(found)
    return exposed


def _audit_block(
    system: _System,
    equation_ids: Sequence[int],
    unknown: set[int],
    values: Mapping[int, int],
    hidden: Mapping[int, str],
    threshold: int,
) -> dict[int, tuple[int, str]]:
    rows: list[tuple[dict[int, Number], Number]] = []
    for e in equation_ids:
        equation = system.equations[e]
        row = {q: c for q, c in equation.items() if q in unknown}
        rhs = -sum(c * values[q] for q, c in equation.items() if q not in unknown)
        rows.append((row, rhs))
    pivots = _reduce(rows)
    exposed: dict[int, tuple[int, str]] = {}
    for col, (row, rhs) in pivots.items():
        if len(row) == 1:
            exposed[col] = (int(rhs), "linear")
    low: dict[int, Bound] = {}
    high: dict[int, Bound] = {}
    for q in unknown:
        low[q], high[q] = _known_range(hidden[q], threshold)
    given = {q for q in unknown if low[q] == high[q]}
    _narrow([_integral(row, rhs) for row, rhs in (*rows, *pivots.values())], low, high)
    for q in sorted(unknown):
        if q not in exposed and q not in given and low[q] is not None and low[q] == high[q]:
            exposed[q] = (int(low[q]), "range")
    return exposed


def _hidden_statuses(tables: Sequence[StatTable], system: _System) -> tuple[dict[int, str], dict[int, int]]:
    hidden: dict[int, str] = {}
    values: dict[int, int] = {}
    for table in tables:
        pos = system.positions[table.id]
        cells = {(i, j): cell for i, row in enumerate(table.cells) for j, cell in enumerate(row)}
        cells.update({(i, None): cell for i, cell in enumerate(table.row_totals)})
        cells.update({(None, j): cell for j, cell in enumerate(table.column_totals)})
        cells[None, None] = table.total
        for where, cell in cells.items():
            q = pos[where]
            if cell.hidden:
                hidden[q] = cell.suppressed
            else:
                assert cell.count is not None
                if values.setdefault(q, cell.count) != cell.count:
                    raise ValueError(f"table {table.id}: a shared total differs from the same total elsewhere")
    return hidden, values


def audit(tables: Sequence[StatTable], *, threshold: int, coarsenings: Sequence[Coarsening] = ()) -> list[Exposure]:
    """Every hidden cell of a published release that a reader can work out exactly, from what was published only."""
    system = _System(tables, coarsenings)
    hidden, values = _hidden_statuses(tables, system)
    exposures: list[Exposure] = []
    for members in _group(system).values():
        for q, (value, how) in sorted(_audit_component(system, members, values, hidden, threshold).items()):
            exposures.append(system.describe(q, value, how))
    return exposures


def _group(system: _System) -> dict[int, list[int]]:
    groups: dict[int, list[int]] = {}
    for q, root in enumerate(system.component):
        groups.setdefault(root, []).append(q)
    return groups


# --- suppression ----------------------------------------------------------------------------------------------


def suppress(
    tables: Sequence[CountTable], *, threshold: int, coarsenings: Sequence[Coarsening] = ()
) -> dict[str, StatTable]:
    """Primary and secondary suppression across all `tables` of one release; see the module docstring."""
    if threshold < 1:
        raise ValueError("the threshold must be at least 1")
    system = _System(tables, coarsenings)
    values: dict[int, int] = {}
    for table in tables:
        pos = system.positions[table.id]
        given: dict[tuple[int | None, int | None], int] = {
            (i, j): table.counts[i][j] for i in range(len(table.row_codes)) for j in range(len(table.column_codes))
        }
        given.update({(i, None): table.row_total(i) for i in range(len(table.row_codes))})
        given.update({(None, j): table.column_total(j) for j in range(len(table.column_codes))})
        given[None, None] = table.total
        for where, count in given.items():
            if values.setdefault(pos[where], count) != count:
                slot = system.slots[pos[where]]
                raise ValueError(
                    f"table {table.id}: the count of {dict(system.keys[pos[where]])} is {count} here "
                    f"but {values[pos[where]]} in table {slot.table_id if slot else '?'}"
                )
    hidden: dict[int, str] = {q: PRIMARY for q, v in values.items() if 0 < v < threshold}
    _protect(system, values, hidden, threshold)
    return {table.id: _published(table, system, values, hidden, threshold) for table in tables}


def _protect(system: _System, values: Mapping[int, int], hidden: dict[int, str], threshold: int) -> None:
    groups = _group(system)
    exposed: dict[int, dict[int, tuple[int, str]]] = {}
    for root, members in groups.items():
        exposed[root] = _audit_component(system, members, values, hidden, threshold)
    given_up: set[int] = set()
    while True:
        open_ = sorted(q for found in exposed.values() for q in found if q not in given_up)
        if not open_:
            return
        # The cheapest complement over every exposed cell, not just the first: the cell that closes a rectangle
        # is usually next to another exposed cell than the one that made the rectangle necessary.
        best: tuple[tuple[int, int, int, int], int] | None = None
        for target in open_:
            root = system.component[target]
            how = exposed[root][target][1]
            choice = _complement(system, values, hidden, target, reach_far=how == "linear")
            if choice is None:
                # Nothing published is left around it: only the displayed ranges pin it (see the method notes).
                given_up.add(target)
            elif best is None or choice < best[0]:
                best = (choice, target)
        if best is None:
            continue
        complement = best[0][-1]
        hidden[complement] = SECONDARY
        root = system.component[complement]
        exposed[root] = _audit_component(system, groups[root], values, hidden, threshold)


def _complement(
    system: _System,
    values: Mapping[int, int],
    hidden: Mapping[int, str],
    target: int,
    *,
    reach_far: bool,
) -> tuple[int, int, int, int] | None:
    """The cost and index of the cheapest published non-zero quantity to hide next to `target`; None if none."""

    def candidates(equation_ids: Iterable[int]) -> set[int]:
        return {
            q
            for e in equation_ids
            for q in system.equations[e]
            if q not in hidden and not system.latent[q] and values[q] > 0
        }

    near = set(system.member_equations.get(target, ()))
    found = candidates(near)
    if not found and reach_far:
        # The sums through `target` are all hidden already: look one equation further out, and so on.
        seen_equations, frontier = set(near), set(near)
        while frontier and not found:
            reached = {q for e in frontier for q in system.equations[e]}
            frontier = {e for q in reached for e in system.member_equations.get(q, ())} - seen_equations
            seen_equations |= frontier
            found = candidates(frontier)
    if not found:
        return None

    def cost(q: int) -> tuple[int, int, int, int]:
        # Every sum in which q would be the only hidden number needs a complement of its own next: a cell that
        # closes a rectangle costs nothing more, a margin read in many tables costs a complement in each.
        alone = sum(
            1 for e in system.member_equations.get(q, ()) if not any(m in hidden for m in system.equations[e] if m != q)
        )
        return (alone, system.rank[q], values[q], q)

    return min(cost(q) for q in found)


def _published(
    table: CountTable, system: _System, values: Mapping[int, int], hidden: Mapping[int, str], threshold: int
) -> StatTable:
    pos = system.positions[table.id]

    def cell(where: tuple[int | None, int | None]) -> Cell:
        q = pos[where]
        status = hidden.get(q, "")
        if status == PRIMARY:
            return Cell.primary(threshold)
        if status == SECONDARY:
            return Cell.secondary()
        return Cell.shown(values[q])

    rows, cols = range(len(table.row_codes)), range(len(table.column_codes))
    return StatTable(
        id=table.id,
        row_dimension=table.row_dimension,
        column_dimension=table.column_dimension,
        row_codes=list(table.row_codes),
        column_codes=list(table.column_codes),
        cells=[[cell((i, j)) for j in cols] for i in rows],
        row_totals=[cell((i, None)) for i in rows],
        column_totals=[cell((None, j)) for j in cols],
        total=cell((None, None)),
        scope=dict(table.scope),
        note=table.note,
    )
