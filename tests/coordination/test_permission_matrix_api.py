"""The permission ladder of every coordination API endpoint: role × own/other institution × endpoint.

Rungs: anonymous (401), plain staff with no coordination capability, an observer, a working-group member of
institution A (which owns the decision task in question) and one of institution B, a reporter of institution A
(responsible or co-responsible for the measure in question: "own") and one of institution B ("other"), and the
coordinator. Allowed answers 200/201; a refusal is 403, or 404 where the object is not visible at all.

Each case runs every rung against one world, each request inside a transaction that is rolled back, so a write
allowed for one rung does not change what the next rung meets.
tests/test_permissions.py checks that every route of the project is covered here or in another matrix.
"""

import json
from dataclasses import dataclass, field

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import get_resolver, reverse
from django.urls.resolvers import URLResolver

from opennrm.accounts.services import api_token_issue
from opennrm.coordination.services import plan_update, report_save_draft, report_submit
from tests.coordination.conftest import PLAN_YAML, make_user

ANONYMOUS, STAFF, OBSERVER, MEMBER_A, MEMBER_B, REPORTER_A, REPORTER_B, COORDINATOR = (
    "anonymous",
    "staff",
    "observer",
    "member_a",
    "member_b",
    "reporter_a",
    "reporter_b",
    "coordinator",
)
EVERYONE = frozenset({ANONYMOUS, STAFF, OBSERVER, MEMBER_A, MEMBER_B, REPORTER_A, REPORTER_B, COORDINATOR})
READERS = EVERYONE - {ANONYMOUS, STAFF}
MANAGER = frozenset({COORDINATOR})


@dataclass(frozen=True)
class Case:
    """One request: `path` is filled with the world's ids (e.g. "/reports/{submitted}")."""

    route: str
    allowed: frozenset[str]
    path: str
    method: str = "get"
    body: dict = field(default_factory=dict)
    multipart: bool = False
    label: str = ""


BASE = "/api/v1/coordination"
MEETING = {"starts_at": "2027-03-01T10:00:00+02:00", "place": "Room 1", "agenda": "1. Item"}
REPORT_2_1 = {"measure": "{m2_1}", "period": "{period}", "status": "delayed", "narrative": "Kavējas (test)."}
REPORT_1_2 = {"measure": "{m1_2}", "period": "{period}", "status": "on_track"}

CASES = [
    # Plans
    Case("coordination_plans_list", READERS, "/plans"),
    Case("coordination_plan_get", READERS, "/plans/test-plan"),
    Case("coordination_plan_get", MANAGER, "/plans/draft-plan", label="a draft plan"),
    Case("coordination_plan_versions", READERS, "/plans/test-plan/versions"),
    Case("coordination_periods_list", READERS, "/plans/test-plan/periods"),
    Case("coordination_plan_progress", READERS, "/plans/test-plan/progress?period={period}"),
    Case(
        "coordination_plan_import",
        MANAGER,
        "/plans/import",
        method="post",
        multipart=True,
        body={"file": "matrix-plan", "change_note": "Matrix."},
    ),
    Case(
        "coordination_plan_update",
        MANAGER,
        "/plans/test-plan",
        method="patch",
        body={"change_note": "Matrix.", "approving_act": "Test order No. 9"},
    ),
    Case(
        "coordination_period_create",
        MANAGER,
        "/plans/test-plan/periods",
        method="post",
        body={"name": "2026", "starts_on": "2026-01-01", "ends_on": "2026-12-31", "due_on": "2027-01-31"},
    ),
    # Measures
    Case("coordination_measures_list", READERS, "/measures?plan=test-plan"),
    Case("coordination_measures_list", READERS, "/measures?mine=true", label="the caller's own"),
    Case("coordination_measure_get", READERS, "/measures/{m1_1}"),
    Case("coordination_measure_get", MANAGER, "/measures/{draft_measure}", label="a measure of a draft plan"),
    Case(
        "coordination_measure_update",
        MANAGER,
        "/measures/{m1_1}",
        method="patch",
        body={"change_note": "Matrix.", "target": "310"},
    ),
    # Reports
    Case("coordination_reports_list", READERS, "/reports?period={period}"),
    Case("coordination_report_get", READERS, "/reports/{submitted}"),
    Case("coordination_report_get", frozenset({REPORTER_A}), "/reports/{draft}", label="a draft of institution A"),
    Case(
        "coordination_report_submit",
        frozenset({REPORTER_A}),
        "/reports",
        method="put",
        body=REPORT_2_1,
        label="measure 2.1: A co-responsible, B not",
    ),
    Case(
        "coordination_report_submit",
        frozenset({REPORTER_B}),
        "/reports",
        method="put",
        body=REPORT_1_2,
        label="measure 1.2: B responsible, A not",
    ),
    Case(
        "coordination_report_request_clarification",
        MANAGER,
        "/reports/{submitted}/clarification",
        method="post",
        body={"comment": "Why?"},
    ),
    Case("coordination_report_accept", MANAGER, "/reports/{submitted}/accept", method="post", body={"comment": ""}),
    # Working group
    Case("coordination_working_group", READERS, "/working-group"),
    Case("coordination_meetings_list", READERS, "/meetings"),
    Case("coordination_meeting_get", READERS, "/meetings/{held}"),
    Case("coordination_meeting_create", MANAGER, "/meetings", method="post", body=MEETING),
    Case(
        "coordination_decision_record",
        MANAGER,
        "/meetings/{held}/decisions",
        method="post",
        body={"text": "Matrix decision.", "tasks": [{"owner_institution": "test-inst-b", "text": "Do it."}]},
    ),
    Case("coordination_decisions_list", READERS, "/decisions"),
    Case(
        "coordination_decision_task_done",
        frozenset({COORDINATOR, MEMBER_A}),
        "/decision-tasks/{task}/done",
        method="post",
        body={"note": "Done."},
        label="a task of institution A",
    ),
]

COVERED_ROUTES: set[str] = {f"api-v1:{case.route}" for case in CASES}


class World:
    def __init__(self, group):
        self.group = group
        member_b = make_user("member", group.inst_b, username="test.member.b")
        self.users = {
            STAFF: group.staff,
            OBSERVER: group.observer,
            MEMBER_A: group.member,
            MEMBER_B: member_b,
            REPORTER_A: group.reporter_a,
            REPORTER_B: group.reporter_b,
            COORDINATOR: group.coordinator,
        }
        submitted = report_submit(
            measure=group.measures["1.1"], period=group.period, by=group.reporter_a, status="on_track"
        )
        draft = report_save_draft(
            measure=group.measures["2.1"], period=group.period, by=group.reporter_a, status="on_track"
        )
        from opennrm.coordination.services import plan_import

        draft_plan = plan_import(
            content=PLAN_YAML.replace("code: test-plan", "code: draft-plan").replace("in_force", "draft").encode(),
            filename="draft.yaml",
            by=group.coordinator,
        ).plan
        self.ids = {
            "period": group.period.pk,
            "m1_1": group.measures["1.1"].pk,
            "m1_2": group.measures["1.2"].pk,
            "m2_1": group.measures["2.1"].pk,
            "draft_measure": draft_plan.measures.get(code="1.1").pk,
            "submitted": submitted.pk,
            "draft": draft.pk,
            "held": group.meeting_held.pk,
            "task": group.task.pk,
        }

    def fill(self, value):
        if isinstance(value, str):
            if value.startswith("{") and value.endswith("}") and value[1:-1] in self.ids:
                return self.ids[value[1:-1]]
            return value.format(**self.ids)
        if isinstance(value, dict):
            return {key: self.fill(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.fill(item) for item in value]
        return value


@pytest.fixture
def world(group):
    return World(group)


def _request(client, world: World, case: Case, rung: str):
    headers = {}
    if rung != ANONYMOUS:
        _token, secret = api_token_issue(user=world.users[rung], name="matrix")
        headers["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    url = BASE + world.fill(case.path)
    method = getattr(client, case.method)
    if case.multipart:
        content = PLAN_YAML.replace("code: test-plan", f"code: {case.body['file']}").encode()
        data = {"file": SimpleUploadedFile("plan.yaml", content), "change_note": case.body["change_note"]}
        return client.post(url, data=data, **headers)
    if case.method == "get":
        return method(url, **headers)
    return method(url, data=json.dumps(world.fill(case.body)), content_type="application/json", **headers)


def _outcome(response, rung: str) -> str:
    if rung == ANONYMOUS:
        return "refused" if response.status_code == 401 else f"status {response.status_code}"
    if response.status_code in (200, 201):
        return "allowed"
    if response.status_code in (403, 404):
        return "refused"
    return f"status {response.status_code}: {response.content[:200]!r}"


def test_every_coordination_api_route_is_in_this_matrix():
    def names(patterns, namespace=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}:{pattern.namespace}".strip(":") if pattern.namespace else namespace
                yield from names(pattern.url_patterns, inner)
            elif pattern.name:
                yield f"{namespace}:{pattern.name}".strip(":")

    routes = {name for name in names(get_resolver().url_patterns) if name.startswith("api-v1:coordination_")}
    assert routes == COVERED_ROUTES
    assert reverse("api-v1:coordination_plans_list") == f"{BASE}/plans"


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.route}{' (' + c.label + ')' if c.label else ''}")
def test_the_ladder(client, world, case):
    outcomes = {}
    for rung in sorted(EVERYONE):
        with transaction.atomic():
            response = _request(client, world, case, rung)
            transaction.set_rollback(True)
        outcomes[rung] = _outcome(response, rung)
    expected = {rung: "allowed" if rung in case.allowed else "refused" for rung in EVERYONE}
    assert outcomes == expected


def test_a_refusal_changes_nothing(client, world):
    """Outside the rolled-back ladder: a refused write leaves no trace, an allowed one does."""
    plan = world.group.plan
    for rung in (OBSERVER, MEMBER_A, REPORTER_A):
        case = next(c for c in CASES if c.route == "coordination_plan_update")
        assert _request(client, world, case, rung).status_code == 403
    plan.refresh_from_db()
    assert plan.current_version == 1
    case = next(c for c in CASES if c.route == "coordination_plan_update")
    assert _request(client, world, case, COORDINATOR).status_code == 200
    plan.refresh_from_db()
    assert plan.current_version == 2


def test_an_archived_plan_is_readable_but_not_reported_on(client, world):
    plan_update(plan=world.group.plan, by=world.group.coordinator, change_note="Archived.", status="archived")
    read = next(c for c in CASES if c.route == "coordination_plan_get" and not c.label)
    assert _outcome(_request(client, world, read, OBSERVER), OBSERVER) == "allowed"
    write = next(c for c in CASES if c.route == "coordination_report_submit" and "2.1" in c.label)
    response = _request(client, world, write, REPORTER_A)
    assert response.status_code == 400 and response.json()["field"] == "measure"
