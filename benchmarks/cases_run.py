"""The national cases benchmark: a register of 10 000 and of 200 000 synthetic cases, each on its own throwaway
database, served by the real application server and read and written over HTTP by concurrent clients.

    .venv/bin/python benchmarks/cases_run.py --database-url postgres://postgres@127.0.0.1:5432/postgres
    .venv/bin/python benchmarks/cases_run.py --size small            # 1 000 and 5 000 cases, on SQLite

Measured, per size: GET /api/v1/inbox, GET /api/v1/cases (the first page and later pages by `cursor`),
GET /api/v1/cases/{id} and POST /api/v1/referrals/{id}/accept, as the supervisor of the capital's social service
(the institution with the most cases). Result: benchmarks/results/cases-<vendor>.json (README.md, "Cases").
"""

from __future__ import annotations

import argparse
import importlib
import random
import shlex
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import database as throwaway  # noqa: E402 - needs the project root on sys.path

RESULTS = ROOT / "benchmarks" / "results"
# One turn's requests in these proportions (the rest of a turn's share goes to the case page, the most common read).
MIX = {"inbox": 2, "case_list_first": 2, "case_list_later": 2, "case_page": 4, "referral_accept": 1}
BACKLOG = 20  # unanswered referrals left in the inbox after the last accept: a working day's backlog
CASE_SAMPLE = 400  # distinct cases whose page is requested


@dataclass(frozen=True)
class Size:
    cases: tuple[int, int]  # the small and the large register
    rounds: int  # turns on each database (small, large, large, small, …)
    requests: int  # requests per turn, spread over the endpoints by MIX


SIZES = {
    "small": Size(cases=(1_000, 5_000), rounds=2, requests=110),
    "default": Size(cases=(10_000, 200_000), rounds=4, requests=275),
}


def _counts(text: str) -> tuple[int, int]:
    try:
        small, large = (int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError("give two numbers of cases, small and large, e.g. 1000,5000") from None
    if not 10 <= small <= large:
        raise argparse.ArgumentTypeError("the small register needs at least 10 cases and at most as many as the large")
    return small, large


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="OpenNRM cases benchmark over HTTP (see benchmarks/README.md).")
    parser.add_argument("--size", choices=sorted(SIZES), default="default", help="Data and load sizes.")
    parser.add_argument("--cases", type=_counts, help="Numbers of cases instead of the size's, e.g. 40,80.")
    parser.add_argument("--requests", type=int, help="Requests per turn instead of the size's (at least 11).")
    parser.add_argument("--rounds", type=int, help="Turns per database instead of the size's.")
    parser.add_argument("--clients", type=int, default=4, help="Concurrent clients (default: 4).")
    parser.add_argument(
        "--server",
        choices=["auto", "gunicorn", "django"],
        default="auto",
        help="gunicorn if installed (auto), else Django's threaded server with TCP_NODELAY (cases_server.py).",
    )
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes (default: 4).")
    parser.add_argument("--years", type=float, default=10, help="Years the cases are spread over (default: 10).")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--database-url",
        help="A PostgreSQL server to connect through (e.g. postgres://postgres@127.0.0.1:5432/postgres); the "
        "benchmark creates its own databases there and drops them afterwards. Default: temporary SQLite files.",
    )
    parser.add_argument("--database-name", default="opennrm_bench_cases", help="Prefix of those databases.")
    parser.add_argument("--output", type=Path, help="Default: benchmarks/results/cases-<database vendor>.json.")
    args = parser.parse_args(argv)
    try:
        throwaway.check_choice(database_url=args.database_url, database_name=args.database_name)
    except throwaway.DatabaseChoiceError as error:
        parser.error(str(error))
    for name in ("requests", "rounds", "clients", "workers"):
        value = getattr(args, name)
        if value is not None and value < (sum(MIX.values()) if name == "requests" else 1):
            parser.error(f"--{name} {value}: too small.")
    if args.output is not None and args.output.suffix != ".json":
        parser.error(f"--output {args.output}: the result is JSON; give a file name ending in .json.")
    size = SIZES[args.size]
    args.plan = Size(
        cases=args.cases or size.cases, rounds=args.rounds or size.rounds, requests=args.requests or size.requests
    )
    return args


_STARTED = time.perf_counter()


def _step(message: str) -> None:
    print(f"[{time.perf_counter() - _STARTED:7.1f}s] {message}", flush=True)


def per_turn(requests: int) -> dict[str, int]:
    """How many requests of each endpoint one turn sends."""
    unit = requests // sum(MIX.values())
    counts = {name: share * unit for name, share in MIX.items()}
    counts["case_page"] += requests - sum(counts.values())
    return counts


@dataclass
class Context:
    """What the requests of one database need, read from it once it is filled."""

    token: str
    username: str
    cases: int
    visible: int
    case_ids: list[int]
    cursors: list[str]  # into the list at 10 %, 50 % and 90 % of its length
    waiting: list[int]  # unanswered referrals to the user's institution, one per accept
    rows: dict[str, int]
    setup: dict[str, float]


def fill(*, count: int, accepts: int, years: float, seed: int, setup: dict[str, float]) -> Context:
    """Add staff and `count` cases to the active database (migrated and set up); read the context."""
    from benchmarks import cases_generate, generate, scenarios
    from opennrm.cases.selectors import case_list, cases_visible_to
    from opennrm.directory.models import Institution

    setup = dict(setup)
    benchmark = Institution.objects.get(code=cases_generate.BENCHMARK_INSTITUTION)
    began = time.perf_counter()
    staff = cases_generate.staff_create(benchmark=benchmark)
    user = staff.supervisors.get(benchmark.pk)
    if user is None:
        raise RuntimeError(f"No pack role with cases.supervise may be held at {benchmark.code}.")
    waiting = min(accepts + BACKLOG, count // 2)
    rows = cases_generate.cases_generate(
        count=count, waiting=waiting, benchmark=benchmark, staff=staff, years=years, seed=seed
    )
    setup["cases_generate_ms"] = round((time.perf_counter() - began) * 1000, 1)
    began = time.perf_counter()
    generate.analyze()
    setup["analyze_ms"] = round((time.perf_counter() - began) * 1000, 1)
    token = scenarios.api_token(user)
    visible = list(cases_visible_to(user).values_list("pk", flat=True))
    rng = random.Random(seed)
    cursors = []
    for fraction in (0.1, 0.5, 0.9):
        depth = int(len(visible) * fraction)
        cursor = case_list(user=user, limit=depth).next_cursor if depth else None
        if cursor:
            cursors.append(cursor)
    return Context(
        token=token,
        username=user.username,
        cases=count,
        visible=len(visible),
        case_ids=rng.sample(visible, min(CASE_SAMPLE, len(visible))),
        cursors=cursors or [case_list(user=user, limit=1).next_cursor],
        waiting=cases_generate.waiting_referrals(institution=benchmark, limit=waiting),
        rows=rows,
        setup=setup,
    )


def turn_requests(ctx: Context, counts: dict[str, int], rng: random.Random) -> list:
    """One turn's requests, interleaved as the work of several people would be; each accept on its own referral."""
    from benchmarks.cases_load import Request

    if len(ctx.waiting) < counts["referral_accept"]:
        raise RuntimeError("Not enough unanswered referrals left for the accepts of this turn.")
    requests = [Request("inbox", "GET", "/api/v1/inbox") for _ in range(counts["inbox"])]
    requests += [Request("case_list_first", "GET", "/api/v1/cases") for _ in range(counts["case_list_first"])]
    requests += [
        Request("case_list_later", "GET", "/api/v1/cases?" + urlencode({"cursor": ctx.cursors[n % len(ctx.cursors)]}))
        for n in range(counts["case_list_later"])
    ]
    requests += [
        Request("case_page", "GET", f"/api/v1/cases/{rng.choice(ctx.case_ids)}") for _ in range(counts["case_page"])
    ]
    requests += [
        Request("referral_accept", "POST", f"/api/v1/referrals/{ctx.waiting.pop()}/accept")
        for _ in range(counts["referral_accept"])
    ]
    rng.shuffle(requests)
    return requests


def load(args: argparse.Namespace, database, contexts: dict[str, Context]) -> tuple[dict, dict]:
    """Start a server per database and send the turns, small and large alternately; returns outcomes and server."""
    from benchmarks import cases_load

    kind = cases_load.server_kind(args.server)
    servers = {}
    outcomes = {name: cases_load.Outcome() for name in contexts}
    rng = random.Random(args.seed)
    counts = per_turn(args.plan.requests)
    try:
        _step(f"starting {kind} on each database")
        for name in contexts:
            servers[name] = cases_load.server_launch(
                kind=kind,
                database_url=database.url(name),
                data_dir=database.data_dir,
                workers=args.workers,
                log=Path(database.data_dir) / f"server-{name}.log",
            )
        for name, server in servers.items():
            cases_load.server_wait(server)
            # Every worker imports, connects and reads the workflow before the first timed request.
            warmup = turn_requests(contexts[name], {**counts, "referral_accept": 0}, rng)
            cases_load.run(port=server.port, token=contexts[name].token, requests=warmup, clients=args.clients)
        for number in range(args.plan.rounds):
            for name in list(contexts) if number % 2 == 0 else list(reversed(contexts)):
                _step(f"turn {number + 1}/{args.plan.rounds} on the {name} database")
                outcome = cases_load.run(
                    port=servers[name].port,
                    token=contexts[name].token,
                    requests=turn_requests(contexts[name], counts, rng),
                    clients=args.clients,
                )
                outcomes[name].add(outcome)
    finally:
        for server in servers.values():
            cases_load.server_stop(server)
    any_server = next(iter(servers.values()))
    server = {"kind": any_server.kind, "workers": any_server.workers, "description": any_server.describe()}
    return outcomes, server


def run(args: argparse.Namespace, database) -> dict:
    import django

    django.setup()
    from benchmarks import cases_report, measure
    from benchmarks.run import prepare

    started = time.perf_counter()
    machine = measure.machine()
    accepts = per_turn(args.plan.requests)["referral_accept"] * args.plan.rounds
    contexts: dict[str, Context] = {}
    first = throwaway.SIZES[0]
    _step("migrate, publish packs/lv, load the demo directory; copy the database for the other size")
    throwaway.use(database, first)
    setup = prepare()
    began = time.perf_counter()
    for name in throwaway.SIZES[1:]:
        throwaway.clone(database, first, name)
    setup["copy_ms"] = round((time.perf_counter() - began) * 1000, 1)
    for name, count in zip(throwaway.SIZES, args.plan.cases, strict=True):
        _step(f"{name} database: staff and {count} cases")
        throwaway.use(database, name)
        contexts[name] = fill(count=count, accepts=accepts + 1, years=args.years, seed=args.seed, setup=setup)
    db = measure.database_info()
    diagnosis = {}
    for name, ctx in contexts.items():
        _step(f"query counts on the {name} database")
        throwaway.use(database, name)
        diagnosis[name] = cases_report.queries(ctx, explain=name == throwaway.SIZES[-1])
    from django.db import connections

    connections.close_all()
    outcomes, server = load(args, database, contexts)
    result = {
        "benchmark": "opennrm-cases",
        "name": args.size if not args.cases else "custom",
        "created_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "command": shlex.join([".venv/bin/python", "benchmarks/cases_run.py", *sys.argv[1:]]),
        "machine": machine,
        "database": db,
        "server": server,
        "clients": args.clients,
        "load": {"rounds": args.plan.rounds, "per_turn": per_turn(args.plan.requests)},
        "sizes": {
            name: {
                "cases": ctx.cases,
                "visible_to_user": ctx.visible,
                "user": ctx.username,
                "rows": ctx.rows,
                "cursors": ctx.cursors,
            }
            for name, ctx in contexts.items()
        },
        "setup": {name: ctx.setup for name, ctx in contexts.items()},
        "results": cases_report.results(outcomes, diagnosis),
        "diagnosis": diagnosis,
    }
    result["verdict"] = cases_report.verdict(result)
    result["duration_s"] = round(time.perf_counter() - started, 1)
    return result


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    return throwaway.run_and_write(
        args,
        run=run,
        output_for=lambda result: RESULTS / f"cases-{result['database']['vendor']}.json",
        # Imported once Django is set up by the run.
        summary=lambda result: importlib.import_module("benchmarks.cases_report").summary(result),
    )


if __name__ == "__main__":
    sys.exit(main())
