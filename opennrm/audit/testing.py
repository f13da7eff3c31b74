"""Test support: let the test runner empty the audit table between transactional tests on PostgreSQL.

The append-only trigger (migration 0002) refuses TRUNCATE unless the session sets
`opennrm.allow_audit_truncate`; Django's test flush truncates every table. Call `allow_truncate_in_tests()`
once from the test suite's conftest. UPDATE and DELETE stay refused.
"""

from django.db.backends.signals import connection_created


def _allow_truncate(sender, connection, **kwargs) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET opennrm.allow_audit_truncate = 'on'")


def allow_truncate_in_tests() -> None:
    connection_created.connect(_allow_truncate, dispatch_uid="opennrm.audit.testing.allow_truncate")
