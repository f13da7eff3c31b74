"""Synthetic demo data for this app (loaded by `opennrm demo load`): the working group of the demo institutions, the
example 2025–2027 plan (docs/examples), reports of the State Police's demo reporter, two meetings with a decision.

Idempotent: each part is made once (the group by its code, the plan by its code, the reports and meetings when there
are none yet). Every name, narrative and link is invented; people are "Demo Delegate N".
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path

from django.utils import timezone

from opennrm.accounts.models import User
from opennrm.coordination.models import ActionPlan, MeasureStatus, Meeting, ProgressReport, WorkingGroup
from opennrm.coordination.selectors import memberships_current, periods_of
from opennrm.coordination.services import (
    AttendanceEntry,
    TaskSpec,
    attendance_record,
    decision_record,
    decision_task_done,
    meeting_create,
    meeting_update,
    membership_create,
    plan_import,
    report_accept,
    report_request_clarification,
    report_submit,
    working_group_create,
)
from opennrm.directory.models import Institution

EXAMPLE_PLAN = Path(__file__).resolve().parents[2] / "docs" / "examples" / "action-plan-2025-2027.yaml"
PLAN_CODE = "example-thb-plan-2025-2027"
GROUP_CODE = "thb-working-group"
COORDINATOR = "demo.coordinator"
REPORTER = "demo.reporter"
WORKGROUP = "demo.workgroup"
MEMBER_INSTITUTIONS = (
    "lv-iem",
    "lv-state-police",
    "lv-state-border-guard",
    "lv-prosecutor-general",
    "lv-state-labour-inspectorate",
    "lv-state-employment-agency",
    "lv-ocma",
    "lv-children-rights-inspectorate",
    "lv-siva",
    "lv-ombudsman",
    "lv-mfa-consular",
    "lv-riga-municipal-police",
    "lv-provider-marta",
    "lv-provider-safe-house",
    "lv-ngo-vidzeme",
)
DELAYED_NARRATIVE = (
    "Mācības robežsargiem un sociālajiem darbiniekiem notiek, taču pasniedzēju trūkuma dēļ otrā pusgada kursi "
    "pārcelti uz 2027. gada pavasari. Līdz šim apmācīti 240 speciālisti (demo teksts)."
)


def _group(coordinator, workgroup) -> tuple[WorkingGroup, int]:
    group = WorkingGroup.objects.filter(code=GROUP_CODE).first()
    if group is None:
        group = working_group_create(
            by=coordinator,
            code=GROUP_CODE,
            name={
                "lv": "Darba grupa cilvēku tirdzniecības novēršanas politikas īstenošanas koordinēšanai (demo)",
                "en": "Working group for coordinating the trafficking-prevention policy (demo)",
                "ru": "Рабочая группа по координации политики предотвращения торговли людьми (демо)",
            },
            established_by="Example order of the Prime Minister (demo; not a real act)",
        )
    institutions = {i.code: i for i in Institution.objects.filter(code__in=MEMBER_INSTITUTIONS, is_active=True)}
    seated = {m.institution.code for m in memberships_current(group=group)}
    since = date(timezone.localdate().year - 2, 1, 1)
    added = 0
    for number, code in enumerate(MEMBER_INSTITUTIONS, start=1):
        if code not in institutions or code in seated:
            continue
        delegate = workgroup if workgroup is not None and workgroup.institution == institutions[code] else None
        membership_create(
            group=group,
            by=coordinator,
            institution=institutions[code],
            since=since,
            delegate=delegate,
            delegate_name="" if delegate else f"Demo Delegate {number}",
            substitute_name=f"Demo Substitute {number}",
        )
        added += 1
    return group, added


def _plan(coordinator) -> ActionPlan | None:
    plan = ActionPlan.objects.filter(code=PLAN_CODE).first()
    if plan is None and EXAMPLE_PLAN.exists():
        plan = plan_import(content=EXAMPLE_PLAN.read_bytes(), filename=EXAMPLE_PLAN.name, by=coordinator).plan
    return plan


def _reports(plan: ActionPlan, coordinator, reporter) -> int:
    if reporter is None or ProgressReport.objects.filter(measure__plan=plan).exists():
        return 0
    measures = {m.code: m for m in plan.measures.all()}
    periods = {p.name: p for p in periods_of(plan=plan)}
    if not {"2.1", "4.1", "1.2"} <= set(measures) or not {"2025", "2026"} <= set(periods):
        return 0
    earlier, current = periods["2025"], periods["2026"]
    link = "https://www.example.lv/demo/evidence/{}"
    # Last year's accepted reports: the indicator trend starts here.
    for code, value in (("2.1", 180), ("4.1", 3)):
        report = report_submit(
            measure=measures[code],
            period=earlier,
            by=reporter,
            status=MeasureStatus.ON_TRACK,
            narrative="Demo: the measure went as planned in 2025.",
            indicator_value=value,
            evidence_links=[link.format(f"2025-{code}")],
        )
        report_accept(report=report, by=coordinator)
    done = report_submit(
        measure=measures["4.1"],
        period=current,
        by=reporter,
        status=MeasureStatus.DONE,
        narrative="Demo: six joint investigation teams took part; the target is reached.",
        indicator_value=6,
        evidence_links=[link.format("2026-4.1")],
    )
    report_accept(report=done, by=coordinator, comment="Demo: thank you.")
    delayed = report_submit(
        measure=measures["2.1"],
        period=current,
        by=reporter,
        status=MeasureStatus.DELAYED,
        narrative=DELAYED_NARRATIVE,
        indicator_value=240,
        evidence_links=[link.format("2026-2.1")],
    )
    report_request_clarification(
        report=delayed, by=coordinator, comment="Demo: when will the postponed courses take place?"
    )
    report_submit(
        measure=measures["1.2"],
        period=current,
        by=reporter,
        status=MeasureStatus.ON_TRACK,
        narrative="Demo: joint inspections with the Labour Inspectorate continue.",
        indicator_value=150,
    )
    return 5


def _meetings(group: WorkingGroup, coordinator) -> int:
    if Meeting.objects.filter(group=group).exists():
        return 0
    today = timezone.localdate()
    held = meeting_create(
        group=group,
        by=coordinator,
        starts_at=timezone.make_aware(datetime.combine(today - timedelta(days=60), time(10, 0))),
        place="Ministry of the Interior, meeting room (demo)",
        agenda="1. Progress of the action plan in the first half of the year.\n2. Training of specialists.\n"
        "3. Any other business.",
    )
    meeting_update(
        meeting=held,
        by=coordinator,
        minutes="Demo minutes: the members discussed the progress of the plan and agreed on the next steps.",
    )
    memberships = list(memberships_current(group=group))
    attendance_record(
        meeting=held,
        by=coordinator,
        entries=[
            AttendanceEntry(membership=m, present=i % 4 != 3, substitute_attended=i % 4 == 1)
            for i, m in enumerate(memberships)
        ],
    )
    institutions = {m.institution.code: m.institution for m in memberships}
    tasks = [
        TaskSpec(
            owner_institution=institutions.get("lv-state-police"),
            text="Send the working group the schedule of the postponed training courses (demo).",
            deadline=today - timedelta(days=30),
        ),
        TaskSpec(
            owner_institution=institutions.get("lv-iem"),
            text="Prepare the draft yearly report on the plan (demo).",
            deadline=today + timedelta(days=45),
        ),
    ]
    decision = decision_record(
        meeting=held,
        by=coordinator,
        text="To take note of the progress report and to ask the responsible institutions for the information "
        "below (demo decision).",
        tasks=[task for task in tasks if task.owner_institution is not None],
    )
    first = decision.tasks.order_by("pk").first()
    if first is not None:
        decision_task_done(task=first, by=coordinator, note="Demo: schedule received.")
    meeting_create(
        group=group,
        by=coordinator,
        starts_at=timezone.make_aware(datetime.combine(today + timedelta(days=21), time(10, 0))),
        place="Ministry of the Interior, meeting room (demo)",
        agenda="1. Yearly report on the action plan.\n2. Plans for the next year.",
    )
    return 2


def demo_coordination_create() -> str:
    users = {u.username: u for u in User.objects.filter(username__in=[COORDINATOR, REPORTER, WORKGROUP])}
    coordinator = users.get(COORDINATOR)
    if coordinator is None or not Institution.objects.filter(code__in=MEMBER_INSTITUTIONS).exists():
        return ""
    group, members_added = _group(coordinator, users.get(WORKGROUP))
    plan = _plan(coordinator)
    reports = _reports(plan, coordinator, users.get(REPORTER)) if plan is not None else 0
    meetings = _meetings(group, coordinator)
    plan_text = f"plan {plan.code} ({plan.measures.count()} measures)" if plan is not None else "no example plan file"
    return (
        f"Demo coordination: {plan_text}, working group with {memberships_current(group=group).count()} members "
        f"({members_added} new), {reports} new progress reports, {meetings} new meetings."
    )
