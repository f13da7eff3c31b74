"""The public information resource under load: its pages over HTTP, as anonymous visitors read them.

    .venv/bin/python benchmarks/portal_run.py --database-url postgres://postgres@127.0.0.1:5432/postgres
    .venv/bin/python benchmarks/portal_run.py                     # temporary SQLite files
    .venv/bin/python benchmarks/portal_run.py --news 30,60 --events 15,30 --requests 40 --rounds 1 --saturation 0

Two databases of the same schema: a small one (100 news items, 50 events) and the acceptance size (1 000 news items,
500 events), each with publications, files and pages (`portal_generate.py`). The real application server (gunicorn
when installed, as in production) serves each; concurrent clients without cookies ask for every kind of public page,
small and large database in turns; the result holds p50/p95/p99 per page and size, the large / small ratio, SQL
statements per page (counted in-process, apart from the timing) and the verdict against the target: p95 under
50 ms for the public pages.

Two loads. The target is judged at `--clients` (default 2: as many clients as the reference machine has cores,
each asking again as soon as it is answered, about 180 pages a second here, which is far more than a national
information resource receives). The same turns are then sent by `--saturation` clients (default 4, 0 to skip):
the server and the load generator together keep every core busy, and what the pages wait for is the queue. That
run is reported beside the verdict, with its own list of pages over the target, so the cost of saturation shows.
Result: benchmarks/results/portal-<vendor>.json (benchmarks/README.md, "Portal").
"""

from __future__ import annotations

import argparse
import http.client
import importlib
import random
import shlex
import sys
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import database as throwaway  # noqa: E402 - needs the project root on sys.path

RESULTS = ROOT / "benchmarks" / "results"
P95_TARGET_MS = 50
RATIO_LIMIT = 2.0
IN_PROCESS_RUNS = 5
LANGUAGE = "lv"
# The public pages (the target applies to them), and documents that hold every item (reported, not targeted).
PAGES = {
    "home": "home page (latest news, upcoming events)",
    "news_list": "news list, first page",
    "news_list_deep": "news list, a page far down the archive",
    "news_item": "a news item",
    "events_month": "events calendar, a month with events",
    "events_list": "upcoming events list",
    "event": "an event",
    "publications": "publications list",
    "publications_search": "publications search (words and year)",
    "publication": "a publication",
    "page": "a simple page",
    "search": "site search, a common word",
    "search_rare": "site search, a word of one text",
    "news_list_304": "news list revalidated (If-None-Match, answered 304)",
}
DOCUMENTS = {
    # What any answer costs on this machine at this moment (no query, no template): read the pages against it.
    "floor_robots_txt": "robots.txt, the floor: no database, no template",
    "news_rss": "RSS feed (30 latest)",
    "events_ics": "iCalendar feed (every event)",
    "sitemap": "sitemap of one language (every item)",
}
ENDPOINTS = {**PAGES, **DOCUMENTS}
# One turn's requests, in these proportions: what visitors (and feed readers, crawlers) ask for most.
MIX = {name: 2 for name in PAGES} | {
    "home": 4,
    "news_item": 4,
    "event": 3,
    "news_rss": 1,
    "events_ics": 1,
    "sitemap": 1,
    "floor_robots_txt": 2,
}


@dataclass(frozen=True)
class Plan:
    news: tuple[int, int]
    events: tuple[int, int]
    rounds: int
    requests: int


SIZES = {
    "small": Plan(news=(50, 200), events=(25, 100), rounds=2, requests=120),
    "default": Plan(news=(100, 1_000), events=(50, 500), rounds=2, requests=350),
}


def _pair(text: str) -> tuple[int, int]:
    try:
        small, large = (int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError("give two numbers, small and large, e.g. 100,1000") from None
    if not 10 <= small <= large:
        raise argparse.ArgumentTypeError("the small database needs at least 10 and at most as many as the large")
    return small, large


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="OpenNRM public site benchmark over HTTP (benchmarks/README.md).")
    parser.add_argument("--size", choices=sorted(SIZES), default="default", help="Data and load sizes.")
    parser.add_argument("--news", type=_pair, help="News items, small and large, e.g. 100,1000.")
    parser.add_argument("--events", type=_pair, help="Events, small and large, e.g. 50,500.")
    parser.add_argument("--requests", type=int, help="Requests per turn instead of the size's.")
    parser.add_argument("--rounds", type=int, help="Turns per database instead of the size's.")
    parser.add_argument("--clients", type=int, default=2, help="Concurrent clients of the judged load (default: 2).")
    parser.add_argument(
        "--saturation", type=int, default=4, help="Concurrent clients of the saturation load (default: 4; 0: none)."
    )
    parser.add_argument("--server", choices=["auto", "gunicorn", "django"], default="auto")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes (default: 4).")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--database-url",
        help="A PostgreSQL server to connect through; the benchmark creates its own databases there and drops them "
        "afterwards. Default: temporary SQLite files.",
    )
    parser.add_argument("--database-name", default="opennrm_bench_portal", help="Prefix of those databases.")
    parser.add_argument("--output", type=Path, help="Default: benchmarks/results/portal-<database vendor>.json.")
    args = parser.parse_args(argv)
    try:
        throwaway.check_choice(database_url=args.database_url, database_name=args.database_name)
    except throwaway.DatabaseChoiceError as error:
        parser.error(str(error))
    minimum = {"requests": len(MIX), "rounds": 1, "clients": 1, "workers": 1, "saturation": 0}
    for name, least in minimum.items():
        value = getattr(args, name)
        if value is not None and value < least:
            parser.error(f"--{name} {value}: at least {least}.")
    if args.output is not None and args.output.suffix != ".json":
        parser.error(f"--output {args.output}: the result is JSON; give a file name ending in .json.")
    size = SIZES[args.size]
    args.plan = Plan(
        news=args.news or size.news,
        events=args.events or size.events,
        rounds=args.rounds or size.rounds,
        requests=args.requests or size.requests,
    )
    return args


_STARTED = time.perf_counter()


def _step(message: str) -> None:
    print(f"[{time.perf_counter() - _STARTED:7.1f}s] {message}", flush=True)


def per_turn(requests: int) -> dict[str, int]:
    unit = max(requests // sum(MIX.values()), 1)
    counts = {name: share * unit for name, share in MIX.items()}
    counts["news_item"] += max(requests - sum(counts.values()), 0)
    return counts


@dataclass
class Context:
    """What the requests to one database need: addresses of its published items, read once it is filled."""

    generated: Any
    news_pages: int
    etag: str
    setup: dict[str, float]


def _paths(ctx: Context, name: str, rng: random.Random) -> tuple[str, dict[str, str]]:
    """One request of an endpoint: its path and extra headers."""
    g = ctx.generated
    year, month = rng.choice(g.months)
    paths = {
        "home": lambda: f"/{LANGUAGE}/",
        "news_list": lambda: f"/{LANGUAGE}/news/",
        "news_list_deep": lambda: f"/{LANGUAGE}/news/?page={max(ctx.news_pages - rng.randint(0, 2), 1)}",
        "news_item": lambda: f"/{LANGUAGE}/news/{rng.choice(g.news_slugs)}/",
        "events_month": lambda: f"/{LANGUAGE}/events/{year}/{month}/",
        "events_list": lambda: f"/{LANGUAGE}/events/list/",
        "event": lambda: f"/{LANGUAGE}/event/{rng.choice(g.event_slugs)}/",
        "publications": lambda: f"/{LANGUAGE}/publications/",
        "publications_search": lambda: (
            f"/{LANGUAGE}/publications/?" + urlencode({"q": g.search_word, "year": rng.choice(g.publication_years)})
        ),
        "publication": lambda: f"/{LANGUAGE}/publications/{rng.choice(g.publication_slugs)}/",
        "page": lambda: f"/{LANGUAGE}/pages/{rng.choice(g.page_slugs)}/",
        "search": lambda: f"/{LANGUAGE}/search/?q={quote(g.search_word)}",
        "search_rare": lambda: f"/{LANGUAGE}/search/?q={quote(g.rare_word)}",
        "news_list_304": lambda: f"/{LANGUAGE}/news/",
        "news_rss": lambda: f"/{LANGUAGE}/news/rss.xml",
        "events_ics": lambda: f"/{LANGUAGE}/events/calendar.ics",
        "sitemap": lambda: f"/sitemap-{LANGUAGE}.xml",
        "floor_robots_txt": lambda: "/robots.txt",
    }
    headers = {"If-None-Match": ctx.etag} if name == "news_list_304" else {}
    return paths[name](), headers


def fill(*, news: int, events: int, seed: int, setup: dict[str, float]) -> Context:
    from django.test import Client

    from benchmarks import generate, portal_generate

    setup = dict(setup)
    began = time.perf_counter()
    generated = portal_generate.content_generate(news=news, events=events, seed=seed)
    setup["content_generate_ms"] = round((time.perf_counter() - began) * 1000, 1)
    generate.analyze()
    first = Client(HTTP_HOST="localhost").get(f"/{LANGUAGE}/news/")
    if first.status_code != 200:
        raise RuntimeError(f"GET /{LANGUAGE}/news/ answered {first.status_code}")
    pages = -(-len(generated.news_slugs) // 20)
    return Context(generated=generated, news_pages=pages, etag=first["ETag"], setup=setup)


def _in_process(client, path: str, headers: dict) -> dict[str, float]:
    """The page's own cost, without HTTP and the server's queue: rendered afresh (`cold`, nothing kept by the
    server) and again while nothing changed (`stored`, the page the server keeps under its validator)."""
    import statistics

    from django.core.cache import cache

    from opennrm.portal.help_finder import header_numbers

    cold, stored = [], []
    for _ in range(IN_PROCESS_RUNS):
        cache.clear()
        header_numbers()  # the header's emergency numbers are kept for minutes whatever the page
        for samples in (cold, stored):
            began = time.perf_counter()
            client.get(path, headers=headers)
            samples.append(time.perf_counter() - began)
    return {
        "cold_ms": round(statistics.median(cold) * 1000, 1),
        "stored_ms": round(statistics.median(stored) * 1000, 1),
    }


def queries(ctx: Context) -> dict[str, Any]:
    """Per endpoint, in-process: the SQL statements of one request (its status checked) and the page's own cost."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="localhost")
    rng = random.Random(1)
    report = {}
    for name in ENDPOINTS:
        path, headers = _paths(ctx, name, rng)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path, headers=headers)
        expected = 304 if name == "news_list_304" else 200
        if response.status_code != expected:
            raise RuntimeError(f"GET {path} answered {response.status_code}, not {expected}")
        report[name] = {
            "queries": len(captured.captured_queries),
            "bytes": len(response.content),
            "path": path,
            "in_process": _in_process(client, path, headers),
        }
    return report


@dataclass
class Outcome:
    seconds: dict[str, list[float]]
    errors: dict[str, int]
    examples: dict[str, list[str]]
    wall_seconds: float = 0.0

    @classmethod
    def empty(cls) -> Outcome:
        return cls(seconds={}, errors={}, examples={})

    def add(self, other: Outcome) -> None:
        for name, values in other.seconds.items():
            self.seconds.setdefault(name, []).extend(values)
        for name, count in other.errors.items():
            self.errors[name] = self.errors.get(name, 0) + count
        for name, texts in other.examples.items():
            self.examples.setdefault(name, []).extend(texts[: max(3 - len(self.examples.get(name, [])), 0)])
        self.wall_seconds += other.wall_seconds


def send(*, port: int, requests: list[tuple[str, str, dict]], clients: int) -> Outcome:
    """Send (endpoint, path, headers) requests over `clients` kept-alive connections, as fast as answers come."""
    outcome = Outcome.empty()
    lock = threading.Lock()
    queue = list(reversed(requests))
    start = threading.Barrier(clients + 1)
    base_headers = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8", "Accept-Language": "lv"}

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        start.wait()
        while True:
            with lock:
                if not queue:
                    break
                name, path, headers = queue.pop()
            expected = 304 if name == "news_list_304" else 200
            began = time.perf_counter()
            try:
                connection.request("GET", path, headers={**base_headers, **headers})
                response = connection.getresponse()
                content = response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as error:
                connection.close()
                status, content = 0, repr(error).encode()
            elapsed = time.perf_counter() - began
            with lock:
                if status == expected:
                    outcome.seconds.setdefault(name, []).append(elapsed)
                else:
                    outcome.errors[name] = outcome.errors.get(name, 0) + 1
                    kept = outcome.examples.setdefault(name, [])
                    if len(kept) < 3:
                        kept.append(f"GET {path} -> {status}: {content[:200]!r}")
        connection.close()

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    outcome.wall_seconds = time.perf_counter() - began
    return outcome


def _etag_over_http(port: int) -> str:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("GET", f"/{LANGUAGE}/news/")
        response = connection.getresponse()
        response.read()
    finally:
        connection.close()
    if response.status != 200 or not response.getheader("ETag"):
        raise RuntimeError(f"GET /{LANGUAGE}/news/ answered {response.status} without an ETag")
    return response.getheader("ETag")


def turn(ctx: Context, counts: dict[str, int], rng: random.Random) -> list[tuple[str, str, dict]]:
    requests = []
    for name, count in counts.items():
        for _ in range(count):
            path, headers = _paths(ctx, name, rng)
            requests.append((name, path, headers))
    rng.shuffle(requests)
    return requests


def load(
    args: argparse.Namespace, database, contexts: dict[str, Context]
) -> tuple[dict[int, dict[str, Outcome]], dict]:
    """Per number of clients (the judged load, then the saturation load), per database: what the requests took."""
    from benchmarks import cases_load

    kind = cases_load.server_kind(args.server)
    servers = {}
    levels = [args.clients, *([args.saturation] if args.saturation else [])]
    outcomes = {clients: {name: Outcome.empty() for name in contexts} for clients in levels}
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
            # The validator a browser would hold: the page's ETag names the host it was served from.
            contexts[name].etag = _etag_over_http(server.port)
            # Every worker imports, connects and renders each template once before the first timed request.
            send(port=server.port, requests=turn(contexts[name], counts, rng), clients=max(levels))
        for clients in levels:
            for number in range(args.plan.rounds):
                for name in list(contexts) if number % 2 == 0 else list(reversed(contexts)):
                    _step(f"{clients} clients: turn {number + 1}/{args.plan.rounds} on the {name} database")
                    outcomes[clients][name].add(
                        send(port=servers[name].port, requests=turn(contexts[name], counts, rng), clients=clients)
                    )
    finally:
        for server in servers.values():
            cases_load.server_stop(server)
    any_server = next(iter(servers.values()))
    return outcomes, {"kind": any_server.kind, "workers": any_server.workers, "description": any_server.describe()}


def results(outcomes: dict[str, Outcome], diagnosis: dict) -> dict[str, Any]:
    from benchmarks.measure import latencies

    table: dict[str, Any] = {}
    for name in ENDPOINTS:
        table[name] = {}
        for size, outcome in outcomes.items():
            entry = latencies(outcome.seconds.get(name, []))
            entry["errors"] = outcome.errors.get(name, 0)
            if outcome.examples.get(name):
                entry["error_examples"] = outcome.examples[name]
            entry["queries"] = diagnosis[size][name]["queries"]
            entry["bytes"] = diagnosis[size][name]["bytes"]
            entry["in_process"] = diagnosis[size][name]["in_process"]
            table[name][size] = entry
    for size, outcome in outcomes.items():
        answered = sum(len(values) for values in outcome.seconds.values())
        table.setdefault("_throughput_per_second", {})[size] = round(answered / outcome.wall_seconds, 1)
    return table


def p95_misses(rows: dict[str, Any], sizes: list[str]) -> list[str]:
    """The public pages whose p95 is not under the target, at each size."""
    return [
        f"{name} at {size}: p95 {rows[name][size].get('p95_ms')} ms"
        for name in PAGES
        for size in sizes
        if rows[name][size].get("p95_ms") is None or rows[name][size]["p95_ms"] >= P95_TARGET_MS
    ]


def verdict(result: dict[str, Any]) -> dict[str, Any]:
    """p95 under the target for every public page at every size; the ratio large / small of each p50."""
    from benchmarks.measure import ratio

    sizes = list(result["sizes"])
    small, large = sizes[0], sizes[-1]
    rows = result["results"]
    misses = p95_misses(rows, sizes)
    ratios = {
        name: ratio(rows[name][large]["p50_ms"], rows[name][small]["p50_ms"])
        for name in ENDPOINTS
        if rows[name][small].get("requests") and rows[name][large].get("requests")
    }
    grows = sorted(name for name in PAGES if (ratios.get(name) or 0) > RATIO_LIMIT)
    queries_grow = sorted(name for name in ENDPOINTS if rows[name][small]["queries"] != rows[name][large]["queries"])
    return {
        "p95_target_ms": P95_TARGET_MS,
        "p95_met": not misses,
        "p95_misses": misses,
        "ratio_limit": RATIO_LIMIT,
        "p50_ratios_large_to_small": ratios,
        "pages_growing_beyond_limit": grows,
        "queries_grow": queries_grow,
        "errors": sum(rows[name][size]["errors"] for name in ENDPOINTS for size in sizes),
        "floor_p50_ms": {size: rows["floor_robots_txt"][size].get("p50_ms") for size in sizes},
        # The pages' own cost, apart from the machine's queue: every public page rendered afresh under the target?
        "in_process_cold_over_target": [
            f"{name} at {size}: {rows[name][size]['in_process']['cold_ms']} ms"
            for name in PAGES
            for size in sizes
            if rows[name][size]["in_process"]["cold_ms"] >= P95_TARGET_MS
        ],
    }


def run(args: argparse.Namespace, database) -> dict:
    import django

    django.setup()
    from benchmarks import measure
    from benchmarks.run import prepare

    started = time.perf_counter()
    machine = measure.machine()
    first = throwaway.SIZES[0]
    _step("migrate, publish packs/lv, load the demo directory; copy the database for the other size")
    throwaway.use(database, first)
    setup = prepare()
    for name in throwaway.SIZES[1:]:
        throwaway.clone(database, first, name)
    contexts: dict[str, Context] = {}
    for name, news, events in zip(throwaway.SIZES, args.plan.news, args.plan.events, strict=True):
        _step(f"{name} database: {news} news items, {events} events, publications and pages")
        throwaway.use(database, name)
        contexts[name] = fill(news=news, events=events, seed=args.seed, setup=setup)
    db = measure.database_info()
    diagnosis = {}
    for name, ctx in contexts.items():
        _step(f"query counts on the {name} database")
        throwaway.use(database, name)
        diagnosis[name] = queries(ctx)
    from django.db import connections

    connections.close_all()
    outcomes, server = load(args, database, contexts)
    result = {
        "benchmark": "opennrm-portal",
        "name": args.size if not (args.news or args.events) else "custom",
        "created_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "command": shlex.join([".venv/bin/python", "benchmarks/portal_run.py", *sys.argv[1:]]),
        "machine": machine,
        "database": db,
        "server": server,
        "clients": args.clients,
        "saturation_clients": args.saturation,
        "language": LANGUAGE,
        "endpoints": ENDPOINTS,
        "load": {"rounds": args.plan.rounds, "per_turn": per_turn(args.plan.requests)},
        "sizes": {
            name: {
                "news": news,
                "events": events,
                "rows": ctx.generated.rows,
                "published_in_lv": {
                    "news": len(ctx.generated.news_slugs),
                    "events": len(ctx.generated.event_slugs),
                    "publications": len(ctx.generated.publication_slugs),
                    "pages": len(ctx.generated.page_slugs),
                },
            }
            for (name, ctx), news, events in zip(contexts.items(), args.plan.news, args.plan.events, strict=True)
        },
        "setup": {name: ctx.setup for name, ctx in contexts.items()},
        "results": results(outcomes[args.clients], diagnosis),
        "diagnosis": diagnosis,
    }
    result["verdict"] = verdict(result)
    if args.saturation:
        saturated = results(outcomes[args.saturation], diagnosis)
        result["saturation"] = {
            "clients": args.saturation,
            "results": saturated,
            "p95_over_target": p95_misses(saturated, list(result["sizes"])),
        }
    result["duration_s"] = round(time.perf_counter() - started, 1)
    return result


def summary(result: dict[str, Any]) -> str:
    sizes = list(result["sizes"])
    counts = " → ".join(f"{result['sizes'][s]['news']:,} news / {result['sizes'][s]['events']:,} events" for s in sizes)
    lines = [
        f"{counts} on {result['database']['vendor']} {result['database']['version']}; "
        f"{result['server']['description']}; {result['clients']} clients "
        f"({', '.join(f'{size} {n}/s' for size, n in result['results']['_throughput_per_second'].items())})",
        "",
        f"{'endpoint':<22} {'size':<6} {'n':>5} {'p50':>7} {'p95':>7} {'p99':>7} {'queries':>7} {'errors':>6}"
        f" {'cold':>7} {'stored':>7}",
    ]
    for name in ENDPOINTS:
        for size in sizes:
            row = result["results"][name][size]
            lines.append(
                f"{name:<22} {size:<6} {row['requests']:>5} {row.get('p50_ms', '-'):>7} {row.get('p95_ms', '-'):>7}"
                f" {row.get('p99_ms', '-'):>7} {row['queries']:>7} {row['errors']:>6}"
                f" {row['in_process']['cold_ms']:>7} {row['in_process']['stored_ms']:>7}"
            )
    found = result["verdict"]
    lines.append("")
    lines.append(
        f"public pages p95 under {found['p95_target_ms']} ms: "
        + ("yes" if found["p95_met"] else "NO — " + "; ".join(found["p95_misses"]))
    )
    lines.append(
        "p50/p95/p99: over HTTP under load (ms); cold/stored: the page alone in-process, rendered afresh / kept (ms)"
    )
    over = found["in_process_cold_over_target"]
    lines.append(
        f"public pages rendered afresh in-process under {found['p95_target_ms']} ms: "
        + ("yes" if not over else "NO — " + "; ".join(over))
    )
    floors = ", ".join(f"{size} {value} ms" for size, value in found["floor_p50_ms"].items())
    lines.append(
        f"the floor (robots.txt, no query, no template) p50: {floors}; load average at start: "
        f"{result['machine']['load_average_at_start']}"
    )
    saturation = result.get("saturation")
    if saturation:
        rates = ", ".join(f"{size} {n}/s" for size, n in saturation["results"]["_throughput_per_second"].items())
        over = saturation["p95_over_target"]
        lines.append(
            f"saturation, {saturation['clients']} clients ({rates}): "
            f"public pages p95 under {found['p95_target_ms']} ms: " + ("yes" if not over else "NO — " + "; ".join(over))
        )
    if found["pages_growing_beyond_limit"]:
        growing = ", ".join(found["pages_growing_beyond_limit"])
        lines.append(f"pages whose median grows more than {found['ratio_limit']}x: {growing}")
    if found["queries_grow"]:
        lines.append(f"query counts that grow with the data: {', '.join(found['queries_grow'])}")
    if found["errors"]:
        lines.append(f"{found['errors']} requests failed (see error_examples in the JSON)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    return throwaway.run_and_write(
        args,
        run=run,
        output_for=lambda result: RESULTS / f"portal-{result['database']['vendor']}.json",
        summary=lambda result: importlib.import_module("benchmarks.portal_run").summary(result),
    )


if __name__ == "__main__":
    sys.exit(main())
