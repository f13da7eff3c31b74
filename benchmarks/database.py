"""The benchmark's own throwaway database: a temporary SQLite file, or a database it creates on a PostgreSQL
server and drops afterwards. Nothing here ever connects to, or changes, any other database.

Everything in this module runs before `django.setup()`: it only decides the environment Django will read.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

# Only names of this shape may be created or dropped, so a typo can never point the drop at a real database.
BENCH_NAME = re.compile(r"^opennrm_bench[a-z0-9_]{0,40}$")
POSTGRES_SCHEMES = ("postgres", "postgresql")


class DatabaseChoiceError(ValueError):
    """The requested database cannot be used; the message says which option is wrong and why."""


@dataclass
class ThrowawayDatabase:
    vendor: str  # "sqlite" or "postgresql"
    data_dir: str  # temporary OPENNRM_DATA_DIR (secret key, static root, the SQLite file)
    url: str | None = None  # the benchmark database's own URL (PostgreSQL only)
    admin_url: str | None = None
    name: str | None = None

    def describe(self) -> str:
        if self.vendor == "sqlite":
            return f"temporary SQLite file in {self.data_dir}"
        return f"PostgreSQL database {self.name!r} (created for this run, dropped afterwards)"


def _bench_url(admin_url: str, name: str) -> str:
    parts = urlsplit(admin_url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def check_choice(*, database_url: str | None, database_name: str) -> None:
    """Refuse a URL or a name the benchmark must not use, before anything is created."""
    if not BENCH_NAME.match(database_name):
        raise DatabaseChoiceError(
            f"--database-name {database_name!r}: must start with 'opennrm_bench' and contain only lower-case "
            "letters, digits and '_', so that the benchmark can never drop a database it did not create."
        )
    if database_url is None:
        return
    parts = urlsplit(database_url)
    if parts.scheme not in POSTGRES_SCHEMES:
        raise DatabaseChoiceError(
            f"--database-url: scheme {parts.scheme!r} is not supported; give a PostgreSQL server URL such as "
            "postgres://postgres@127.0.0.1:5432/postgres (SQLite is the default and needs no URL)."
        )
    if not parts.hostname:
        raise DatabaseChoiceError("--database-url: the URL names no host.")
    if parts.path.lstrip("/") == database_name:
        raise DatabaseChoiceError(
            "--database-url: connect through another database (e.g. /postgres); "
            f"{database_name!r} is the one the benchmark creates and drops."
        )


def _admin_execute(admin_url: str, statement) -> None:
    import psycopg

    # CREATE/DROP DATABASE cannot run inside a transaction.
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=10) as connection:
        connection.execute(statement)


def create(*, database_url: str | None, database_name: str) -> ThrowawayDatabase:
    """Make the database and point Django's environment at it (and only at it)."""
    data_dir = tempfile.mkdtemp(prefix="opennrm-bench-")
    os.environ["OPENNRM_DATA_DIR"] = data_dir
    os.environ["DJANGO_SETTINGS_MODULE"] = "opennrm.settings"
    if database_url is None:
        # An inherited DATABASE_URL (e.g. a CI shell) must not redirect the benchmark to a shared database.
        os.environ.pop("DATABASE_URL", None)
        return ThrowawayDatabase(vendor="sqlite", data_dir=data_dir)

    from psycopg import sql

    name = sql.Identifier(database_name)
    # A database of this name can only be a leftover of an interrupted benchmark run.
    _admin_execute(database_url, sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
    _admin_execute(database_url, sql.SQL("CREATE DATABASE {} ENCODING 'UTF8' TEMPLATE template0").format(name))
    url = _bench_url(database_url, database_name)
    os.environ["DATABASE_URL"] = url
    return ThrowawayDatabase(
        vendor="postgresql", data_dir=data_dir, url=url, admin_url=database_url, name=database_name
    )


def destroy(database: ThrowawayDatabase) -> None:
    """Drop what `create` made: the PostgreSQL database by its own name, and the temporary directory."""
    try:
        from django.db import connections

        connections.close_all()
    except Exception:  # noqa: S110 - Django may not have been set up when the run failed early
        pass
    if database.vendor == "postgresql" and database.admin_url and database.name:
        from psycopg import sql

        _admin_execute(
            database.admin_url, sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database.name))
        )
    shutil.rmtree(database.data_dir, ignore_errors=True)
