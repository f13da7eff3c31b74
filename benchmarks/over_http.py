"""What the benchmarks over HTTP share (cases, statistics, portal): the real application server on each throwaway
database, concurrent clients sending a turn's requests, and what their answers took, as result rows and tables.

The server is gunicorn (the `server` extra, as in production: several worker processes) when it is installed, else
Django's threaded server as `runserver` runs it, with TCP_NODELAY (`cases_server.py`: one process, a thread per
connection). Clients are threads in this process, each with its own kept-alive connection (http.client; no
dependency), taking requests from a shared list as fast as answers come back (a closed loop: `clients` requests are
in flight at any moment).
"""

from __future__ import annotations

import http.client
import importlib.util
import os
import random
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks import database as throwaway
from benchmarks.command import ROOT, step
from benchmarks.measure import latencies

STARTUP_SECONDS = 90


# --- the application server --------------------------------------------------------------------------------------


@dataclass
class Server:
    kind: str  # "gunicorn" or "django"
    workers: int  # processes (gunicorn) or 1 (Django's server: a thread per connection)
    port: int
    process: subprocess.Popen
    log: Path

    def describe(self) -> str:
        if self.kind == "gunicorn":
            return f"gunicorn, {self.workers} sync worker processes"
        return (
            "Django's threaded WSGI server as runserver runs it, with TCP_NODELAY (one process, a thread per "
            "connection; gunicorn is not installed)"
        )


def server_kind(choice: str) -> str:
    if choice != "auto":
        return choice
    return "gunicorn" if importlib.util.find_spec("gunicorn") else "django"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_launch(*, kind: str, database_url: str, data_dir: str, workers: int, log: Path) -> Server:
    """Start the application on 127.0.0.1 against `database_url` (wait for it with `server_wait`)."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "OPENNRM_DATA_DIR": data_dir,  # the same secret key and data keys as the generator used
        "DJANGO_SETTINGS_MODULE": "opennrm.settings",
        "PYTHONUNBUFFERED": "1",
    }
    if kind == "gunicorn":
        command = [sys.executable, "-m", "gunicorn", "opennrm.wsgi:application", "--bind", f"127.0.0.1:{port}"]
        command += ["--workers", str(workers), "--timeout", "120", "--log-level", "warning"]
    else:
        workers = 1
        command = [sys.executable, str(ROOT / "benchmarks" / "cases_server.py"), str(port)]
    with log.open("ab") as handle:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT)
    return Server(kind=kind, workers=workers, port=port, process=process, log=log)


def server_wait(server: Server) -> None:
    """Return once the server answers HTTP; stop it and say why if it does not."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(
                f"The {server.kind} server stopped at start (exit {server.process.returncode}):\n{_tail(server.log)}"
            )
        try:
            connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
            connection.request("GET", "/api/v1/me")
            connection.getresponse().read()
            connection.close()
            return
        except OSError:
            time.sleep(0.3)
    server_stop(server)
    raise RuntimeError(f"The {server.kind} server did not answer within {STARTUP_SECONDS} s:\n{_tail(server.log)}")


def server_stop(server: Server) -> None:
    """Stop the process this module started (by its own id), and wait for it."""
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait(timeout=15)


def _tail(log: Path, lines: int = 30) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@contextmanager
def servers_running(database, *, choice: str, workers: int) -> Iterator[dict[str, Server]]:
    """The application server on the database of each size, stopped on the way out, whatever happened.

    They are only started here: untimed work can go on while they start up, until `server_wait` is called.
    """
    kind = server_kind(choice)
    servers: dict[str, Server] = {}
    try:
        step(f"starting {kind} on each database")
        for name in throwaway.SIZES:
            servers[name] = server_launch(
                kind=kind,
                database_url=database.url(name),
                data_dir=database.data_dir,
                workers=workers,
                log=Path(database.data_dir) / f"server-{name}.log",
            )
        yield servers
    finally:
        for server in servers.values():
            server_stop(server)


def servers_described(servers: dict[str, Server]) -> dict[str, Any]:
    """The result's `server`: every database had the same kind of server."""
    any_server = next(iter(servers.values()))
    return {"kind": any_server.kind, "workers": any_server.workers, "description": any_server.describe()}


# --- the clients -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    endpoint: str  # what the result is reported under, e.g. "case_list_first"
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)  # on top of the headers every request of a load carries
    status: int | None = None  # the status the answer must have to count as a success; None: any 2xx


@dataclass
class Outcome:
    """Per endpoint: the seconds each successful answer took, and what went wrong with the others."""

    seconds: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    examples: dict[str, list[str]] = field(default_factory=dict)
    wall_seconds: float = 0.0
    examples_kept: int = 3  # example answers kept per endpoint when something fails

    def add(self, other: Outcome) -> None:
        for name, values in other.seconds.items():
            self.seconds.setdefault(name, []).extend(values)
        for name, count in other.errors.items():
            self.errors[name] = self.errors.get(name, 0) + count
        for name, texts in other.examples.items():
            kept = self.examples.setdefault(name, [])
            kept.extend(texts[: max(self.examples_kept - len(kept), 0)])
        self.wall_seconds += other.wall_seconds


def send(
    *,
    port: int,
    requests: list[Request],
    clients: int,
    headers: dict[str, str] | None = None,
    timeout: float = 60,
    examples_kept: int = 3,
    example_chars: int = 200,
) -> Outcome:
    """Send `requests` over `clients` kept-alive connections, as fast as answers come; each carries `headers`."""
    outcome = Outcome(examples_kept=examples_kept)
    shared = headers or {}
    lock = threading.Lock()
    queue = list(reversed(requests))
    start = threading.Barrier(clients + 1)

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        start.wait()
        while True:
            with lock:
                if not queue:
                    break
                request = queue.pop()
            began = time.perf_counter()
            try:
                connection.request(request.method, request.path, headers={**shared, **request.headers})
                response = connection.getresponse()
                content = response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as error:
                connection.close()  # a fresh connection for the next request
                status, content = 0, repr(error).encode()
            elapsed = time.perf_counter() - began
            answered = 200 <= status < 300 if request.status is None else status == request.status
            with lock:
                if answered:
                    outcome.seconds.setdefault(request.endpoint, []).append(elapsed)
                else:
                    outcome.errors[request.endpoint] = outcome.errors.get(request.endpoint, 0) + 1
                    kept = outcome.examples.setdefault(request.endpoint, [])
                    if len(kept) < examples_kept:
                        kept.append(f"{request.method} {request.path} -> {status}: {content[:example_chars]!r}")
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


def per_turn(requests: int, mix: dict[str, int], *, rest_to: str) -> dict[str, int]:
    """How many requests of each endpoint one turn sends: `mix`'s proportions, what is left over to `rest_to`."""
    unit = max(requests // sum(mix.values()), 1)
    counts = {name: share * unit for name, share in mix.items()}
    counts[rest_to] += max(requests - sum(counts.values()), 0)
    return counts


def shuffled(counts: dict[str, int], make: Callable[[str], Request], rng: random.Random) -> list[Request]:
    """One turn: `counts[name]` requests made by `make(name)` for each endpoint, interleaved as visitors' would be."""
    requests = [make(name) for name, count in counts.items() for _ in range(count)]
    rng.shuffle(requests)
    return requests


# --- what the answers took ---------------------------------------------------------------------------------------


def latency_rows(
    outcomes: dict[str, Outcome], names: Iterable[str], diagnosed: Callable[[str, str], dict[str, Any]]
) -> dict[str, Any]:
    """Per endpoint and size: percentiles, successes and failures (with examples), then what the in-process
    diagnosis says of the endpoint at that size, `diagnosed(size, name)` (its SQL statements, its size, …)."""
    return {
        name: {size: _latency_row(outcome, name) | diagnosed(size, name) for size, outcome in outcomes.items()}
        for name in names
    }


def _latency_row(outcome: Outcome, name: str) -> dict[str, Any]:
    entry = latencies(outcome.seconds.get(name, []))
    entry["errors"] = outcome.errors.get(name, 0)
    if outcome.examples.get(name):
        entry["error_examples"] = outcome.examples[name]
    return entry


def throughput(outcomes: dict[str, Outcome]) -> dict[str, float]:
    """Answers a second, per size, over the turns' wall time."""
    return {
        size: round(sum(len(values) for values in outcome.seconds.values()) / outcome.wall_seconds, 1)
        for size, outcome in outcomes.items()
    }


def p95_misses(rows: dict[str, Any], names: Iterable[str], sizes: list[str], target_ms: float) -> list[str]:
    """The endpoints whose p95 is not under the target (or that have none), at each size."""
    return [
        f"{name} at {size}: p95 {rows[name][size].get('p95_ms')} ms"
        for name in names
        for size in sizes
        if rows[name][size].get("p95_ms") is None or rows[name][size]["p95_ms"] >= target_ms
    ]


def yes_or_misses(misses: list[str]) -> str:
    return "yes" if not misses else "NO — " + "; ".join(misses)


def latency_table(
    rows: dict[str, Any],
    names: Iterable[str],
    sizes: list[str],
    *,
    heading: str = "endpoint",
    name_width: int,
    ms_width: int,
    more: tuple[tuple[str, Callable[[dict], Any]], ...] = (),
) -> list[str]:
    """A header and a line per endpoint and size: answers, p50/p95/p99 (ms), SQL statements and failures, then the
    `more` columns, each given by its title and its value in a row (as wide as the milliseconds)."""
    ms = f">{ms_width}"
    lines = [
        f"{heading:<{name_width}} {'size':<6} {'n':>5} {'p50':{ms}} {'p95':{ms}} {'p99':{ms}}"
        f" {'queries':>7} {'errors':>6}" + "".join(f" {title:{ms}}" for title, _value in more)
    ]
    for name in names:
        for size in sizes:
            row = rows[name][size]
            queries = "-" if row.get("queries") is None else row["queries"]
            lines.append(
                f"{name:<{name_width}} {size:<6} {row['requests']:>5} {row.get('p50_ms', '-'):{ms}}"
                f" {row.get('p95_ms', '-'):{ms}} {row.get('p99_ms', '-'):{ms}} {queries:>7} {row['errors']:>6}"
                + "".join(f" {value(row):{ms}}" for _title, value in more)
            )
    return lines
