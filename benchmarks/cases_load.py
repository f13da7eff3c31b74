"""Load over HTTP: the real application server on a throwaway database, and concurrent clients with a bearer token.

The server is gunicorn (the `server` extra, as in production: several worker processes) when it is installed, else
Django's threaded server as `runserver` runs it, with TCP_NODELAY (`cases_server.py`: one process, a thread per
connection). Clients are threads in this process,
each with its own kept-alive connection (http.client; no dependency), taking requests from a shared list as fast as
answers come back (a closed loop: `clients` requests are in flight at any moment).
"""

from __future__ import annotations

import http.client
import importlib.util
import json
import os
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STARTUP_SECONDS = 90
REQUEST_TIMEOUT = 60
ERRORS_KEPT = 5  # example answers kept per endpoint when something fails


@dataclass(frozen=True)
class Request:
    endpoint: str  # what the result is reported under, e.g. "case_list_first"
    method: str
    path: str
    body: dict | None = None


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


@dataclass
class Outcome:
    """Per endpoint: the seconds each successful answer took, and what went wrong with the others."""

    seconds: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    examples: dict[str, list[str]] = field(default_factory=dict)
    wall_seconds: float = 0.0

    def add(self, other: Outcome) -> None:
        for name, values in other.seconds.items():
            self.seconds.setdefault(name, []).extend(values)
        for name, count in other.errors.items():
            self.errors[name] = self.errors.get(name, 0) + count
        for name, texts in other.examples.items():
            kept = self.examples.setdefault(name, [])
            kept.extend(texts[: max(ERRORS_KEPT - len(kept), 0)])
        self.wall_seconds += other.wall_seconds


def _send(connection: http.client.HTTPConnection, request: Request, headers: dict) -> tuple[int, bytes]:
    body = json.dumps(request.body).encode() if request.body is not None else None
    connection.request(request.method, request.path, body=body, headers=headers)
    response = connection.getresponse()
    return response.status, response.read()


def run(*, port: int, token: str, requests: list[Request], clients: int) -> Outcome:
    """Send `requests` with `clients` concurrent connections; every answer must be 2xx to count as a success."""
    outcome = Outcome()
    lock = threading.Lock()
    queue = list(reversed(requests))
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json", "Accept": "application/json"}
    start = threading.Barrier(clients + 1)

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
        start.wait()
        while True:
            with lock:
                if not queue:
                    break
                request = queue.pop()
            began = time.perf_counter()
            try:
                status, content = _send(connection, request, headers)
            except (OSError, http.client.HTTPException) as error:
                connection.close()  # a fresh connection for the next request
                status, content = 0, repr(error).encode()
            elapsed = time.perf_counter() - began
            with lock:
                if 200 <= status < 300:
                    outcome.seconds.setdefault(request.endpoint, []).append(elapsed)
                else:
                    outcome.errors[request.endpoint] = outcome.errors.get(request.endpoint, 0) + 1
                    examples = outcome.examples.setdefault(request.endpoint, [])
                    if len(examples) < ERRORS_KEPT:
                        examples.append(f"{request.method} {request.path} -> {status}: {content[:300]!r}")
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


def fetch_json(*, port: int, token: str, path: str) -> dict:
    """One GET answered with JSON (set-up and checks, not timed)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
    try:
        status, content = _send(connection, Request("setup", "GET", path), {"Authorization": f"Bearer {token}"})
    finally:
        connection.close()
    if status != 200:
        raise RuntimeError(f"GET {path} answered {status}: {content[:300]!r}")
    return json.loads(content)
