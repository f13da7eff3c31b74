"""Shared fixtures for the coordination tests: a plan in force, its institutions, and one user per role.

`coord` (function-scoped, in the test's database) is a namespace:
  institutions: coord.ministry (the coordinator's), coord.inst_a, coord.inst_b, coord.ngo
  users: coord.coordinator (ministry), coord.reporter_a (inst_a), coord.reporter_b (inst_b), coord.member
         (working-group member, inst_a), coord.observer (ngo), coord.staff (inst_a, no coordination capability)
  coord.plan (code "test-plan", in force, 2025-01-01..2027-12-31), coord.goals["1"|"2"],
  coord.measures["1.1"|"1.2"|"2.1"]: 1.1 inst_a (co-responsible inst_b), 1.2 inst_b, 2.1 ngo (co-responsible inst_a)
  coord.period ("2025", 2025-01-01..2025-12-31, due 2026-01-31)
`group` adds coord.group with memberships of ministry, inst_a, inst_b and ngo (delegate of inst_a: coord.member),
a held meeting (coord.meeting_held, 2025-03-10) with a decision and a task for inst_a, and a planned one
(coord.meeting_planned, a month from now).
Every e-mail address is <username>@example.lv; every name is obviously synthetic.
"""

from datetime import date, datetime, timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from opennrm.core.capabilities import Capability
from tests.factories import InstitutionFactory, InstitutionTypeFactory, RoleFactory, UnitFactory, UserFactory

ROLE_CAPABILITIES = {
    "coordinator": [Capability.COORDINATION_MANAGE, Capability.COORDINATION_MEETINGS, Capability.COORDINATION_VIEW],
    "reporter": [Capability.COORDINATION_REPORT, Capability.COORDINATION_VIEW],
    "member": [Capability.COORDINATION_MEETINGS, Capability.COORDINATION_VIEW],
    "observer": [Capability.COORDINATION_VIEW],
    # Signed in, with a capability of another module only.
    "staff": [Capability.STATS_VIEW],
}

PLAN_YAML = """\
format: opennrm-action-plan/1
plan:
  code: test-plan
  title: {lv: "Testa plāns 2025–2027", en: "Test plan 2025–2027", ru: "Тестовый план 2025–2027"}
  period_start: 2025-01-01
  period_end: 2027-12-31
  approving_act: "Test order No. 1"
  status: in_force
change_note: "First version."
goals:
  - code: "1"
    title: {lv: "Novēršana", en: "Prevention", ru: "Предотвращение"}
    measures:
      - code: "1.1"
        text: {lv: "Apmācīt speciālistus", en: "Train specialists", ru: "Обучить специалистов"}
        responsible: test-inst-a
        co_responsible: [test-inst-b]
        deadline: 2026-12-31
        indicator: {en: "Specialists trained"}
        baseline: 0
        target: 300
        unit: people
        funding_source: State budget
      - code: "1.2"
        text: {en: "Run an awareness campaign"}
        responsible: test-inst-b
        indicator: {en: "Campaigns run"}
        baseline: 0
        target: 3
        unit: campaigns
  - code: "2"
    title: {en: "Support"}
    measures:
      - code: "2.1"
        text: {en: "Keep a hotline open"}
        responsible: test-ngo
        co_responsible: [test-inst-a]
reporting_periods:
  - {name: "2025", starts_on: 2025-01-01, ends_on: 2025-12-31, due_on: 2026-01-31}
"""


def make_user(role: str, institution, *, username: str):
    unit = institution.units.first() or UnitFactory(institution=institution)
    return UserFactory(
        username=username,
        email=f"{username}@example.lv",
        unit=unit,
        roles=[RoleFactory(code=f"test_{role}", capabilities=list(ROLE_CAPABILITIES[role]))],
    )


def build_coordination_world():
    """The world described in this module's docstring (plain function: browser fixtures can call it too)."""
    from opennrm.coordination.selectors import periods_of
    from opennrm.coordination.services import plan_import

    kind = InstitutionTypeFactory(code="test_body")
    world = SimpleNamespace(
        ministry=InstitutionFactory(code="test-ministry", type=kind, names={"en": "Test Ministry"}),
        inst_a=InstitutionFactory(code="test-inst-a", type=kind, names={"en": "Test Institution A"}),
        inst_b=InstitutionFactory(code="test-inst-b", type=kind, names={"en": "Test Institution B"}),
        ngo=InstitutionFactory(code="test-ngo", type=kind, names={"en": "Test NGO"}),
    )
    world.coordinator = make_user("coordinator", world.ministry, username="test.coordinator")
    world.reporter_a = make_user("reporter", world.inst_a, username="test.reporter.a")
    world.reporter_b = make_user("reporter", world.inst_b, username="test.reporter.b")
    world.member = make_user("member", world.inst_a, username="test.member")
    world.observer = make_user("observer", world.ngo, username="test.observer")
    world.staff = make_user("staff", world.inst_a, username="test.staff")
    result = plan_import(content=PLAN_YAML.encode(), filename="plan.yaml", by=world.coordinator)
    world.plan = result.plan
    world.goals = {goal.code: goal for goal in world.plan.goals.all()}
    world.measures = {measure.code: measure for measure in world.plan.measures.all()}
    world.period = periods_of(plan=world.plan).get(name="2025")
    return world


@pytest.fixture
def coord(db):
    return build_coordination_world()


def add_working_group(world):
    from opennrm.coordination.services import (
        TaskSpec,
        decision_record,
        meeting_create,
        membership_create,
        working_group_create,
    )

    by = world.coordinator
    world.group = working_group_create(
        by=by, code="test-group", name={"en": "Test working group"}, established_by="Test order No. 2"
    )
    since = date(2024, 1, 1)
    world.memberships = {
        institution.code: membership_create(
            group=world.group,
            by=by,
            institution=institution,
            since=since,
            delegate=world.member if institution == world.inst_a else None,
            delegate_name="" if institution == world.inst_a else "Test Delegate",
            substitute_name="Test Substitute",
        )
        for institution in (world.ministry, world.inst_a, world.inst_b, world.ngo)
    }
    world.meeting_held = meeting_create(
        group=world.group,
        by=by,
        starts_at=timezone.make_aware(datetime(2025, 3, 10, 10, 0)),
        place="Test room 1",
        agenda="1. Test agenda item",
    )
    world.decision = decision_record(
        meeting=world.meeting_held,
        by=by,
        text="Prepare a test overview.",
        tasks=[TaskSpec(owner_institution=world.inst_a, text="Send the test overview.", deadline=date(2025, 6, 1))],
    )
    world.task = world.decision.tasks.get()
    world.meeting_planned = meeting_create(
        group=world.group,
        by=by,
        starts_at=timezone.now().replace(microsecond=0) + timedelta(days=30),
        place="Test room 2",
        agenda="1. Next test item",
    )
    return world


@pytest.fixture
def group(coord):
    return add_working_group(coord)
