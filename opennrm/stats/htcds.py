"""Case-level exchange in IOM's Human Trafficking Case Data Standard (HTCDS) 2.0; docs/htcds.md describes the file.

Export writes one de-identified record per case whose person consented to the transfer (the pack's
`statistics.htcds_consent_purpose`, not withdrawn), plus every record imported earlier. Import checks every row
against the standard's field list (htcds_fields_v2.csv, by IOM, CC BY 4.0) and writes nothing unless all rows are
valid; each record becomes a CaseFact with source "htcds", keyed on `cas_ID`, so importing a file twice changes
nothing. No name, personal code, free text or date finer than the month goes out or comes in.
"""

import csv
import math
import os
import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from opennrm.audit.services import audit_record
from opennrm.cases.crypto import blind_index
from opennrm.cases.models import Case, Consent, ExploitationForm, Person, Sex
from opennrm.core.capabilities import Capability
from opennrm.core.errors import ApplicationError, Forbidden
from opennrm.stats.dimensions import NO_ROUTE, NO_TYPE, UNKNOWN, StatisticsDefinitions, statistics_definitions
from opennrm.stats.models import CaseFact
from opennrm.stats.services.facts import ADULT_AGE, age_at_recognition, facts_changed

FIELDS_FILE = Path(__file__).with_name("htcds_fields_v2.csv")
# The field list names no record identifier (the standard's data model gives every record one); OpenNRM uses
# `cas_ID`, in the standard's naming, and documents it.
ID_FIELD = "cas_ID"
DATE_FIELD = "cas_IncomingReferralDate"
# What OpenNRM sends and keeps, in this column order. Everything else the standard has (names, contacts, free text,
# exact dates) is never sent, and is checked but not kept when it comes in.
EXCHANGE_FIELDS = (
    ID_FIELD,
    DATE_FIELD,
    "prs_Gender",
    "vic_AgeWhenTrafficked",
    "prs_Citizenship",
    "vic_TypeOfExploitation",
    "hte_Type",
    "hte_Country",
    "vic_TraffickingStatus",
    "vic_TraffickingStatusDecisionMakingOrg",
    "cas_Status",
    "cas_ReferringOrganisation",
    "cas_ReferredOrganisation",
    "con_Consent",
)
CONSENT_FIELD = "con_Consent"
# A record without the person's consent to the transfer is never taken in, nor sent on.
REQUIRED_FIELDS = (ID_FIELD, DATE_FIELD, CONSENT_FIELD)
SEPARATOR = ";"
ID_PATTERN = re.compile(r"^[A-Za-z0-9._:-]{1,58}$")
COUNTRY_PATTERN = re.compile(r"^[A-Z]{2}$")
LANGUAGE_PATTERN = re.compile(r"^[a-z]{2,3}$")
MAX_AGE = 120
EXPORT_PURPOSE = "HTCDS data exchange"

# Outcomes to HTCDS and back. A refused and a withdrawn case both read as a closed possible victim and come back
# as withdrawn; everything OpenNRM sends comes back as the same record.
TRAFFICKING_STATUS = {
    "identified": "ActualVictimOfTrafficking",
    "not_identified": "NotAVictimOfTrafficking",
}
POSSIBLE = "PossibleVictimOfTrafficking"
CASE_STATUS = {"in_progress": "Active", "identified": "FollowUp"}
CLOSED = "Closed"
CLOSED_STATUSES = ("Closed", "ClosedReferred")
ROUTE_TO_DECIDER = {"commission": "NonPoliceGovernmentalOrganization", "criminal_proceedings": "Police"}
DECIDER_TO_ROUTE = {
    "NonPoliceGovernmentalOrganization": "commission",
    "NGO": "commission",
    "Police": "criminal_proceedings",
    "CourtOrProsecution": "criminal_proceedings",
}
EXPLOITATION_EVENT = "Exploitation"


@dataclass(frozen=True)
class FieldSpec:
    name: str
    kind: str
    picklist: frozenset[str] = frozenset()
    # "country" or "language" for picklists that name an ISO code list instead of listing values.
    code_list: str = ""

    @property
    def many(self) -> bool:
        return self.kind == "Multiselect Picklist"


@lru_cache(maxsize=1)
def htcds_fields() -> dict[str, FieldSpec]:
    """The HTCDS 2.0 fields by name, from the standard's field list, plus the record identifier."""
    fields = {ID_FIELD: FieldSpec(ID_FIELD, "Text")}
    with FIELDS_FILE.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            name = row["Field Name including Prefix"].strip()
            kind = row["Field Type"].strip()
            values = row["Value Names (if picklist)"].strip()
            code_list = ""
            picklist: frozenset[str] = frozenset()
            if "Picklist" in kind and kind != "Picklist or Text":
                if "ISO 3166" in values:
                    code_list = "country"
                elif "ISO 639" in values:
                    code_list = "language"
                else:
                    picklist = frozenset(v.strip() for v in values.splitlines() if v.strip())
            fields[name] = FieldSpec(name, kind, picklist, code_list)
    return fields


@dataclass
class ExportReport:
    path: Path
    records: int = 0
    case_records: int = 0
    imported_records: int = 0
    consent_purpose: str | None = None

    def __str__(self) -> str:
        return gettext(
            "HTCDS records written to %(path)s: %(records)d (cases with consent: %(cases)d, imported earlier: "
            "%(imported)d)."
        ) % {"records": self.records, "path": self.path, "cases": self.case_records, "imported": self.imported_records}


@dataclass
class ImportReport:
    problems: list[str] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    # Records this installation exported from its own cases: they are counted there already.
    skipped_own: int = 0
    # Standard fields in the file that OpenNRM checks but does not keep (names, contacts, free text, ...).
    ignored_fields: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def __str__(self) -> str:
        if self.problems:
            return gettext("Nothing was imported; problems found: %(count)d.") % {"count": len(self.problems)}
        return gettext(
            "HTCDS records imported — new: %(created)d, updated: %(updated)d, unchanged: %(unchanged)d, "
            "skipped as this system's own cases: %(own)d."
        ) % {"created": self.created, "updated": self.updated, "unchanged": self.unchanged, "own": self.skipped_own}


def _require(by) -> None:
    # by=None is the command line: whoever runs it controls the server and its database already.
    if by is not None and not (getattr(by, "has_capability", None) and by.has_capability(Capability.STATS_PUBLISH)):
        raise Forbidden(gettext("You may not exchange statistical records."))


def case_exchange_id(case_id: int, pack_code: str) -> str:
    """The record id a case goes out under: stable for this installation, meaningless outside it."""
    return f"{pack_code.upper()}-{blind_index('htcds-record', str(case_id))[:20]}"


# --- export ---------------------------------------------------------------------------------------------------


def _first_of_month(fact: CaseFact) -> str:
    # The standard's date field, with the day left out: OpenNRM keeps no date finer than the month.
    return date(fact.year, fact.month, 1).isoformat()


def _forms_out(forms: list[str]) -> list[str]:
    allowed = htcds_fields()["vic_TypeOfExploitation"].picklist
    # Forced criminality has no HTCDS value of its own.
    return sorted({form if form in allowed else ExploitationForm.OTHER for form in forms})


def record_of_fact(fact: CaseFact, *, record_id: str, age: int | None) -> dict[str, str]:
    """The HTCDS record of a fact; `age` in whole years when known."""
    countries = SEPARATOR.join(fact.exploitation_countries)
    referred = fact.pathway[0][1] if fact.pathway else ""
    closed = fact.outcome in ("not_identified", "refused", "withdrawn")
    return {
        ID_FIELD: record_id,
        DATE_FIELD: _first_of_month(fact),
        "prs_Gender": fact.sex,
        "vic_AgeWhenTrafficked": "" if age is None else str(age),
        "prs_Citizenship": "" if fact.citizenship == "ZZ" else fact.citizenship,
        "vic_TypeOfExploitation": SEPARATOR.join(_forms_out(fact.forms)),
        "hte_Type": EXPLOITATION_EVENT if countries else "",
        "hte_Country": countries,
        "vic_TraffickingStatus": TRAFFICKING_STATUS.get(fact.outcome, POSSIBLE),
        "vic_TraffickingStatusDecisionMakingOrg": ROUTE_TO_DECIDER.get(fact.identification_route, ""),
        "cas_Status": CLOSED if closed else CASE_STATUS.get(fact.outcome, "Active"),
        "cas_ReferringOrganisation": fact.recognising_type,
        "cas_ReferredOrganisation": referred,
        "con_Consent": "true",
    }


def covering_consents(purpose: str, recipient_type: str | None):
    """The consents that cover an HTCDS export (docs/htcds.md, "What goes out, and when").

    Valid (not withdrawn), for the exchange purpose, and not limited to another recipient: a consent naming one
    institution covers that institution only, and one naming a kind of institution covers the exchange only when it
    is the kind the pack names as the exchange's recipient (`statistics.htcds_recipient_type`). The record carries
    none of the consent's data categories (identity, contacts, circumstances), only the structured fields that go
    with every case, so any categories cover it.
    """
    consents = Consent.objects.filter(purpose=purpose, withdrawn_at__isnull=True, recipient_institution__isnull=True)
    if recipient_type:
        return consents.filter(recipient_type__in=("", recipient_type))
    return consents


def _consented_case_facts(purpose: str | None, recipient_type: str | None) -> list[CaseFact]:
    if not purpose:
        return []
    consented = covering_consents(purpose, recipient_type).values("case_id")
    return list(CaseFact.objects.filter(source=CaseFact.Source.CASE, case_id__in=consented))


def _ages(facts: list[CaseFact]) -> dict[int, int | None]:
    """Age at recognition of each case's person, from the (decrypted) birth date; only for the cases sent."""
    persons = (
        Person.objects.filter(case_id__in=[f.case_id for f in facts])
        .select_related("case")
        .only("case_id", "birth_date", "case__opened_at")
    )
    return {p.case_id: age_at_recognition(birth_date=p.birth_date, opened_at=p.case.opened_at) for p in persons}


EXPORT_FILE_MODE = 0o600


def _write(path: Path, records: list[dict[str, str]], *, force: bool = False) -> None:
    # Readable by the owner alone, and created here: an existing file (or a link planted in its place) is never
    # written through unless the caller says to replace it.
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    if force and path.is_file() and not path.is_symlink():
        path.unlink()
    descriptor = os.open(path, flags, EXPORT_FILE_MODE)
    with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=EXCHANGE_FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(records)


def htcds_export(*, by=None, path, force: bool = False) -> ExportReport:
    """Write the HTCDS file of every consented case and every consented imported record, and audit the transfer.

    The file is new and readable by its owner only (mode 0600); an existing file is replaced only with `force`.
    """
    _require(by)
    definitions = statistics_definitions()
    purpose = definitions.htcds_consent_purpose
    report = ExportReport(path=Path(path), consent_purpose=purpose)
    if report.path.exists() or report.path.is_symlink():
        if not force or report.path.is_symlink() or not report.path.is_file():
            raise ApplicationError(
                gettext("The file %(path)s exists already; choose another name or replace it with --force.")
                % {"path": report.path},
                field="output",
            )
    with transaction.atomic():
        case_facts = _consented_case_facts(purpose, definitions.htcds_recipient_type)
        ages = _ages(case_facts)
        records = [
            record_of_fact(f, record_id=case_exchange_id(f.case_id, f.pack_code), age=ages.get(f.case_id))
            for f in case_facts
        ]
        # A record that came in without the person's consent (before it was required) never goes out again.
        imported = CaseFact.objects.filter(source=CaseFact.Source.HTCDS, exchange_consent=True)
        records += [record_of_fact(f, record_id=f.source_key.removeprefix("htcds:"), age=f.age_years) for f in imported]
        records.sort(key=lambda r: r[ID_FIELD])
        report.records, report.case_records = len(records), len(case_facts)
        report.imported_records = report.records - report.case_records
        audit_record(
            action="htcds.export",
            actor=by,
            object_type="htcds",
            purpose=EXPORT_PURPOSE,
            new_values={
                "file": report.path.name,
                "records": report.records,
                "cases": sorted(f.case_id for f in case_facts),
                "imported": report.imported_records,
                "consent_purpose": purpose or "",
            },
        )
        # Written last: if the file cannot be written, the audit event goes with the transaction.
        try:
            _write(report.path, records, force=force)
        except FileExistsError:
            raise ApplicationError(
                gettext("The file %(path)s exists already; choose another name or replace it with --force.")
                % {"path": report.path},
                field="output",
            ) from None
        except OSError as error:
            raise ApplicationError(
                gettext("The file cannot be written: %(reason)s") % {"reason": error.strerror or error},
                field="output",
            ) from None
    return report


# --- import ---------------------------------------------------------------------------------------------------


def _problem(row: int, field_name: str, reason: str) -> str:
    return gettext("row %(row)d, field %(field)s: %(reason)s") % {"row": row, "field": field_name, "reason": reason}


def _value_problem(spec: FieldSpec, value: str) -> str | None:
    """Why a non-empty value does not fit its field, or None."""
    values = [v.strip() for v in value.split(SEPARATOR)] if spec.many else [value]
    for item in values:
        if spec.code_list == "country" and not COUNTRY_PATTERN.match(item):
            return gettext("'%(value)s' is not an ISO 3166-1 alpha-2 country code") % {"value": item}
        if spec.code_list == "language" and not LANGUAGE_PATTERN.match(item):
            return gettext("'%(value)s' is not an ISO 639 language code") % {"value": item}
        if spec.picklist and item not in spec.picklist:
            return gettext("'%(value)s' is not in the picklist") % {"value": item}
    if spec.kind == "Date":
        try:
            date.fromisoformat(value)
        except ValueError:
            return gettext("'%(value)s' is not a date (YYYY-MM-DD)") % {"value": value}
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return gettext("'%(value)s' is not a date (YYYY-MM-DD)") % {"value": value}
    if spec.kind in ("Number", "Geolocation"):
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            return gettext("'%(value)s' is not a number") % {"value": value}
    if spec.kind == "Checkbox" and value.lower() not in ("true", "false"):
        return gettext("'%(value)s' is not true or false") % {"value": value}
    return None


def _exchange_problem(name: str, value: str) -> str | None:
    """The stricter rules of the fields OpenNRM keeps."""
    if name == ID_FIELD and not ID_PATTERN.match(value):
        return gettext("'%(value)s' is not a valid record id (letters, digits, '.', '_', ':' and '-', at most 58)") % {
            "value": value
        }
    if name == "vic_AgeWhenTrafficked" and not (value.isdigit() and int(value) <= MAX_AGE):
        return gettext("'%(value)s' is not an age in whole years (0 to 120)") % {"value": value}
    if name == "hte_Country":
        bad = next((v for v in value.split(SEPARATOR) if not COUNTRY_PATTERN.match(v.strip())), None)
        if bad is not None:
            return gettext("'%(value)s' is not an ISO 3166-1 alpha-2 country code") % {"value": bad}
    if name == CONSENT_FIELD and value.lower() != "true":
        return gettext("the person did not consent to the transfer")
    return None


def _header_problems(header: list[str]) -> list[str]:
    fields = htcds_fields()
    problems, seen = [], set()
    for name in header:
        if name not in fields:
            problems.append(_problem(1, name, gettext("not a field of HTCDS 2.0")))
        elif name in seen:
            problems.append(_problem(1, name, gettext("the column appears twice")))
        seen.add(name)
    for name in REQUIRED_FIELDS:
        if name not in header:
            problems.append(_problem(1, name, gettext("the column is missing")))
    return problems


def _row_problems(number: int, row: dict[str, str], ids: dict[str, int]) -> list[str]:
    fields = htcds_fields()
    problems = []
    for name, value in row.items():
        if name not in fields:
            continue
        if not value:
            if name in REQUIRED_FIELDS:
                problems.append(_problem(number, name, gettext("required, but empty")))
            continue
        reason = _value_problem(fields[name], value) or (
            _exchange_problem(name, value) if name in EXCHANGE_FIELDS else None
        )
        if reason:
            problems.append(_problem(number, name, reason))
    record_id = row.get(ID_FIELD, "")
    if record_id and record_id in ids:
        problems.append(
            _problem(
                number,
                ID_FIELD,
                gettext("'%(value)s' is already used by row %(other)d") % {"value": record_id, "other": ids[record_id]},
            )
        )
    elif record_id:
        ids[record_id] = number
    return problems


def _read(path) -> tuple[list[str], list[tuple[int, dict[str, str]]], list[str]]:
    """(header, [(row number, values)], problems). Rows are numbered as a spreadsheet shows them: header is 1."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        return [], [], [gettext("The file is not UTF-8 text.")]
    except OSError as error:
        return [], [], [gettext("The file cannot be read: %(reason)s") % {"reason": error.strerror or error}]
    reader = csv.reader(text.splitlines())
    header = [name.strip() for name in next(reader, [])]
    if not any(header):
        return [], [], [gettext("The file is empty: it has no header row.")]
    rows, problems = [], []
    for number, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(header):
            problems.append(gettext("row %(row)d: more values than columns") % {"row": number})
            continue
        rows.append((number, {name: cell.strip() for name, cell in zip(header, cells, strict=False)}))
    return header, rows, problems


def fact_columns_of_record(record: dict[str, str], definitions: StatisticsDefinitions) -> dict:
    """The CaseFact columns an (already validated) HTCDS record gives."""
    registered = date.fromisoformat(record[DATE_FIELD])
    age = int(record["vic_AgeWhenTrafficked"]) if record.get("vic_AgeWhenTrafficked") else None
    citizenship, group = definitions.citizenship_for(_many(record.get("prs_Citizenship", "")))
    types = set(definitions.dimension("recognising_type").codes) - {NO_TYPE}
    referring = record.get("cas_ReferringOrganisation", "")
    referring = referring if referring in types else NO_TYPE
    referred = record.get("cas_ReferredOrganisation", "")
    status = record.get("vic_TraffickingStatus", "")
    outcome = next((o for o, value in TRAFFICKING_STATUS.items() if value == status), None)
    if outcome is None:
        outcome = "withdrawn" if record.get("cas_Status", "") in CLOSED_STATUSES else "in_progress"
    routes = set(definitions.dimension("identification_route").codes)
    route = DECIDER_TO_ROUTE.get(record.get("vic_TraffickingStatusDecisionMakingOrg", ""), NO_ROUTE)
    event = record.get("hte_Type", "")
    return {
        "source": CaseFact.Source.HTCDS,
        "pack_code": definitions.pack_code,
        "year": registered.year,
        "month": registered.month,
        "sex": record.get("prs_Gender") or Sex.UNKNOWN,
        "age_band": definitions.age_band_for_age(age) if age is not None else UNKNOWN,
        "is_child": None if age is None else age < ADULT_AGE,
        "age_years": age,
        "citizenship": citizenship,
        "citizenship_group": group,
        "forms": sorted(set(_many(record.get("vic_TypeOfExploitation", "")))),
        "exploitation_countries": (
            sorted(set(_many(record.get("hte_Country", "")))) if event in ("", EXPLOITATION_EVENT) else []
        ),
        "recognising_type": referring,
        "region": UNKNOWN,
        "pathway": [[referring, referred]] if referred in types else [],
        "identification_route": route if route in routes else NO_ROUTE,
        "outcome": outcome,
        "days_to_referral": None,
        "days_to_identification": None,
        "days_to_service": None,
        "services": [],
        "exchange_consent": record.get(CONSENT_FIELD, "").lower() == "true",
    }


FACT_COLUMNS = (
    "source",
    "pack_code",
    "year",
    "month",
    "sex",
    "age_band",
    "is_child",
    "age_years",
    "citizenship",
    "citizenship_group",
    "forms",
    "exploitation_countries",
    "recognising_type",
    "region",
    "pathway",
    "identification_route",
    "outcome",
    "days_to_referral",
    "days_to_identification",
    "days_to_service",
    "services",
    "exchange_consent",
)


def _many(value: str) -> list[str]:
    return [v.strip() for v in value.split(SEPARATOR) if v.strip()]


def _write_facts(records: list[dict[str, str]], definitions: StatisticsDefinitions, report: ImportReport) -> set[int]:
    """Create or update the facts of `records`; returns the years whose facts changed."""
    keyed = {f"htcds:{r[ID_FIELD]}": fact_columns_of_record(r, definitions) for r in records}
    existing = {f.source_key: f for f in CaseFact.objects.filter(source_key__in=list(keyed))}
    new, changed = [], []
    touched: set[int] = set()
    for key, columns in keyed.items():
        fact = existing.get(key)
        if fact is None:
            new.append(CaseFact(source_key=key, **columns))
            touched.add(columns["year"])
        elif any(getattr(fact, name) != value for name, value in columns.items()):
            touched.update((fact.year, columns["year"]))
            for name, value in columns.items():
                setattr(fact, name, value)
            changed.append(fact)
        else:
            report.unchanged += 1
    CaseFact.objects.bulk_create(new)
    if changed:
        now = timezone.now()
        for fact in changed:
            fact.updated_at = now
        CaseFact.objects.bulk_update(changed, [*FACT_COLUMNS, "updated_at"])
    report.created, report.updated = len(new), len(changed)
    return touched


def htcds_import(*, path, by=None) -> ImportReport:
    """Check every row of an HTCDS file; if all are valid, turn each record into a fact (one transaction)."""
    _require(by)
    header, rows, problems = _read(path)
    report = ImportReport(problems=problems)
    if not header:
        return report
    report.problems += _header_problems(header)
    ids: dict[str, int] = {}
    for number, row in rows:
        report.problems += _row_problems(number, row, ids)
    if report.problems:
        return report
    report.ignored_fields = sorted(set(header) - set(EXCHANGE_FIELDS))
    definitions = statistics_definitions()
    own = {case_exchange_id(pk, definitions.pack_code) for pk in Case.objects.values_list("pk", flat=True)}
    records = [row for _number, row in rows if row[ID_FIELD] not in own]
    report.skipped_own = len(rows) - len(records)
    with transaction.atomic():
        touched = _write_facts(records, definitions, report)
        audit_record(
            action="htcds.import",
            actor=by,
            object_type="htcds",
            purpose=EXPORT_PURPOSE,
            new_values={
                "file": Path(path).name,
                "created": report.created,
                "updated": report.updated,
                "unchanged": report.unchanged,
                "skipped_own": report.skipped_own,
            },
        )
        # After the audit record, as every writer of facts does (`facts_changed` says why).
        facts_changed(years=touched)
    return report
