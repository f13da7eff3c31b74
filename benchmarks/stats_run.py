"""The statistics reports under load: building a year's release, the dashboard, downloads, the API and the report.

    .venv/bin/python benchmarks/stats_run.py --database-url postgres://postgres@127.0.0.1:5432/postgres
    .venv/bin/python benchmarks/stats_run.py                      # temporary SQLite files
    .venv/bin/python benchmarks/stats_run.py --sizes 200,400 --requests 12 --rounds 1 --workers 1 --pdf-runs 0

Two databases of the same schema with synthetic statistical facts over five years (`stats_generate.py`): 10 000
and 100 000 case facts by default, with their referral facts and 1.5 screening facts per case. Measured:

- in this process, turn by turn between the two databases: `release_build` of the reference year (internal, and
  public with differential privacy), and `release_current` (what every page calls) warm — its cached release found
  again — and cold, right after a fact changed;
- over HTTP, the real application server (gunicorn when installed) on each database: cold requests (a fact is
  touched before each, so the cached release is stale), then warm requests from concurrent clients — the
  dashboard of a signed-in statistician, a table as CSV and as XLSX, the API's table list and one table, the
  annual report in HTML —, small and large database in turns; the PDF report once per database, timed apart.

The result holds p50/p95/p99, the ratio large / small, SQL statements per request and the verdict against the
targets (dashboard and API warm p95 under 200 ms, a cold release build under 2 s at the large size).
Result: benchmarks/results/stats-<vendor>.json (benchmarks/README.md, "Statistics").
"""

from __future__ import annotations

import argparse
import gc
import random
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import command, measure, over_http  # noqa: E402 - needs the project root on sys.path
from benchmarks import database as throwaway  # noqa: E402
from benchmarks.command import step  # noqa: E402

LANGUAGE = "lv"
USERNAME = "bench.statistician"
# Tables the downloads and the API's one-table endpoint pick from: small and large, counts and durations.
DOWNLOADED_TABLES = ("victims_by_age_sex", "victims_by_year_form", "pathway", "referral_response", "time_to_service")
ENDPOINTS = {
    "dashboard": "GET /lv/statistics/?year= (signed-in statistician: every table and chart)",
    "table_csv": "GET /lv/statistics/tables/{id}/?format=csv",
    "table_xlsx": "GET /lv/statistics/tables/{id}/?format=xlsx",
    "api_tables": "GET /api/v1/stats/years/{year}/tables (bearer token)",
    "api_table": "GET /api/v1/stats/years/{year}/tables/{id} (bearer token)",
    "report_html": "GET /lv/statistics/report/?format=html (the annual report)",
}
COLD_ENDPOINTS = {
    "dashboard_cold": "the dashboard right after a fact changed (the release is built again)",
    "api_tables_cold": "the API's table list right after a fact changed",
}
# One turn's requests, in these proportions.
MIX = {"dashboard": 3, "api_tables": 2, "api_table": 2, "table_csv": 2, "table_xlsx": 2, "report_html": 1}


@dataclass(frozen=True)
class Plan:
    sizes: tuple[int, int]
    rounds: int
    requests: int
    build_runs: int
    cold_runs: int
    pdf_runs: int


DEFAULTS = Plan(sizes=(10_000, 100_000), rounds=2, requests=120, build_runs=5, cold_runs=5, pdf_runs=1)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="OpenNRM statistics benchmark (benchmarks/README.md, Statistics).")
    parser.add_argument(
        "--sizes",
        type=command.small_and_large(
            least=50,
            example="10000,100000",
            refusal="the small database needs at least 50 case facts and at most the large's",
        ),
        help="Case facts, small and large (default: 10000,100000).",
    )
    parser.add_argument("--requests", type=int, help=f"Warm requests per turn (default: {DEFAULTS.requests}).")
    parser.add_argument("--rounds", type=int, help=f"Warm turns per database (default: {DEFAULTS.rounds}).")
    parser.add_argument("--build-runs", type=int, help=f"release_build runs per kind and size ({DEFAULTS.build_runs}).")
    parser.add_argument("--cold-runs", type=int, help=f"Cold requests per endpoint and size ({DEFAULTS.cold_runs}).")
    parser.add_argument("--pdf-runs", type=int, help=f"PDF reports per size, 0 for none ({DEFAULTS.pdf_runs}).")
    parser.add_argument("--clients", type=int, default=2, help="Concurrent clients (default: 2).")
    command.server_options(parser)
    parser.add_argument("--seed", type=int, default=2026)
    command.database_options(parser, prefix="opennrm_bench_stats", output="stats")
    args = parser.parse_args(argv)
    least = {
        "requests": len(MIX),
        "rounds": 1,
        "build_runs": 1,
        "cold_runs": 1,
        "pdf_runs": 0,
        "clients": 1,
        "workers": 1,
    }
    command.options_check(parser, args, least=least)
    args.plan = Plan(
        sizes=args.sizes or DEFAULTS.sizes,
        rounds=args.rounds or DEFAULTS.rounds,
        requests=args.requests or DEFAULTS.requests,
        build_runs=args.build_runs or DEFAULTS.build_runs,
        cold_runs=args.cold_runs or DEFAULTS.cold_runs,
        pdf_runs=DEFAULTS.pdf_runs if args.pdf_runs is None else args.pdf_runs,
    )
    return args


def per_turn(requests: int) -> dict[str, int]:
    return over_http.per_turn(requests, MIX, rest_to="dashboard")


@dataclass
class Context:
    """One database once filled: the reference year, who asks, and what was generated."""

    year: int
    generated: Any
    session_cookie: str
    token: str
    setup: dict[str, float]
    touched: int = 0

    def touch(self) -> None:
        """Change one fact of the reference year, as a case service would, so that the cached release is stale."""
        from benchmarks.stats_generate import facts_touch

        facts_touch(self.generated.touchable[self.touched % len(self.generated.touchable)])
        self.touched += 1


def _request(ctx: Context, name: str, rng: random.Random) -> over_http.Request:
    """One request of an endpoint: its path and headers (the session cookie or the bearer token)."""
    year, table = ctx.year, rng.choice(DOWNLOADED_TABLES)
    paths = {
        "dashboard": f"/{LANGUAGE}/statistics/?year={year}",
        "dashboard_cold": f"/{LANGUAGE}/statistics/?year={year}",
        "table_csv": f"/{LANGUAGE}/statistics/tables/{table}/?year={year}&format=csv",
        "table_xlsx": f"/{LANGUAGE}/statistics/tables/{table}/?year={year}&format=xlsx",
        "report_html": f"/{LANGUAGE}/statistics/report/?year={year}&language={LANGUAGE}&format=html",
        "report_pdf": f"/{LANGUAGE}/statistics/report/?year={year}&language={LANGUAGE}&format=pdf",
        "api_tables": f"/api/v1/stats/years/{year}/tables",
        "api_tables_cold": f"/api/v1/stats/years/{year}/tables",
        "api_table": f"/api/v1/stats/years/{year}/tables/{table}",
    }
    if name.startswith("api_"):
        headers = {"Authorization": f"Bearer {ctx.token}", "Accept": "application/json"}
    else:
        from django.conf import settings

        headers = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={ctx.session_cookie}", "Accept": "text/html,*/*"}
    return over_http.Request(name, "GET", paths[name], headers={**headers, "Accept-Language": LANGUAGE}, status=200)


# --- filling a database ------------------------------------------------------------------------------------------


def _statistician():
    """A member of staff at the Ministry of the Interior with the pack's statistician role (stats.view only)."""
    from opennrm.accounts.models import Role
    from opennrm.accounts.services import user_create
    from opennrm.directory.models import Unit

    unit = Unit.objects.select_related("institution").filter(institution__code="lv-iem", is_active=True).first()
    unit = unit or Unit.objects.filter(is_active=True, institution__is_active=True).order_by("pk").first()
    return user_create(
        username=USERNAME,
        email=f"{USERNAME}@example.lv",
        first_name="Demo",
        last_name="Statistician",
        unit=unit,
        roles=[Role.objects.get(code="statistician")],
    )


def fill(*, cases: int, seed: int, setup: dict[str, float]) -> Context:
    from django.conf import settings
    from django.test import Client

    from benchmarks import stats_generate
    from benchmarks.scenarios import api_token
    from opennrm.accounts.testing import force_login_verified

    setup = dict(setup)
    began = time.perf_counter()
    generated = stats_generate.facts_generate(cases=cases, seed=seed)
    setup["facts_generate_ms"] = round((time.perf_counter() - began) * 1000, 1)
    began = time.perf_counter()
    stats_generate.analyze()
    setup["analyze_ms"] = round((time.perf_counter() - began) * 1000, 1)
    user = _statistician()
    client = Client(HTTP_HOST="localhost")
    # Signed in as after every sign-in step; the server under load reads the same session from the database.
    force_login_verified(client, user)
    return Context(
        year=generated.year,
        generated=generated,
        session_cookie=client.cookies[settings.SESSION_COOKIE_NAME].value,
        token=api_token(user),
        setup=setup,
    )


# --- in this process ---------------------------------------------------------------------------------------------


def _client(ctx: Context):
    from django.conf import settings
    from django.test import Client

    client = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Bearer {ctx.token}")
    client.cookies[settings.SESSION_COOKIE_NAME] = ctx.session_cookie
    return client


def queries(ctx: Context, *, pdf: bool) -> dict[str, Any]:
    """Per endpoint, in-process: the SQL statements of a warm request (status checked) and its size; for the
    endpoints also measured cold, the statements of a request that builds the release."""
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = _client(ctx)
    rng = random.Random(1)
    cold = {name.removesuffix("_cold") for name in COLD_ENDPOINTS}
    report: dict[str, Any] = {}

    def get(path: str) -> tuple[int, int]:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path, headers={"Accept-Language": LANGUAGE})
        if response.status_code != 200:
            raise RuntimeError(f"GET {path} answered {response.status_code}: {response.content[:300]!r}")
        return len(captured.captured_queries), len(response.content)

    cache.clear()
    for name in [*ENDPOINTS, *(["report_pdf"] if pdf else [])]:
        path = _request(ctx, name, rng).path
        entry: dict[str, Any] = {"path": path}
        if name in cold:
            cache.clear()
            entry["queries_cold"], _size = get(path)
        entry["queries"], entry["bytes"] = get(path)
        report[name] = entry
    cache.clear()
    return report


def statements(ctx: Context, *, explain: bool, repeat: int) -> dict[str, Any]:
    """What a warm `release_current` and a `release_build` run, statement by statement (median ms of the runs)."""
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from opennrm.stats.release import release_build
    from opennrm.stats.report import release_current

    def capture(fn) -> list[dict[str, Any]]:
        runs = []
        for _ in range(repeat):
            with CaptureQueriesContext(connection) as captured:
                fn()
            runs.append(captured.captured_queries)
        rows = []
        for index, query in enumerate(runs[0]):
            times = sorted(float(run[index]["time"]) for run in runs if index < len(run))
            rows.append({"ms": round(times[len(times) // 2] * 1000, 1), "sql": query["sql"]})
        return rows

    cache.clear()
    release_current(year=ctx.year)
    report = {
        "release_current_warm": capture(lambda: release_current(year=ctx.year)),
        "release_build": capture(lambda: release_build(year=ctx.year)),
    }
    cache.clear()
    if explain and connection.vendor == "postgresql":
        for rows in report.values():
            slowest = max((r for r in rows if r["sql"].startswith("SELECT")), key=lambda r: r["ms"], default=None)
            if slowest is not None:
                slowest["plan"] = measure.explain_analyzed(slowest["sql"])
    for rows in report.values():
        for row in rows:
            found = re.search(r'FROM "?(\w+)"?', row["sql"])
            row["reads"] = found.group(1) if found else ""
            row["sql"] = row["sql"][:400]
    return report


def in_process(database, contexts: dict[str, Context], plan: Plan) -> dict[str, dict[str, list[float]]]:
    """Seconds per call, both databases in turns (who goes first alternates), of the release functions."""
    from django.core.cache import cache

    from opennrm.stats.dimensions import statistics_definitions
    from opennrm.stats.release import release_build
    from opennrm.stats.report import release_current

    def cold_current(ctx: Context) -> None:
        ctx.touch()
        release_current(year=ctx.year)

    def build_internal(ctx: Context) -> None:
        release_build(year=ctx.year)

    def build_public(ctx: Context) -> None:
        release_build(year=ctx.year, public=True)

    def warm_current(ctx: Context) -> None:
        release_current(year=ctx.year)

    kinds = {
        "release_build_internal": (build_internal, plan.build_runs),
        "release_build_public_dp": (build_public, plan.build_runs),
        "release_current_cold": (cold_current, max(plan.build_runs // 2, 1)),
        "release_current_warm": (warm_current, plan.build_runs * 4),
    }
    samples: dict[str, dict[str, list[float]]] = {kind: {name: [] for name in contexts} for kind in kinds}
    rounds = 2 if plan.build_runs > 1 else 1
    for kind, (fn, runs) in kinds.items():
        step(f"in-process: {kind}, {runs} runs per database")
        for number in range(rounds):
            for name in measure.in_turns(contexts, number):
                throwaway.use(database, name)
                ctx = contexts[name]
                cache.clear()
                if kind == "release_current_warm":
                    release_current(year=ctx.year)  # the release cached once, as a first request leaves it
                else:
                    statistics_definitions()  # connected and the pack in force read, as in a running server
                gc.collect()
                share = runs // rounds + (runs % rounds if number == 0 else 0)
                for _ in range(share):
                    began = time.perf_counter()
                    fn(ctx)
                    samples[kind][name].append(time.perf_counter() - began)
    cache.clear()
    return samples


# --- over HTTP ---------------------------------------------------------------------------------------------------


def send(*, port: int, requests: list[over_http.Request], clients: int) -> over_http.Outcome:
    return over_http.send(port=port, requests=requests, clients=clients, timeout=120)


def turn(ctx: Context, counts: dict[str, int], rng: random.Random) -> list[over_http.Request]:
    return over_http.shuffled(counts, lambda name: _request(ctx, name, rng), rng)


def _one(port: int, ctx: Context, name: str, rng: random.Random) -> over_http.Outcome:
    return send(port=port, requests=[_request(ctx, name, rng)], clients=1)


def load(
    args: argparse.Namespace, database, contexts: dict[str, Context], servers: dict[str, over_http.Server]
) -> tuple[dict[str, over_http.Outcome], dict]:
    """Cold requests one at a time, then warm turns under load, then the PDF report; both databases in turns."""
    outcomes = {name: over_http.Outcome() for name in contexts}
    rng = random.Random(args.seed)
    counts = per_turn(args.plan.requests)
    for server in servers.values():
        over_http.server_wait(server)
    step("servers answer; warming every worker up")
    workers = servers[next(iter(servers))].workers
    for name, server in servers.items():
        # Every worker imports, connects and renders each page once (and builds the release) before timing.
        warmup = [_request(contexts[name], "dashboard", rng) for _ in range(2 * workers)]
        send(port=server.port, requests=warmup, clients=workers)
        send(port=server.port, requests=turn(contexts[name], dict.fromkeys(MIX, workers), rng), clients=workers)
    step("cold requests: a fact touched before each")
    for number in range(args.plan.cold_runs):
        for name in measure.in_turns(contexts, number):
            throwaway.use(database, name)
            for endpoint in COLD_ENDPOINTS:
                contexts[name].touch()
                outcomes[name].add(_one(servers[name].port, contexts[name], endpoint, rng))
    step(f"cold requests done ({args.plan.cold_runs} per endpoint and database)")
    from django.db import connections

    connections.close_all()
    for name, server in servers.items():
        # The touched facts made every worker's release stale: each builds it again before the warm turns.
        warmup = [_request(contexts[name], "dashboard", rng) for _ in range(2 * workers)]
        send(port=server.port, requests=warmup, clients=workers)
    for number in range(args.plan.rounds):
        for name in measure.in_turns(contexts, number):
            step(f"warm turn {number + 1}/{args.plan.rounds} on the {name} database")
            outcomes[name].add(
                send(port=servers[name].port, requests=turn(contexts[name], counts, rng), clients=args.clients)
            )
    for number in range(args.plan.pdf_runs):
        for name in contexts:
            step(f"PDF report {number + 1}/{args.plan.pdf_runs} on the {name} database")
            outcomes[name].add(_one(servers[name].port, contexts[name], "report_pdf", rng))
    return outcomes, over_http.servers_described(servers)


def run(args: argparse.Namespace, database) -> dict:
    import django

    django.setup()
    from benchmarks import stats_report

    started = time.perf_counter()
    machine = measure.machine()
    setup, copy_ms = command.databases_prepare(database)
    setup["copy_ms"] = copy_ms
    contexts: dict[str, Context] = {}
    for name, cases in zip(throwaway.SIZES, args.plan.sizes, strict=True):
        step(f"{name} database: {cases:,} case facts with their referral and screening facts")
        throwaway.use(database, name)
        contexts[name] = fill(cases=cases, seed=args.seed, setup=setup)
    db = measure.database_info()
    # The servers start up while the untimed work goes on here.
    with over_http.servers_running(database, choice=args.server, workers=args.workers) as servers:
        diagnosis: dict[str, Any] = {}
        for name, ctx in contexts.items():
            step(f"query counts and statements on the {name} database")
            throwaway.use(database, name)
            diagnosis[name] = {
                "endpoints": queries(ctx, pdf=args.plan.pdf_runs > 0),
                "statements": statements(ctx, explain=name == throwaway.SIZES[-1], repeat=min(args.plan.build_runs, 3)),
            }
        samples = in_process(database, contexts, args.plan)
        from django.db import connections

        connections.close_all()
        outcomes, server = load(args, database, contexts, servers)
    result = {
        **command.result_head(
            benchmark="opennrm-stats",
            name="custom" if args.sizes else "default",
            script="stats_run.py",
            machine=machine,
            database=db,
        ),
        "server": server,
        "clients": args.clients,
        "language": LANGUAGE,
        "targets": stats_report.TARGETS,
        "endpoints": {**ENDPOINTS, **COLD_ENDPOINTS, "report_pdf": "the annual report as PDF, once per size"},
        "load": {
            "rounds": args.plan.rounds,
            "per_turn": per_turn(args.plan.requests),
            "cold_runs": args.plan.cold_runs,
            "build_runs": args.plan.build_runs,
            "pdf_runs": args.plan.pdf_runs,
        },
        "sizes": {
            name: {
                "case_facts": cases,
                "reference_year": ctx.year,
                "years": ctx.generated.years,
                "rows": ctx.generated.rows,
            }
            for (name, ctx), cases in zip(contexts.items(), args.plan.sizes, strict=True)
        },
        "setup": {name: ctx.setup for name, ctx in contexts.items()},
        "in_process": stats_report.in_process_results(samples),
        "results": stats_report.results(outcomes, diagnosis),
        "diagnosis": diagnosis,
    }
    result["verdict"] = stats_report.verdict(result)
    result["duration_s"] = round(time.perf_counter() - started, 1)
    return result


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    from benchmarks import stats_report  # here, not at the top: it imports this module's endpoints in turn

    return command.run_and_write(args, run=run, name="stats", summary=stats_report.summary)


if __name__ == "__main__":
    sys.exit(main())
