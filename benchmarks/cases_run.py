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
import itertools
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import cases_report, command, measure, over_http  # noqa: E402 - needs the project root on sys.path
from benchmarks import database as throwaway  # noqa: E402
from benchmarks.command import step  # noqa: E402

# One turn's requests in these proportions (the rest of a turn's share goes to the case page, the most common read).
MIX = {"inbox": 2, "case_list_first": 2, "case_list_later": 2, "case_page": 4, "referral_accept": 1}
BACKLOG = 20  # unanswered referrals left in the inbox after the last accept: a working day's backlog
CASE_SAMPLE = 400  # distinct cases whose page is requested
ERRORS_KEPT = 5  # example answers kept per endpoint when something fails


@dataclass(frozen=True)
class Size:
    cases: tuple[int, int]  # the small and the large register
    rounds: int  # turns on each database (small, large, large, small, …)
    requests: int  # requests per turn, spread over the endpoints by MIX


SIZES = {
    "small": Size(cases=(1_000, 5_000), rounds=2, requests=110),
    "default": Size(cases=(10_000, 200_000), rounds=4, requests=275),
}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="OpenNRM cases benchmark over HTTP (see benchmarks/README.md).")
    parser.add_argument("--size", choices=sorted(SIZES), default="default", help="Data and load sizes.")
    parser.add_argument(
        "--cases",
        type=command.small_and_large(
            least=10,
            example="1000,5000",
            refusal="the small register needs at least 10 cases and at most as many as the large",
        ),
        help="Numbers of cases instead of the size's, e.g. 40,80.",
    )
    parser.add_argument("--requests", type=int, help="Requests per turn instead of the size's (at least 11).")
    parser.add_argument("--rounds", type=int, help="Turns per database instead of the size's.")
    parser.add_argument("--clients", type=int, default=4, help="Concurrent clients (default: 4).")
    command.server_options(parser)
    parser.add_argument("--years", type=float, default=10, help="Years the cases are spread over (default: 10).")
    parser.add_argument("--seed", type=int, default=2026)
    command.database_options(parser, prefix="opennrm_bench_cases", output="cases")
    args = parser.parse_args(argv)
    least = {"requests": sum(MIX.values()), "rounds": 1, "clients": 1, "workers": 1}
    command.options_check(parser, args, least=least)
    size = SIZES[args.size]
    args.plan = Size(
        cases=args.cases or size.cases, rounds=args.rounds or size.rounds, requests=args.requests or size.requests
    )
    return args


def per_turn(requests: int) -> dict[str, int]:
    return over_http.per_turn(requests, MIX, rest_to="case_page")


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


def turn_requests(ctx: Context, counts: dict[str, int], rng: random.Random) -> list[over_http.Request]:
    """One turn's requests, interleaved as the work of several people would be; each accept on its own referral."""
    if len(ctx.waiting) < counts["referral_accept"]:
        raise RuntimeError("Not enough unanswered referrals left for the accepts of this turn.")
    cursors = itertools.cycle(ctx.cursors)
    paths = {
        "inbox": lambda: "/api/v1/inbox",
        "case_list_first": lambda: "/api/v1/cases",
        "case_list_later": lambda: "/api/v1/cases?" + urlencode({"cursor": next(cursors)}),
        "case_page": lambda: f"/api/v1/cases/{rng.choice(ctx.case_ids)}",
        "referral_accept": lambda: f"/api/v1/referrals/{ctx.waiting.pop()}/accept",
    }

    def make(name: str) -> over_http.Request:
        return over_http.Request(name, "POST" if name == "referral_accept" else "GET", paths[name]())

    return over_http.shuffled(counts, make, rng)


def _send(port: int, ctx: Context, requests: list[over_http.Request], clients: int) -> over_http.Outcome:
    """Send requests with the user's bearer token; every answer must be 2xx to count as a success."""
    headers = {"Authorization": f"Bearer {ctx.token}", "Content-Type": "application/json", "Accept": "application/json"}
    return over_http.send(
        port=port, requests=requests, clients=clients, headers=headers, examples_kept=ERRORS_KEPT, example_chars=300
    )


def load(args: argparse.Namespace, database, contexts: dict[str, Context]) -> tuple[dict, dict]:
    """Start a server per database and send the turns, small and large alternately; returns outcomes and server."""
    outcomes = {name: over_http.Outcome(examples_kept=ERRORS_KEPT) for name in contexts}
    rng = random.Random(args.seed)
    counts = per_turn(args.plan.requests)
    with over_http.servers_running(database, choice=args.server, workers=args.workers) as servers:
        for name, server in servers.items():
            over_http.server_wait(server)
            # Every worker imports, connects and reads the workflow before the first timed request.
            warmup = turn_requests(contexts[name], {**counts, "referral_accept": 0}, rng)
            _send(server.port, contexts[name], warmup, args.clients)
        for number in range(args.plan.rounds):
            for name in measure.in_turns(contexts, number):
                step(f"turn {number + 1}/{args.plan.rounds} on the {name} database")
                requests = turn_requests(contexts[name], counts, rng)
                outcomes[name].add(_send(servers[name].port, contexts[name], requests, args.clients))
    return outcomes, over_http.servers_described(servers)


def run(args: argparse.Namespace, database) -> dict:
    import django

    django.setup()

    started = time.perf_counter()
    machine = measure.machine()
    accepts = per_turn(args.plan.requests)["referral_accept"] * args.plan.rounds
    contexts: dict[str, Context] = {}
    setup, copy_ms = command.databases_prepare(database)
    setup["copy_ms"] = copy_ms
    for name, count in zip(throwaway.SIZES, args.plan.cases, strict=True):
        step(f"{name} database: staff and {count} cases")
        throwaway.use(database, name)
        contexts[name] = fill(count=count, accepts=accepts + 1, years=args.years, seed=args.seed, setup=setup)
    db = measure.database_info()
    diagnosis = {}
    for name, ctx in contexts.items():
        step(f"query counts on the {name} database")
        throwaway.use(database, name)
        diagnosis[name] = cases_report.queries(ctx, explain=name == throwaway.SIZES[-1])
    from django.db import connections

    connections.close_all()
    outcomes, server = load(args, database, contexts)
    result = {
        **command.result_head(
            benchmark="opennrm-cases",
            name=args.size if not args.cases else "custom",
            script="cases_run.py",
            machine=machine,
            database=db,
        ),
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
    return command.run_and_write(args, run=run, name="cases", summary=cases_report.summary)


if __name__ == "__main__":
    sys.exit(main())
