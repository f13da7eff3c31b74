"""The benchmark's own throwaway databases: temporary SQLite files, or databases it creates on a PostgreSQL
server and drops afterwards. Nothing here ever connects to, or changes, any other database.

`create` runs before `django.setup()`: it only decides the environment Django will read. There is one
database per data size, and `use` switches Django's default connection between them, so that the small
and the large table are measured turn by turn and the noise of a shared machine falls on both alike.
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


SIZES = ("small", "large")


@dataclass
class ThrowawayDatabase:
    """Two databases of the same schema, one per data size, so that both can be measured turn by turn."""

    vendor: str  # "sqlite" or "postgresql"
    data_dir: str  # temporary OPENNRM_DATA_DIR (secret key, static root, the SQLite files)
    names: dict[str, str]  # size -> the database NAME Django connects to (file path or database name)
    admin_url: str | None = None

    def url(self, size: str) -> str:
        """The database URL of `size`, for a process of its own (the application server under load)."""
        if self.vendor == "sqlite":
            return f"sqlite:///{self.names[size]}"
        return _bench_url(self.admin_url, self.names[size])

    def describe(self) -> str:
        if self.vendor == "sqlite":
            return f"temporary SQLite files in {self.data_dir}"
        created = ", ".join(repr(name) for name in self.names.values())
        return f"PostgreSQL databases {created} (created for this run, dropped afterwards)"


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
    if parts.path.lstrip("/").startswith(database_name):
        raise DatabaseChoiceError(
            "--database-url: connect through another database (e.g. /postgres); "
            f"names starting with {database_name!r} are the ones the benchmark creates and drops."
        )


def _admin_execute(admin_url: str, statement) -> None:
    import psycopg

    # CREATE/DROP DATABASE cannot run inside a transaction.
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=10) as connection:
        connection.execute(statement)


def _drop(admin_url: str, name: str) -> None:
    from psycopg import sql

    if not BENCH_NAME.match(name):  # never reached with a checked name; kept next to the DROP on purpose
        raise DatabaseChoiceError(f"refusing to drop {name!r}")
    _admin_execute(admin_url, sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def create(*, database_url: str | None, database_name: str) -> ThrowawayDatabase:
    """Make the databases and point Django's environment at the first (and only at ours)."""
    data_dir = tempfile.mkdtemp(prefix="opennrm-bench-")
    os.environ["OPENNRM_DATA_DIR"] = data_dir
    os.environ["DJANGO_SETTINGS_MODULE"] = "opennrm.settings"
    if not database_url:
        # An inherited DATABASE_URL (e.g. a CI shell) must not redirect the benchmark to a shared database.
        os.environ.pop("DATABASE_URL", None)
        names = {size: os.path.join(data_dir, f"{size}.sqlite3") for size in SIZES}
        return ThrowawayDatabase(vendor="sqlite", data_dir=data_dir, names=names)

    from psycopg import sql

    database = ThrowawayDatabase(
        vendor="postgresql",
        data_dir=data_dir,
        names={size: f"{database_name}_{size}" for size in SIZES},
        admin_url=database_url,
    )
    try:
        for name in database.names.values():
            # A database of this name can only be a leftover of an interrupted benchmark run.
            _drop(database_url, name)
            _admin_execute(
                database_url,
                sql.SQL("CREATE DATABASE {} ENCODING 'UTF8' TEMPLATE template0").format(sql.Identifier(name)),
            )
    except Exception:
        shutil.rmtree(data_dir, ignore_errors=True)
        raise
    os.environ["DATABASE_URL"] = _bench_url(database_url, database.names[SIZES[0]])
    return database


def use(database: ThrowawayDatabase, size: str) -> None:
    """Point Django's default connection at the database of `size` (reconnecting on the next query)."""
    from django.db import connections

    connections.close_all()
    connections["default"].settings_dict["NAME"] = database.names[size]


def clone(database: ThrowawayDatabase, source: str, target: str) -> None:
    """Replace the database of `target` with a copy of the one of `source` (e.g. once it is migrated and set up).

    Copying is much quicker than migrating and loading the pack again; both databases stay the benchmark's own.
    """
    from django.db import connections

    connections.close_all()  # PostgreSQL copies a template only while nobody is connected to it
    if database.vendor == "sqlite":
        import sqlite3

        with sqlite3.connect(database.names[source]) as original, sqlite3.connect(database.names[target]) as copy:
            original.backup(copy)
        return
    from psycopg import sql

    _drop(database.admin_url, database.names[target])
    _admin_execute(
        database.admin_url,
        sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
            sql.Identifier(database.names[target]), sql.Identifier(database.names[source])
        ),
    )


def destroy(database: ThrowawayDatabase) -> None:
    """Drop what `create` made: the PostgreSQL databases by their own names, and the temporary directory."""
    try:
        from django.db import connections

        connections.close_all()
    except Exception:  # noqa: S110 - Django may not have been set up when the run failed early
        pass
    if database.vendor == "postgresql" and database.admin_url:
        for name in database.names.values():
            _drop(database.admin_url, name)
    shutil.rmtree(database.data_dir, ignore_errors=True)
