"""Synthetic statistical facts for the statistics benchmark: case, referral and screening facts over five years.

Facts are written directly (`bulk_create`), without cases behind them: a fact's link to its case is nullable,
as it is for every fact whose case was erased under retention, and the reports read the facts alone. The shares
follow the shape of a national referral mechanism's register (rough, not any country's real figures): more women
than men, a tenth children, about two fifths third-country nationals, sexual exploitation and forced labour the
most common forms, social services and the police recognising most people, most referrals answered within days.
The codes are those of the pack in force (`statistics_definitions`), so every fact lands in a known category
except the few "unknown" ones a real register has.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from opennrm.stats.dimensions import statistics_definitions
from opennrm.stats.models import CaseFact, ReferralFact, ScreeningFact
from opennrm.stats.services.facts import facts_changed

YEARS = 5
BATCH = 2_000
SCREENINGS_PER_CASE = 1.5
# The share of each year in the span grows a little, as registers do once a mechanism is known.
YEAR_WEIGHTS = (0.17, 0.19, 0.20, 0.21, 0.23)
SEX = {"Feminine": 60, "Masculine": 37, "TransgenderFeminine": 0.5, "NonConforming": 0.5, "NonSpecifiedUnknown": 2}
AGE_BANDS = {
    "0-8": 2,
    "9-17": 10,
    "18-20": 10,
    "21-23": 12,
    "24-26": 12,
    "27-29": 11,
    "30-38": 22,
    "39-47": 13,
    "48+": 6,
    "unknown": 2,
}
CHILD_BANDS = frozenset({"0-8", "9-17"})
CITIZENSHIP = {
    "national": (55, ("LV",)),
    "other_eu": (5, ("LT", "EE", "PL", "RO", "BG")),
    "non_eu": (38, ("UA", "UZ", "IN", "VN", "NP", "PH", "KG", "TJ", "BY", "RU")),
    "unknown": (2, ("ZZ",)),
}
FORMS = {
    "SexualExploitation": 40,
    "ForcedLabour": 35,
    "ForcedCriminality": 8,
    "ForcedMarriage": 5,
    "ForcedBegging": 4,
    "Servitude": 3,
    "ChildLabour": 2,
    "Other": 2,
    "OrganRemoval": 0.5,
    "Surrogacy": 0.5,
}
COUNTRIES = {
    "LV": 50,
    "GB": 10,
    "DE": 8,
    "IE": 6,
    "NL": 5,
    "NO": 4,
    "SE": 4,
    "CY": 3,
    "PL": 3,
    "FI": 3,
    "ES": 2,
    "IT": 2,
}
# Who recognises the person (institution type codes of packs/lv), in rough shares.
RECOGNISING = {
    "municipal_social_service": 38,
    "state_police": 20,
    "state_border_guard": 12,
    "ngo": 8,
    "service_provider": 7,
    "municipal_police": 5,
    "state_labour_inspectorate": 5,
    "orphans_court": 2,
    "state_employment_agency": 1,
    "consular_service": 1,
    "medical_institution": 1,
}
REGIONS = {"riga_region": 52, "vidzeme": 10, "kurzeme": 13, "zemgale": 10, "latgale": 12, "unknown": 3}
# Where referrals go: a service provider or the local social service first, then SIVA or the police.
FIRST_REFERRAL = {"service_provider": 55, "municipal_social_service": 30, "ngo": 10, "state_police": 5}
LATER_REFERRAL = {"siva": 45, "state_police": 25, "service_provider": 15, "orphans_court": 5, "prosecutor": 10}
REFERRAL_STATUS = {"accepted": 75, "declined": 8, "expired": 7, "withdrawn": 4, "sent": 6}
SCREENING_TYPES = {
    "municipal_social_service": 30,
    "state_police": 20,
    "state_border_guard": 15,
    "ngo": 12,
    "state_employment_agency": 8,
    "medical_institution": 5,
    "education_institution": 5,
    "state_labour_inspectorate": 5,
}
SCREENING_OUTCOMES = {"none": 45, "partial": 25, "indicative": 30}


@dataclass
class Generated:
    """What was written, and the reference year the reports are asked about."""

    year: int
    years: list[int]
    rows: dict[str, int] = field(default_factory=dict)
    # Primary keys of a few facts of the reference year, touched to make the cached release stale.
    touchable: list[int] = field(default_factory=list)


def _pick(rng: random.Random, weights: dict) -> str:
    return rng.choices(list(weights), weights=[w if not isinstance(w, tuple) else w[0] for w in weights.values()])[0]


def _known(codes: Sequence[str], wanted: dict) -> dict:
    """The shares restricted to codes the pack knows, so that another pack still gets sensible facts."""
    kept = {code: weight for code, weight in wanted.items() if code in codes or code == "unknown"}
    return kept or {code: 1 for code in codes}


class _Shapes:
    """The distributions, cut down to the categories of the pack in force."""

    def __init__(self) -> None:
        definitions = statistics_definitions()
        dims = definitions.dimensions
        self.pack_code = definitions.pack_code
        self.sex = _known(dims["sex"].codes, SEX)
        self.age = _known(dims["age_band"].codes, AGE_BANDS)
        self.citizenship = _known(dims["citizenship_group"].codes, CITIZENSHIP)
        self.forms = _known(dims["form"].codes, FORMS)
        types = dims["recognising_type"].codes
        self.recognising = _known(types, RECOGNISING)
        self.first_referral = _known(types, FIRST_REFERRAL)
        self.later_referral = _known(types, LATER_REFERRAL)
        self.screening_types = _known(types, SCREENING_TYPES)
        self.regions = _known(dims["region"].codes, REGIONS) if dims["region"].codes else {"unknown": 1}
        services = list(dims["service"].codes) if "service" in dims else []
        self.services = services[:2]


def _outcome(rng: random.Random, recent: float) -> str:
    # The newer the case, the more likely it is still undecided.
    in_progress = 12 + 40 * recent
    weights = {"identified": 58, "not_identified": 14, "refused": 7, "withdrawn": 5, "in_progress": in_progress}
    return _pick(rng, weights)


def _case_fact(rng: random.Random, shapes: _Shapes, *, number: int, year: int, reference: int) -> tuple[CaseFact, list]:
    recent = max(0.0, 1 - (reference - year) / 2)  # 1 in the reference year, 0.5 a year before, then 0
    sex = _pick(rng, shapes.sex)
    band = _pick(rng, shapes.age)
    group = _pick(rng, shapes.citizenship)
    citizenship = rng.choice(CITIZENSHIP.get(group, (0, ("ZZ",)))[1])
    forms = sorted({_pick(rng, shapes.forms) for _ in range(1 if rng.random() < 0.8 else 2)})
    countries = sorted({_pick(rng, COUNTRIES) for _ in range(1 if rng.random() < 0.85 else 2)})
    recognising = _pick(rng, shapes.recognising) if rng.random() > 0.01 else ""
    outcome = _outcome(rng, recent)
    if outcome == "identified":
        route = "commission" if rng.random() < 0.7 else "criminal_proceedings"
    elif outcome == "not_identified":
        route = "commission" if rng.random() < 0.5 else ""
    else:
        route = ""
    pathway = [[recognising or "ngo", _pick(rng, shapes.first_referral)]]
    for _ in range(rng.choices((0, 1, 2), weights=(55, 35, 10))[0]):
        pathway.append([pathway[-1][1], _pick(rng, shapes.later_referral)])
    services: list[str] = []
    if shapes.services and outcome in ("identified", "in_progress") and rng.random() < 0.8:
        services.append(shapes.services[0])
        if len(shapes.services) > 1 and outcome == "identified" and rng.random() < 0.4:
            services.append(shapes.services[1])
    source = CaseFact.Source.HTCDS if rng.random() < 0.03 else CaseFact.Source.CASE
    fact = CaseFact(
        source=source,
        source_key=f"{source}:BENCH-{number}",
        pack_code=shapes.pack_code,
        year=year,
        month=rng.randint(1, 12),
        sex=sex,
        age_band=band,
        is_child=None if band == "unknown" else band in CHILD_BANDS,
        citizenship=citizenship,
        citizenship_group=group,
        forms=forms,
        exploitation_countries=countries,
        recognising_type=recognising,
        region=_pick(rng, shapes.regions),
        pathway=pathway,
        identification_route=route,
        outcome=outcome,
        days_to_referral=min(int(rng.expovariate(1 / 2)), 60),
        days_to_identification=int(rng.gammavariate(2.0, 25)) if outcome == "identified" else None,
        days_to_service=int(rng.gammavariate(2.0, 12)) if services else None,
        services=sorted(services),
    )
    return fact, pathway


def _referral_facts(rng: random.Random, fact: CaseFact, pathway: list, *, reference: int) -> list[ReferralFact]:
    referrals = []
    year, month = fact.year, fact.month
    for index, (from_type, to_type) in enumerate(pathway):
        if index and rng.random() < 0.3:  # a later referral often goes a month or two later
            month += rng.randint(1, 2)
            if month > 12:
                year, month = year + 1, month - 12
        if year > reference:
            break
        status = _pick(rng, REFERRAL_STATUS)
        urgent = rng.random() < 0.1
        due_hours = 24 if urgent else 72
        hours = int(rng.gammavariate(1.5, 20)) + 1 if status in ("accepted", "declined") else None
        overdue = status == "expired" or (hours is not None and hours > due_hours)
        referrals.append(
            ReferralFact(
                case_fact_id=fact.pk,
                year=year,
                month=month,
                from_type=from_type,
                to_type=to_type,
                urgent=urgent,
                status=status,
                hours_to_answer=hours,
                overdue=overdue,
            )
        )
    return referrals


def facts_generate(*, cases: int, seed: int, reference_year: int | None = None) -> Generated:
    """Write `cases` case facts over five years ending in `reference_year` (default: last year), with their
    referral facts and about 1.5 screening facts per case; returns the counts and the reference year."""
    rng = random.Random(seed)
    shapes = _Shapes()
    reference = reference_year or timezone.localdate().year - 1
    years = list(range(reference - YEARS + 1, reference + 1))
    generated = Generated(year=reference, years=years)
    totals = {"stats.CaseFact": 0, "stats.ReferralFact": 0, "stats.ScreeningFact": 0}
    number = 0
    with transaction.atomic():
        while number < cases:
            batch = []
            for _ in range(min(BATCH, cases - number)):
                year = rng.choices(years, weights=YEAR_WEIGHTS)[0]
                batch.append(_case_fact(rng, shapes, number=number, year=year, reference=reference))
                number += 1
            created = CaseFact.objects.bulk_create([fact for fact, _ in batch], batch_size=BATCH)
            referrals = []
            for fact, (_, pathway) in zip(created, batch, strict=True):
                if fact.pk is None:  # only a database that cannot return new keys; none OpenNRM supports
                    raise RuntimeError("bulk_create returned no primary keys")
                referrals.extend(_referral_facts(rng, fact, pathway, reference=reference))
                if fact.year == reference and len(generated.touchable) < 200:
                    generated.touchable.append(fact.pk)
            ReferralFact.objects.bulk_create(referrals, batch_size=BATCH)
            totals["stats.CaseFact"] += len(created)
            totals["stats.ReferralFact"] += len(referrals)
        screenings = int(cases * SCREENINGS_PER_CASE)
        made = 0
        while made < screenings:
            batch = [
                ScreeningFact(
                    year=rng.choices(years, weights=YEAR_WEIGHTS)[0],
                    month=rng.randint(1, 12),
                    institution_type=_pick(rng, shapes.screening_types),
                    region=_pick(rng, shapes.regions),
                    outcome=_pick(rng, SCREENING_OUTCOMES),
                )
                for _ in range(min(BATCH, screenings - made))
            ]
            ScreeningFact.objects.bulk_create(batch, batch_size=BATCH)
            made += len(batch)
        totals["stats.ScreeningFact"] = made
        facts_changed(years=years)  # as every writer of facts does, so no release cached before stays in use
    generated.rows = totals
    return generated


def facts_touch(pk: int) -> None:
    """Change one fact as a case service would (a new `updated_at` and a new revision of its year's facts), so
    that the cached release is stale."""
    with transaction.atomic():
        year = CaseFact.objects.values_list("year", flat=True).get(pk=pk)
        CaseFact.objects.filter(pk=pk).update(updated_at=timezone.now())
        facts_changed(years=[year])


def analyze() -> None:
    """Refresh PostgreSQL's planner statistics after the bulk load, as autovacuum would; SQLite is left as is."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
