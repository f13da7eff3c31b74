"""Synthetic, obviously fake data that grows the tables the benchmarks read.

Institutions are bulk-inserted with their contact points and service areas. Audit events are bulk-inserted
as a correct chain: each one is hashed with the real `event_hash`/`hashed_fields` and linked to the one
before it, continuing from the chain head, so `audit_verify` must still find the whole log intact.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone

from opennrm.accounts.models import User
from opennrm.audit.models import AuditChainHead, AuditEvent
from opennrm.audit.services import GENESIS_HASH, event_hash, hashed_fields
from opennrm.directory.models import ContactPoint, Institution, InstitutionType, Municipality

PREFIX = "zz-bench"  # sorts after every demo code, so synthetic rows sit at the deep end of the list
BATCH = 2000
# Municipal and regional types only: a synthetic national body would be listed for every municipality.
MUNICIPAL_TYPES = ("municipal_social_service", "orphans_court", "municipal_police", "education_institution")
REGIONAL_TYPES = ("court", "medical_institution")
REGIONAL_EVERY = 7  # one synthetic institution in seven is regional, serving three municipalities
# Actions of the synthetic log; the first is common, the others less so.
ACTIONS = ("bench.case_view", "bench.case_view", "bench.case_view", "bench.referral_send", "bench.note_add")


def institution_code(number: int) -> str:
    return f"{PREFIX}-{number:07d}"


def institutions_grow(*, to: int, quiet_municipality: str) -> int:
    """Add synthetic institutions until there are `to` of them; returns how many were added.

    No synthetic institution sits in or serves `quiet_municipality`, so "who to call" there answers the same
    whatever the size of the table, and its time shows whether the table's size alone costs anything.
    """
    start = Institution.objects.filter(code__startswith=PREFIX).count()
    types = {t.code: t for t in InstitutionType.objects.filter(code__in=MUNICIPAL_TYPES + REGIONAL_TYPES)}
    missing = set(MUNICIPAL_TYPES + REGIONAL_TYPES) - set(types)
    if missing:
        raise RuntimeError(f"The published pack lacks the institution types {sorted(missing)}.")
    places = list(Municipality.objects.filter(is_active=True).exclude(code=quiet_municipality).order_by("code"))
    for first in range(start, to, BATCH):
        numbers = range(first, min(first + BATCH, to))
        with transaction.atomic():
            institutions = Institution.objects.bulk_create(_institution(n, types, places) for n in numbers)
            points = []
            areas = []
            for number, institution in zip(numbers, institutions, strict=True):
                points.extend(_contact_points(number, institution))
                if institution.scope == Institution.Scope.REGIONAL:
                    areas.extend(
                        Institution.service_area.through(institution_id=institution.pk, municipality_id=place.pk)
                        for place in _area(number, places)
                    )
            ContactPoint.objects.bulk_create(points)
            Institution.service_area.through.objects.bulk_create(areas)
    return max(to - start, 0)


def _area(number: int, places: list[Municipality]) -> list[Municipality]:
    return random.Random(number).sample(places, 3)


def _institution(number: int, types: dict[str, InstitutionType], places: list[Municipality]) -> Institution:
    # Seeded by the number, so every run builds the same table, without the place, type and scope of an
    # institution following each other (a shared modulus would give some places no institution of a type).
    rng = random.Random(number)
    regional = rng.randrange(REGIONAL_EVERY) == 0
    kinds = REGIONAL_TYPES if regional else MUNICIPAL_TYPES
    return Institution(
        code=institution_code(number),
        names={
            "lv": f"Fiktīva iestāde Nr. {number} (etalontests)",
            "en": f"Fictional institution No. {number} (benchmark)",
            "ru": f"Вымышленное учреждение № {number} (тест)",
        },
        type=types[rng.choice(kinds)],
        scope=Institution.Scope.REGIONAL if regional else Institution.Scope.MUNICIPAL,
        municipality=rng.choice(places),
        address=f"Fiktīvā iela {number % 200 + 1}, Nekurienes pagasts",
        website="https://example.lv/",
    )


def _contact_points(number: int, institution: Institution) -> list[ContactPoint]:
    phone = f"+371 2{number % 10_000_000:07d}"
    email = f"{institution.code}@example.lv"
    return [
        ContactPoint(
            institution=institution,
            labels={"lv": "Pieņemšana", "en": "Reception", "ru": "Приёмная"},
            phone=phone,
            email=email,
            hours={"lv": "P.–Pk. 9–17", "en": "Mon–Fri 9–17", "ru": "Пн–Пт 9–17"},
            languages=["lv", "en"],
            audience=ContactPoint.Audience.PUBLIC,
            order=0,
        ),
        ContactPoint(
            institution=institution,
            labels={"lv": "Speciālistiem", "en": "For professionals", "ru": "Для специалистов"},
            phone=phone,
            email=email,
            audience=ContactPoint.Audience.PROFESSIONALS,
            order=1,
        ),
    ]


def bench_users(count: int = 10) -> list[User]:
    """Synthetic staff accounts that the synthetic audit events name as actors; they cannot sign in."""
    existing = list(User.objects.filter(username__startswith="bench-user-").order_by("pk"))
    if existing:
        return existing
    users = [User(username=f"bench-user-{n:02d}", email=f"bench-user-{n:02d}@example.lv") for n in range(count)]
    for user in users:
        user.set_unusable_password()
    return User.objects.bulk_create(users)


def audit_events_grow(*, to: int, actors: list[User], institution_ids: list[int]) -> int:
    """Append synthetic events until the chain holds `to` events; returns how many were added."""
    added = 0
    while True:
        with transaction.atomic():
            head, _ = AuditChainHead.objects.select_for_update().get_or_create(id=1)
            if head.last_seq >= to:
                return added
            count = min(BATCH * 5, to - head.last_seq)
            events = _chained_events(
                first_seq=head.last_seq + 1,
                prev_hash=head.last_hash or GENESIS_HASH,
                count=count,
                actors=actors,
                institution_ids=institution_ids,
            )
            AuditEvent.objects.bulk_create(events, batch_size=BATCH)
            head.last_seq = events[-1].seq
            head.last_hash = events[-1].hash
            head.save(update_fields=["last_seq", "last_hash"])
            added += count


def _chained_events(
    *, first_seq: int, prev_hash: str, count: int, actors: list[User], institution_ids: list[int]
) -> list[AuditEvent]:
    # Seconds apart, ending now; microseconds dropped as audit_record does, so the hash reads back the same.
    end = timezone.now().replace(microsecond=0)
    events = []
    for offset in range(count):
        seq = first_seq + offset
        actor = actors[seq % len(actors)]
        event = AuditEvent(
            seq=seq,
            occurred_at=end - timedelta(seconds=count - offset),
            actor=actor,
            actor_username=actor.username,
            institution_id=institution_ids[seq % len(institution_ids)],
            action=ACTIONS[seq % len(ACTIONS)],
            object_type="bench.Case",
            object_id=str(seq % 5000),
            purpose="synthetic benchmark event",
            old_values={"status": "open"} if seq % 2 else None,
            new_values={"status": "referred", "note_length": seq % 300},
            ip_address=f"192.0.2.{seq % 250 + 1}",  # TEST-NET-1: reserved for documentation
            prev_hash=prev_hash,
        )
        event.hash = event_hash(fields=hashed_fields(event), prev_hash=prev_hash)
        prev_hash = event.hash
        events.append(event)
    return events


def analyze() -> None:
    """Vacuum and refresh the planner's statistics on PostgreSQL, as autovacuum would after such growth.

    The vacuum matters for GIN indexes (the site search's trigram indexes): rows inserted in bulk wait in the
    index's pending list, which every search reads through, until a vacuum merges them in.
    SQLite is left as the application leaves it: nothing in OpenNRM runs ANALYZE there.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
