"""Timing and query counting. The machine is shared and noisy, so every number is a median of several runs
and conclusions are drawn from ratios between numbers taken in the same run, never from absolute times."""

from __future__ import annotations

import gc
import os
import platform
import statistics
import time
from collections.abc import Callable, Iterable
from typing import Any


def _stats(samples: list[float]) -> dict[str, Any]:
    return {
        "median_ms": round(statistics.median(samples) * 1000, 3),
        "min_ms": round(min(samples) * 1000, 3),
        "max_ms": round(max(samples) * 1000, 3),
        "repeat": len(samples),
    }


def _samples(fn: Callable[[], Any], count: int) -> list[float]:
    samples = []
    for _ in range(count):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def latencies(samples: list[float]) -> dict[str, Any]:
    """Percentiles of response times (seconds in, milliseconds out), as a load test reports them."""
    ordered = sorted(samples)
    if not ordered:
        return {"requests": 0}

    def percentile(p: float) -> float:
        # Linear interpolation between the two nearest ranks (numpy's default), so small samples are not jumpy.
        rank = (len(ordered) - 1) * p
        low = int(rank)
        high = min(low + 1, len(ordered) - 1)
        return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)

    return {
        "requests": len(ordered),
        "p50_ms": round(percentile(0.50) * 1000, 1),
        "p95_ms": round(percentile(0.95) * 1000, 1),
        "p99_ms": round(percentile(0.99) * 1000, 1),
        "mean_ms": round(statistics.fmean(ordered) * 1000, 1),
        "min_ms": round(ordered[0] * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
    }


def timed(fn: Callable[[], Any], *, repeat: int, warmup: int = 1) -> dict[str, Any]:
    """Median, minimum and maximum wall time of `fn` in milliseconds over `repeat` runs after `warmup` runs."""
    for _ in range(warmup):
        fn()
    gc.collect()
    return _stats(_samples(fn, repeat))


def compare(
    activate: Callable[[str], None],
    contexts: dict[str, Any],
    make: Callable[[Any], Callable[[], Any]],
    *,
    rounds: int,
    per_round: int,
    warmup: int = 1,
    count_queries: bool = True,
) -> dict[str, Any]:
    """Time the same operation on each database in turn, round after round, and report each one's median.

    Taking turns (and alternating who goes first) spreads the machine's changing load over every database
    alike, so the ratio between them stays meaningful even when absolute times drift.
    """
    sizes = list(contexts)
    samples: dict[str, list[float]] = {size: [] for size in sizes}
    for number in range(rounds):
        for size in in_turns(sizes, number):
            activate(size)
            fn = make(contexts[size])
            for _ in range(warmup):
                fn()
            gc.collect()
            samples[size].extend(_samples(fn, per_round))
    result: dict[str, Any] = {size: _stats(samples[size]) for size in sizes}
    for size in sizes:
        activate(size)
        fn = make(contexts[size])
        if count_queries:
            result[size]["queries"] = query_count(fn)
        rows = _size_of(fn())
        if rows is not None:
            result[size]["rows"] = rows
    return result


def in_turns(sizes: Iterable[str], number: int) -> list[str]:
    """The order of round `number`: who goes first alternates, so that no size always follows the same one."""
    ordered = list(sizes)
    return ordered if number % 2 == 0 else ordered[::-1]


def _size_of(value: Any) -> int | None:
    if hasattr(value, "events"):  # an audit page
        return len(value.events)
    if isinstance(value, list | tuple):
        return len(value)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def query_count(fn: Callable[[], Any]) -> int:
    """How many SQL statements one call of `fn` runs (counted apart from timing: capturing slows queries)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        fn()
    return len(captured.captured_queries)


def explain_analyzed(sql: str) -> list[str]:
    """The real plan of one read (PostgreSQL), run in a transaction that is rolled back."""
    from django.db import connection, transaction

    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
            plan = [line for (line,) in cursor.fetchall()]
        transaction.set_rollback(True)
    return plan


def ratio(large: float, small: float) -> float:
    return round(large / small, 2) if small > 0 else float("inf")


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> dict[str, Any]:
    """What the numbers were measured on; the load average shows how busy the shared machine was."""
    import django

    try:
        load = [round(value, 2) for value in os.getloadavg()]
    except OSError:
        load = None
    return {
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu_model": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "python_implementation": platform.python_implementation(),
        "django": django.get_version(),
        "load_average_at_start": load,
    }


def database_info() -> dict[str, Any]:
    from django.db import connection

    if connection.vendor == "sqlite":
        import sqlite3

        version = sqlite3.sqlite_version
    else:
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
    return {"vendor": connection.vendor, "version": version}
