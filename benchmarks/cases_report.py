"""What the cases benchmark reports: latency percentiles per endpoint and size, SQL per request, the verdict.

Query counts (and, on PostgreSQL, the plan of each endpoint's slowest statement with its real timing) are taken
in this process through Django's test client, apart from the timed load, so that capturing never slows it.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from benchmarks import over_http
from benchmarks.measure import explain_analyzed, ratio

ENDPOINTS = {
    "inbox": "GET /api/v1/inbox",
    "case_list_first": "GET /api/v1/cases (first page)",
    "case_list_later": "GET /api/v1/cases?cursor= (pages 10 %, 50 %, 90 % into the list)",
    "case_page": "GET /api/v1/cases/{id}",
    "referral_accept": "POST /api/v1/referrals/{id}/accept",
}
P95_TARGET_MS = 100
LIST_RATIO_LIMIT = 1.5


def queries(ctx, *, explain: bool) -> dict[str, Any]:
    """Per endpoint: one request in-process, its SQL statements counted; the slowest one explained if asked."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Bearer {ctx.token}")
    calls = {
        "inbox": ("get", "/api/v1/inbox"),
        "case_list_first": ("get", "/api/v1/cases"),
        "case_list_later": ("get", "/api/v1/cases?" + urlencode({"cursor": ctx.cursors[-1]})),
        "case_page": ("get", f"/api/v1/cases/{ctx.case_ids[0]}"),
        "referral_accept": ("post", f"/api/v1/referrals/{ctx.waiting.pop(0)}/accept"),
    }
    report = {}
    for name, (method, path) in calls.items():
        with CaptureQueriesContext(connection) as captured:
            response = getattr(client, method)(path, content_type="application/json")
        if response.status_code != 200:
            raise RuntimeError(f"{method.upper()} {path} answered {response.status_code}: {response.content[:300]!r}")
        statements = captured.captured_queries
        entry: dict[str, Any] = {"queries": len(statements)}
        if explain and connection.vendor == "postgresql":
            # The token lookup is the API's, not the cases'; its hash has no business in a results file either.
            reads = [q for q in statements if q["sql"].startswith("SELECT") and "accounts_apitoken" not in q["sql"]]
            slowest = max(reads, key=lambda q: float(q["time"]), default=None)
            if slowest is not None:
                entry["slowest_read"] = {"sql": slowest["sql"], "plan": explain_analyzed(slowest["sql"])}
        report[name] = entry
    return report


def results(outcomes: dict, diagnosis: dict) -> dict[str, Any]:
    """Per endpoint and size: percentiles, successes and failures (with examples), SQL statements per request."""
    table = over_http.latency_rows(
        outcomes, ENDPOINTS, lambda size, name: {"queries": diagnosis[size][name]["queries"]}
    )
    table["_throughput_per_second"] = over_http.throughput(outcomes)
    return table


def verdict(result: dict[str, Any]) -> dict[str, Any]:
    """The acceptance targets: p95 under 100 ms everywhere, and the case list at most 1.5x as dear when 20x larger."""
    sizes = list(result["sizes"])
    small, large = sizes[0], sizes[-1]
    rows = result["results"]
    misses = over_http.p95_misses(rows, ENDPOINTS, sizes, P95_TARGET_MS)
    ratios = {
        name: {
            "p50": ratio(rows[name][large]["p50_ms"], rows[name][small]["p50_ms"]),
            "p95": ratio(rows[name][large]["p95_ms"], rows[name][small]["p95_ms"]),
        }
        for name in ENDPOINTS
        if rows[name][small].get("requests") and rows[name][large].get("requests")
    }
    list_ratio = ratios.get("case_list_first", {}).get("p50")
    errors = sum(rows[name][size]["errors"] for name in ENDPOINTS for size in sizes)
    return {
        "p95_target_ms": P95_TARGET_MS,
        "p95_met": not misses,
        "p95_misses": misses,
        "ratios_large_to_small": ratios,
        "list_ratio_limit": LIST_RATIO_LIMIT,
        "list_ratio": list_ratio,
        "list_ratio_met": list_ratio is not None and list_ratio <= LIST_RATIO_LIMIT,
        "errors": errors,
    }


def summary(result: dict[str, Any]) -> str:
    sizes = list(result["sizes"])
    counts = " → ".join(f"{result['sizes'][s]['cases']:,} cases" for s in sizes)
    database = f"{result['database']['vendor']} {result['database']['version']}"
    lines = [
        f"{counts} on {database}; {result['server']['description']}; {result['clients']} clients",
        "",
        *over_http.latency_table(result["results"], ENDPOINTS, sizes, name_width=18, ms_width=8),
    ]
    found = result["verdict"]
    lines.append("")
    lines.append(f"p95 under {found['p95_target_ms']} ms: {over_http.yes_or_misses(found['p95_misses'])}")
    lines.append(
        f"case list median, large / small: {found['list_ratio']} (limit {found['list_ratio_limit']}): "
        f"{'met' if found['list_ratio_met'] else 'NOT met'}"
    )
    if found["errors"]:
        lines.append(f"{found['errors']} requests failed (see error_examples in the JSON)")
    return "\n".join(lines)
