"""Every service writes its audit event, and neither the audit log nor the timeline ever holds personal data."""

from datetime import timedelta
from io import StringIO

from django.core.management import call_command
from django.utils import timezone

from opennrm.accounts.models import Role
from opennrm.audit.models import AuditEvent
from opennrm.cases.models import Notification, Population
from opennrm.cases.services.cases import break_glass_open, person_data_read, person_update
from opennrm.cases.services.consent import consent_withdraw
from opennrm.cases.services.reads import reviews_read
from opennrm.cases.services.referrals import referral_decline, referral_withdraw
from opennrm.cases.services.tick import tick
from opennrm.cases.services.transitions import case_transition
from opennrm.cases.services.work import document_download, note_add, task_complete, task_create
from tests.cases import steps
from tests.cases.conftest import SYNTHETIC_PERSON
from tests.factories import UserFactory

NOTE = f"{SYNTHETIC_PERSON.full_name} (code {SYNTHETIC_PERSON.personal_code}) fears her employer."
TASK = f"Call {SYNTHETIC_PERSON.given_name} on {SYNTHETIC_PERSON.phone}"
DECLINE = f"We cannot house {SYNTHETIC_PERSON.family_name} this week."
WITHDRAWAL = f"{SYNTHETIC_PERSON.given_name} no longer wants the police told."
EMERGENCY = f"{SYNTHETIC_PERSON.full_name} is missing and may be with the trafficker tonight."
JUSTIFICATION = f"{SYNTHETIC_PERSON.given_name}'s younger brother is in danger at {SYNTHETIC_PERSON.address}."


def everything_that_names_the_person() -> list[str]:
    return [
        *SYNTHETIC_PERSON.secrets(),
        SYNTHETIC_PERSON.address,
        SYNTHETIC_PERSON.birth_date,
        steps.MESSAGE,
        steps.REASON,
        NOTE,
        TASK,
        DECLINE,
        WITHDRAWAL,
        EMERGENCY,
        JUSTIFICATION,
        "Testa Tulks",  # the interpreter named in the consent
        "decision.pdf",
    ]


def test_a_case_worked_on_in_every_way_leaves_no_personal_data_in_the_log_or_the_timeline(case_world):
    world = case_world
    case, _ = steps.to_identification(world)
    note_add(by=world.social_worker, case=case, body=NOTE)
    task = task_create(by=world.social_worker, case=case, title=TASK, assignee=world.social_worker)
    task_complete(by=world.social_worker, task=task)
    changed = steps.person_data()
    changed.address = "Demo iela 1"
    person_update(by=world.social_worker, case=case, person=changed)
    person_data_read(by=world.social_worker, case=case)
    police = steps.consent(world, case, purpose="criminal_proceedings", recipient_type="state_police")
    withdrawn = steps.refer(world, case, to="lv-state-police", purpose="criminal_proceedings")
    referral_withdraw(by=world.social_worker, referral_id=withdrawn.pk)
    steps.refer(world, case, to="lv-state-police", purpose="criminal_proceedings")
    consent_withdraw(by=world.social_worker, consent=police, note=WITHDRAWAL)
    steps.consent(world, case, purpose="assistance", recipient_type="siva")
    declined = steps.refer(world, case, to="lv-siva", purpose="assistance")
    referral_decline(by=world.siva_worker, referral_id=declined.pk, reason=DECLINE)
    break_glass_open(by=world.emergency_officer, case=case, reason=EMERGENCY)
    case = steps.identify(world, case)
    document_download(by=world.provider_worker, document=case.documents.get())
    case = steps.to_service_granted(world, case)
    case_transition(by=world.provider_worker, case=case, transition="start_rehabilitation")
    tick(now=timezone.now() + timedelta(days=181))
    case_transition(by=world.provider_worker, case=steps.refresh(case), transition="close", reason=steps.REASON)
    child = steps.open_case(world, population=Population.CHILD, nationality="national")
    steps.refer(
        world,
        child,
        to="lv-state-police",
        purpose="criminal_proceedings",
        legal_duty_exception="child_in_danger",
        legal_duty_justification=JUSTIFICATION,
    )

    logged = steps.logged_text()
    for secret in everything_that_names_the_person():
        assert secret not in logged, secret
    notifications = steps.as_json(Notification.objects.values("kind", "key", "details"))
    for secret in everything_that_names_the_person():
        assert secret not in notifications, secret
    # The log did record all of it, by codes and ids.
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert actions >= {
        "case.opened",
        "consent.recorded",
        "consent.withdrawn",
        "referral.sent",
        "referral.accepted",
        "referral.declined",
        "referral.withdrawn",
        "case.transition",
        "case.assigned",
        "case.break_glass",
        "person.updated",
        "person.viewed",
        "note.added",
        "task.created",
        "task.done",
        "document.added",
        "document.downloaded",
        "deadline.expired",
    }
    out = StringIO()
    call_command("audit", "verify", stdout=out)
    assert out.getvalue().startswith("OK: ")


def test_each_service_writes_its_own_event_with_the_actor_the_case_and_codes(case_world):
    world = case_world
    case = steps.open_case(world)
    opened = AuditEvent.objects.get(action="case.opened")
    assert (opened.actor, opened.object_type, opened.object_id) == (world.social_worker, "case", case.reference)
    assert opened.institution == world.institution("lv-social-service-riga")
    consent = steps.consent(world, case)
    recorded = AuditEvent.objects.get(action="consent.recorded")
    assert (recorded.new_values["consent"], recorded.new_values["purpose"]) == (consent.pk, "identification")
    referral = steps.refer(world, case)
    sent = AuditEvent.objects.get(action="referral.sent")
    assert (sent.new_values["referral"], sent.new_values["data_scope"]) == (referral.pk, steps.ALL_DATA)
    assert sent.new_values["flagged"] is False
    # The transition the referral set off is logged right after it, in the same transaction.
    moved = AuditEvent.objects.get(action="case.transition")
    assert (moved.seq, moved.old_values, moved.new_values["to"]) == (sent.seq + 1, {"state": "recognised"}, "referred")


def test_the_review_queue_read_says_whether_the_written_reasons_were_shown(case_world):
    world = case_world
    case = steps.open_case(world)
    access = break_glass_open(by=world.emergency_officer, case=case, reason=EMERGENCY)
    officer = UserFactory(
        username="police.dpo", unit=world.police_officer.unit, roles=[Role.objects.get(code="data_protection_officer")]
    )
    for reader in (world.coordinator, officer):
        reviews_read(by=reader, referrals=[], accesses=[access])
    shown = dict(AuditEvent.objects.filter(action="case.reviews_read").values_list("actor__username", "new_values"))
    assert shown[world.coordinator.get_username()]["texts"] is False
    assert shown[officer.get_username()]["texts"] is True
    assert EMERGENCY not in str(shown)
