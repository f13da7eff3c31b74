"""`audit_verify` and `opennrm audit verify`: an intact chain passes; the first broken link is reported."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from opennrm.audit.models import AuditEvent
from opennrm.audit.services import audit_record, event_hash, hashed_fields
from opennrm.audit.verify import audit_verify

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL only")


def verify_command() -> tuple[int, str]:
    out = StringIO()
    try:
        call_command("audit", "verify", stdout=out)
    except SystemExit as exit_:
        return exit_.code, out.getvalue()
    return 0, out.getvalue()


def test_empty_log_is_intact():
    result = audit_verify()
    assert result.ok and result.count == 0


def test_intact_chain(events):
    result = audit_verify()
    assert result.ok
    newest = AuditEvent.objects.order_by("-seq").first()
    assert result.message == f"OK: 5 events, chain intact; newest hash {newest.hash}"
    assert verify_command() == (0, f"OK: 5 events, chain intact; newest hash {newest.hash}\n")


def test_altered_row_is_the_first_broken_link(events, tamper):
    tamper("UPDATE audit_auditevent SET purpose = 'rewritten' WHERE seq = 3")
    tamper("UPDATE audit_auditevent SET action = 'also.rewritten' WHERE seq = 4")
    result = audit_verify()
    assert (result.ok, result.seq, result.reason) == (False, 3, "altered")
    assert verify_command() == (1, "BROKEN at event #3: altered\n")


def test_altered_json_values_are_detected(events, tamper):
    tamper("UPDATE audit_auditevent SET new_values = NULL WHERE seq = 2")
    assert (audit_verify().seq, audit_verify().reason) == (2, "altered")


def test_altered_row_with_a_recomputed_hash_breaks_the_next_link(events, tamper):
    event = AuditEvent.objects.get(seq=2)
    event.purpose = "covered up"
    forged = event_hash(fields=hashed_fields(event), prev_hash=event.prev_hash)
    tamper("UPDATE audit_auditevent SET purpose = %s, hash = %s WHERE seq = 2", ("covered up", forged))
    result = audit_verify()
    assert (result.seq, result.reason) == (3, "chain broken")


def test_deleted_row_is_missing(events, tamper):
    tamper("DELETE FROM audit_auditevent WHERE seq = 3")
    result = audit_verify()
    assert (result.ok, result.seq, result.reason) == (False, 3, "missing")
    assert verify_command() == (1, "BROKEN at event #3: missing\n")


def test_deleted_newest_rows_are_missing(events, tamper):
    tamper("DELETE FROM audit_auditevent WHERE seq >= 4")
    assert verify_command() == (1, "BROKEN at event #4: missing\n")


def test_rewritten_newest_row_is_caught_by_the_chain_head(events, tamper):
    event = AuditEvent.objects.get(seq=5)
    event.purpose = "covered up"
    forged = event_hash(fields=hashed_fields(event), prev_hash=event.prev_hash)
    tamper("UPDATE audit_auditevent SET purpose = %s, hash = %s WHERE seq = 5", ("covered up", forged))
    assert (audit_verify().seq, audit_verify().reason) == (5, "altered")


def test_events_after_the_check_started_are_not_mistaken_for_tampering(events):
    assert audit_verify().count == 5
    audit_record(action="test.event")
    assert audit_verify().message.startswith("OK: 6 events, chain intact")


def test_verify_streams_in_chunks(events, django_assert_max_num_queries):
    # Head, the walk, the check for newer rows: a fixed number of queries however many events there are.
    with django_assert_max_num_queries(4):
        assert audit_verify().ok


@on_postgresql
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_auditevent SET purpose = 'x' WHERE seq = 1",
        "DELETE FROM audit_auditevent WHERE seq = 5",
        "TRUNCATE audit_auditevent",
    ],
)
def test_postgresql_trigger_refuses_changes(events, sql):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        # The test suite allows TRUNCATE for its own clean-up; an ordinary session does not.
        cursor.execute("SET LOCAL opennrm.allow_audit_truncate = 'off'")
        # Settle the deferred foreign-key checks of the inserts, which would otherwise block TRUNCATE first.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(sql)
    assert AuditEvent.objects.count() == 5
    assert audit_verify().ok


@on_postgresql
def test_postgresql_orm_delete_is_refused_too(events):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(seq=1).delete()
    assert AuditEvent.objects.count() == 5


@pytest.mark.django_db(transaction=True)
def test_transactional_tests_can_still_empty_the_table():
    # Django's flush after this test truncates every table; on PostgreSQL that needs the test-only allowance.
    audit_record(action="test.event")
    assert audit_verify().ok
