import pytest
from django.db import connection

from opennrm.audit.services import audit_record
from opennrm.audit.testing import allow_truncate_in_tests

allow_truncate_in_tests()


@pytest.fixture
def events(db):
    """Five chained events."""
    return [
        audit_record(action="test.event", object_type="thing", object_id=n, new_values={"n": n}) for n in range(1, 6)
    ]


@pytest.fixture
def tamper():
    """Run raw SQL as an intruder with direct database access would, past the PostgreSQL trigger."""

    def run(sql: str, params: tuple = ()) -> None:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # Replica mode skips triggers; it needs a superuser, as a real intruder would.
                cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute(sql, params)
            if connection.vendor == "postgresql":
                cursor.execute("SET LOCAL session_replication_role = DEFAULT")

    return run
