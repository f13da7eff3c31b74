"""Turning two sets of measurements (small and large tables) into ratios, verdicts and a readable summary."""

from __future__ import annotations

from typing import Any

from benchmarks.measure import ratio

FLAT_LIMIT = 2.0  # a "flat" cost may wobble on a noisy machine, but must not follow a 10-20x bigger table
LINEAR_BAND = (0.6, 1.4)  # a linear cost's ratio divided by the size ratio

# (section, case, expectation, what it shows)
FLAT_CASES = [
    ("directory", "list_first_page", "flat", "first page of the institution list"),
    ("directory", "list_deep_page", "flat", "page 90 % deep in the list (keyset `after`)"),
    ("directory", "list_municipality_busy", "flat", "filtered by a municipality that grows"),
    ("directory", "list_municipality_busy_deep", "flat", "same filter, deep page"),
    ("directory", "list_municipality_quiet", "flat", "filtered by a municipality that does not grow"),
    ("directory", "list_type", "flat", "filtered by institution type"),
    ("directory", "list_search", "grows", "text search in names (no index can serve icontains)"),
    ("directory", "api_first_page", "flat", "GET /api/v1/directory/institutions, first page"),
    ("directory", "api_deep_page", "flat", "same, deep page"),
    ("who_to_call", "quiet", "flat", "who to call where the answer does not grow"),
    ("who_to_call", "busy", "answer", "who to call where the answer grows with the table"),
    ("audit", "page_first", "flat", "newest page of the audit log"),
    ("audit", "page_deep", "flat", "page among the oldest 5 % (keyset `before`)"),
    ("audit", "page_action_first", "flat", "newest page of one common action"),
    ("audit", "page_action_deep", "flat", "same, deep in the log"),
    ("audit", "page_action_rare", "flat", "newest page of an action seen once, at the start"),
    ("audit", "page_own_institution_first", "flat", "newest page of one institution's events (audit.view)"),
    ("audit", "page_own_institution_deep", "flat", "same, deep in the log"),
]


def _verdict(expectation: str, value: float, size_ratio: float) -> str:
    if expectation == "linear":
        scaled = value / size_ratio
        if scaled < LINEAR_BAND[0]:
            return "sub-linear"
        return "linear" if scaled <= LINEAR_BAND[1] else "super-linear"
    return "flat" if value <= FLAT_LIMIT else "grows"


def ratios(result: dict[str, Any]) -> list[dict[str, Any]]:
    """Large-database time over small-database time for each case, with the query counts of both."""
    results, sizes = result["results"], result["sizes"]
    table = ratio(sizes["institutions"]["large"], sizes["institutions"]["small"])
    size_ratio = {
        "directory": table,
        "who_to_call": table,
        "audit": ratio(sizes["audit_events"]["large"], sizes["audit_events"]["small"]),
    }
    rows = []
    for section, case, expectation, meaning in FLAT_CASES:
        before, after = results[section][case]["small"], results[section][case]["large"]
        value = ratio(after["median_ms"], before["median_ms"])
        if before["queries"] != after["queries"]:
            verdict = "queries grow"
        elif expectation == "answer":
            verdict = "queries constant"
        else:
            verdict = _verdict(expectation, value, size_ratio[section])
        rows.append(
            {
                "name": f"{section}.{case}",
                "meaning": meaning,
                "small_ms": before["median_ms"],
                "large_ms": after["median_ms"],
                "ratio": value,
                "size_ratio": size_ratio[section],
                "queries": [before["queries"], after["queries"]],
                "rows": [before.get("rows"), after.get("rows")],
                "expectation": expectation,
                "verdict": verdict,
            }
        )
    for key, expectation, field, meaning in (
        ("verify", "linear", "median_ms", "full chain check (every event re-hashed)"),
        ("record", "flat", "per_event_ms", "appending one event (audit_record)"),
    ):
        before, after = results["audit"][key]["small"][field], results["audit"][key]["large"][field]
        value = ratio(after, before)
        rows.append(
            {
                "name": f"audit.{key}",
                "meaning": meaning,
                "small_ms": before,
                "large_ms": after,
                "ratio": value,
                "size_ratio": size_ratio["audit"],
                "queries": None,
                "rows": None,
                "expectation": expectation,
                "verdict": _verdict(expectation, value, size_ratio["audit"]),
            }
        )
    return rows


def within(result: dict[str, Any]) -> list[dict[str, Any]]:
    """Deep page over first page in the large database: keyset paging should make them cost the same."""
    results = result["results"]
    rows = []
    for section, deep, first in (
        ("directory", "list_deep_page", "list_first_page"),
        ("directory", "api_deep_page", "api_first_page"),
        ("audit", "page_deep", "page_first"),
        ("audit", "page_action_deep", "page_action_first"),
        ("audit", "page_own_institution_deep", "page_own_institution_first"),
    ):
        value = ratio(results[section][deep]["large"]["median_ms"], results[section][first]["large"]["median_ms"])
        rows.append(
            {
                "name": f"{section}.{deep} / {first}",
                "ratio": value,
                "expectation": "flat",
                "verdict": _verdict("flat", value, 1),
            }
        )
    return rows


def summary(result: dict[str, Any]) -> str:
    """The readable form of a result document."""
    machine, database, sizes = result["machine"], result["database"], result["sizes"]
    lines = [
        f"OpenNRM benchmark '{result['name']}' on {database['vendor']} {database['version']}",
        f"  {machine['cpu_count']} CPU ({machine['cpu_model']}), Python {machine['python']}, "
        f"load average {machine['load_average_at_start']}",
        f"  institutions {sizes['institutions']['small']} -> {sizes['institutions']['large']}, "
        f"audit events {sizes['audit_events']['small']} -> {sizes['audit_events']['large']}",
        "",
        f"  {'case':<38} {'small ms':>9} {'large ms':>9} {'ratio':>6} {'size x':>6} {'queries':>8}  verdict",
    ]
    for row in result["ratios"]:
        queries = "" if row["queries"] is None else f"{row['queries'][0]}/{row['queries'][1]}"
        mark = "" if row["verdict"] in (row["expectation"], "queries constant") else "  <-- look"
        lines.append(
            f"  {row['name']:<38} {row['small_ms']:>9.2f} {row['large_ms']:>9.2f} {row['ratio']:>6.2f} "
            f"{row['size_ratio']:>6.1f} {queries:>8}  {row['verdict']} (expected {row['expectation']}){mark}"
        )
    lines.append("")
    lines.append("  deep page / first page, large table:")
    for row in result["within_large"]:
        lines.append(f"  {row['name']:<58} {row['ratio']:>6.2f}  {row['verdict']}")
    audit, busy = result["results"]["audit"], result["results"]["who_to_call"]["busy"]
    verify = audit["verify"]
    pack = result["pack"]
    lines += [
        "",
        f"  audit verify: {verify['small']['events_per_second']} events/s over {verify['small']['events']} events, "
        f"{verify['large']['events_per_second']} events/s over {verify['large']['events']} events",
        f"  audit_record: {audit['record']['small']['per_event_ms']} ms per event (small log), "
        f"{audit['record']['large']['per_event_ms']} ms (large log)",
        f"  who to call (busy): {busy['small']['rows']} -> {busy['large']['rows']} entries, "
        f"queries {busy['small']['queries']} -> {busy['large']['queries']}",
        f"  packs/lv load + validate {pack['load_and_validate']['median_ms']:.1f} ms, "
        f"validate stored content {pack['validate_stored_content']['median_ms']:.1f} ms, "
        f"pack_load service {pack['pack_load_service']['median_ms']:.1f} ms",
        f"  diff of two versions {pack['diff_two_versions']['median_ms']:.2f} ms "
        f"({pack['diff_two_versions']['changed_items']} changes), text {pack['diff_render_text']['median_ms']:.2f} ms; "
        f"generic vs lv {pack['diff_generic_vs_lv']['median_ms']:.2f} ms",
        f"  total run {result['duration_s']} s",
    ]
    return "\n".join(lines)
