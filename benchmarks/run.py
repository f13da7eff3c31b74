"""Run OpenNRM's benchmarks on a throwaway database and write benchmarks/results/<name>-<vendor>.json.

    .venv/bin/python benchmarks/run.py                      # default size, temporary SQLite file
    .venv/bin/python benchmarks/run.py --size small         # a quick run (about half a minute)
    .venv/bin/python benchmarks/run.py --database-url postgres://postgres@127.0.0.1:5432/postgres

The same tables are measured twice in one run, first small then grown, and the report gives the ratios
large / small: on a shared, noisy machine only ratios measured side by side mean anything (README.md).
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import command, report  # noqa: E402 - needs the project root on sys.path
from benchmarks import database as throwaway  # noqa: E402
from benchmarks.command import step  # noqa: E402


@dataclass(frozen=True)
class Size:
    institutions: tuple[int, int]  # synthetic institutions: small table, large table
    audit_events: tuple[int, int]  # events in the chain: small log, large log
    rounds: int  # turns taken between the two databases per measurement
    per_round: int  # timed runs per database per turn (the median of all is reported)
    verify_rounds: int
    record_count: int  # audit_record calls whose mean gives the cost of appending one event


SIZES = {
    "small": Size(
        institutions=(200, 2_000), audit_events=(2_000, 20_000), rounds=4, per_round=2, verify_rounds=3, record_count=50
    ),
    "default": Size(
        institutions=(1_000, 20_000),
        audit_events=(10_000, 100_000),
        rounds=5,
        per_round=3,
        verify_rounds=3,
        record_count=200,
    ),
    "large": Size(
        institutions=(5_000, 100_000),
        audit_events=(100_000, 1_000_000),
        rounds=5,
        per_round=3,
        verify_rounds=3,
        record_count=200,
    ),
}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="OpenNRM benchmarks on a throwaway database (see benchmarks/README.md)."
    )
    parser.add_argument("--size", choices=sorted(SIZES), default="default", help="Data sizes (default: default).")
    command.database_options(parser, prefix="opennrm_bench", output="<size>")
    args = parser.parse_args(argv)
    command.options_check(parser, args, least={})
    return args


def fill(*, size: Size, index: int) -> tuple[dict[str, float], object]:
    """Bring the active database to its data size; returns the setup timings and the measurement context."""
    from benchmarks import generate, scenarios

    setup = command.prepare()
    institution_ids = scenarios.event_institutions()
    user = scenarios.staff(username="bench-oversight", capability="audit.view_all", institution_ids=institution_ids)
    local_user = scenarios.staff(username="bench-auditor", capability="audit.view", institution_ids=institution_ids)
    token = scenarios.api_token(user)
    actors = generate.bench_users()
    start = time.perf_counter()
    generate.institutions_grow(to=size.institutions[index], quiet_municipality=scenarios.QUIET_MUNICIPALITY)
    setup["institutions_generate_ms"] = round((time.perf_counter() - start) * 1000, 1)
    start = time.perf_counter()
    generate.audit_events_grow(to=size.audit_events[index], actors=actors, institution_ids=institution_ids)
    setup["audit_events_generate_ms"] = round((time.perf_counter() - start) * 1000, 1)
    generate.analyze()
    return setup, scenarios.context_read(user=user, local_user=local_user, token=token)


def measure_all(database, contexts: dict, size: Size) -> dict:
    """Every case on both databases, turn by turn (see measure.compare)."""
    from benchmarks import scenarios
    from benchmarks.measure import compare

    def activate(name: str) -> None:
        throwaway.use(database, name)

    results: dict = {}
    for section, cases in (
        ("directory", scenarios.DIRECTORY_CASES),
        ("who_to_call", scenarios.WHO_TO_CALL_CASES),
        ("audit", scenarios.AUDIT_CASES),
    ):
        step(f"measuring {section}")
        results[section] = {
            name: compare(activate, contexts, make, rounds=size.rounds, per_round=size.per_round)
            for name, make in cases.items()
        }
    step("measuring audit verify and audit_record")
    for name in contexts:
        activate(name)
        scenarios.verify_checked(contexts[name])
    verify = compare(
        activate,
        contexts,
        lambda ctx: scenarios.audit_verify,
        rounds=size.verify_rounds,
        per_round=1,
        warmup=0,
        count_queries=False,
    )
    for name, ctx in contexts.items():
        verify[name]["events"] = ctx.audit_events
        verify[name]["events_per_second"] = round(ctx.audit_events / (verify[name]["median_ms"] / 1000))
    results["audit"]["verify"] = verify
    count = size.record_count
    record = compare(
        activate,
        contexts,
        lambda ctx: lambda: scenarios.record_batch(count),
        rounds=size.verify_rounds,
        per_round=1,
        warmup=0,
        count_queries=False,
    )
    for name in contexts:
        record[name]["events"] = count
        record[name]["per_event_ms"] = round(record[name]["median_ms"] / count, 4)
    results["audit"]["record"] = record
    return results


def run(args: argparse.Namespace, database) -> dict:
    import django

    django.setup()
    from benchmarks import measure, scenarios

    started = time.perf_counter()
    size = SIZES[args.size]
    machine = measure.machine()
    setups, contexts = {}, {}
    for index, name in enumerate(throwaway.SIZES):
        step(f"{name} database: migrate, publish packs/lv, demo directory, synthetic data")
        throwaway.use(database, name)
        setups[name], contexts[name] = fill(size=size, index=index)
    db = measure.database_info()
    results = measure_all(database, contexts, size)
    step("measuring pack load, validation and diff")
    throwaway.use(database, "small")
    pack = scenarios.pack_measure(repeat=size.rounds)
    result = {
        "benchmark": "opennrm",
        "name": args.size,
        "created_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "machine": machine,
        "database": db,
        "sizes": {
            "institutions": {name: ctx.institutions for name, ctx in contexts.items()},
            "synthetic_institutions": dict(zip(throwaway.SIZES, size.institutions, strict=True)),
            "audit_events": {name: ctx.audit_events for name, ctx in contexts.items()},
            "rounds": size.rounds,
            "per_round": size.per_round,
        },
        "setup": setups,
        "results": results,
        "pack": pack,
    }
    result["ratios"] = report.ratios(result)
    result["within_large"] = report.within(result)
    result["duration_s"] = round(time.perf_counter() - started, 1)
    return result


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    return command.run_and_write(args, run=run, name=args.size, summary=report.summary)


if __name__ == "__main__":
    sys.exit(main())
