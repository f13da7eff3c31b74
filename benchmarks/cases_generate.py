"""A national register of synthetic cases for the cases benchmark, written at bulk-insert speed.

Each case's life comes from `cases_story` and is played by `cases_play` through the pack's own workflow engine, so
states, deadlines and parties are what the services would have left — without calling the services, which would take
hours for 200 000 cases. Rows carry their historic times and go in with COPY (`cases_insert`); the person's
identifying fields are encrypted by the model fields on the way (a real cost, kept on purpose); audit events are a
valid hash chain continuing from the chain head (the same method as `generate.audit_events_grow`).

Everything is obviously fake: persons "Testa Persona 000123", e-mails at example.lv, staff "bench-…" accounts that
cannot sign in.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from types import SimpleNamespace

from django.db import connection, transaction
from django.utils import timezone

from benchmarks.cases_insert import Table, sequences_reset
from benchmarks.cases_play import Batch, Play, World
from benchmarks.cases_story import Cast, story, waiting_story
from opennrm.accounts.models import Role, User
from opennrm.audit.models import AuditChainHead, AuditEvent
from opennrm.audit.services import GENESIS_HASH, event_hash, hashed_fields
from opennrm.cases import models as cases
from opennrm.core.capabilities import Capability
from opennrm.directory.models import Institution, Municipality, Unit
from opennrm.jurisdiction.selectors import version_pack, version_published

CHUNK = 2000  # cases per transaction
BENCHMARK_INSTITUTION = "lv-social-service-riga"
BUSY_MUNICIPALITY = "riga"
# Who recognises presumed victims, by institution type, in shares of all cases; the benchmark institution gets
# its own share on top of its type's (the capital's social service sees far more than any other).
RECOGNISER_SHARES = {
    "municipal_social_service": 20,
    "state_police": 20,
    "state_border_guard": 12,
    "ngo": 8,
    "service_provider": 7,
    "municipal_police": 5,
    "state_labour_inspectorate": 5,
}
BENCHMARK_SHARE = 18
# Institution types that work with cases, and how many workers each institution of the type has.
STAFFED_TYPES = {
    "municipal_social_service": 3,
    "service_provider": 12,
    "siva": 8,
    "state_police": 15,
    "state_border_guard": 6,
    "ngo": 3,
    "municipal_police": 3,
    "state_labour_inspectorate": 3,
    "orphans_court": 2,
    "children_rights_inspectorate": 3,
}
BENCHMARK_WORKERS = 30
WORKER_ROLES = ("case_manager", "police_officer", "frontline_worker")  # preferred, in this order


# --- staff --------------------------------------------------------------------------------------------------


@dataclass
class Staff:
    workers: dict[int, list[User]]  # institution id -> workers (case managers, police officers, …)
    supervisors: dict[int, User]  # institution id -> its supervisor, where the pack has such a role

    def worker(self, institution: int, rng: random.Random) -> User:
        if not self.workers.get(institution):
            raise RuntimeError(
                f"Institution {institution} acts in a case but no pack role lets its staff work on cases."
            )
        return rng.choice(self.workers[institution])


def _allows(role: Role, type_code: str) -> bool:
    return not role.institution_types or type_code in role.institution_types


def _worker_role(roles: list[Role], type_code: str) -> Role | None:
    usable = [
        r
        for r in roles
        if _allows(r, type_code)
        and Capability.CASES_EDIT in r.capabilities
        and Capability.CASES_SUPERVISE not in r.capabilities
    ]
    return min(
        usable, key=lambda r: (WORKER_ROLES.index(r.code) if r.code in WORKER_ROLES else 99, r.code), default=None
    )


def _supervisor_role(roles: list[Role], type_code: str) -> Role | None:
    usable = [r for r in roles if _allows(r, type_code) and Capability.CASES_SUPERVISE in r.capabilities]
    return min(usable, key=lambda r: r.code, default=None)


def staff_create(*, benchmark: Institution) -> Staff:
    """Workers and a supervisor for every institution that works with cases (accounts that cannot sign in)."""
    roles = list(Role.objects.filter(is_active=True))
    units = {}
    for unit in Unit.objects.filter(is_active=True, institution__is_active=True).order_by("institution", "code"):
        # The main unit where there is one, else the first.
        if unit.institution_id not in units or unit.code == "main":
            units[unit.institution_id] = unit
    institutions = Institution.objects.filter(type__code__in=STAFFED_TYPES, is_active=True).select_related("type")
    users: list[User] = []
    held: list[tuple[User, Role]] = []
    kinds: list[tuple[int, str]] = []
    for institution in institutions.order_by("code"):
        type_code = institution.type.code
        worker_role, supervisor_role = _worker_role(roles, type_code), _supervisor_role(roles, type_code)
        if worker_role is None or institution.pk not in units:
            continue
        count = BENCHMARK_WORKERS if institution.pk == benchmark.pk else STAFFED_TYPES[type_code]
        posts = [("worker", worker_role, n) for n in range(count)]
        if supervisor_role is not None:
            posts.append(("supervisor", supervisor_role, 0))
        for kind, role, n in posts:
            username = f"bench-{institution.code}-{kind}-{n:02d}"
            user = User(username=username, email=f"{username}@example.lv", unit=units[institution.pk])
            user.set_unusable_password()
            users.append(user)
            held.append((user, role))
            kinds.append((institution.pk, kind))
    User.objects.bulk_create(users, batch_size=500)
    User.roles.through.objects.bulk_create(
        [User.roles.through(user_id=user.pk, role_id=role.pk) for user, role in held], batch_size=500
    )
    staff = Staff(workers=defaultdict(list), supervisors={})
    for user, (institution_id, kind) in zip(users, kinds, strict=True):
        if kind == "worker":
            staff.workers[institution_id].append(user)
        else:
            staff.supervisors[institution_id] = user
    return staff


# --- the cast of institutions -------------------------------------------------------------------------------


def cast_read(*, benchmark: Institution) -> Cast:
    """Who recognises, refers and serves, from the demo directory (a missing type stops the run: wrong pack)."""
    institutions = list(Institution.objects.filter(is_active=True).select_related("type").order_by("code"))
    by_type: dict[str, list[Institution]] = defaultdict(list)
    for institution in institutions:
        by_type[institution.type.code].append(institution)
    needed = set(RECOGNISER_SHARES) | {"siva", "state_police", "service_provider", "municipal_social_service"}
    missing = sorted(t for t in needed if not by_type.get(t))
    if missing:
        raise RuntimeError(f"The directory has no institution of the types {missing}: load the Latvian demo directory.")
    recognisers, weights = [], []
    for type_code, share in RECOGNISER_SHARES.items():
        members = [i for i in by_type[type_code] if i.pk != benchmark.pk]
        recognisers.extend(i.pk for i in members)
        weights.extend([share / len(members)] * len(members))
    recognisers.append(benchmark.pk)
    weights.append(BENCHMARK_SHARE)
    cumulative, total = [], 0.0
    for weight in weights:
        total += weight
        cumulative.append(total)
    social = by_type["municipal_social_service"]
    busy = Municipality.objects.get(code=BUSY_MUNICIPALITY)
    return Cast(
        recognisers=recognisers,
        recogniser_weights=cumulative,
        municipality_of={
            i.pk: (i.municipality_id if i.scope == Institution.Scope.MUNICIPAL else None) for i in institutions
        },
        social_service_in={i.municipality_id: i.pk for i in social if i.municipality_id},
        municipalities=sorted({i.municipality_id for i in social if i.municipality_id}),
        busy_municipality=busy.pk,
        busy_share=0.4,
        social_services=frozenset(i.pk for i in social),
        providers=[i.pk for i in by_type["service_provider"]],
        siva=by_type["siva"][0].pk,
        police=by_type["state_police"][0].pk,
    )


# --- writing ------------------------------------------------------------------------------------------------

# In dependency order: a row is written after every row it points at.
TABLES = (
    cases.Case,
    cases.Person,
    cases.CaseParty,
    cases.Assignment,
    cases.Consent,
    cases.Referral,
    cases.Deadline,
    cases.TransitionRecord,
    cases.CaseEvent,
    AuditEvent,
)


def _chain(events: list[dict]) -> None:
    """Append `events` to the audit chain in time order, hashed exactly as `audit_record` hashes an event."""
    head, _ = AuditChainHead.objects.select_for_update().get_or_create(id=1)
    seq, prev_hash = head.last_seq, head.last_hash or GENESIS_HASH
    events.sort(key=lambda event: event["occurred_at"])
    for event in events:
        seq += 1
        event["seq"], event["prev_hash"] = seq, prev_hash
        event["hash"] = prev_hash = event_hash(fields=hashed_fields(SimpleNamespace(**event)), prev_hash=prev_hash)
    head.last_seq, head.last_hash = seq, prev_hash
    head.save(update_fields=["last_seq", "last_hash"])


def _write(batch: Batch) -> None:
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # A bulk load need not wait for each chunk to reach the disk; the run's result does not depend on it.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        _chain(batch.rows[AuditEvent])
        for model in TABLES:
            batch.tables[model].write(batch.rows[model])


def _counters(world: World) -> None:
    prefix = world.workflow.reference_prefix
    for year, number in world.counters.items():
        cases.CaseReferenceCounter.objects.update_or_create(prefix=prefix, year=year, defaults={"last_number": number})


def cases_generate(
    *,
    count: int,
    waiting: int,
    benchmark: Institution,
    staff: Staff,
    years: float = 10,
    seed: int = 2026,
) -> dict[str, int]:
    """`count` cases opened over `years` up to now, the last `waiting` of them referred to `benchmark` and not
    yet answered (recent, some overdue); returns how many rows were written to each table."""
    version = version_published()
    workflow = version_pack(version).workflow if version else None
    if workflow is None:
        raise RuntimeError("The published pack has no case workflow: cases cannot be generated.")
    cast = cast_read(benchmark=benchmark)
    now = timezone.now()
    world = World(
        workflow=workflow,
        version_id=version.pk,
        now=now,
        staff=staff,
        seed=seed,
        municipalities={m.pk: m for m in Municipality.objects.all()},
        codes=dict(Institution.objects.values_list("pk", "code")),
    )
    rng = random.Random(seed)
    span = timedelta(days=365.25 * years).total_seconds()
    regular = max(count - waiting, 0)
    opened = sorted(now - timedelta(seconds=span * rng.random()) for _ in range(regular))
    # Recent cases referred to the benchmark institution by national bodies, sent 1 to 100 hours ago: with a 72-hour
    # (24 if urgent) answer time, about a third are overdue.
    senders = [cast.police, *[p for p in cast.recognisers if cast.municipality_of.get(p) is None and p != cast.police]]
    sent = sorted(now - timedelta(hours=1 + 99 * rng.random()) for _ in range(count - regular))
    tables = {model: Table(model) for model in TABLES}
    written = dict.fromkeys(TABLES, 0)
    for first in range(0, count, CHUNK):
        batch = Batch(tables)
        for number in range(first, min(first + CHUNK, count)):
            if number < regular:
                life = story(number, opened_at=opened[number], cast=cast, seed=seed)
            else:
                by = senders[number % len(senders)]
                at = sent[number - regular]
                life = waiting_story(number, sent_at=at, by=by, to=benchmark.pk, cast=cast, seed=seed)
            Play(world, batch, number, life).play()
        _write(batch)
        for model, rows in batch.rows.items():
            written[model] += len(rows)
    sequences_reset(list(tables.values()))
    _counters(world)
    return {model._meta.label: number for model, number in written.items()}


def waiting_referrals(*, institution: Institution, limit: int) -> list[int]:
    """Unanswered referrals to `institution`, newest first (the accept requests take one each)."""
    return list(
        cases.Referral.objects.filter(to_institution=institution, status=cases.Referral.Status.SENT)
        .order_by("-sent_at")
        .values_list("pk", flat=True)[:limit]
    )
