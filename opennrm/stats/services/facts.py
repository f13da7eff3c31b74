"""Keeping the de-identified facts in step with cases, referrals and saved screenings.

`case_fact_refresh` runs inside every case service's transaction, after the change (the case services call it),
so a fact never shows a state the case did not commit. It reads a handful of rows and writes one fact and the
case's referral facts. `facts_rebuild` recreates every case-derived fact from the source rows.

Every write that changes what a fact says ends with `facts_changed` for the years it touched, in the same
transaction: that new revision is what tells `opennrm.stats.report.release_current` to count the release again.

What a fact may hold is narrow on purpose: codes, counts of days, year and month. The person's birth date is read
(decrypted) only to place the age band, and never stored.
"""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

from opennrm.cases.models import AgeBand, Case, Population, Referral, Sex, TransitionRecord
from opennrm.screening.models import Screening
from opennrm.stats.dimensions import NO_ROUTE, NO_TYPE, UNKNOWN, StatisticsDefinitions, statistics_definitions
from opennrm.stats.models import CaseFact, FactsRevision, ReferralFact, ScreeningFact

ADULT_AGE = 18
SECONDS_PER_HOUR = 3600
REBUILD_CHUNK = 1000
# Fact columns a rebuild copies from the old fact of an erased case: the birth date they came from is gone.
AGE_COLUMNS = ("age_band", "is_child")

_CASE_FIELDS = (
    "pk",
    "state",
    "population",
    "forms",
    "countries",
    "opened_at",
    "recognising_institution",
    "recognising_institution__type",
    "recognising_institution__type__code",
    "municipality",
    "municipality__code",
    "person__birth_date",
    "person__sex",
    "person__age_band",
    "person__citizenship",
    "erased_at",
)


@dataclass
class RebuildReport:
    case_facts: int = 0
    referral_facts: int = 0
    screening_facts: int = 0
    htcds_facts_kept: int = 0

    def __str__(self) -> str:
        return (
            f"{self.case_facts} case facts, {self.referral_facts} referral facts, "
            f"{self.screening_facts} screening facts; {self.htcds_facts_kept} HTCDS facts kept"
        )


# --- what a fact says -----------------------------------------------------------------------------------------


def _local(moment: datetime) -> datetime:
    return timezone.localtime(moment)


def _days(start: datetime, end: datetime | None) -> int | None:
    if end is None:
        return None
    return max((end - start).days, 0)


def _age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _coarse_range(band: str) -> tuple[int, int | None] | None:
    """The ages a person's coarse age band ("12-17", "50+") covers; None when unknown."""
    if band == AgeBand.UNKNOWN or not band:
        return None
    if band.endswith("+"):
        return int(band[:-1]), None
    low, _, high = band.partition("-")
    return int(low), int(high)


def age_at_recognition(*, birth_date: str, opened_at: datetime) -> int | None:
    """Whole years at recognition from the person's (decrypted) ISO birth date; None when unknown or unreadable."""
    try:
        birth = date.fromisoformat(birth_date) if birth_date else None
    except ValueError:
        return None
    if birth is None:
        return None
    return max(_age_on(birth, _local(opened_at).date()), 0)


def _age_facts(*, definitions: StatisticsDefinitions, case: Case, person) -> tuple[str, bool]:
    """(age band, child): from the birth date when known; else from the coarse band only if it fits in one band."""
    age = age_at_recognition(birth_date=person.birth_date, opened_at=case.opened_at) if person else None
    if age is not None:
        return definitions.age_band_for_age(age), age < ADULT_AGE
    span = _coarse_range(person.age_band) if person else None
    band = definitions.age_band_for_range(*span) if span else UNKNOWN
    # Without a birth date the case's population says it: in doubt a person is taken for a child.
    return band, case.population == Population.CHILD


def _outcome(definitions: StatisticsDefinitions, case: Case, transitions: list[TransitionRecord]):
    """(outcome, identification route, the record that identified the person or None)."""
    identifying = next((t for t in transitions if t.transition in definitions.identified_transitions), None)
    if identifying is not None:
        return "identified", _route(definitions, identifying), identifying
    outcome = definitions.outcome_states.get(case.state, "in_progress")
    if outcome == "not_identified":
        deciding = next((t for t in reversed(transitions) if t.to_state == case.state), None)
        return outcome, _route(definitions, deciding) if deciding else NO_ROUTE, None
    return outcome, NO_ROUTE, None


def _route(definitions: StatisticsDefinitions, record: TransitionRecord) -> str:
    institution_type = record.institution.type.code if record.institution_id and record.institution else None
    return definitions.route_for(record.transition, institution_type)


def case_fact_values(
    *,
    definitions: StatisticsDefinitions,
    case: Case,
    transitions: list[TransitionRecord],
    referrals: list[Referral],
) -> dict:
    """The columns of a case's fact, from the case, its person, its steps (in order) and its referrals."""
    person = getattr(case, "person", None)
    opened = _local(case.opened_at)
    age_band, is_child = _age_facts(definitions=definitions, case=case, person=person)
    citizenship, group = definitions.citizenship_for(person.citizenship if person else [])
    outcome, route, identifying = _outcome(definitions, case, transitions)
    service_steps = [t for t in transitions if t.transition in definitions.service_transitions]
    services = sorted({s for t in service_steps for s in definitions.service_transitions[t.transition]})
    sent = sorted(referrals, key=lambda r: (r.sent_at, r.pk))
    institution = case.recognising_institution
    return {
        "source": CaseFact.Source.CASE,
        "pack_code": definitions.pack_code,
        "year": opened.year,
        "month": opened.month,
        "sex": person.sex if person and person.sex else Sex.UNKNOWN,
        "age_band": age_band,
        "is_child": is_child,
        "citizenship": citizenship,
        "citizenship_group": group,
        "forms": sorted(set(case.forms or [])),
        "exploitation_countries": sorted(set(case.countries or [])),
        "recognising_type": institution.type.code if institution else NO_TYPE,
        "region": definitions.region_for(case.municipality.code if case.municipality_id else None),
        "pathway": [[r.from_institution.type.code, r.to_institution.type.code] for r in sent],
        "identification_route": route,
        "outcome": outcome,
        "days_to_referral": _days(case.opened_at, sent[0].sent_at if sent else None),
        "days_to_identification": _days(case.opened_at, identifying.performed_at if identifying else None),
        "days_to_service": _days(case.opened_at, service_steps[0].performed_at if service_steps else None),
        "services": services,
    }


def referral_fact_values(*, referral: Referral, now: datetime | None = None) -> dict:
    """The columns of a referral's fact; a referral still waiting past its time counts as expired and overdue."""
    now = now or timezone.now()
    sent = _local(referral.sent_at)
    status = referral.status
    answered = status in (Referral.Status.ACCEPTED, Referral.Status.DECLINED) and referral.answered_at is not None
    if answered:
        overdue = referral.answered_at > referral.due_at
    elif status == Referral.Status.SENT:
        overdue = now > referral.due_at
        if overdue:
            status = "expired"
    else:
        # Withdrawn: overdue if nobody had answered by the time it was due.
        overdue = (referral.answered_at or now) > referral.due_at
    return {
        "year": sent.year,
        "month": sent.month,
        "from_type": referral.from_institution.type.code,
        "to_type": referral.to_institution.type.code,
        "urgent": referral.urgency == Referral.Urgency.URGENT,
        "status": status,
        "hours_to_answer": (
            int((referral.answered_at - referral.sent_at).total_seconds() // SECONDS_PER_HOUR) if answered else None
        ),
        "overdue": overdue,
    }


# --- keeping them in step -----------------------------------------------------------------------------------


def facts_changed(*, years: Iterable[int]) -> None:
    """Give the facts of `years` a new revision, in the caller's transaction: call it after writing them.

    One UPDATE by key per year; a bulk write calls it once for all its years, not once a row. The row of a year is
    locked until the transaction ends, so every writer takes its locks in one order — its own rows (the case, the
    fact), then the audit log's chain head (`audit_record`), then these revisions, in the order of the years — and
    two writers never wait for each other crosswise (a deadlock PostgreSQL would end by failing one of them).
    Call it as the last write of the transaction.
    """
    for year in sorted(set(years)):
        revision = uuid.uuid4()
        if FactsRevision.objects.filter(year=year).update(revision=revision):
            continue
        # The first change of a year since the table came: create its row. A writer creating it at the same moment
        # makes the insert a no-op (after waiting for it to commit), and the update then applies to its row.
        FactsRevision.objects.bulk_create([FactsRevision(year=year, revision=revision)], ignore_conflicts=True)
        FactsRevision.objects.filter(year=year).update(revision=revision)


def _case_rows():
    return Case.objects.select_related("person", "recognising_institution__type", "municipality").only(*_CASE_FIELDS)


def _transitions():
    return TransitionRecord.objects.select_related("institution__type").only(
        "case", "transition", "to_state", "performed_at", "institution", "institution__type", "institution__type__code"
    )


def _referrals():
    return Referral.objects.select_related("from_institution__type", "to_institution__type").only(
        "case",
        "status",
        "urgency",
        "sent_at",
        "due_at",
        "answered_at",
        "from_institution",
        "from_institution__type",
        "from_institution__type__code",
        "to_institution",
        "to_institution__type",
        "to_institution__type__code",
    )


def case_fact_refresh(*, case: Case) -> CaseFact:
    """Write the case's fact and its referrals' facts as the case stands now, in the caller's transaction."""
    definitions = statistics_definitions()
    row = _case_rows().get(pk=case.pk)
    transitions = list(_transitions().filter(case_id=case.pk).order_by("performed_at", "pk"))
    referrals = list(_referrals().filter(case_id=case.pk))
    values = case_fact_values(definitions=definitions, case=row, transitions=transitions, referrals=referrals)
    # No savepoint of its own: inside a case service it is part of that transaction, alone it is one.
    with transaction.atomic(savepoint=False):
        fact = CaseFact.objects.filter(source_key=f"case:{case.pk}").first() or CaseFact(source_key=f"case:{case.pk}")
        # Most case changes (a phone number, a note) leave the fact as it was: then no release needs counting again.
        touched = {fact.year, values["year"]} if fact.pk is None or _differs(fact, values) else set()
        fact.case_id = case.pk
        for name, value in values.items():
            setattr(fact, name, value)
        fact.save()
        existing = {f.referral_id: f for f in ReferralFact.objects.filter(case_fact=fact)}
        now = timezone.now()
        new, changed = [], []
        for referral in referrals:
            columns = referral_fact_values(referral=referral, now=now)
            current = existing.get(referral.pk)
            if current is None:
                new.append(ReferralFact(referral_id=referral.pk, case_fact=fact, **columns))
                touched.add(columns["year"])
            elif _differs(current, columns):
                touched.update((current.year, columns["year"]))
                for name, value in columns.items():
                    setattr(current, name, value)
                changed.append(current)
        if new:
            ReferralFact.objects.bulk_create(new)
        if changed:
            ReferralFact.objects.bulk_update(changed, list(columns))
        facts_changed(years=touched - {None})
    return fact


def _differs(fact, values: dict) -> bool:
    return any(getattr(fact, name) != value for name, value in values.items())


def referral_fact_refresh(*, referral: Referral) -> None:
    """Bring one referral's fact up to date (e.g. when `opennrm tick` finds it unanswered past its time)."""
    row = _referrals().get(pk=referral.pk)
    values = referral_fact_values(referral=row)
    with transaction.atomic(savepoint=False):
        # A referral counts in the year it was sent, which never changes: its fact stays in the same year.
        if ReferralFact.objects.filter(referral_id=referral.pk).update(**values):
            facts_changed(years=[values["year"]])
        else:
            case_fact_refresh(case=Case(pk=row.case_id))


def screening_fact_values(*, definitions: StatisticsDefinitions, screening: Screening) -> dict:
    return {
        "year": screening.screened_on.year,
        "month": screening.screened_on.month,
        "institution_type": screening.institution_type or NO_TYPE,
        "region": definitions.region_for(screening.municipality),
        "outcome": screening.outcome,
    }


def screening_fact_refresh(*, screening: Screening) -> ScreeningFact:
    """Write the fact of a saved screening, in the caller's transaction."""
    values = screening_fact_values(definitions=statistics_definitions(), screening=screening)
    with transaction.atomic(savepoint=False):
        fact = ScreeningFact.objects.select_for_update().filter(screening=screening).first()
        if fact is None:
            fact = ScreeningFact.objects.create(screening=screening, **values)
            facts_changed(years=[fact.year])
        elif _differs(fact, values):
            touched = {fact.year, values["year"]}
            for name, value in values.items():
                setattr(fact, name, value)
            fact.save()
            facts_changed(years=touched)
    return fact


# --- rebuilding -----------------------------------------------------------------------------------------------


def _rebuild_cases(definitions: StatisticsDefinitions, kept_ages: dict[int, dict], report: RebuildReport) -> None:
    now = timezone.now()
    ids = list(Case.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), REBUILD_CHUNK):
        chunk = ids[start : start + REBUILD_CHUNK]
        cases = list(
            _case_rows()
            .filter(pk__in=chunk)
            .prefetch_related(
                Prefetch("transitions", queryset=_transitions().order_by("performed_at", "pk"), to_attr="steps"),
                Prefetch("referrals", queryset=_referrals(), to_attr="sent"),
            )
        )
        facts = []
        for case in cases:
            values = case_fact_values(definitions=definitions, case=case, transitions=case.steps, referrals=case.sent)
            if case.erased_at is not None and case.pk in kept_ages:
                values.update(kept_ages[case.pk])
            facts.append(CaseFact(case_id=case.pk, source_key=f"case:{case.pk}", **values))
        CaseFact.objects.bulk_create(facts)
        fact_ids = dict(CaseFact.objects.filter(case_id__in=chunk).values_list("case_id", "pk"))
        referral_facts = [
            ReferralFact(referral_id=r.pk, case_fact_id=fact_ids[case.pk], **referral_fact_values(referral=r, now=now))
            for case in cases
            for r in case.sent
        ]
        ReferralFact.objects.bulk_create(referral_facts)
        report.case_facts += len(facts)
        report.referral_facts += len(referral_facts)


def _rebuild_screenings(definitions: StatisticsDefinitions, report: RebuildReport) -> None:
    screenings = Screening.objects.only("pk", "screened_on", "institution_type", "municipality", "outcome")
    batch = []
    for screening in screenings.order_by("pk").iterator(chunk_size=REBUILD_CHUNK):
        batch.append(
            ScreeningFact(screening=screening, **screening_fact_values(definitions=definitions, screening=screening))
        )
        if len(batch) >= REBUILD_CHUNK:
            ScreeningFact.objects.bulk_create(batch)
            report.screening_facts += len(batch)
            batch = []
    ScreeningFact.objects.bulk_create(batch)
    report.screening_facts += len(batch)


def facts_rebuild() -> RebuildReport:
    """Delete and recreate every case-derived and screening fact from the source rows, in one transaction.

    Imported HTCDS facts are kept (they have no source rows here). Facts whose case is gone are dropped. For a case
    whose personal data retention has erased, the age band found before erasure is kept: the birth date is gone.
    """
    definitions = statistics_definitions()
    report = RebuildReport()
    with transaction.atomic():
        before = _fact_years()
        kept_ages = {
            row["case_id"]: {name: row[name] for name in AGE_COLUMNS}
            for row in CaseFact.objects.filter(source=CaseFact.Source.CASE, case__erased_at__isnull=False).values(
                "case_id", *AGE_COLUMNS
            )
        }
        ReferralFact.objects.all().delete()
        CaseFact.objects.filter(source=CaseFact.Source.CASE).delete()
        ScreeningFact.objects.all().delete()
        _rebuild_cases(definitions, kept_ages, report)
        _rebuild_screenings(definitions, report)
        report.htcds_facts_kept = CaseFact.objects.filter(source=CaseFact.Source.HTCDS).count()
        # A year whose facts all went (their cases are gone) changed as much as one whose facts came back.
        facts_changed(years=before | _fact_years())
    return report


def _fact_years() -> set[int]:
    """Every year some fact counts in (three reads of the year indexes)."""
    years: set[int] = set()
    for model in (CaseFact, ReferralFact, ScreeningFact):
        years.update(model.objects.order_by().values_list("year", flat=True).distinct())
    return years
