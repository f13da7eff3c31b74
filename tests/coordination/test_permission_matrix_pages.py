"""The permission ladder of every coordination page: role × own/other institution × page.

Rungs: anonymous (→ sign-in), the coordinator, a reporter of the institution responsible for the measure in question
(own), a reporter of another institution (other), a working-group member (whose institution owns the decision task in
question), an observer, and plain staff with no coordination capability. A refusal is 403, or 404 where the object
is not visible at all ("not found" and "not allowed" answer the same).

tests/test_permissions.py checks that every route of the project is covered here or in another matrix.
"""

from dataclasses import dataclass, field

import pytest
from django.urls import get_resolver, reverse
from django.urls.resolvers import URLResolver

from opennrm.accounts.testing import force_login_verified

ANONYMOUS, COORDINATOR, REPORTER_OWN, REPORTER_OTHER, MEMBER, OBSERVER, STAFF = (
    "anonymous",
    "coordinator",
    "reporter_own",
    "reporter_other",
    "member",
    "observer",
    "staff",
)
EVERYONE = frozenset({ANONYMOUS, COORDINATOR, REPORTER_OWN, REPORTER_OTHER, MEMBER, OBSERVER, STAFF})
READERS = frozenset({COORDINATOR, REPORTER_OWN, REPORTER_OTHER, MEMBER, OBSERVER})
MANAGER = frozenset({COORDINATOR})
REPORTERS = frozenset({REPORTER_OWN, REPORTER_OTHER})
WORKING_GROUP = frozenset({COORDINATOR, MEMBER})


@dataclass(frozen=True)
class Page:
    allowed: frozenset[str]
    kwargs: tuple[str, ...] = ()
    method: str = "get"
    query: dict = field(default_factory=dict)
    data: dict = field(default_factory=dict)


PAGES: dict[str, Page] = {
    "dashboard": Page(READERS),
    "exports": Page(READERS),
    "export_xlsx": Page(READERS, query={"language": "en"}),
    "export_pdf": Page(READERS, query={"language": "en"}),
    "plans": Page(READERS),
    "plan_import": Page(MANAGER),
    "plan_import_template": Page(MANAGER),
    "plan": Page(READERS, kwargs=("code",)),
    "plan_edit": Page(MANAGER, kwargs=("code",)),
    "plan_versions": Page(READERS, kwargs=("code",)),
    "goal_new": Page(MANAGER, kwargs=("code",)),
    "goal_edit": Page(MANAGER, kwargs=("code", "goal_id")),
    "measure_new": Page(MANAGER, kwargs=("code",)),
    "periods": Page(READERS, kwargs=("code",)),
    "period_edit": Page(MANAGER, kwargs=("period_id",)),
    # The period has a report, so the coordinator's request is answered with a message and nothing is removed.
    "period_delete": Page(MANAGER, kwargs=("period_id",), method="post"),
    "measure": Page(READERS, kwargs=("measure_id",)),
    "measure_edit": Page(MANAGER, kwargs=("measure_id",)),
    "my_reports": Page(REPORTERS),
    # Only the reporters of the institutions responsible for the measure write its report.
    "report_form": Page({REPORTER_OWN}, kwargs=("measure_id", "period_id")),
    "reports": Page(READERS),
    "review_queue": Page(MANAGER),
    "report": Page(READERS, kwargs=("report_id",)),
    # Asking for clarification without a question: the coordinator's form answers 400, the report stays as it is.
    "report_review": Page(MANAGER, kwargs=("report_id",), method="post", data={"decision": "clarify"}),
    "members": Page(READERS),
    "group_edit": Page(MANAGER),
    "public_working_group": Page(EVERYONE),
    "membership_new": Page(MANAGER),
    "membership_edit": Page(MANAGER, kwargs=("membership_id",)),
    "meetings": Page(READERS),
    "meeting_new": Page(MANAGER),
    "meeting": Page(READERS, kwargs=("meeting_id",)),
    "meeting_edit": Page(MANAGER, kwargs=("meeting_id",)),
    "meeting_cancel": Page(MANAGER, kwargs=("planned_meeting_id",), method="post"),
    "meeting_minutes": Page(MANAGER, kwargs=("meeting_id",)),
    "meeting_attendance": Page(MANAGER, kwargs=("meeting_id",)),
    "meeting_document_new": Page(MANAGER, kwargs=("meeting_id",)),
    # Meeting papers are for the working group; other readers do not see that they exist (404).
    "meeting_document": Page(WORKING_GROUP, kwargs=("document_id",)),
    "decision_new": Page(MANAGER, kwargs=("meeting_id",)),
    "decisions": Page(READERS),
    "decision_task_new": Page(MANAGER, kwargs=("decision_id",)),
    # The task belongs to the member's institution: the member (own) and the coordinator may mark it done.
    "task_done": Page(WORKING_GROUP, kwargs=("task_id",), method="post"),
}

COVERED_ROUTES: set[str] = {f"coordination:{name}" for name in PAGES}


def _coordination_routes() -> set[str]:
    resolver = get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver) and pattern.namespace is None:
            for inner in pattern.url_patterns:
                if isinstance(inner, URLResolver) and inner.namespace == "coordination":
                    return {f"coordination:{p.name}" for p in inner.url_patterns if p.name}
        if isinstance(pattern, URLResolver) and pattern.namespace == "coordination":
            return {f"coordination:{p.name}" for p in pattern.url_patterns if p.name}
    return set()


def test_every_coordination_page_is_in_the_matrix():
    assert _coordination_routes() == COVERED_ROUTES


@pytest.fixture
def world(coord, group):
    from opennrm.coordination.services import meeting_document_add, report_submit

    # Measure 1.2 is inst_b's alone: reporter_b is its own institution's reporter, reporter_a another's.
    coord.report = report_submit(
        measure=coord.measures["1.2"], period=coord.period, by=coord.reporter_b, status="on_track", narrative="Test."
    )
    coord.document = meeting_document_add(
        meeting=coord.meeting_held,
        by=coord.coordinator,
        title="Test paper",
        filename="test.pdf",
        content_type="application/pdf",
        content=b"%PDF-1.4 test",
    )
    coord.users = {
        COORDINATOR: coord.coordinator,
        REPORTER_OWN: coord.reporter_b,
        REPORTER_OTHER: coord.reporter_a,
        MEMBER: coord.member,
        OBSERVER: coord.observer,
        STAFF: coord.staff,
    }
    return coord


def _kwargs(world, names):
    values = {
        "code": world.plan.code,
        "goal_id": world.goals["1"].pk,
        "measure_id": world.measures["1.2"].pk,
        "period_id": world.period.pk,
        "report_id": world.report.pk,
        "membership_id": world.memberships["test-inst-b"].pk,
        "meeting_id": world.meeting_held.pk,
        "planned_meeting_id": world.meeting_planned.pk,
        "document_id": world.document.pk,
        "decision_id": world.decision.pk,
        "task_id": world.task.pk,
    }
    return {("meeting_id" if name == "planned_meeting_id" else name): values[name] for name in names}


def _outcome(response, rung: str) -> str:
    status = response.status_code
    if rung == ANONYMOUS and status == 302 and "/accounts/login/" in response["Location"]:
        return "refused"
    if status in (403, 404):
        return "refused"
    if status in (200, 302, 400):
        return "allowed"
    return f"status {status}"


@pytest.mark.parametrize("name", sorted(PAGES))
def test_the_ladder(client, world, name):
    route = PAGES[name]
    url = reverse(f"coordination:{name}", kwargs=_kwargs(world, route.kwargs))
    outcomes = {}
    for rung in sorted(EVERYONE):
        client.logout()
        if rung != ANONYMOUS:
            force_login_verified(client, world.users[rung])
        if route.method == "post":
            response = client.post(url, route.data)
        else:
            response = client.get(url, route.query)
        outcomes[rung] = _outcome(response, rung)
    assert outcomes == {rung: "allowed" if rung in route.allowed else "refused" for rung in EVERYONE}


# --- Own and other institution, object by object -----------------------------------------------------------------


def test_a_reporter_of_another_institution_reads_but_cannot_write_the_report(client, world):
    force_login_verified(client, world.reporter_a)
    assert client.get(reverse("coordination:report", kwargs={"report_id": world.report.pk})).status_code == 200
    url = reverse(
        "coordination:report_form", kwargs={"measure_id": world.measures["1.2"].pk, "period_id": world.period.pk}
    )
    assert client.post(url, {"status": "done", "action": "submit"}).status_code == 403
    world.report.refresh_from_db()
    assert world.report.status == "on_track"


def test_a_draft_is_not_found_outside_its_institution(client, world):
    from opennrm.coordination.services import report_save_draft

    draft = report_save_draft(measure=world.measures["2.1"], period=world.period, by=world.reporter_a, status="done")
    url = reverse("coordination:report", kwargs={"report_id": draft.pk})
    answers = {}
    for rung, user in world.users.items():
        client.logout()
        force_login_verified(client, user)
        answers[rung] = client.get(url).status_code
    # reporter_a is REPORTER_OTHER for measure 1.2, but this draft is their own institution's.
    assert answers == {
        COORDINATOR: 404,
        REPORTER_OWN: 404,
        REPORTER_OTHER: 200,
        MEMBER: 404,
        OBSERVER: 404,
        STAFF: 403,
    }


def test_a_member_cannot_mark_done_a_task_of_another_institution(client, world):
    from opennrm.coordination.services import decision_task_add

    task = decision_task_add(decision=world.decision, by=world.coordinator, owner_institution=world.ngo, text="Other.")
    force_login_verified(client, world.member)
    assert client.post(reverse("coordination:task_done", kwargs={"task_id": task.pk})).status_code == 403
    task.refresh_from_db()
    assert task.done_at is None


def test_objects_that_do_not_exist_are_not_found(client, world):
    force_login_verified(client, world.coordinator)
    for name, kwargs in (
        ("plan", {"code": "no-such-plan"}),
        ("measure", {"measure_id": 999999}),
        ("report", {"report_id": 999999}),
        ("meeting", {"meeting_id": 999999}),
        ("meeting_document", {"document_id": 999999}),
        ("goal_edit", {"code": world.plan.code, "goal_id": 999999}),
        ("period_edit", {"period_id": 999999}),
    ):
        assert client.get(reverse(f"coordination:{name}", kwargs=kwargs)).status_code == 404, name
