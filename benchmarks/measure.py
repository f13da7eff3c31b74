"""Timing and query counting. The machine is shared and noisy, so every number is a median of several runs
and conclusions are drawn from ratios between numbers taken in the same run, never from absolute times."""

from __future__ import annotations

import gc
import os
import platform
import statistics
import time
from collections.abc import Callable
from typing import Any


def timed(fn: Callable[[], Any], *, repeat: int, warmup: int = 1) -> dict[str, Any]:
    """Median, minimum and maximum wall time of `fn` in milliseconds over `repeat` runs after `warmup` runs."""
    for _ in range(warmup):
        fn()
    gc.collect()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return {
        "median_ms": round(statistics.median(samples) * 1000, 3),
        "min_ms": round(min(samples) * 1000, 3),
        "max_ms": round(max(samples) * 1000, 3),
        "repeat": repeat,
    }


def query_count(fn: Callable[[], Any]) -> int:
    """How many SQL statements one call of `fn` runs (counted apart from timing: capturing slows queries)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        fn()
    return len(captured.captured_queries)


def measured(fn: Callable[[], Any], *, repeat: int, warmup: int = 1) -> dict[str, Any]:
    """Time and query count of `fn`."""
    return {**timed(fn, repeat=repeat, warmup=warmup), "queries": query_count(fn)}


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
    return {"vendor": connection.vendor, "version": version, "name": str(connection.settings_dict["NAME"])}
