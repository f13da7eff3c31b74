"""Reminders through `opennrm tick`: before the due date and after it, to the institutions still owing reports, once."""

from datetime import datetime, timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from opennrm.audit.models import AuditEvent
from opennrm.coordination import notifications
from opennrm.coordination.models import ActionPlan, Notice
from opennrm.coordination.services import (
    coordination_tick,
    period_create,
    plan_update,
    reminders_send,
    report_save_draft,
    report_submit,
)


def at(day: str):
    return timezone.make_aware(datetime.fromisoformat(f"{day}T09:00"))


def _reminded(kind: str) -> dict[str, int]:
    return {n.recipient.username: n.details["missing"] for n in Notice.objects.filter(kind=kind)}


def test_a_week_before_the_due_date_each_institution_owing_reports_is_reminded_once(coord):
    assert reminders_send(now=at("2026-01-23")) == 0  # eight days before: not yet
    assert reminders_send(now=at("2026-01-24")) == 2
    # Institution A owes 1.1 and (co-responsible) 2.1; B owes 1.1 (co-responsible) and 1.2. The NGO has no reporter.
    assert _reminded("report.due") == {"test.reporter.a": 2, "test.reporter.b": 2}
    assert reminders_send(now=at("2026-01-30")) == 0
    event = AuditEvent.objects.filter(action="coordination.report_due_reminder").order_by("seq").first()
    assert event.actor is None and event.new_values["recipients"] == 1
    assert event.purpose == "action plan reporting reminders"


def test_an_institution_that_has_submitted_everything_is_not_reminded(coord):
    report_submit(measure=coord.measures["1.1"], period=coord.period, by=coord.reporter_a, status="on_track")
    # A draft is not a report yet.
    report_save_draft(measure=coord.measures["2.1"], period=coord.period, by=coord.reporter_a, status="on_track")
    reminders_send(now=at("2026-01-25"))
    assert _reminded("report.due") == {"test.reporter.a": 1, "test.reporter.b": 2}
    report_submit(measure=coord.measures["2.1"], period=coord.period, by=coord.reporter_a, status="on_track")
    report_submit(measure=coord.measures["1.2"], period=coord.period, by=coord.reporter_b, status="on_track")
    report_submit(measure=coord.measures["1.1"], period=coord.period, by=coord.reporter_b, status="on_track")
    assert reminders_send(now=at("2026-02-02")) == 0


def test_after_the_due_date_missing_reports_are_overdue_for_a_month(coord):
    reminders_send(now=at("2026-01-25"))
    assert reminders_send(now=at("2026-02-01")) == 2
    assert _reminded("report.overdue") == {"test.reporter.a": 2, "test.reporter.b": 2}
    assert reminders_send(now=at("2026-02-10")) == 0
    Notice.objects.all().delete()
    assert reminders_send(now=at("2026-03-04")) == 0  # past the window: an old period is not chased for ever


def test_plans_not_in_force_are_not_chased(coord):
    plan_update(plan=coord.plan, by=coord.coordinator, change_note="Archived.", status=ActionPlan.Status.ARCHIVED)
    assert reminders_send(now=at("2026-01-25")) == 0


def test_inactive_reporters_and_reporters_without_email_are_skipped(coord):
    coord.reporter_a.is_active = False
    coord.reporter_a.save()
    coord.reporter_b.email = ""
    coord.reporter_b.save()
    assert reminders_send(now=at("2026-01-25")) == 0


def test_tick_sends_the_reminders_as_e_mail_with_a_link_and_no_report_text(coord, settings):
    settings.OPENNRM_BASE_URL = "https://nrm.example.lv"
    today = timezone.localdate()
    period_create(
        plan=coord.plan,
        by=coord.coordinator,
        name="Now",
        starts_on=today - timedelta(days=40),
        ends_on=today - timedelta(days=1),
        due_on=today + timedelta(days=3),
    )
    report_save_draft(
        measure=coord.measures["1.2"],
        period=coord.plan.periods.get(name="Now"),
        by=coord.reporter_b,
        status="delayed",
        narrative="Secret draft words",
    )
    mail.outbox.clear()
    out = StringIO()
    call_command("tick", stdout=out)
    assert "action plan reminders: 2, e-mails sent: 2, not sent: 0" in out.getvalue()
    subjects = {message.to[0]: message.subject for message in mail.outbox}
    assert subjects == {
        "test.reporter.a@example.lv": "OpenNRM: Progress reports on the action plan are due soon",
        "test.reporter.b@example.lv": "OpenNRM: Progress reports on the action plan are due soon",
    }
    body = next(m.body for m in mail.outbox if m.to == ["test.reporter.b@example.lv"])
    assert "Reports still missing from your institution: 2." in body
    assert "https://nrm.example.lv/" in body
    assert "Secret draft words" not in body
    out = StringIO()
    call_command("tick", stdout=out)
    assert "action plan reminders: 0, e-mails sent: 0" in out.getvalue()


def test_a_failing_mail_server_is_retried_then_given_up(coord, monkeypatch):
    reminders_send(now=at("2026-01-25"))

    def broken(*args, **kwargs):
        raise OSError("mail server down")

    monkeypatch.setattr(notifications, "send_mail", broken)
    for _ in range(notifications.MAX_ATTEMPTS):
        report = coordination_tick(now=at("2026-01-26"))
        assert (report.sent, report.failed) == (0, 2)
    report = coordination_tick(now=at("2026-01-26"))
    assert (report.failed, report.undeliverable) == (0, 2)
    assert not Notice.objects.filter(sent_at__isnull=False).exists()


def test_one_broken_period_does_not_stop_the_others(coord, monkeypatch):
    from opennrm.coordination.services import reminders

    period_create(
        plan=coord.plan,
        by=coord.coordinator,
        name="Other",
        starts_on="2025-01-01",
        ends_on="2025-12-31",
        due_on="2026-01-30",
    )
    real = reminders._remind
    calls = []

    def flaky(period, *, overdue):
        calls.append(period.name)
        if period.name == "2025":
            raise RuntimeError("broken")
        return real(period, overdue=overdue)

    monkeypatch.setattr(reminders, "_remind", flaky)
    report = coordination_tick(now=at("2026-01-25"))
    assert sorted(calls) == ["2025", "Other"]
    assert report.reminders == 2
    assert report.problems and "RuntimeError" in report.problems[0]


@pytest.mark.parametrize(
    ("kind", "details", "expected"),
    [
        ("report.submitted", {"report": 1, "measure_code": "1.1"}, "Measure: 1.1"),
        ("meeting.scheduled", {"meeting": 1, "starts_at": "2026-05-05 10:00"}, "Date: 2026-05-05 10:00"),
        ("decision.recorded", {"decision": 1, "decision_number": "2026/3", "meeting": 1}, "Decision: 2026/3"),
    ],
)
def test_each_kind_of_notice_has_its_own_subject_and_line(coord, kind, details, expected):
    notice = Notice.objects.create(recipient=coord.reporter_a, key=f"test:{kind}", kind=kind, details=details)
    subject, body = notifications.notice_message(notice)
    assert subject != "OpenNRM: News from the working group"
    assert expected in body
