"""The demo: a user for every role of the pack, and a few dozen synthetic cases in every state, made by the services."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from opennrm.accounts.demo import DEMO_USERS, demo_users_create
from opennrm.accounts.models import User
from opennrm.audit.models import AuditEvent
from opennrm.cases.demo import DEMO_CASE_COUNT, demo_cases_create
from opennrm.cases.models import (
    BreakGlassAccess,
    Case,
    CaseEvent,
    Consent,
    Deadline,
    Document,
    Note,
    Notification,
    Person,
    Referral,
    Task,
    TransitionRecord,
)
from opennrm.core.errors import ApplicationError
from opennrm.jurisdiction.selectors import version_pack

# Everything a demo run writes: a second run must leave every one of these as it was.
WRITTEN = (
    Case,
    Person,
    Consent,
    Referral,
    Deadline,
    TransitionRecord,
    CaseEvent,
    Note,
    Task,
    Document,
    BreakGlassAccess,
    Notification,
)


def _counts() -> dict[str, int]:
    counts = {model.__name__: model.objects.count() for model in WRITTEN}
    counts["case audit events"] = AuditEvent.objects.filter(object_type="case").count()
    return counts


def test_demo_users_cover_every_role_of_the_published_pack(case_world):
    pack_roles = {role.id for role in version_pack(case_world.version).roles}
    demo_roles = {role for spec in DEMO_USERS for role in spec.roles}
    assert pack_roles <= demo_roles, f"roles without a demo user: {sorted(pack_roles - demo_roles)}"
    # Each role in an institution of a type the pack allows it in (user_create refuses any other).
    logins = demo_users_create()
    assert {login.username for login in logins} == {spec.username for spec in DEMO_USERS}
    for user in User.objects.filter(username__in=[spec.username for spec in DEMO_USERS]):
        assert user.email == f"{user.username}@example.lv"
    held = {role.code for user in User.objects.filter(username__startswith="demo.") for role in user.active_roles()}
    assert pack_roles <= held


def test_demo_cases_need_the_demo_users_first(case_world):
    with pytest.raises(ApplicationError, match="demo.social"):
        demo_cases_create()
    assert not Case.objects.exists()


def _assert_demo_cases_are_varied_and_made_by_the_services(workflow):
    assert set(Case.objects.values_list("state", flat=True)) == {state.id for state in workflow.states}
    assert Case.objects.count() == DEMO_CASE_COUNT
    assert 24 <= DEMO_CASE_COUNT <= 60

    cases = Case.objects.select_related("person", "municipality")
    assert {case.population for case in cases} == {"adult", "child"}
    assert {case.nationality for case in cases} == {"national", "eu_citizen", "third_country_national"}
    assert len({case.municipality.code for case in cases}) >= 5
    assert len({form for case in cases for form in case.forms}) >= 5
    # Obviously fake people.
    for case in cases:
        person = case.person
        assert person.given_name == "Demo" and person.family_name.startswith("Persona ")
        assert person.personal_code.startswith("000000-")
        assert person.email.endswith("@example.lv") and person.phone.startswith("+371 2009")
    # Every step went through a service: its timeline line and its audit event are there.
    assert AuditEvent.objects.filter(action="case.opened").count() == DEMO_CASE_COUNT
    transitions = TransitionRecord.objects.count()
    assert AuditEvent.objects.filter(action="case.transition").count() == transitions
    assert CaseEvent.objects.filter(kind="transition.performed").count() == transitions
    assert AuditEvent.objects.filter(action="referral.sent").count() == Referral.objects.count()
    assert Note.objects.exists() and Document.objects.exists() and Notification.objects.exists()
    assert Task.objects.filter(done_at__isnull=True).exists() and Task.objects.filter(done_at__isnull=False).exists()

    now = timezone.now()
    waiting = Referral.objects.filter(status=Referral.Status.SENT)
    assert waiting.filter(due_at__lt=now).count() == 1, "one waiting referral is overdue"
    overdue = waiting.get(due_at__lt=now)
    assert Deadline.objects.get(referral=overdue).due_at == overdue.due_at < now
    assert waiting.filter(due_at__gt=now).count() >= 3
    assert {r.to_institution.code for r in waiting} >= {"lv-provider-marta", "lv-state-police", "lv-siva"}
    assert Referral.objects.filter(status=Referral.Status.DECLINED).exists()
    assert Referral.objects.filter(needs_review=True, legal_duty_exception="child_in_danger").exists()
    assert BreakGlassAccess.objects.exists()
    assert Deadline.objects.filter(kind="reflection_period", status=Deadline.Status.RUNNING).exists()
    assert Deadline.objects.filter(kind="rehabilitation_service", status=Deadline.Status.RUNNING).exists()
    # A child's case has the orphan's court and the inspectorate as parties, and the court's worker assigned.
    child = Case.objects.filter(population="child").first()
    assert {"lv-orphans-court-riga", "lv-children-rights-inspectorate"} <= set(
        child.parties.values_list("institution__code", flat=True)
    )
    assert child.assignments.filter(user__username="demo.orphanscourt").exists()


# One test for the whole run: making three dozen cases through the services takes seconds, not milliseconds.
def test_demo_load_names_every_login_makes_cases_in_every_state_and_a_second_run_changes_nothing(case_world, settings):
    settings.OPENNRM_ALLOW_DEMO = True
    out = StringIO()
    call_command("demo", "load", stdout=out)
    output = out.getvalue()
    for spec in DEMO_USERS:
        assert f"  {spec.username} " in output
    two_factor = User.objects.filter(username__startswith="demo.")
    keyed = sum(1 for user in two_factor if user.requires_two_factor)
    assert keyed >= 10
    assert output.count("demo two-factor key (add to an authenticator app): ") == keyed
    workflow = version_pack(case_world.version).workflow
    states = len(workflow.states)
    assert f"Demo cases: {DEMO_CASE_COUNT} in {states} states ({DEMO_CASE_COUNT} new)" in output
    _assert_demo_cases_are_varied_and_made_by_the_services(workflow)

    before = _counts()
    again = StringIO()
    call_command("demo", "load", stdout=again)
    assert f"Demo cases: {DEMO_CASE_COUNT} in {states} states (0 new)" in again.getvalue()
    assert _counts() == before
    summary = demo_cases_create()
    assert summary.created == 0 and summary.total == DEMO_CASE_COUNT and len(summary.states) == states
    assert str(summary) == f"{DEMO_CASE_COUNT} in {states} states"
    assert _counts() == before
