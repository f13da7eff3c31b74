"""Eurostat's annual data collection on trafficking in human beings: registered victims as CSV files.

One file per breakdown, all in the same long layout (one observation per line, like Eurostat's SDMX-CSV):

    freq,unit,sex,age,citizen,expl,geo,TIME_PERIOD,OBS_VALUE,OBS_FLAG
    A,NR,F,TOTAL,TOTAL,TOTAL,LV,2024,12,
    A,NR,M,TOTAL,TOTAL,TOTAL,LV,2024,,c

Every file holds registered victims only (the file names say so), counted as numbers (unit NR) for a year (A).

A dimension a file does not break down by reads TOTAL (sex: T). A suppressed observation has no value and the
flag "c" (confidential); 0 is a known zero. The numbers come from the year's full release, so they carry the same
suppression as every other table of it (docs/statistics-method.md, "Eurostat"). NOTES.txt states the
registered-victim definition and how categories were mapped.
"""

from __future__ import annotations

import csv
from pathlib import Path

from django.utils.translation import gettext

from opennrm.core.errors import ApplicationError
from opennrm.core.i18n import localized
from opennrm.stats.dimensions import statistics_definitions
from opennrm.stats.disclosure import Cell, StatTable
from opennrm.stats.release import AGE_GROUPS, Release, eurostat_groups, release_build

COLUMNS = ("freq", "unit", "sex", "age", "citizen", "expl", "geo", "TIME_PERIOD", "OBS_VALUE", "OBS_FLAG")
TOTAL = "TOTAL"
SEX_TOTAL = "T"
CONFIDENTIAL = "c"
AGE_CODES = dict(zip(AGE_GROUPS, ("Y_LT18", "Y_GE18", "UNK"), strict=True))
FILES = {
    "sex": "registered_victims_by_sex.csv",
    "age": "registered_victims_by_age_sex.csv",
    "citizen": "registered_victims_by_citizenship_sex.csv",
    "expl": "registered_victims_by_exploitation_sex.csv",
}
NOTES = "NOTES.txt"


def eurostat_write(*, year: int, directory: Path | str) -> list[Path]:
    """Write the Eurostat tables of `year` into `directory` (created if missing); returns the files written."""
    directory = Path(directory)
    if directory.exists() and not directory.is_dir():
        raise ApplicationError(gettext("%(path)s is a file, not a folder.") % {"path": directory}, field="directory")
    release = release_build(year=year, public=False)
    definitions = statistics_definitions()
    countries = sorted(definitions.national_countries)
    geo = countries[0] if len(countries) == 1 else ""
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ApplicationError(
            gettext("The folder %(path)s cannot be created: %(reason)s")
            % {"path": directory, "reason": error.strerror},
            field="directory",
        ) from None
    age = _table(release, "eurostat_victims_by_age_sex")
    citizenship = _table(release, "eurostat_victims_by_citizenship_sex")
    forms = _table(release, "eurostat_victims_by_form_sex")

    def line(cell: Cell, *, sex: str, age: str = TOTAL, citizen: str = TOTAL, expl: str = TOTAL) -> list[str]:
        value = "" if cell.hidden else str(cell.count)
        flag = CONFIDENTIAL if cell.hidden else ""
        return ["A", "NR", sex, age, citizen, expl, geo, str(year), value, flag]

    by_sex = [line(c, sex=s) for s, c in zip(age.column_codes, age.column_totals, strict=True)]
    by_sex.append(line(age.total, sex=SEX_TOTAL))
    written = [
        _write(directory / FILES["sex"], by_sex),
        _write(directory / FILES["age"], _breakdown(age, line, "age", codes=AGE_CODES)),
        _write(directory / FILES["citizen"], _breakdown(citizenship, line, "citizen")),
        _write(directory / FILES["expl"], _breakdown(forms, line, "expl")),
    ]
    notes = directory / NOTES
    notes.write_text(_notes(release, definitions, geo), encoding="utf-8")
    return [*written, notes]


def _table(release: Release, table_id: str) -> StatTable:
    table = release.table(table_id)
    assert isinstance(table, StatTable), table_id
    return table


def _breakdown(table: StatTable, line, dimension: str, *, codes: dict[str, str] | None = None) -> list[list[str]]:
    """Every row by every sex, the row totals (sex T), the sex totals and the grand total."""
    codes = codes or {}
    lines = []
    for code, cells, row_total in zip(table.row_codes, table.cells, table.row_totals, strict=True):
        category = codes.get(code, code)
        for sex, cell in zip(table.column_codes, cells, strict=True):
            lines.append(line(cell, sex=sex, **{dimension: category}))
        lines.append(line(row_total, sex=SEX_TOTAL, **{dimension: category}))
    for sex, cell in zip(table.column_codes, table.column_totals, strict=True):
        lines.append(line(cell, sex=sex))
    lines.append(line(table.total, sex=SEX_TOTAL))
    return lines


def _write(path: Path, lines: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(lines)
    return path


def _mapping(groups: dict[str, tuple[str, ...]]) -> str:
    return "; ".join(f"{code} = {', '.join(members) or '-'}" for code, members in groups.items())


def _notes(release: Release, definitions, geo: str) -> str:
    # Written for Eurostat, whose working language for the collection is English.
    groups = eurostat_groups(definitions)
    definition = localized(definitions.registered_victims.note, "en")
    outcomes = ", ".join(release.registered_outcomes)
    return "\n".join(
        [
            f"Trafficking in human beings: registered victims, {geo or 'country not set'}, {release.year}",
            "",
            "Registered victims",
            f"  {definition}",
            f"  Outcomes counted: {outcomes}. Year: the year the person was recognised (the case opened).",
            "",
            "Disclosure control",
            f"  Numbers of fewer than {release.threshold} persons are suppressed (OBS_FLAG c, no value), and so are",
            "  further numbers that would let a suppressed one be worked out from totals or from the other tables",
            "  of the same release (secondary suppression, checked exactly). 0 is a known zero.",
            "",
            "Categories",
            f"  sex: {_mapping(groups['sex'])}; T = total",
            "  age: Y_LT18 = under 18 at recognition; Y_GE18 = 18 or older; UNK = unknown; TOTAL = total",
            f"  citizen: {_mapping(groups['citizenship'])}",
            f"  expl: {_mapping(groups['form'])}",
            "  A victim exploited in forms of more than one group is counted in each of them, so the sum over expl",
            "  can exceed the number of victims; its TOTAL line is that sum.",
            "",
            "Files",
            *(f"  {name}" for name in FILES.values()),
            "",
        ]
    )
