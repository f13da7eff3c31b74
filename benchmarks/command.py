"""What every benchmark command shares: its database and server options and their checks, progress lines, the
databases set up for the run, and the result written to benchmarks/results/ (or `--output`) with its summary."""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks import database as throwaway

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
_STARTED = time.perf_counter()


def step(message: str) -> None:
    # Seconds since start: Django sets the process's time zone at setup, so clock times would jump.
    print(f"[{time.perf_counter() - _STARTED:7.1f}s] {message}", flush=True)


# --- options -----------------------------------------------------------------------------------------------------


def small_and_large(*, least: int, example: str, refusal: str) -> Callable[[str], tuple[int, int]]:
    """An option's type: two numbers, small and large; `refusal` says why a small under `least` or above the large
    is refused."""

    def pair(text: str) -> tuple[int, int]:
        try:
            small, large = (int(part) for part in text.split(","))
        except ValueError:
            raise argparse.ArgumentTypeError(f"give two numbers, small and large, e.g. {example}") from None
        if not least <= small <= large:
            raise argparse.ArgumentTypeError(refusal)
        return small, large

    return pair


def server_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--server",
        choices=["auto", "gunicorn", "django"],
        default="auto",
        help="gunicorn if installed (auto), else Django's threaded server with TCP_NODELAY (cases_server.py).",
    )
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes (default: 4).")


def database_options(parser: argparse.ArgumentParser, *, prefix: str, output: str) -> None:
    """--database-url, --database-name (default `prefix`) and --output (default results/<output>-<vendor>.json)."""
    parser.add_argument(
        "--database-url",
        help="A PostgreSQL server to connect through (e.g. postgres://postgres@127.0.0.1:5432/postgres); the "
        "benchmark creates its own databases there and drops them afterwards. Default: temporary SQLite files.",
    )
    parser.add_argument(
        "--database-name", default=prefix, help="Prefix of those databases (must start with 'opennrm_bench')."
    )
    parser.add_argument("--output", type=Path, help=f"Default: benchmarks/results/{output}-<database vendor>.json.")


def options_check(parser: argparse.ArgumentParser, args: argparse.Namespace, *, least: dict[str, int]) -> None:
    """Refuse, as argparse refuses (exit 2), a database the benchmark must not use, a number under its least and an
    output that is not JSON."""
    try:
        throwaway.check_choice(database_url=args.database_url, database_name=args.database_name)
    except throwaway.DatabaseChoiceError as error:
        parser.error(str(error))
    for name, smallest in least.items():
        value = getattr(args, name)
        if value is not None and value < smallest:
            parser.error(f"--{name.replace('_', '-')} {value}: at least {smallest}.")
    if args.output is not None and args.output.suffix != ".json":
        parser.error(f"--output {args.output}: the result is JSON; give a file name ending in .json.")


# --- the databases -----------------------------------------------------------------------------------------------


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


def databases_prepare(database) -> tuple[dict[str, float], float]:
    """Prepare the first size's database and copy it for the others, which is much quicker than preparing each:
    the set-up timings and the copy's (ms)."""
    first = throwaway.SIZES[0]
    step("migrate, publish packs/lv, load the demo directory; copy the database for the other size")
    throwaway.use(database, first)
    setup = prepare()
    began = time.perf_counter()
    for name in throwaway.SIZES[1:]:
        throwaway.clone(database, first, name)
    return setup, round((time.perf_counter() - began) * 1000, 1)


# --- the result --------------------------------------------------------------------------------------------------


def result_head(*, benchmark: str, name: str, script: str, machine: dict, database: dict) -> dict[str, Any]:
    """The keys every result over HTTP starts with: what ran, when, how it was called, on what."""
    return {
        "benchmark": benchmark,
        "name": name,
        "created_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "command": shlex.join([".venv/bin/python", f"benchmarks/{script}", *sys.argv[1:]]),
        "machine": machine,
        "database": database,
    }


def run_and_write(args: argparse.Namespace, *, run, name: str, summary: Callable[[dict], str]) -> int:
    """What a benchmark's command does: make its throwaway databases, run, drop them, write and print the result.

    `run(args, database)` returns the result, written to `--output` or else to results/<name>-<vendor>.json;
    `summary(result)` is the text printed at the end. A database that cannot be made is an error message naming
    the option, not a traceback.
    """
    try:
        database = throwaway.create(database_url=args.database_url, database_name=args.database_name)
    except Exception as error:  # a refused connection, a missing privilege: say so without a traceback
        print(f"error: --database-url: could not create the benchmark databases: {error}", file=sys.stderr)
        return 1
    print(f"using {database.describe()}", flush=True)
    try:
        result = run(args, database)
    finally:
        throwaway.destroy(database)
    output = args.output or RESULTS / f"{name}-{result['database']['vendor']}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print()
    print(summary(result))
    print(f"\nwritten to {output}")
    return 0
