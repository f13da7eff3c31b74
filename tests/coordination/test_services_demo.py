"""The coordination demo: the working group, the example plan, reports in every review state, two meetings."""

from opennrm.accounts.demo import demo_users_create
from opennrm.coordination.demo import DELAYED_NARRATIVE, PLAN_CODE, demo_coordination_create
from opennrm.coordination.models import ActionPlan, Decision, Meeting, ProgressReport, WorkingGroup


def test_the_demo_is_complete_and_idempotent(case_world):
    assert demo_coordination_create() == ""  # without the demo users there is nobody to act
    demo_users_create()
    summary = demo_coordination_create()
    assert summary.startswith(f"Demo coordination: plan {PLAN_CODE} (14 measures), working group with 15 members")
    plan = ActionPlan.objects.get(code=PLAN_CODE)
    assert plan.status == ActionPlan.Status.IN_FORCE
    current = {
        r.measure.code: r
        for r in ProgressReport.objects.filter(period__name="2026").select_related("measure", "institution")
    }
    assert {code: (r.status, r.review_state) for code, r in current.items()} == {
        "4.1": ("done", "accepted"),
        "2.1": ("delayed", "clarification_requested"),
        "1.2": ("on_track", "submitted"),
    }
    assert current["2.1"].narrative == DELAYED_NARRATIVE and "ā" in DELAYED_NARRATIVE
    assert {r.institution.code for r in current.values()} == {"lv-state-police"}
    assert ProgressReport.objects.filter(period__name="2025", review_state="accepted").count() == 2
    group = WorkingGroup.objects.get()
    meetings = list(Meeting.objects.filter(group=group).order_by("starts_at"))
    assert [m.status for m in meetings] == ["held", "planned"]
    decision = Decision.objects.get()
    assert decision.meeting == meetings[0]
    assert sorted((t.owner_institution.code, t.done_at is not None) for t in decision.tasks.all()) == [
        ("lv-iem", False),
        ("lv-state-police", True),
    ]
    assert meetings[0].attendance.count() == 15
    again = demo_coordination_create()
    assert "(0 new), 0 new progress reports, 0 new meetings" in again
    assert ProgressReport.objects.count() == 5 and Meeting.objects.count() == 2
    assert plan.versions.count() == 1
