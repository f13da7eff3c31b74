"""A release: every statistical table of a year, counted from the facts and put through disclosure control.

| id | rows × columns | counts | period |
|---|---|---|---|
| victims_by_year_sex | year × sex | registered victims | year_from..year |
| victims_by_age_sex | age_band × sex | registered victims | year |
| victims_by_age_group_sex | age_group (under_18, adult, unknown) × sex | registered victims | year |
| victims_by_citizenship_sex | citizenship_group × sex | registered victims | year |
| victims_by_form_sex | form × sex | registered victims, once per form (multi-valued) | year |
| victims_by_year_form | year × form | registered victims, once per form (multi-valued) | year_from..year |
| recognising_by_year | recognising_type × year | cases (every recognised person) | year_from..year |
| outcomes_by_route | identification_route × outcome | cases | year |
| pathway | from_type × to_type | referrals sent | year |
| referral_response | to_type × referral_answer (on_time, overdue, unanswered) | referrals sent | year |
| screenings_by_type_outcome | institution_type × screening_outcome | saved screenings | year |
| eurostat_victims_by_age_sex | age_group × eurostat_sex | registered victims | year |
| eurostat_victims_by_citizenship_sex | eurostat_citizenship × eurostat_sex | registered victims | year |
| eurostat_victims_by_form_sex | eurostat_form × eurostat_sex | registered victims, once per group (multi) | year |
| time_to_identification | year → n, quartiles of days recognition → identification | identified victims | span |
| time_to_service | year → n, quartiles of days recognition → first service | registered victims | span |
| referral_response_time | to_type → n, quartiles of hours sent → answer | answered referrals | year |

"Registered victims" are cases whose outcome the pack counts (publication.registered_victims: identified and
presumed victims, as Eurostat defines them). "year" is the year of recognition (cases) or of sending (referrals).
A victim exploited in several forms is counted once under each: those tables' totals exceed the number of victims.
Codes only, never labels (opennrm.stats.labels names them). The method: docs/statistics-method.md.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

from django.db.models import Count
from django.utils.translation import gettext

from opennrm.core.errors import ApplicationError
from opennrm.stats import privacy
from opennrm.stats.dimensions import OUTCOMES, StatisticsDefinitions, statistics_definitions
from opennrm.stats.disclosure import (
    PRIMARY,
    SECONDARY,
    Cell,
    Coarsening,
    CountTable,
    StatTable,
    suppress,
)
from opennrm.stats.models import CaseFact, NoiseDraw, ReferralFact, ScreeningFact
from opennrm.stats.privacy import DpStatement

__all__ = ["Cell", "DpStatement", "DurationRow", "DurationTable", "Release", "StatTable", "release_build"]

FORMAT_VERSION = 1
DEFAULT_SPAN_YEARS = 5
UNKNOWN = "unknown"
ADULT_AGE = 18
AGE_GROUPS = ("under_18", "adult", UNKNOWN)
REFERRAL_ANSWERS = ("on_time", "overdue", "unanswered")
SCREENING_OUTCOMES = ("indicative", "partial", "none")
# Upper ends of the candidate values of a private quartile; longer times are counted at the end.
DURATION_UPPER = {"days": 730, "hours": 720}
# Quartiles are shown only for a row of at least this many times the threshold: with fewer values each quartile is
# close to one person's own time.
QUARTILE_FACTOR = 2
# Contribution bounds of a noisy release: how much one person may add, so that the noise can cover it.
FORMS_PER_PERSON = 2
REFERRALS_PER_CASE = 3

VICTIMS = {"universe": "cases", "registered_victim": "yes"}
CASES = {"universe": "cases"}
VICTIM_FORMS = {"universe": "case_forms", "registered_victim": "yes"}
VICTIM_FORM_GROUPS = {"universe": "case_form_groups", "registered_victim": "yes"}
REFERRALS = {"universe": "referrals"}
SCREENINGS = {"universe": "screenings"}
MULTI_VALUED = "multi_valued"

COUNT_TABLE_IDS = (
    "victims_by_year_sex",
    "victims_by_age_sex",
    "victims_by_age_group_sex",
    "victims_by_citizenship_sex",
    "victims_by_form_sex",
    "victims_by_year_form",
    "recognising_by_year",
    "outcomes_by_route",
    "pathway",
    "referral_response",
    "screenings_by_type_outcome",
    "eurostat_victims_by_age_sex",
    "eurostat_victims_by_citizenship_sex",
    "eurostat_victims_by_form_sex",
)
# The count tables each grouped read of the facts lays out: a build that needs none of them skips that read.
VICTIM_TABLE_IDS = (
    "victims_by_year_sex",
    "victims_by_age_sex",
    "victims_by_age_group_sex",
    "victims_by_citizenship_sex",
    "eurostat_victims_by_age_sex",
    "eurostat_victims_by_citizenship_sex",
)
FORM_TABLE_IDS = ("victims_by_form_sex", "victims_by_year_form", "eurostat_victims_by_form_sex")
CASE_TABLE_IDS = ("recognising_by_year", "outcomes_by_route")
REFERRAL_TABLE_IDS = ("pathway", "referral_response")
SCREENING_TABLE_IDS = ("screenings_by_type_outcome",)
DURATION_TABLE_IDS = ("time_to_identification", "time_to_service", "referral_response_time")
TABLE_IDS = COUNT_TABLE_IDS + DURATION_TABLE_IDS
# How many cells (or, for durations, values) one person can add to, once contributions are bounded.
_CONTRIBUTIONS = {
    "victims_by_form_sex": FORMS_PER_PERSON,
    "victims_by_year_form": FORMS_PER_PERSON,
    "eurostat_victims_by_form_sex": FORMS_PER_PERSON,
    "pathway": REFERRALS_PER_CASE,
    "referral_response": REFERRALS_PER_CASE,
    "referral_response_time": REFERRALS_PER_CASE,
}
_DEFAULT_EUROSTAT = {
    "sex": {"F": ("Feminine",), "M": ("Masculine",)},
    "citizenship": {"NAT": ("national",), "EU27_2020_FOR": ("other_eu",), "NEU27_2020_FOR": ("non_eu",)},
    "form": {"SEX_EXP": ("SexualExploitation",), "LAB_EXP": ("ForcedLabour", "ChildLabour", "Servitude")},
}
_EUROSTAT_REST = {"sex": "UNK", "citizenship": "UNK", "form": "OTH"}
EUROSTAT_UNKNOWN_FORM = "UNK"


@dataclass(frozen=True)
class DurationRow:
    """How long something took for one row: `n` is a count like any other; quartiles only when n is shown."""

    n: Cell
    q1: float | None = None
    median: float | None = None
    q3: float | None = None


@dataclass
class DurationTable:
    id: str
    row_dimension: str
    row_codes: list[str]
    rows: list[DurationRow]
    unit: str
    kind: str = "duration"
    scope: dict[str, str] = field(default_factory=dict)
    note: str = ""

    def row_for(self, code: str) -> DurationRow:
        return self.rows[self.row_codes.index(code)]


@dataclass
class Release:
    """The tables of one release, the threshold they were protected with and the noise, if any, that was added."""

    year_from: int
    year: int
    tables: dict[str, StatTable | DurationTable]
    threshold: int
    dp: DpStatement | None
    public: bool
    pack_code: str = ""
    registered_outcomes: tuple[str, ...] = ()
    contribution_bounds: dict[str, int] = field(default_factory=dict)
    # Data year -> (noise draws made for this release, draws reused from earlier ones); empty without noise.
    noise_use: dict[int, tuple[int, int]] = field(default_factory=dict)

    def table(self, table_id: str) -> StatTable | DurationTable | None:
        return self.tables.get(table_id)

    def method(self) -> dict:
        """What PublishedRelease.method stores: how the numbers were protected."""
        return {
            "threshold": self.threshold,
            "suppression": "primary_and_secondary",
            "auditor": "exact_linear_and_range",
            "secondary_display": Cell.secondary().display,
            "registered_outcomes": list(self.registered_outcomes),
            "dp": self.dp.to_json() if self.dp else None,
            "contribution_bounds": dict(self.contribution_bounds),
        }

    def to_json(self) -> dict:
        return {
            "version": FORMAT_VERSION,
            "year_from": self.year_from,
            "year": self.year,
            "threshold": self.threshold,
            "public": self.public,
            "pack_code": self.pack_code,
            "registered_outcomes": list(self.registered_outcomes),
            "contribution_bounds": dict(self.contribution_bounds),
            "dp": self.dp.to_json() if self.dp else None,
            "tables": [_table_json(table) for table in self.tables.values()],
        }

    @classmethod
    def from_json(cls, data: Mapping) -> Release:
        if data.get("version") != FORMAT_VERSION:
            raise ValueError(f"release format {data.get('version')!r} is not {FORMAT_VERSION}")
        threshold = int(data["threshold"])
        tables = [_table_from_json(item, threshold) for item in data["tables"]]
        return cls(
            year_from=int(data["year_from"]),
            year=int(data["year"]),
            tables={table.id: table for table in tables},
            threshold=threshold,
            dp=DpStatement.from_json(data["dp"]) if data.get("dp") else None,
            public=bool(data["public"]),
            pack_code=data.get("pack_code", ""),
            registered_outcomes=tuple(data.get("registered_outcomes", ())),
            contribution_bounds=dict(data.get("contribution_bounds", {})),
        )


def _cell_json(cell: Cell) -> list:
    return [cell.count, cell.suppressed]


def _cell_from_json(item: Sequence, threshold: int) -> Cell:
    count, suppressed = item
    if suppressed == PRIMARY:
        return Cell.primary(threshold)
    if suppressed == SECONDARY:
        return Cell.secondary()
    return Cell.shown(int(count))


def _table_json(table: StatTable | DurationTable) -> dict:
    if isinstance(table, DurationTable):
        return {
            "id": table.id,
            "kind": table.kind,
            "row_dimension": table.row_dimension,
            "row_codes": table.row_codes,
            "unit": table.unit,
            "scope": table.scope,
            "note": table.note,
            "rows": [[_cell_json(r.n), r.q1, r.median, r.q3] for r in table.rows],
        }
    return {
        "id": table.id,
        "kind": table.kind,
        "row_dimension": table.row_dimension,
        "column_dimension": table.column_dimension,
        "row_codes": table.row_codes,
        "column_codes": table.column_codes,
        "scope": table.scope,
        "note": table.note,
        "cells": [[_cell_json(c) for c in row] for row in table.cells],
        "row_totals": [_cell_json(c) for c in table.row_totals],
        "column_totals": [_cell_json(c) for c in table.column_totals],
        "total": _cell_json(table.total),
    }


def _table_from_json(item: Mapping, threshold: int) -> StatTable | DurationTable:
    if item["kind"] == "duration":
        return DurationTable(
            id=item["id"],
            row_dimension=item["row_dimension"],
            row_codes=list(item["row_codes"]),
            rows=[DurationRow(_cell_from_json(n, threshold), q1, m, q3) for n, q1, m, q3 in item["rows"]],
            unit=item["unit"],
            scope=dict(item.get("scope", {})),
            note=item.get("note", ""),
        )
    return StatTable(
        id=item["id"],
        row_dimension=item["row_dimension"],
        column_dimension=item["column_dimension"],
        row_codes=list(item["row_codes"]),
        column_codes=list(item["column_codes"]),
        cells=[[_cell_from_json(c, threshold) for c in row] for row in item["cells"]],
        row_totals=[_cell_from_json(c, threshold) for c in item["row_totals"]],
        column_totals=[_cell_from_json(c, threshold) for c in item["column_totals"]],
        total=_cell_from_json(item["total"], threshold),
        kind=item.get("kind", "count"),
        scope=dict(item.get("scope", {})),
        note=item.get("note", ""),
    )


# --- building -------------------------------------------------------------------------------------------------


def release_build(*, year: int, year_from: int | None = None, public: bool = False) -> Release:
    """Count, protect and (for a public release where the pack asks for it) add noise to every table of `year`."""
    year, year_from = _checked_years(year, year_from)
    definitions = statistics_definitions()
    publication = definitions.publication
    noisy = public and publication.differential_privacy.enabled
    counter = _Counter(definitions, year_from=year_from, year=year, bounded=noisy)
    public_ids = set(publication.public_tables)
    if noisy:
        # Noise protects each public table on its own, so the tables it will not publish are not even counted.
        count_tables = counter.count_tables(only=public_ids)
        durations = counter.durations(only=public_ids)
        scopes = {k: counter.duration_scope(k) for k in durations}
        tables, dp, noise_use = _noisy(count_tables, durations, definitions, scopes)
    else:
        # Protected all together, then cut down: a part of a safe release is safe, so the public tables can
        # never be combined with the rapporteur's (or Eurostat's) to recover a cell.
        count_tables = counter.count_tables()
        durations = counter.durations()
        recorded = _duration_count_tables(count_tables, durations, counter)
        protected = suppress(
            [*count_tables, *recorded], threshold=definitions.threshold, coarsenings=counter.coarsenings()
        )
        tables = dict(protected)
        tables.update(
            {
                k: _exact_durations(k, v, definitions.threshold, counter.duration_scope(k), tables)
                for k, v in durations.items()
            }
        )
        tables = {k: tables[k] for k in TABLE_IDS if k in tables and (not public or k in public_ids)}
        dp, noise_use = None, {}
    return Release(
        year_from=year_from,
        year=year,
        tables=tables,
        threshold=definitions.threshold,
        dp=dp,
        public=public,
        pack_code=definitions.pack_code,
        registered_outcomes=tuple(definitions.registered_victims.outcomes),
        contribution_bounds=counter.bounds() if noisy else {},
        noise_use=noise_use,
    )


def _checked_years(year: object, year_from: object) -> tuple[int, int]:
    if not isinstance(year, int) or isinstance(year, bool) or not 1900 <= year <= 2200:
        raise ApplicationError(gettext("Give the year as a four-digit number."), field="year")
    if year_from is None:
        return year, year - DEFAULT_SPAN_YEARS + 1
    if not isinstance(year_from, int) or isinstance(year_from, bool) or not 1900 <= year_from <= year:
        raise ApplicationError(
            gettext("The first year must be a four-digit number no later than the year of the release."),
            field="year_from",
        )
    return year, year_from


def _codes_with_fallback(codes: Sequence[str]) -> tuple[list[str], str]:
    """The codes of a dimension and the one that takes values it does not know."""
    codes = list(codes)
    for fallback in (UNKNOWN, "", "NonSpecifiedUnknown"):
        if fallback in codes:
            return codes, fallback
    return [*codes, UNKNOWN], UNKNOWN


def _eurostat_groups(definitions: StatisticsDefinitions, which: str, fine_codes: Sequence[str]) -> dict:
    """Eurostat code -> the pack codes counted under it; codes the pack does not map go to the rest group."""
    mapping = getattr(definitions.eurostat, which)
    groups: dict[str, list[str]] = {}
    if mapping:
        for item in mapping:
            groups.setdefault(item.code, []).extend(item.categories)
    else:
        groups = {code: list(members) for code, members in _DEFAULT_EUROSTAT[which].items()}
    placed = {code for members in groups.values() for code in members}
    # A victim with no form recorded is Eurostat's "unknown", not "other": the caller adds that group.
    rest = [code for code in fine_codes if code not in placed and not (which == "form" and code == UNKNOWN)]
    if rest:
        groups.setdefault(_EUROSTAT_REST[which], []).extend(rest)
    return {code: tuple(dict.fromkeys(c for c in members if c in fine_codes)) for code, members in groups.items()}


def eurostat_groups(definitions: StatisticsDefinitions) -> dict[str, dict[str, tuple[str, ...]]]:
    """Eurostat code -> pack codes counted under it, for "sex", "citizenship" and "form" (with "unknown")."""
    dims = definitions.dimensions
    sex, _ = _codes_with_fallback(dims["sex"].codes)
    citizenship, _ = _codes_with_fallback(dims["citizenship_group"].codes)
    forms, _ = _codes_with_fallback(dims["form"].codes)
    form_groups = _eurostat_groups(definitions, "form", forms)
    form_groups[EUROSTAT_UNKNOWN_FORM] = (*form_groups.get(EUROSTAT_UNKNOWN_FORM, ()), UNKNOWN)
    return {
        "sex": _eurostat_groups(definitions, "sex", sex),
        "citizenship": _eurostat_groups(definitions, "citizenship", citizenship),
        "form": form_groups,
    }


def age_groups_of_bands(definitions: StatisticsDefinitions, codes: Sequence[str]) -> dict[str, str]:
    """age band code -> "under_18" (whole band below 18), "adult" (from 18 on) or "unknown" (straddles 18, unknown).

    The age group is read from the band alone, never from another field, so that under 18 and adult are exact sums
    of bands: the auditor links the two tables through that identity (docs/statistics-method.md).
    """
    groups = dict.fromkeys(codes, UNKNOWN)
    for band in definitions.age_bands:
        if band.code not in groups:
            continue
        if band.max_age is not None and band.max_age < ADULT_AGE:
            groups[band.code] = "under_18"
        elif band.min_age >= ADULT_AGE:
            groups[band.code] = "adult"
    return groups


class _Counter:
    """Reads the facts with a few grouped queries and lays the counts out as tables."""

    def __init__(self, definitions: StatisticsDefinitions, *, year_from: int, year: int, bounded: bool) -> None:
        self.year_from, self.year, self.bounded = year_from, year, bounded
        self.years = [str(y) for y in range(year_from, year + 1)]
        self.span = str(year) if year_from == year else f"{year_from}-{year}"
        dims = definitions.dimensions
        self.sex, self.sex_fallback = _codes_with_fallback(dims["sex"].codes)
        self.age, self.age_fallback = _codes_with_fallback(dims["age_band"].codes)
        self.age_group_of = age_groups_of_bands(definitions, self.age)
        self.citizenship, self.citizenship_fallback = _codes_with_fallback(dims["citizenship_group"].codes)
        self.forms, _ = _codes_with_fallback(dims["form"].codes)
        self.types, self.type_fallback = _codes_with_fallback(dims["recognising_type"].codes)
        self.routes, self.route_fallback = _codes_with_fallback(dims["identification_route"].codes)
        # Every outcome the facts can hold, in the pack's order, whether or not the pack names it.
        self.outcomes = [*dims["outcome"].codes, *(o for o in OUTCOMES if o not in dims["outcome"].codes)]
        self.registered = list(definitions.registered_victims.outcomes)
        groups = eurostat_groups(definitions)
        self.eurostat_sex = groups["sex"]
        self.eurostat_citizenship = groups["citizenship"]
        self.eurostat_form = groups["form"]

    def _one_of(self, value: object, codes: Sequence[str], fallback: str) -> str:
        return value if isinstance(value, str) and value in codes else fallback

    def scope(self, base: Mapping[str, str], *, span: bool = False) -> dict[str, str]:
        return {**base, "year": self.span if span else str(self.year)}

    def coarsenings(self) -> list[Coarsening]:
        others = tuple(o for o in self.outcomes if o not in self.registered)
        return [
            Coarsening("outcome", "registered_victim", {"yes": tuple(self.registered), "no": others}),
            Coarsening("sex", "eurostat_sex", self.eurostat_sex),
            Coarsening("citizenship_group", "eurostat_citizenship", self.eurostat_citizenship),
            # Under 18 and adult are sums of age bands: without this a reader takes a hidden child band as
            # (under 18) - (the other child bands).
            Coarsening(
                "age_band",
                "age_group",
                {g: tuple(b for b in self.age if self.age_group_of[b] == g) for g in AGE_GROUPS},
            ),
        ]

    def bounds(self) -> dict[str, int]:
        return {"forms_per_person": FORMS_PER_PERSON, "referrals_per_case": REFERRALS_PER_CASE}

    # --- queries ---

    def _cases(self):
        # Only outcomes every table knows, so that the tables of cases and of victims always agree.
        return CaseFact.objects.filter(year__gte=self.year_from, year__lte=self.year, outcome__in=self.outcomes)

    def _victims(self):
        return self._cases().filter(outcome__in=self.registered)

    def count_tables(self, only: Collection[str] | None = None) -> list[CountTable]:
        """The count tables (those named in `only`, if given); a grouped read none of them needs is not run."""
        wanted = set(COUNT_TABLE_IDS if only is None else only)
        reads = (
            (VICTIM_TABLE_IDS, self._victim_tables),
            (FORM_TABLE_IDS, self._form_tables),
            (CASE_TABLE_IDS, self._case_tables),
            (REFERRAL_TABLE_IDS, self._referral_tables),
            (SCREENING_TABLE_IDS, self._screening_tables),
        )
        return [table for ids, read in reads if wanted & set(ids) for table in read() if table.id in wanted]

    def _victim_tables(self) -> list[CountTable]:
        by_year_sex: dict[tuple[str, str], int] = defaultdict(int)
        by_age: dict[tuple[str, str], int] = defaultdict(int)
        by_group: dict[tuple[str, str], int] = defaultdict(int)
        by_citizenship: dict[tuple[str, str], int] = defaultdict(int)
        rows = self._victims().values("year", "sex", "age_band", "citizenship_group").annotate(n=Count("id")).order_by()
        for row in rows:
            sex = self._one_of(row["sex"], self.sex, self.sex_fallback)
            by_year_sex[str(row["year"]), sex] += row["n"]
            if row["year"] != self.year:
                continue
            band = self._one_of(row["age_band"], self.age, self.age_fallback)
            by_age[band, sex] += row["n"]
            by_group[self.age_group_of[band], sex] += row["n"]
            citizenship = self._one_of(row["citizenship_group"], self.citizenship, self.citizenship_fallback)
            by_citizenship[citizenship, sex] += row["n"]
        here, sex = self.scope(VICTIMS), self.sex
        return [
            _table("victims_by_year_sex", "year", "sex", self.years, sex, by_year_sex, self.scope(VICTIMS, span=True)),
            _table("victims_by_age_sex", "age_band", "sex", self.age, sex, by_age, here),
            _table("victims_by_age_group_sex", "age_group", "sex", AGE_GROUPS, sex, by_group, here),
            _table(
                "victims_by_citizenship_sex", "citizenship_group", "sex", self.citizenship, sex, by_citizenship, here
            ),
            _table(
                "eurostat_victims_by_age_sex", "age_group", "eurostat_sex", AGE_GROUPS, list(self.eurostat_sex),
                _coarse(by_group, columns=self.eurostat_sex), here,
            ),
            _table(
                "eurostat_victims_by_citizenship_sex", "eurostat_citizenship", "eurostat_sex",
                list(self.eurostat_citizenship), list(self.eurostat_sex),
                _coarse(by_citizenship, rows=self.eurostat_citizenship, columns=self.eurostat_sex), here,
            ),
        ]  # fmt: skip

    def _victim_forms(self, forms: object) -> list[str]:
        """A victim's forms as pack codes in pack order, each once; cut to the bound in a noisy release."""
        given = set(forms) if isinstance(forms, list) else set()
        known = [f for f in self.forms if f in given and f != UNKNOWN]
        if not known or given - set(known):
            known.append(UNKNOWN)
        return known[:FORMS_PER_PERSON] if self.bounded else known

    def _form_tables(self) -> list[CountTable]:
        by_form_sex: dict[tuple[str, str], int] = defaultdict(int)
        by_year_form: dict[tuple[str, str], int] = defaultdict(int)
        by_group_sex: dict[tuple[str, str], int] = defaultdict(int)
        group_of = {f: g for g, members in self.eurostat_form.items() for f in members}
        rows = self._victims().values("year", "sex", "forms").annotate(n=Count("id")).order_by()
        for row in rows:
            forms = self._victim_forms(row["forms"])
            year = str(row["year"])
            for form in forms:
                by_year_form[year, form] += row["n"]
            if row["year"] != self.year:
                continue
            sex = self._one_of(row["sex"], self.sex, self.sex_fallback)
            for form in forms:
                by_form_sex[form, sex] += row["n"]
            groups = list(dict.fromkeys(group_of[f] for f in forms))
            esex = next(code for code, members in self.eurostat_sex.items() if sex in members)
            for group in groups[:FORMS_PER_PERSON] if self.bounded else groups:
                by_group_sex[group, esex] += row["n"]
        forms_scope = self.scope(VICTIM_FORMS)
        return [
            _table("victims_by_form_sex", "form", "sex", self.forms, self.sex, by_form_sex, forms_scope, MULTI_VALUED),
            _table(
                "victims_by_year_form", "year", "form", self.years, self.forms, by_year_form,
                self.scope(VICTIM_FORMS, span=True), MULTI_VALUED,
            ),
            _table(
                "eurostat_victims_by_form_sex", "eurostat_form", "eurostat_sex", list(self.eurostat_form),
                list(self.eurostat_sex), by_group_sex, self.scope(VICTIM_FORM_GROUPS), MULTI_VALUED,
            ),
        ]  # fmt: skip

    def _case_tables(self) -> list[CountTable]:
        by_type: dict[tuple[str, str], int] = defaultdict(int)
        for row in self._cases().values("year", "recognising_type").annotate(n=Count("id")).order_by():
            by_type[self._one_of(row["recognising_type"], self.types, self.type_fallback), str(row["year"])] += row["n"]
        by_route: dict[tuple[str, str], int] = defaultdict(int)
        rows = self._cases().filter(year=self.year).values("identification_route", "outcome").annotate(n=Count("id"))
        for row in rows.order_by():
            route = self._one_of(row["identification_route"], self.routes, self.route_fallback)
            by_route[route, row["outcome"]] += row["n"]
        return [
            _table(
                "recognising_by_year", "recognising_type", "year", self.types, self.years, by_type,
                self.scope(CASES, span=True),
            ),
            _table(
                "outcomes_by_route", "identification_route", "outcome", self.routes, self.outcomes, by_route,
                self.scope(CASES),
            ),
        ]  # fmt: skip

    @cached_property
    def _referrals(self) -> list[tuple[str, str, bool, int | None, int]]:
        """(from_type, to_type, overdue, hours_to_answer, how many) of the year's referrals."""
        referrals = ReferralFact.objects.filter(year=self.year)
        if not self.bounded:
            rows = (
                referrals.values("from_type", "to_type", "overdue", "hours_to_answer")
                .annotate(n=Count("id"))
                .order_by()
            )
            return [(r["from_type"], r["to_type"], r["overdue"], r["hours_to_answer"], r["n"]) for r in rows]
        # A noisy release counts at most REFERRALS_PER_CASE referrals of a case, the first ones sent.
        kept: list[tuple[str, str, bool, int | None, int]] = []
        per_case: dict[int, int] = defaultdict(int)
        fields = ("case_fact_id", "from_type", "to_type", "overdue", "hours_to_answer")
        for case_fact_id, from_type, to_type, overdue, hours in referrals.order_by("case_fact_id", "id").values_list(
            *fields
        ):
            if case_fact_id is not None:
                per_case[case_fact_id] += 1
                if per_case[case_fact_id] > REFERRALS_PER_CASE:
                    continue
            kept.append((from_type, to_type, overdue, hours, 1))
        return kept

    def _referral_tables(self) -> list[CountTable]:
        pathway: dict[tuple[str, str], int] = defaultdict(int)
        response: dict[tuple[str, str], int] = defaultdict(int)
        for from_type, to_type, overdue, hours, n in self._referrals:
            source = self._one_of(from_type, self.types, self.type_fallback)
            target = self._one_of(to_type, self.types, self.type_fallback)
            pathway[source, target] += n
            answer = "overdue" if overdue else ("on_time" if hours is not None else "unanswered")
            response[target, answer] += n
        here = self.scope(REFERRALS)
        return [
            _table("pathway", "from_type", "to_type", self.types, self.types, pathway, here),
            _table("referral_response", "to_type", "referral_answer", self.types, REFERRAL_ANSWERS, response, here),
        ]

    def _screening_tables(self) -> list[CountTable]:
        types, fallback = self.types, self.type_fallback
        counts: dict[tuple[str, str], int] = defaultdict(int)
        rows = (
            ScreeningFact.objects.filter(year=self.year).values("institution_type", "outcome").annotate(n=Count("id"))
        )
        for row in rows.order_by():
            outcome = row["outcome"] if row["outcome"] in SCREENING_OUTCOMES else "none"
            counts[self._one_of(row["institution_type"], types, fallback), outcome] += row["n"]
        return [
            _table(
                "screenings_by_type_outcome", "institution_type", "screening_outcome", types, SCREENING_OUTCOMES,
                counts, self.scope(SCREENINGS),
            )
        ]  # fmt: skip

    # --- durations ---

    def durations(
        self, only: Collection[str] | None = None
    ) -> dict[str, tuple[str, list[str], str, dict[str, dict[int, int]]]]:
        """table id -> (row dimension, row codes, unit, row code -> {value: how many}), for those named in `only`."""
        reads = {
            "time_to_identification": lambda: ("year", self.years, "days", self._days("days_to_identification")),
            "time_to_service": lambda: ("year", self.years, "days", self._days("days_to_service")),
            "referral_response_time": lambda: ("to_type", self.types, "hours", self._hours_to_answer()),
        }
        return {table_id: read() for table_id, read in reads.items() if only is None or table_id in only}

    def _hours_to_answer(self) -> dict[str, dict[int, int]]:
        hours: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        for _from_type, to_type, _overdue, answered_in, n in self._referrals:
            if answered_in is not None:
                hours[self._one_of(to_type, self.types, self.type_fallback)][answered_in] += n
        return {k: dict(v) for k, v in hours.items()}

    def duration_scope(self, table_id: str) -> dict[str, str]:
        if table_id == "referral_response_time":
            return self.scope(REFERRALS)
        return self.scope(VICTIMS, span=True)

    def _days(self, column: str) -> dict[str, dict[int, int]]:
        histogram: dict[str, dict[int, int]] = defaultdict(dict)
        rows = (
            self._victims()
            .filter(**{f"{column}__isnull": False})
            .values("year", column)
            .annotate(n=Count("id"))
            .order_by()
        )
        for row in rows:
            histogram[str(row["year"])][row[column]] = row["n"]
        return histogram


def _table(
    table_id: str,
    row_dimension: str,
    column_dimension: str,
    row_codes: Sequence[str],
    column_codes: Sequence[str],
    counts: Mapping[tuple[str, str], int],
    scope: Mapping[str, str],
    note: str = "",
) -> CountTable:
    return CountTable(
        id=table_id,
        row_dimension=row_dimension,
        column_dimension=column_dimension,
        row_codes=tuple(row_codes),
        column_codes=tuple(column_codes),
        counts=tuple(tuple(counts.get((r, c), 0) for c in column_codes) for r in row_codes),
        scope=dict(scope),
        note=note,
    )


def _coarse(
    counts: Mapping[tuple[str, str], int],
    *,
    rows: Mapping[str, Sequence[str]] | None = None,
    columns: Mapping[str, Sequence[str]] | None = None,
) -> dict[tuple[str, str], int]:
    """Counts regrouped into coarse row and/or column categories (Eurostat's)."""
    row_of = {f: g for g, members in (rows or {}).items() for f in members}
    column_of = {f: g for g, members in (columns or {}).items() for f in members}
    coarse: dict[tuple[str, str], int] = defaultdict(int)
    for (r, c), n in counts.items():
        coarse[row_of.get(r, r) if rows else r, column_of.get(c, c) if columns else c] += n
    return coarse


# --- durations ---------------------------------------------------------------------------------------------------


def _kth(histogram: Sequence[tuple[int, int]], k: int) -> int:
    """The k-th smallest value (0-based) of a sorted histogram [(value, how many), ...]."""
    seen = 0
    for value, n in histogram:
        seen += n
        if k < seen:
            return value
    raise IndexError(k)


def quantile(histogram: Mapping[int, int], alpha: float) -> float:
    """The alpha-quantile with linear interpolation between order statistics (the "inclusive" method)."""
    ordered = sorted(histogram.items())
    n = sum(histogram.values())
    position = (n - 1) * alpha
    low = int(position)
    fraction = position - low
    below = _kth(ordered, low)
    if fraction == 0:
        return float(below)
    above = _kth(ordered, low + 1)
    return round(below + (above - below) * fraction, 1)


# The count table whose row totals are the rows of each duration table: what links `n` to the other tables.
_DURATION_BASES = {
    "time_to_identification": "victims_by_year_sex",
    "time_to_service": "victims_by_year_sex",
    "referral_response_time": "referral_response",
}


def _duration_n_id(table_id: str, code: str) -> str:
    return f"{table_id}__n__{code}"


def _duration_count_tables(
    count_tables: Sequence[CountTable],
    durations: Mapping[str, tuple[str, list[str], str, dict[str, dict[int, int]]]],
    counter: _Counter,
) -> list[CountTable]:
    """For the auditor only: each duration row's `n` as the "yes" cell of a one-row table (time recorded: yes, no).

    The row total is the quantity another table publishes (the victims of a year, the referrals sent to a type), so
    `n` and that total are one system: a hidden `n` cannot be read off as total minus the rest, nor the reverse.
    One table per row, its scope fixed to that row, so that no sum over rows enters that nobody publishes.
    """
    bases = {t.id: t for t in count_tables}
    linked = []
    for table_id, (row_dimension, codes, _unit, histograms) in durations.items():
        base = bases[_DURATION_BASES[table_id]]
        totals = {code: base.row_total(i) for i, code in enumerate(base.row_codes)}
        # Each duration is its own property of a record: "time to identification recorded" is not "... to service".
        recorded = f"{table_id}_recorded"
        for code in codes:
            n = sum(histograms.get(code, {}).values())
            counts = {(code, "yes"): n, (code, "no"): max(totals.get(code, n) - n, 0)}
            scope = {**counter.duration_scope(table_id), row_dimension: code}
            linked.append(
                _table(_duration_n_id(table_id, code), row_dimension, recorded, [code], ("yes", "no"), counts, scope)
            )
    return linked


def _exact_durations(
    table_id: str,
    spec: tuple[str, list[str], str, dict[str, dict[int, int]]],
    threshold: int,
    scope: dict,
    protected: Mapping[str, StatTable],
) -> DurationTable:
    row_dimension, codes, unit, histograms = spec
    rows = []
    for code in codes:
        histogram = histograms.get(code, {})
        n = sum(histogram.values())
        cell = protected[_duration_n_id(table_id, code)].cell(code, "yes")
        if cell.hidden or n == 0:
            rows.append(DurationRow(cell))
        elif n < QUARTILE_FACTOR * threshold:
            rows.append(DurationRow(Cell.shown(n)))
        else:
            rows.append(
                DurationRow(
                    Cell.shown(n), quantile(histogram, 0.25), quantile(histogram, 0.5), quantile(histogram, 0.75)
                )
            )
    return DurationTable(
        id=table_id, row_dimension=row_dimension, row_codes=list(codes), rows=rows, unit=unit, scope=scope
    )


# --- noise -------------------------------------------------------------------------------------------------------


def _data_year(row_dimension: str, row: str, column_dimension: str, column: str, scope: Mapping[str, str]) -> str:
    """The year a quantity counts: its row or column when the table runs over years, else the table's year."""
    if row_dimension == "year":
        return row
    if column_dimension == "year":
        return column
    return scope.get("year", "")


def noise_key(pack_code: str, table_id: str, row: str, column: str, data_year: str) -> str:
    """What identifies a published quantity across releases: never the span of the release it appears in."""
    return "|".join((pack_code, table_id, row, column, data_year))


class _NoiseStore:
    """Noise drawn once per quantity and kept (NoiseDraw): a later release of the same quantity reuses it.

    Fresh noise on every publication would let a reader average the releases and so take the noise away; reused
    noise gives the reader nothing new as long as the true count stays the same (docs/statistics-method.md).
    """

    def __init__(self, scale: float) -> None:
        self.scale = scale
        self.use: dict[int, list[int]] = defaultdict(lambda: [0, 0])

    def _count(self, key: str, new: bool) -> None:
        year = key.rsplit("|", 1)[-1]
        if year.isdigit():
            self.use[int(year)][0 if new else 1] += 1

    def noise(self, keys: Sequence[str]) -> list[int]:
        stored = dict(NoiseDraw.objects.filter(quantity_key__in=list(keys)).values_list("quantity_key", "noise"))
        missing = [k for k in dict.fromkeys(keys) if k not in stored]
        if missing:
            drawn = privacy.noise_draws(len(missing), scale=self.scale)
            NoiseDraw.objects.bulk_create(
                [NoiseDraw(quantity_key=k, noise=n, scale=self.scale) for k, n in zip(missing, drawn, strict=True)],
                ignore_conflicts=True,
            )
            # Another release may have drawn some of them at the same moment: the stored draw wins.
            stored.update(NoiseDraw.objects.filter(quantity_key__in=missing).values_list("quantity_key", "noise"))
        fresh = set(missing)
        for key in dict.fromkeys(keys):
            self._count(key, key in fresh)
        return [stored[k] for k in keys]

    def released_values(self, keys: Sequence[str], compute) -> list[int]:
        """Values released once (private quartiles): the stored ones, else `compute()`'s, stored for next time."""
        stored = dict(NoiseDraw.objects.filter(quantity_key__in=list(keys)).values_list("quantity_key", "noise"))
        if all(k in stored for k in keys):
            for key in keys:
                self._count(key, False)
            return [stored[k] for k in keys]
        values = list(compute())
        NoiseDraw.objects.bulk_create(
            [NoiseDraw(quantity_key=k, noise=v, scale=self.scale) for k, v in zip(keys, values, strict=True)],
            ignore_conflicts=True,
        )
        stored = dict(NoiseDraw.objects.filter(quantity_key__in=list(keys)).values_list("quantity_key", "noise"))
        for key in keys:
            self._count(key, True)
        return [stored[k] for k in keys]


def _noisy(
    count_tables: Sequence[CountTable],
    durations: Mapping[str, tuple[str, list[str], str, dict[str, dict[int, int]]]],
    definitions: StatisticsDefinitions,
    duration_scopes: Mapping[str, Mapping[str, str]],
) -> tuple[dict[str, StatTable | DurationTable], DpStatement, dict[int, tuple[int, int]]]:
    """Discrete Laplace noise on every cell of the public tables, then the same suppression on the noisy counts."""
    shares = sum(_CONTRIBUTIONS.get(t.id, 1) for t in count_tables)
    shares += sum(4 * _CONTRIBUTIONS.get(k, 1) for k in durations)
    epsilon = definitions.publication.differential_privacy.epsilon
    statement = privacy.dp_statement(epsilon=epsilon, shares=max(shares, 1))
    threshold = definitions.threshold
    pack = definitions.pack_code
    store = _NoiseStore(statement.scale)
    # One measurement over every count of the release: its L1 sensitivity is the sum of the tables' shares.
    flat: list[int] = []
    keys: list[str] = []
    for t in count_tables:
        for r, row in zip(t.row_codes, t.counts, strict=True):
            for c, count in zip(t.column_codes, row, strict=True):
                flat.append(count)
                keys.append(noise_key(pack, t.id, r, c, _data_year(t.row_dimension, r, t.column_dimension, c, t.scope)))
    for table_id, (row_dimension, codes, _unit, histograms) in durations.items():
        for code in codes:
            flat.append(sum(histograms.get(code, {}).values()))
            year = _data_year(row_dimension, code, "", "", duration_scopes.get(table_id, {}))
            keys.append(noise_key(pack, table_id, code, "n", year))
    noisy = iter([max(0, count + noise) for count, noise in zip(flat, store.noise(keys), strict=True)])
    tables: list[CountTable] = []
    for t in count_tables:
        counts = tuple(tuple(next(noisy) for _ in row) for row in t.counts)
        # Noise makes each table's shared totals differ from the same totals elsewhere, so each table is its own
        # system: its margins are the sums of its own noisy cells.
        scope = {**t.scope, "release_table": t.id}
        tables.append(
            CountTable(t.id, t.row_dimension, t.column_dimension, t.row_codes, t.column_codes, counts, scope, t.note)
        )
    protected: dict[str, StatTable | DurationTable] = dict(suppress(tables, threshold=threshold))
    for table_id, (row_dimension, codes, unit, histograms) in durations.items():
        contributions = _CONTRIBUTIONS.get(table_id, 1)
        rows = []
        for code in codes:
            n = next(noisy)
            if n == 0:
                rows.append(DurationRow(Cell.shown(0)))
            elif n < threshold:
                rows.append(DurationRow(Cell.primary(threshold)))
            elif n < QUARTILE_FACTOR * threshold:
                # Quartiles of a few values are close to the values themselves: the count alone is shown.
                rows.append(DurationRow(Cell.shown(n)))
            else:
                values = [v for v, k in sorted(histograms.get(code, {}).items()) for _ in range(k)]
                year = _data_year(row_dimension, code, "", "", duration_scopes.get(table_id, {}))
                q1, median, q3 = store.released_values(
                    [noise_key(pack, table_id, code, q, year) for q in ("q1", "median", "q3")],
                    lambda values=values, contributions=contributions, unit=unit: privacy.private_quartiles(
                        values,
                        epsilon_each=statement.share_epsilon * contributions,
                        contributions=contributions,
                        upper=DURATION_UPPER[unit],
                    ),
                )
                rows.append(DurationRow(Cell.shown(n), float(q1), float(median), float(q3)))
        protected[table_id] = DurationTable(table_id, row_dimension, list(codes), rows, unit)
    ordered = {k: protected[k] for k in TABLE_IDS if k in protected}
    return ordered, statement, {year: (new, reused) for year, (new, reused) in sorted(store.use.items())}
