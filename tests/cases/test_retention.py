"""`opennrm retention run`: a case ended longer ago than the pack keeps it loses its personal data and keeps its
facts; everything else is left alone."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from opennrm.audit.models import AuditEvent
from opennrm.cases.models import (
    BreakGlassAccess,
    Case,
    CaseEvent,
    Consent,
    Document,
    Note,
    Person,
    Referral,
    Task,
    TransitionRecord,
)
from opennrm.cases.services.cases import break_glass_open
from opennrm.cases.services.consent import consent_withdraw
from opennrm.cases.services.referrals import referral_decline
from opennrm.cases.services.retention import case_erase, retention_run
from opennrm.cases.services.transitions import case_transition
from opennrm.cases.services.work import document_upload, note_add, task_create
from opennrm.core.errors import ApplicationError, Forbidden, NotFoundOrForbidden
from tests.cases import steps
from tests.cases.conftest import SYNTHETIC_PERSON

DAYS = 3650  # packs/lv/workflow.yaml: retention.days_after_closure
NOTE = f"{SYNTHETIC_PERSON.full_name} asked to be called only after six."


@pytest.fixture
def ended(case_world):
    """A case with every kind of free text and personal data, that the person then refused to go on with."""
    world = case_world
    case, _ = steps.to_identification(world)
    steps.consent(world, case, purpose="assistance", recipient_type="siva")
    declined = steps.refer(world, case, to="lv-siva", purpose="assistance")
    referral_decline(by=world.siva_worker, referral_id=declined.pk, reason=f"Not yet for {SYNTHETIC_PERSON.full_name}.")
    note_add(by=world.social_worker, case=case, body=NOTE)
    task_create(by=world.social_worker, case=case, title=f"Call {SYNTHETIC_PERSON.phone}")
    document_upload(
        by=world.social_worker, case=case, filename="statement.txt", content_type="text/plain", content=b"statement"
    )
    break_glass_open(by=world.emergency_officer, case=case, reason="Emergency: the person is missing since noon.")
    consent_withdraw(by=world.social_worker, consent=Consent.objects.first(), note=NOTE)
    case_transition(by=world.social_worker, case=case, transition="person_refuses", reason=steps.REASON)
    return steps.refresh(case)


def test_a_case_past_its_retention_period_keeps_only_its_facts(case_world, ended):
    case = ended
    report = retention_run(now=case.ended_at + timedelta(days=DAYS, minutes=1))
    assert report.erased == [case.reference]
    case = steps.refresh(case)
    assert case.erased_at is not None
    assert (case.state, case.state_kind, case.population, case.nationality) == (
        "refused",
        "outcome",
        "adult",
        "third_country_national",
    )
    assert (case.forms, case.countries, case.municipality.code) == (["ForcedLabour"], ["LV", "UA"], "riga")
    person = Person.objects.get(case=case)
    for name in Person.IDENTITY_FIELDS + Person.CONTACT_FIELDS:
        assert getattr(person, name) == "", name
    assert person.blind_index == ""
    assert (person.sex, person.age_band, person.citizenship, person.languages) == ("Feminine", "25-34", ["UA"], ["uk"])
    assert not Note.objects.exists() and not Task.objects.exists() and not Document.objects.exists()
    assert set(TransitionRecord.objects.values_list("reason", flat=True)) == {""}
    assert list(TransitionRecord.objects.values_list("transition", flat=True)) == [
        "refer",
        "start_identification",
        "person_refuses",
    ]
    for referral in Referral.objects.all():
        assert (referral.message, referral.decline_reason, referral.legal_duty_justification) == ("", "", "")
    assert {(c.giver_details, c.withdrawal_note) for c in Consent.objects.all()} == {("", "")}
    assert set(BreakGlassAccess.objects.values_list("reason", flat=True)) == {""}
    assert CaseEvent.objects.filter(case=case, kind="case.erased").exists()
    audit = AuditEvent.objects.get(action="case.erased")
    assert (audit.actor, audit.purpose) == (None, "retention")


def test_an_erased_case_is_not_erased_twice_nor_changed_again(case_world, ended):
    later = ended.ended_at + timedelta(days=DAYS + 1)
    retention_run(now=later)
    assert retention_run(now=later + timedelta(days=1)).erased == []
    assert AuditEvent.objects.filter(action="case.erased").count() == 1
    # Its assignments ended with it; a head of the institution still finds the case, but cannot change it.
    with pytest.raises(NotFoundOrForbidden):
        note_add(by=case_world.social_worker, case=steps.refresh(ended), body="Anything.")
    with pytest.raises(Forbidden):
        note_add(by=case_world.social_supervisor, case=steps.refresh(ended), body="Anything.")


def test_a_case_inside_its_retention_period_is_untouched(case_world, ended):
    open_case = steps.open_case(case_world)
    report = retention_run(now=ended.ended_at + timedelta(days=DAYS - 1))
    assert report.erased == [] and report.due == []
    assert Person.objects.get(case=ended).given_name == SYNTHETIC_PERSON.given_name
    assert Note.objects.get().body == NOTE
    assert not Case.objects.filter(erased_at__isnull=False).exists()
    # An open case has no period running at all, however old.
    assert retention_run(now=timezone.now() + timedelta(days=DAYS * 3)).erased == [ended.reference]
    assert Person.objects.get(case=open_case).given_name == SYNTHETIC_PERSON.given_name


def test_a_dry_run_lists_what_is_due_and_changes_nothing(case_world, ended):
    events = AuditEvent.objects.count()
    report = retention_run(now=ended.ended_at + timedelta(days=DAYS + 1), dry_run=True)
    assert (report.due, report.erased) == ([ended.reference], [])
    assert steps.refresh(ended).erased_at is None
    assert Person.objects.get(case=ended).given_name == SYNTHETIC_PERSON.given_name
    assert AuditEvent.objects.count() == events


def test_erasing_needs_an_ended_case(case_world):
    with pytest.raises(ApplicationError):
        case_erase(case=steps.open_case(case_world))


def test_the_retention_command(case_world, ended):
    Case.objects.filter(pk=ended.pk).update(ended_at=timezone.now() - timedelta(days=DAYS + 2))
    out = StringIO()
    call_command("retention", "run", "--dry-run", stdout=out)
    assert out.getvalue().splitlines() == ["1 case(s) due for erasure", f"  {ended.reference}"]
    assert steps.refresh(ended).erased_at is None
    out = StringIO()
    call_command("retention", "run", stdout=out)
    assert out.getvalue().strip() == "1 case(s) erased"
    assert steps.refresh(ended).erased_at is not None
