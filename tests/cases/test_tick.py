"""`opennrm tick`: reminders, escalations and periods running out happen once each; e-mail says nothing about the
person and is not lost when the mail server fails."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command

from opennrm.audit.models import AuditEvent
from opennrm.cases.models import CaseEvent, Deadline, Notification, Referral, TransitionRecord
from opennrm.cases.services import tick as tick_module
from opennrm.cases.services.referrals import referral_accept
from opennrm.cases.services.tick import MAX_ATTEMPTS, tick
from opennrm.cases.services.transitions import case_transition
from tests.cases import steps
from tests.cases.conftest import SYNTHETIC_PERSON


@pytest.fixture
def referred(case_world):
    """An adult third-country national's case, referred to the Marta centre (no answer yet)."""
    case = steps.open_case(case_world)
    steps.consent(case_world, case)
    referral = steps.refer(case_world, case)
    Notification.objects.all().delete()  # what sending queued is not what these tests look at
    return case, referral


def notified(kind: str) -> list[str]:
    return sorted(Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True))


def test_a_reminder_goes_to_the_assigned_workers_once(case_world, referred):
    case, referral = referred
    referral_accept(by=case_world.provider_worker, referral_id=referral.pk)
    reflection = Deadline.objects.get(kind="reflection_period")
    before_reminder = reflection.due_at - timedelta(days=5, minutes=1)
    assert tick(now=before_reminder).reminders == 0
    assert notified("deadline.reminder") == []
    when = reflection.due_at - timedelta(days=4)
    assert tick(now=when).reminders == 1
    assert tick(now=when).reminders == 0
    assert tick(now=when + timedelta(days=1)).reminders == 0
    assert notified("deadline.reminder") == ["provider.worker", "social.worker"]
    assert Deadline.objects.get(pk=reflection.pk).reminded_at is not None


def test_an_overdue_referral_is_escalated_to_the_receiving_heads_once(case_world, referred):
    case, referral = referred
    assert tick(now=referral.due_at - timedelta(minutes=1)).escalations == 0
    late = referral.due_at + timedelta(minutes=1)
    assert tick(now=late).escalations == 1
    assert tick(now=late + timedelta(hours=5)).escalations == 0
    assert notified("referral.overdue") == ["provider.supervisor"]
    referral.refresh_from_db()
    assert referral.escalated_at == late and referral.status == Referral.Status.SENT
    assert CaseEvent.objects.filter(case=case, kind="referral.escalated").count() == 1
    assert AuditEvent.objects.filter(action="referral.escalated").count() == 1


def test_an_answered_referral_is_not_escalated(case_world, referred):
    _, referral = referred
    referral_accept(by=case_world.provider_worker, referral_id=referral.pk)
    assert tick(now=referral.due_at + timedelta(days=1)).escalations == 0
    assert notified("referral.overdue") == []


def test_the_service_ends_at_its_limit_by_itself_and_the_consultation_period_starts(case_world):
    case, _ = steps.to_identification(case_world)
    case = steps.to_service_granted(case_world, steps.identify(case_world, case))
    case_transition(by=case_world.provider_worker, case=case, transition="start_rehabilitation")
    service = Deadline.objects.get(kind="rehabilitation_service")
    reminder = tick(now=service.due_at - timedelta(days=13))
    assert (reminder.reminders, reminder.transitions) == (1, 0)
    report = tick(now=service.due_at + timedelta(minutes=1))
    assert (report.expired, report.transitions, report.problems) == (1, 1, [])
    assert tick(now=service.due_at + timedelta(minutes=2)).transitions == 0
    case = steps.refresh(case)
    assert case.state == "completed"
    assert Deadline.objects.get(pk=service.pk).status == Deadline.Status.EXPIRED
    follow_up = Deadline.objects.get(kind="follow_up_consultations")
    assert (follow_up.status, follow_up.quota) == (Deadline.Status.RUNNING, 5)
    record = TransitionRecord.objects.get(transition="complete_at_limit")
    assert record.performed_by is None
    audit = AuditEvent.objects.get(action="case.transition", new_values__transition="complete_at_limit")
    assert (audit.actor, audit.actor_username) == (None, "")
    assert "provider.worker" in notified("case.transition")


def test_a_period_whose_transition_no_longer_applies_just_ends(case_world):
    case, _ = steps.to_identification(case_world)
    case = steps.to_service_granted(case_world, steps.identify(case_world, case))
    case_transition(by=case_world.provider_worker, case=case, transition="start_rehabilitation")
    service = Deadline.objects.get(kind="rehabilitation_service")
    # Data altered behind the workflow's back: the case left "rehabilitation" without stopping the period.
    type(case).objects.filter(pk=case.pk).update(state="service_granted")
    report = tick(now=service.due_at + timedelta(minutes=1))
    assert (report.expired, report.transitions, report.problems) == (1, 0, [])
    assert steps.refresh(case).state == "service_granted"


def test_emails_name_the_case_and_a_link_never_the_person(case_world, referred, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.OPENNRM_BASE_URL = "https://nrm.example.lv"
    case, referral = referred
    tick(now=referral.due_at + timedelta(minutes=1))
    report = tick(now=referral.due_at + timedelta(minutes=2))
    assert report.sent == 0  # everything went out in the first run
    [message] = mail.outbox
    assert message.to == ["provider_supervisor@example.lv"]
    assert case.reference in message.body
    assert f"https://nrm.example.lv/{settings.LANGUAGE_CODE}/cases/referrals/{referral.pk}/" in message.body
    for secret in [*SYNTHETIC_PERSON.secrets(), SYNTHETIC_PERSON.address, steps.MESSAGE]:
        assert secret not in message.subject + message.body
    assert Notification.objects.get().sent_at is not None


def test_a_reminder_email_links_to_the_case(case_world, referred, settings):
    settings.OPENNRM_BASE_URL = "https://nrm.example.lv"
    case, _ = referred
    reflection = Deadline.objects.get(kind="reflection_period")
    assert tick(now=reflection.due_at - timedelta(days=1)).reminders == 1
    [message] = [m for m in mail.outbox if "Reflection period" in m.subject]
    assert message.to == ["social_worker@example.lv"]
    assert f"Case: {case.reference}" in message.body
    assert f"https://nrm.example.lv/{settings.LANGUAGE_CODE}/cases/{case.reference}/" in message.body
    for secret in SYNTHETIC_PERSON.secrets():
        assert secret not in message.subject + message.body


def mail_server_down(*args, **kwargs):
    raise ConnectionRefusedError("mail server down")


def test_a_failed_send_is_kept_and_tried_again(case_world, referred, monkeypatch):
    case, referral = referred
    monkeypatch.setattr(tick_module, "send_mail", mail_server_down)
    first = tick(now=referral.due_at + timedelta(minutes=1))
    assert (first.escalations, first.sent, first.failed) == (1, 0, 1)
    notification = Notification.objects.get()
    assert (notification.sent_at, notification.attempts) == (None, 1)
    monkeypatch.undo()
    again = tick(now=referral.due_at + timedelta(minutes=2))
    assert (again.escalations, again.sent, again.failed) == (0, 1, 0)
    notification.refresh_from_db()
    assert notification.sent_at is not None and notification.attempts == 2
    assert len(mail.outbox) == 1
    assert tick(now=referral.due_at + timedelta(minutes=3)).sent == 0


def test_an_email_failing_every_time_is_given_up_on_but_kept_and_counted(case_world, referred, monkeypatch):
    _, referral = referred
    monkeypatch.setattr(tick_module, "send_mail", mail_server_down)
    for minute in range(MAX_ATTEMPTS):
        assert tick(now=referral.due_at + timedelta(minutes=minute + 1)).failed == 1
    report = tick(now=referral.due_at + timedelta(hours=1))
    assert (report.failed, report.undeliverable) == (0, 1)
    assert Notification.objects.get().attempts == MAX_ATTEMPTS


def test_one_broken_case_does_not_stop_the_others(case_world, monkeypatch):
    first, second = steps.open_case(case_world), steps.open_case(case_world)
    for case in (first, second):
        steps.consent(case_world, case)
        steps.refer(case_world, case)
    broken = Referral.objects.get(case=first)
    original = tick_module._escalate_referral

    def escalate(deadline, now, report):
        if deadline.referral_id == broken.pk:
            raise RuntimeError("broken row")
        original(deadline, now, report)

    monkeypatch.setattr(tick_module, "_escalate_referral", escalate)
    report = tick(now=broken.due_at + timedelta(hours=1))
    assert report.escalations == 1
    assert len(report.problems) == 1 and "RuntimeError" in report.problems[0]
    assert Referral.objects.get(case=second).escalated_at is not None


def test_the_tick_command_prints_its_report(case_world, referred):
    out = StringIO()
    call_command("tick", stdout=out)
    assert out.getvalue().startswith("reminders: 0, escalations: 0, expired: 0, transitions: 0, e-mails sent: ")
    assert f"given up after {MAX_ATTEMPTS} attempts: 0" in out.getvalue()
