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
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import command, measure, over_http  # noqa: E402 - needs the project root on sys.path
from benchmarks import database as throwaway  # noqa: E402
from benchmarks.command import step  # noqa: E402

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
# What a browser sends with every request.
BROWSER_HEADERS = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8", "Accept-Language": "lv"}


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


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    pair = command.small_and_large(
        least=10, example="100,1000", refusal="the small database needs at least 10 and at most as many as the large"
    )
    parser = argparse.ArgumentParser(description="OpenNRM public site benchmark over HTTP (benchmarks/README.md).")
    parser.add_argument("--size", choices=sorted(SIZES), default="default", help="Data and load sizes.")
    parser.add_argument("--news", type=pair, help="News items, small and large, e.g. 100,1000.")
    parser.add_argument("--events", type=pair, help="Events, small and large, e.g. 50,500.")
    parser.add_argument("--requests", type=int, help="Requests per turn instead of the size's.")
    parser.add_argument("--rounds", type=int, help="Turns per database instead of the size's.")
    parser.add_argument("--clients", type=int, default=2, help="Concurrent clients of the judged load (default: 2).")
    parser.add_argument(
        "--saturation", type=int, default=4, help="Concurrent clients of the saturation load (default: 4; 0: none)."
    )
    command.server_options(parser)
    parser.add_argument("--seed", type=int, default=2026)
    command.database_options(parser, prefix="opennrm_bench_portal", output="portal")
    args = parser.parse_args(argv)
    least = {"requests": len(MIX), "rounds": 1, "clients": 1, "workers": 1, "saturation": 0}
    command.options_check(parser, args, least=least)
    size = SIZES[args.size]
    args.plan = Plan(
        news=args.news or size.news,
        events=args.events or size.events,
        rounds=args.rounds or size.rounds,
        requests=args.requests or size.requests,
    )
    return args


def per_turn(requests: int) -> dict[str, int]:
    return over_http.per_turn(requests, MIX, rest_to="news_item")


@dataclass
class Context:
    """What the requests to one database need: addresses of its published items, read once it is filled."""

    generated: Any
    news_pages: int
    etag: str
    setup: dict[str, float]


def _request(ctx: Context, name: str, rng: random.Random) -> over_http.Request:
    """One request of an endpoint: its path, the validator of a revalidation and the status it must answer."""
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
    if name == "news_list_304":
        return over_http.Request(name, "GET", paths[name](), headers={"If-None-Match": ctx.etag}, status=304)
    return over_http.Request(name, "GET", paths[name](), status=200)


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
        request = _request(ctx, name, rng)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(request.path, headers=request.headers)
        if response.status_code != request.status:
            raise RuntimeError(f"GET {request.path} answered {response.status_code}, not {request.status}")
        report[name] = {
            "queries": len(captured.captured_queries),
            "bytes": len(response.content),
            "path": request.path,
            "in_process": _in_process(client, request.path, request.headers),
        }
    return report


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


def turn(ctx: Context, counts: dict[str, int], rng: random.Random) -> list[over_http.Request]:
    return over_http.shuffled(counts, lambda name: _request(ctx, name, rng), rng)


def send(*, port: int, requests: list[over_http.Request], clients: int) -> over_http.Outcome:
    return over_http.send(port=port, requests=requests, clients=clients, headers=BROWSER_HEADERS)


def load(
    args: argparse.Namespace, database, contexts: dict[str, Context]
) -> tuple[dict[int, dict[str, over_http.Outcome]], dict]:
    """Per number of clients (the judged load, then the saturation load), per database: what the requests took."""
    levels = [args.clients, *([args.saturation] if args.saturation else [])]
    outcomes = {clients: {name: over_http.Outcome() for name in contexts} for clients in levels}
    rng = random.Random(args.seed)
    counts = per_turn(args.plan.requests)
    with over_http.servers_running(database, choice=args.server, workers=args.workers) as servers:
        for name, server in servers.items():
            over_http.server_wait(server)
            # The validator a browser would hold: the page's ETag names the host it was served from.
            contexts[name].etag = _etag_over_http(server.port)
            # Every worker imports, connects and renders each template once before the first timed request.
            send(port=server.port, requests=turn(contexts[name], counts, rng), clients=max(levels))
        for clients in levels:
            for number in range(args.plan.rounds):
                for name in measure.in_turns(contexts, number):
                    step(f"{clients} clients: turn {number + 1}/{args.plan.rounds} on the {name} database")
                    outcomes[clients][name].add(
                        send(port=servers[name].port, requests=turn(contexts[name], counts, rng), clients=clients)
                    )
    return outcomes, over_http.servers_described(servers)


def results(outcomes: dict[str, over_http.Outcome], diagnosis: dict) -> dict[str, Any]:
    def diagnosed(size: str, name: str) -> dict[str, Any]:
        return {key: diagnosis[size][name][key] for key in ("queries", "bytes", "in_process")}

    table = over_http.latency_rows(outcomes, ENDPOINTS, diagnosed)
    table["_throughput_per_second"] = over_http.throughput(outcomes)
    return table


def verdict(result: dict[str, Any]) -> dict[str, Any]:
    """p95 under the target for every public page at every size; the ratio large / small of each p50."""
    sizes = list(result["sizes"])
    small, large = sizes[0], sizes[-1]
    rows = result["results"]
    misses = over_http.p95_misses(rows, PAGES, sizes, P95_TARGET_MS)
    ratios = {
        name: measure.ratio(rows[name][large]["p50_ms"], rows[name][small]["p50_ms"])
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

    started = time.perf_counter()
    machine = measure.machine()
    setup, _copy_ms = command.databases_prepare(database)
    contexts: dict[str, Context] = {}
    for name, news, events in zip(throwaway.SIZES, args.plan.news, args.plan.events, strict=True):
        step(f"{name} database: {news} news items, {events} events, publications and pages")
        throwaway.use(database, name)
        contexts[name] = fill(news=news, events=events, seed=args.seed, setup=setup)
    db = measure.database_info()
    diagnosis = {}
    for name, ctx in contexts.items():
        step(f"query counts on the {name} database")
        throwaway.use(database, name)
        diagnosis[name] = queries(ctx)
    from django.db import connections

    connections.close_all()
    outcomes, server = load(args, database, contexts)
    result = {
        **command.result_head(
            benchmark="opennrm-portal",
            name=args.size if not (args.news or args.events) else "custom",
            script="portal_run.py",
            machine=machine,
            database=db,
        ),
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
            "p95_over_target": over_http.p95_misses(saturated, PAGES, list(result["sizes"]), P95_TARGET_MS),
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
        *over_http.latency_table(
            result["results"],
            ENDPOINTS,
            sizes,
            name_width=22,
            ms_width=7,
            more=(
                ("cold", lambda row: row["in_process"]["cold_ms"]),
                ("stored", lambda row: row["in_process"]["stored_ms"]),
            ),
        ),
    ]
    found = result["verdict"]
    lines.append("")
    lines.append(f"public pages p95 under {found['p95_target_ms']} ms: {over_http.yes_or_misses(found['p95_misses'])}")
    lines.append(
        "p50/p95/p99: over HTTP under load (ms); cold/stored: the page alone in-process, rendered afresh / kept (ms)"
    )
    lines.append(
        f"public pages rendered afresh in-process under {found['p95_target_ms']} ms: "
        + over_http.yes_or_misses(found["in_process_cold_over_target"])
    )
    floors = ", ".join(f"{size} {value} ms" for size, value in found["floor_p50_ms"].items())
    lines.append(
        f"the floor (robots.txt, no query, no template) p50: {floors}; load average at start: "
        f"{result['machine']['load_average_at_start']}"
    )
    saturation = result.get("saturation")
    if saturation:
        rates = ", ".join(f"{size} {n}/s" for size, n in saturation["results"]["_throughput_per_second"].items())
        lines.append(
            f"saturation, {saturation['clients']} clients ({rates}): "
            f"public pages p95 under {found['p95_target_ms']} ms: "
            + over_http.yes_or_misses(saturation["p95_over_target"])
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
    return command.run_and_write(args, run=run, name="portal", summary=summary)


if __name__ == "__main__":
    sys.exit(main())
