"""What the statistics benchmark reports: percentiles per endpoint and size, the in-process release timings, SQL
statements per request, the ratios large / small and the verdict against the targets."""

from __future__ import annotations

from typing import Any

from benchmarks import over_http
from benchmarks.measure import latencies, ratio
from benchmarks.stats_run import COLD_ENDPOINTS, ENDPOINTS

WARM_P95_TARGET_MS = 200
COLD_BUILD_TARGET_MS = 2000
# The pages and API calls the warm target applies to; downloads and the report are reported beside them.
WARM_TARGETED = ("dashboard", "api_tables", "api_table")
COLD_BUILDS = ("release_build_internal", "release_build_public_dp")
TARGETS = {
    "warm_p95_ms": WARM_P95_TARGET_MS,
    "warm_p95_applies_to": list(WARM_TARGETED),
    "cold_build_p95_ms_at_large": COLD_BUILD_TARGET_MS,
    "cold_build_applies_to": list(COLD_BUILDS),
}
IN_PROCESS = {
    "release_build_internal": "release_build(year=Y): every table, suppression across the release",
    "release_build_public_dp": "release_build(year=Y, public=True): the public tables with OpenDP noise",
    "release_current_cold": "release_current(year=Y) right after a fact changed: key, build, cache",
    "release_current_warm": "release_current(year=Y) with the release cached: what every warm request pays",
}
ALL_HTTP = (*ENDPOINTS, *COLD_ENDPOINTS, "report_pdf")


def in_process_results(samples: dict[str, dict[str, list[float]]]) -> dict[str, Any]:
    table: dict[str, Any] = {}
    for kind, per_size in samples.items():
        table[kind] = {size: latencies(values) for size, values in per_size.items()}
        sizes = list(per_size)
        small, large = table[kind][sizes[0]], table[kind][sizes[-1]]
        table[kind]["p50_ratio_large_to_small"] = ratio(large["p50_ms"], small["p50_ms"])
        table[kind]["what"] = IN_PROCESS[kind]
    return table


def _queries(diagnosis: dict, size: str, name: str) -> dict[str, Any]:
    endpoints = diagnosis[size]["endpoints"]
    if name in COLD_ENDPOINTS:
        warm = endpoints.get(name.removesuffix("_cold"), {})
        return {"queries": warm.get("queries_cold"), "bytes": warm.get("bytes")}
    found = endpoints.get(name, {})
    return {"queries": found.get("queries"), "bytes": found.get("bytes")}


def results(outcomes: dict, diagnosis: dict) -> dict[str, Any]:
    """Per endpoint and size: percentiles, successes and failures (with examples), SQL statements per request."""
    table = over_http.latency_rows(outcomes, ALL_HTTP, lambda size, name: _queries(diagnosis, size, name))
    sizes = list(outcomes)
    for name in ALL_HTTP:
        small, large = table[name][sizes[0]], table[name][sizes[-1]]
        if small.get("requests") and large.get("requests"):
            table[name]["p50_ratio_large_to_small"] = ratio(large["p50_ms"], small["p50_ms"])
    return table


def verdict(result: dict[str, Any]) -> dict[str, Any]:
    sizes = list(result["sizes"])
    small, large = sizes[0], sizes[-1]
    rows, built = result["results"], result["in_process"]
    warm_misses = over_http.p95_misses(rows, WARM_TARGETED, sizes, WARM_P95_TARGET_MS)
    cold_misses = [
        f"{kind} at {large}: p95 {built[kind][large]['p95_ms']} ms"
        for kind in COLD_BUILDS
        if built[kind][large]["p95_ms"] >= COLD_BUILD_TARGET_MS
    ]
    ratios = {
        name: rows[name]["p50_ratio_large_to_small"] for name in ALL_HTTP if "p50_ratio_large_to_small" in rows[name]
    }
    ratios.update({kind: built[kind]["p50_ratio_large_to_small"] for kind in built})
    floor = {size: built["release_current_warm"][size]["p50_ms"] for size in sizes}
    lookup = {
        size: _statements_by_table(result["diagnosis"][size]["statements"]["release_current_warm"]) for size in sizes
    }
    return {
        "warm_p95_target_ms": WARM_P95_TARGET_MS,
        "warm_p95_met": not warm_misses,
        "warm_p95_misses": warm_misses,
        "cold_build_target_ms": COLD_BUILD_TARGET_MS,
        "cold_build_met": not cold_misses,
        "cold_build_misses": cold_misses,
        "cold_build_p95_ms_at_large": {kind: built[kind][large]["p95_ms"] for kind in COLD_BUILDS},
        "p50_ratios_large_to_small": ratios,
        # What a warm request pays before it renders anything: finding the cached release again.
        "warm_release_lookup_p50_ms": floor,
        "warm_release_lookup_statements_ms": lookup,
        "queries_grow": sorted(
            name for name in ENDPOINTS if rows[name][small].get("queries") != rows[name][large].get("queries")
        ),
        "errors": sum(rows[name][size]["errors"] for name in ALL_HTTP for size in sizes),
    }


def _statements_by_table(rows: list[dict[str, Any]]) -> dict[str, float]:
    """Milliseconds of the statements, summed by the table they read."""
    named: dict[str, float] = {}
    for row in rows:
        name = row.get("reads") or "?"
        named[name] = round(named.get(name, 0) + row["ms"], 1)
    return named


def summary(result: dict[str, Any]) -> str:
    sizes = list(result["sizes"])
    counts = " → ".join(f"{result['sizes'][s]['case_facts']:,}" for s in sizes)
    database = f"{result['database']['vendor']} {result['database']['version']}"
    lines = [
        f"{counts} case facts on {database}; {result['server']['description']}; {result['clients']} clients",
        "",
        f"{'in process':<26} {'size':<6} {'n':>4} {'p50':>8} {'p95':>8}   ratio",
    ]
    for kind in IN_PROCESS:
        entry = result["in_process"][kind]
        for size in sizes:
            row = entry[size]
            tail = f"   {entry['p50_ratio_large_to_small']}" if size == sizes[-1] else ""
            lines.append(f"{kind:<26} {size:<6} {row['requests']:>4} {row['p50_ms']:>8} {row['p95_ms']:>8}{tail}")
    lines += [
        "",
        *over_http.latency_table(result["results"], ALL_HTTP, sizes, heading="over HTTP", name_width=18, ms_width=8),
    ]
    found = result["verdict"]
    lines.append("")
    lines.append(
        f"dashboard and API warm p95 under {found['warm_p95_target_ms']} ms: "
        + over_http.yes_or_misses(found["warm_p95_misses"])
    )
    lines.append(
        f"cold release build p95 under {found['cold_build_target_ms']} ms at {sizes[-1]}: "
        + over_http.yes_or_misses(found["cold_build_misses"])
    )
    ratios = ", ".join(f"{name} {value}" for name, value in found["p50_ratios_large_to_small"].items())
    lines.append(f"p50 large / small: {ratios}")
    floor = ", ".join(f"{size} {value} ms" for size, value in found["warm_release_lookup_p50_ms"].items())
    lines.append(f"finding the cached release again (release_current warm) p50: {floor}")
    for size, named in found["warm_release_lookup_statements_ms"].items():
        lines.append(f"  its statements at {size} (ms): " + ", ".join(f"{t} {ms}" for t, ms in named.items()))
    if found["queries_grow"]:
        lines.append(f"query counts that grow with the data: {', '.join(found['queries_grow'])}")
    if found["errors"]:
        lines.append(f"{found['errors']} requests failed (see error_examples in the JSON)")
    lines.append(f"load average at start: {result['machine']['load_average_at_start']}")
    return "\n".join(lines)
