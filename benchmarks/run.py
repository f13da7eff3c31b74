"""Run OpenNRM's benchmarks on a throwaway database and write benchmarks/results/<name>-<vendor>.json.

    .venv/bin/python benchmarks/run.py                      # default size, temporary SQLite file
    .venv/bin/python benchmarks/run.py --size small         # a quick run (about half a minute)
    .venv/bin/python benchmarks/run.py --database-url postgres://postgres@127.0.0.1:5432/postgres

The same tables are measured twice in one run, first small then grown, and the report gives the ratios
large / small: on a shared, noisy machine only ratios measured side by side mean anything (README.md).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import database as throwaway  # noqa: E402 - needs the project root on sys.path

RESULTS = ROOT / "benchmarks" / "results"


@dataclass(frozen=True)
class Size:
    institutions: tuple[int, int]  # synthetic institutions: small table, large table
    audit_events: tuple[int, int]  # events in the chain: small log, large log
    repeat: int  # timed runs per measurement (the median is reported)
    verify_repeat: int
    record_count: int  # audit_record calls whose mean gives the cost of appending one event


SIZES = {
    "small": Size(institutions=(200, 2_000), audit_events=(2_000, 20_000), repeat=7, verify_repeat=3, record_count=50),
    "default": Size(
        institutions=(1_000, 20_000), audit_events=(10_000, 100_000), repeat=11, verify_repeat=3, record_count=200
    ),
    "large": Size(
        institutions=(5_000, 100_000),
        audit_events=(100_000, 1_000_000),
        repeat=11,
        verify_repeat=3,
        record_count=200,
    ),
}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="OpenNRM benchmarks on a throwaway database (see benchmarks/README.md)."
    )
    parser.add_argument("--size", choices=sorted(SIZES), default="default", help="Data sizes (default: default).")
    parser.add_argument(
        "--database-url",
        help="A PostgreSQL server URL to connect through (e.g. postgres://postgres@127.0.0.1:5432/postgres); "
        "the benchmark creates its own database there and drops it afterwards. Default: a temporary SQLite file.",
    )
    parser.add_argument(
        "--database-name",
        default="opennrm_bench",
        help="Name of the database created on the PostgreSQL server (must start with 'opennrm_bench').",
    )
    parser.add_argument(
        "--output",
        type=Path,
        help="Where to write the JSON result (default: benchmarks/results/<size>-<database vendor>.json).",
    )
    args = parser.parse_args(argv)
    try:
        throwaway.check_choice(database_url=args.database_url, database_name=args.database_name)
    except throwaway.DatabaseChoiceError as error:
        parser.error(str(error))
    if args.output is not None and args.output.suffix != ".json":
        parser.error(f"--output {args.output}: the result is JSON; give a file name ending in .json.")
    return args


def _step(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def _timed_once(fn) -> float:
    start = time.perf_counter()
    fn()
    return round((time.perf_counter() - start) * 1000, 1)


def prepare() -> dict[str, float]:
    """Migrate, load and publish packs/<pack>, load the demo directory; returns how long each took (ms)."""
    from django.conf import settings
    from django.core.management import call_command

    from opennrm.directory.demo import demo_directory_load
    from opennrm.jurisdiction.services import pack_load, version_publish

    pack_dir = Path(settings.OPENNRM_PACKS_DIR) / settings.OPENNRM_PACK
    timings = {"migrate_ms": _timed_once(lambda: call_command("migrate", interactive=False, verbosity=0))}
    start = time.perf_counter()
    draft = pack_load(path=pack_dir)
    version_publish(version=draft, change_note="Published for the benchmark run.", by=None)
    timings["pack_load_and_publish_ms"] = round((time.perf_counter() - start) * 1000, 1)
    timings["demo_directory_load_ms"] = _timed_once(
        lambda: demo_directory_load(path=pack_dir / "demo" / "directory.yaml")
    )
    return timings


def measure_at(*, stage: str, size: Size, index: int, user, token: str, actors, institution_ids) -> dict:
    from benchmarks import generate, scenarios

    _step(f"{stage}: growing to {size.institutions[index]} synthetic institutions")
    generate.institutions_grow(to=size.institutions[index], quiet_municipality=scenarios.QUIET_MUNICIPALITY)
    _step(f"{stage}: growing the audit log to {size.audit_events[index]} events")
    generate.audit_events_grow(to=size.audit_events[index], actors=actors, institution_ids=institution_ids)
    generate.analyze()
    _step(f"{stage}: measuring the directory")
    directory = scenarios.directory_measure(repeat=size.repeat, token=token)
    who = scenarios.who_to_call_measure(repeat=size.repeat)
    _step(f"{stage}: measuring the audit log")
    audit = scenarios.audit_measure(
        repeat=size.repeat, verify_repeat=size.verify_repeat, record_count=size.record_count, user=user
    )
    return {"directory": directory, "who_to_call": who, "audit": audit}


def run(args: argparse.Namespace) -> dict:
    import django

    django.setup()
    from benchmarks import generate, measure, report, scenarios
    from opennrm.directory.models import Institution

    started = time.perf_counter()
    size = SIZES[args.size]
    machine = measure.machine()
    _step("migrating and publishing the pack")
    setup = prepare()
    db = measure.database_info()
    user = scenarios.auditor()
    token = scenarios.api_token(user)
    actors = generate.bench_users()
    institution_ids = list(Institution.objects.order_by("code").values_list("pk", flat=True)[:40])
    small = measure_at(stage="small", size=size, index=0, user=user, token=token, actors=actors, institution_ids=institution_ids)
    large = measure_at(stage="large", size=size, index=1, user=user, token=token, actors=actors, institution_ids=institution_ids)
    _step("measuring pack load, validation and diff")
    pack = scenarios.pack_measure(repeat=max(size.repeat // 2, 3))
    result = {
        "benchmark": "opennrm",
        "name": args.size,
        "created_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "machine": machine,
        "database": {key: value for key, value in db.items() if db["vendor"] != "sqlite" or key != "name"},
        "sizes": {
            "institutions": {"small": small["directory"]["institutions"], "large": large["directory"]["institutions"]},
            "synthetic_institutions": {"small": size.institutions[0], "large": size.institutions[1]},
            "audit_events": {"small": small["audit"]["events"], "large": large["audit"]["events"]},
            "repeat": size.repeat,
        },
        "setup": setup,
        "small": small,
        "large": large,
        "pack": pack,
        "ratios": report.ratios(small, large),
        "within_large": report.within(large),
    }
    result["duration_s"] = round(time.perf_counter() - started, 1)
    return result


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        database = throwaway.create(database_url=args.database_url, database_name=args.database_name)
    except Exception as error:  # a refused connection, a missing privilege: say so without a traceback
        print(f"error: --database-url: could not create the benchmark database: {error}", file=sys.stderr)
        return 1
    _step(f"using a {database.describe()}")
    try:
        result = run(args)
    finally:
        throwaway.destroy(database)
    from benchmarks import report

    output = args.output or RESULTS / f"{args.size}-{result['database']['vendor']}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print()
    print(report.summary(result))
    print(f"\nwritten to {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
