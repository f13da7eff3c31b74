"""On PostgreSQL, make the audit table append-only in the database itself.

UPDATE and DELETE are refused row by row, TRUNCATE by a statement trigger, whoever connects. The hash chain
still detects tampering by someone able to drop the trigger; the trigger stops the application, a script or an
operator's slip from changing history in the first place.

TRUNCATE (never UPDATE or DELETE) passes when the session has set `opennrm.allow_audit_truncate = 'on'`: the
test suite empties every table between transactional tests that way. Production never sets it.
SQLite has no such triggers; there the chain check (`opennrm audit verify`) is the protection.
"""

from django.db import migrations

CREATE = r"""
CREATE OR REPLACE FUNCTION opennrm_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' AND current_setting('opennrm.allow_audit_truncate', true) = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'The audit log is append-only: % on % is not allowed.', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'Audit events are never changed or removed; record a new event instead.';
END;
$$;

DROP TRIGGER IF EXISTS audit_auditevent_append_only ON audit_auditevent;
CREATE TRIGGER audit_auditevent_append_only
    BEFORE UPDATE OR DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION opennrm_audit_append_only();

DROP TRIGGER IF EXISTS audit_auditevent_no_truncate ON audit_auditevent;
CREATE TRIGGER audit_auditevent_no_truncate
    BEFORE TRUNCATE ON audit_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION opennrm_audit_append_only();
"""

DROP = r"""
DROP TRIGGER IF EXISTS audit_auditevent_no_truncate ON audit_auditevent;
DROP TRIGGER IF EXISTS audit_auditevent_append_only ON audit_auditevent;
DROP FUNCTION IF EXISTS opennrm_audit_append_only();
"""


def _on_postgresql(sql: str):
    def run(apps, schema_editor) -> None:
        if schema_editor.connection.vendor == "postgresql":
            # No parameters: the `%` in the PL/pgSQL message must reach the server untouched.
            schema_editor.execute(sql, None)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(_on_postgresql(CREATE), _on_postgresql(DROP), elidable=False),
    ]
