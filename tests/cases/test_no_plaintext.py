"""Proof that a person's identifying data is nowhere in clear: not in the database, the audit log or the SQL log.

Each test stores a case naming an obviously fake person (tests/cases/conftest.py, `create_identified_case`) and then
searches what an attacker or an administrator could read — the raw database file, a `pg_dump`, audit events,
logged queries — for the names, the personal code, the phone number and the e-mail address. Each search also
looks for the case reference, which is stored in clear, to prove that it searched the right place.
"""

import json
import logging
import os
import shutil
import subprocess
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from opennrm.audit.models import AuditEvent
from tests.cases.conftest import SYNTHETIC_PERSON, create_identified_case

# Committed rows, so that another connection (pg_dump) sees them and SQLite writes them to its pages.
pytestmark = pytest.mark.django_db(transaction=True)


def rotate_keys() -> None:
    call_command("keys", "rotate", stdout=StringIO())


def sqlite_image() -> bytes:
    """Every page of the database, free ones included: what a copy of the file would give away."""
    connection.ensure_connection()
    if connection.is_in_memory_db():
        return connection.connection.serialize()
    name = str(connection.settings_dict["NAME"])
    parts = [Path(name), Path(f"{name}-wal"), Path(f"{name}-journal")]
    return b"".join(part.read_bytes() for part in parts if part.exists())


def postgresql_dump() -> bytes:
    """`pg_dump` of the test database, or, without it, every table copied out with COPY."""
    settings = connection.settings_dict
    if pg_dump := shutil.which("pg_dump"):
        command = [pg_dump, "--no-owner", "--dbname", settings["NAME"]]
        for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
            if settings.get(key):
                command += [option, str(settings[key])]
        environment = {**os.environ, "PGPASSWORD": settings.get("PASSWORD") or ""}
        return subprocess.run(command, check=True, capture_output=True, env=environment).stdout
    dump = bytearray()
    connection.ensure_connection()
    with connection.connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            with cursor.copy(f"COPY {connection.ops.quote_name(table)} TO STDOUT") as copy:
                for chunk in copy:
                    dump += chunk
    return bytes(dump)


def assert_not_in_clear(haystack: bytes, *, control: str) -> None:
    assert control.encode() in haystack, "the search did not look at the stored data"
    # pg_dump writes binary columns as hex, so a document in clear would show that way.
    in_clear = [
        secret
        for secret in SYNTHETIC_PERSON.secrets()
        if secret.encode() in haystack or secret.encode().hex().encode() in haystack
    ]
    assert in_clear == []


def test_the_sqlite_database_holds_no_personal_data_in_clear():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    case = create_identified_case()
    assert_not_in_clear(sqlite_image(), control=case.reference)
    rotate_keys()
    assert_not_in_clear(sqlite_image(), control=case.reference)


def test_a_postgresql_dump_holds_no_personal_data_in_clear():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    case = create_identified_case()
    assert_not_in_clear(postgresql_dump(), control=case.reference)
    rotate_keys()
    assert_not_in_clear(postgresql_dump(), control=case.reference)


def test_the_audit_log_holds_no_personal_data():
    create_identified_case()
    rotate_keys()
    events = list(AuditEvent.objects.all())
    assert any(event.action == "keys.rotated" for event in events)
    recorded = json.dumps(
        [[event.object_id, event.purpose, event.old_values, event.new_values] for event in events],
        ensure_ascii=False,
    )
    assert [secret for secret in SYNTHETIC_PERSON.secrets() if secret in recorded] == []


def test_queries_and_logs_carry_only_ciphertext(settings, caplog):
    settings.DEBUG = True
    caplog.set_level(logging.DEBUG)
    # Django's own logger stops at INFO unless told otherwise; its SQL log (with parameters) is at DEBUG.
    caplog.set_level(logging.DEBUG, logger="django.db.backends")

    with CaptureQueriesContext(connection) as queries:
        case = create_identified_case()

    logged = caplog.text + "\n".join(query["sql"] for query in queries.captured_queries)
    assert_not_in_clear(logged.encode(), control=case.reference)
    assert "INSERT INTO" in caplog.text
