"""A write that fails half-way leaves nothing behind: no case, referral, deadline, party, audit or timeline event,
notification — not even a used-up case number. Also when the process is killed in the middle (PostgreSQL)."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from opennrm.audit.models import AuditChainHead, AuditEvent
from opennrm.audit.verify import audit_verify
from opennrm.cases.models import (
    Assignment,
    BreakGlassAccess,
    Case,
    CaseEvent,
    CaseParty,
    CaseReferenceCounter,
    Consent,
    Deadline,
    Document,
    Nationality,
    Note,
    Notification,
    Person,
    Population,
    Referral,
    Task,
    TransitionRecord,
)
from opennrm.cases.services.cases import break_glass_open, case_assign, person_data_read, person_update
from opennrm.cases.services.consent import consent_withdraw
from opennrm.cases.services.referrals import referral_accept, referral_decline, referral_withdraw
from opennrm.cases.services.transitions import case_transition
from opennrm.cases.services.work import document_download, document_upload, note_add, task_complete, task_create
from tests.cases import steps

TABLES = [
    Case,
    Note,
    Task,
    Document,
    BreakGlassAccess,
    Person,
    CaseParty,
    Assignment,
    Consent,
    Referral,
    Deadline,
    TransitionRecord,
    CaseEvent,
    Notification,
    AuditEvent,
]


class Boom(Exception):
    """The failure injected in the middle of a service."""


def snapshot() -> dict:
    """Every row a case service writes, in a form that compares equal only if nothing changed."""
    head = AuditChainHead.objects.filter(id=1).values_list("last_seq", "last_hash").first()
    return {
        "counts": {model.__name__: model.objects.count() for model in TABLES},
        "states": list(Case.objects.order_by("pk").values_list("pk", "state", "ended_at")),
        "referrals": list(Referral.objects.order_by("pk").values_list("pk", "status")),
        "deadlines": list(Deadline.objects.order_by("pk").values_list("pk", "status", "used")),
        "consents": list(Consent.objects.order_by("pk").values_list("pk", "withdrawn_at")),
        "tasks": list(Task.objects.order_by("pk").values_list("pk", "done_at")),
        "assignments": list(Assignment.objects.order_by("pk").values_list("pk", "user", "ended_at")),
        "person": list(Person.objects.order_by("pk").values_list("pk", "blind_index", "updated_at")),
        "numbers": list(CaseReferenceCounter.objects.values_list("prefix", "year", "last_number")),
        "audit_head": head,
    }


def fail(monkeypatch, target: str) -> None:
    def boom(*args, **kwargs):
        raise Boom(target)

    monkeypatch.setattr(target, boom)


@pytest.mark.parametrize(
    "target",
    [
        "opennrm.cases.services.cases.case_event",
        "opennrm.cases.services.cases.case_audit",
        "opennrm.cases.services.common.audit_record",
        "opennrm.cases.services.common.notify",  # telling the child's orphan's court
    ],
)
def test_opening_a_case_is_all_or_nothing(case_world, monkeypatch, target):
    steps.open_case(case_world)
    before = snapshot()
    fail(monkeypatch, target)
    with pytest.raises(Boom):
        steps.open_case(case_world, population=Population.CHILD, nationality=Nationality.NATIONAL)
    assert snapshot() == before
    monkeypatch.undo()
    # The number the failed case would have had is not lost.
    assert steps.open_case(case_world).reference.endswith("-000002")


@pytest.mark.parametrize(
    "target",
    [
        "opennrm.cases.services.referrals.case_event",
        "opennrm.cases.services.referrals.case_audit",
        "opennrm.cases.services.referrals.case_trigger",  # the case moving to "referred"
        "opennrm.cases.services.transitions.case_audit",  # the transition's own audit event
        "opennrm.cases.services.transitions.notify",  # the parties told of the transition
        "opennrm.cases.services.referrals.notify",  # the receiving institution told, the very last step
    ],
)
def test_sending_a_referral_is_all_or_nothing(case_world, monkeypatch, target):
    case = steps.open_case(case_world)
    steps.consent(case_world, case)
    before = snapshot()
    fail(monkeypatch, target)
    with pytest.raises(Boom):
        steps.refer(case_world, case)
    assert snapshot() == before
    assert not Referral.objects.exists() and not Deadline.objects.exists()
    assert steps.refresh(case).state == "recognised"


@pytest.mark.parametrize(
    "target",
    [
        "opennrm.cases.services.referrals.case_event",
        "opennrm.cases.services.referrals.case_audit",
        "opennrm.cases.services.referrals.case_trigger",
        "opennrm.cases.services.transitions.case_event",
        "opennrm.cases.services.referrals.notify",
    ],
)
def test_accepting_a_referral_is_all_or_nothing(case_world, monkeypatch, target):
    case = steps.open_case(case_world)
    steps.consent(case_world, case)
    referral = steps.refer(case_world, case)
    before = snapshot()
    fail(monkeypatch, target)
    with pytest.raises(Boom):
        referral_accept(by=case_world.provider_worker, referral_id=referral.pk)
    assert snapshot() == before
    referral.refresh_from_db()
    assert referral.status == Referral.Status.SENT
    assert not CaseParty.objects.filter(institution__code="lv-provider-marta").exists()
    monkeypatch.undo()
    referral_accept(by=case_world.provider_worker, referral_id=referral.pk)
    assert steps.refresh(case).state == "identification"


def moved_house():
    person = steps.person_data()
    person.address = "Demo iela 2"
    return person


# Every other service, with the audit log failing: the change goes with it.
SERVICES = {
    "consent_record": lambda w, c: steps.consent(w, c, purpose="assistance", recipient_type="siva"),
    "consent_withdraw": lambda w, c: consent_withdraw(by=w.social_worker, consent=c.consents.first(), note="x"),
    "referral_decline": lambda w, c: referral_decline(
        by=w.siva_worker, referral_id=c.referrals.get(to_institution__code="lv-siva").pk, reason="No place now."
    ),
    "referral_withdraw": lambda w, c: referral_withdraw(
        by=w.social_worker, referral_id=c.referrals.get(to_institution__code="lv-siva").pk
    ),
    "case_transition": lambda w, c: case_transition(
        by=w.social_worker, case=c, transition="person_refuses", reason="Went home."
    ),
    "person_update": lambda w, c: person_update(by=w.social_worker, case=c, person=moved_house()),
    "person_data_read": lambda w, c: person_data_read(by=w.social_worker, case=c),
    "case_assign": lambda w, c: case_assign(by=w.provider_supervisor, case=c, user=w.commission_member),
    "break_glass_open": lambda w, c: break_glass_open(
        by=w.emergency_officer, case=c, reason="The person is missing since noon, reported by police."
    ),
    "note_add": lambda w, c: note_add(by=w.social_worker, case=c, body="Called."),
    "task_create": lambda w, c: task_create(by=w.social_worker, case=c, title="Call", assignee=w.social_supervisor),
    "task_complete": lambda w, c: task_complete(by=w.social_worker, task=c.tasks.get()),
    "document_upload": lambda w, c: document_upload(
        by=w.social_worker, case=c, filename="a.txt", content_type="text/plain", content=b"a"
    ),
    "document_download": lambda w, c: document_download(by=w.social_worker, document=c.documents.get()),
}


@pytest.mark.parametrize("service", list(SERVICES))
def test_every_change_is_undone_when_its_audit_event_cannot_be_written(case_world, monkeypatch, service):
    case, _ = steps.to_identification(case_world)
    steps.consent(case_world, case, purpose="assistance", recipient_type="siva")
    steps.refer(case_world, case, to="lv-siva", purpose="assistance")
    task_create(by=case_world.social_worker, case=case, title="Call back")
    document_upload(by=case_world.social_worker, case=case, filename="s.txt", content_type="text/plain", content=b"s")
    case = steps.refresh(case)
    before = snapshot()
    fail(monkeypatch, "opennrm.cases.services.common.audit_record")
    with pytest.raises(Boom):
        SERVICES[service](case_world, case)
    assert snapshot() == before
    monkeypatch.undo()
    SERVICES[service](case_world, case)
    assert snapshot() != before


# --- Killed in the middle --------------------------------------------------------------------------------------

# Runs referral_send in a process of its own and stops it, with the transaction open, right after the case moved to
# "referred": the referral, its deadline, the timeline and the audit events are written but not committed.
CHILD = """
import os, sys, time
import django

os.environ["DJANGO_SETTINGS_MODULE"] = "opennrm.settings"
django.setup()

from opennrm.accounts.models import User
from opennrm.cases.models import Case
from opennrm.cases.services import referrals
from opennrm.directory.models import Institution

case_id, user_id, marker = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
trigger = referrals.case_trigger


def trigger_then_wait(**arguments):
    moved = trigger(**arguments)
    with open(marker, "w") as handle:
        handle.write("inside the transaction")
    time.sleep(120)
    return moved


referrals.case_trigger = trigger_then_wait
referrals.referral_send(
    by=User.objects.get(pk=user_id),
    case=Case.objects.get(pk=case_id),
    to_institution=Institution.objects.get(code="lv-provider-marta"),
    purpose="identification",
    data_scope=["identity", "circumstances"],
    message="Testa Persona needs a place tonight.",
)
"""


def database_url() -> str:
    settings = connection.settings_dict
    user = settings["USER"] or "postgres"
    password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
    host, port = settings["HOST"] or "127.0.0.1", settings["PORT"] or 5432
    return f"postgres://{user}{password}@{host}:{port}/{settings['NAME']}"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs a database a second process can share")
@pytest.mark.django_db(transaction=True)
def test_a_referral_killed_half_way_leaves_nothing_behind(case_world, settings, tmp_path):
    case = steps.open_case(case_world)
    steps.consent(case_world, case)
    before = snapshot()
    marker = tmp_path / "inside"
    environment = {
        **os.environ,
        "DATABASE_URL": database_url(),
        # The same data keys as this test, so the child can encrypt the message.
        "OPENNRM_DATA_KEYS": Path(settings.OPENNRM_DATA_KEYS_FILE).read_text(),
        "OPENNRM_DB_CONN_MAX_AGE": "0",
    }
    child = subprocess.Popen(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", CHILD, str(case.pk), str(case_world.social_worker.pk), str(marker)],
        env=environment,
        cwd=Path(__file__).resolve().parents[2],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            if child.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"the child never got inside the transaction: {child.communicate()[1][-2000:]}")
            time.sleep(0.05)
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == -signal.SIGKILL
    # The server notices the dropped connection and rolls its transaction back; wait until its locks are gone.
    waited = time.monotonic() + 30
    while time.monotonic() < waited:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
                " AND state LIKE 'idle in transaction%%'"
            )
            if cursor.fetchone()[0] == 0:
                break
        time.sleep(0.1)
    assert snapshot() == before
    assert steps.refresh(case).state == "recognised"
    assert audit_verify().ok
    # The case goes on as if nothing had happened.
    steps.refer(case_world, case)
    assert steps.refresh(case).state == "referred"
    assert audit_verify().ok
