"""Every change in the coordination module (writes are keyword-only, take the acting user as `by`, run in one
transaction with their audit event, and raise ApplicationError / Forbidden / NotFoundOrForbidden).

Action plan (plans.py; coordinator only; each change writes a PlanVersion with its change note):
  plan_import(*, content, filename, by, change_note="") -> PlanImportResult   (YAML or XLSX; all or nothing)
  plan_apply(*, data: PlanData, by, change_note, source="import") -> PlanImportResult
  plan_update(*, plan, by, change_note, title=, period_start=, period_end=, approving_act=, status=) -> ActionPlan
  goal_create(*, plan, by, change_note, code, title, order=None) -> Goal
  goal_update(*, goal, by, change_note, code=, title=, order=) -> Goal
  measure_create(*, goal, by, change_note, code, text, responsible, co_responsible=(), deadline=None,
                 indicator=None, baseline=None, target=None, unit="", funding_source="") -> Measure
  measure_update(*, measure, by, change_note, goal=, code=, text=, responsible=, co_responsible=, deadline=,
                 indicator=, baseline=, target=, unit=, funding_source=, cancelled=) -> Measure
  measure_cancel(*, measure, by, change_note) -> Measure
  period_create(*, plan, by, name, starts_on, ends_on, due_on) -> ReportingPeriod
  period_update(*, period, by, name=, starts_on=, ends_on=, due_on=) -> ReportingPeriod
  period_delete(*, period, by) -> None                     (only while nobody has reported on it)
Progress reports (reports.py; reporters of the responsible or co-responsible institution; coordinator reviews):
  report_save_draft(*, measure, period, by, status, narrative="", indicator_value=None, evidence_links=())
  report_submit(*, measure, period, by, status, narrative="", indicator_value=None, evidence_links=())
  report_request_clarification(*, report, by, comment) -> ProgressReport
  report_accept(*, report, by, comment="") -> ProgressReport
Working group (group.py; coordinator, except decision_task_done):
  working_group_create(*, by, code, name, established_by="");  working_group_update(*, group, by, name=, ...)
  membership_create(*, group, by, institution, since, delegate=None, delegate_name="", substitute_name="")
  membership_update(*, membership, by, delegate=, delegate_name=, substitute_name=, until=)
  membership_end(*, membership, by, until)
  meeting_create(*, group, by, starts_at, place="", agenda="", public=True) -> Meeting   (members told)
  meeting_update(*, meeting, by, starts_at=, place=, agenda=, public=, minutes=, status=)
  meeting_cancel(*, meeting, by)
  meeting_minutes_record(*, meeting, by, minutes);  attendance_record(*, meeting, by, entries: [AttendanceEntry])
  meeting_document_add(*, meeting, by, title, url="" | filename=, content_type=, content=)
  meeting_document_remove(*, document, by)
  decision_record(*, meeting, by, text, number="", tasks=[TaskSpec]) -> Decision      (members told)
  decision_update(*, decision, by, text);  decision_task_add(*, decision, by, owner_institution, text, deadline=None)
  decision_task_done(*, task, by, note="")   (coordinator, or coordination.meetings of the owner institution)
  decision_task_reopen(*, task, by)
Reminders and e-mail (reminders.py; run by `opennrm tick`):
  reminders_send(*, now=None) -> int;  coordination_tick(*, now=None) -> CoordinationTickReport
Keyword arguments shown as `name=` without a value may be left out: the field then stays as it is (UNSET).
"""

from opennrm.coordination.services.common import UNSET
from opennrm.coordination.services.group import (
    AttendanceEntry,
    TaskSpec,
    attendance_record,
    decision_record,
    decision_task_add,
    decision_task_done,
    decision_task_reopen,
    decision_update,
    meeting_cancel,
    meeting_create,
    meeting_document_add,
    meeting_document_remove,
    meeting_minutes_record,
    meeting_update,
    membership_create,
    membership_end,
    membership_update,
    working_group_create,
    working_group_update,
)
from opennrm.coordination.services.plans import (
    PlanImportResult,
    goal_create,
    goal_update,
    measure_cancel,
    measure_create,
    measure_update,
    period_create,
    period_delete,
    period_update,
    plan_apply,
    plan_import,
    plan_update,
)
from opennrm.coordination.services.reminders import CoordinationTickReport, coordination_tick, reminders_send
from opennrm.coordination.services.reports import (
    report_accept,
    report_request_clarification,
    report_save_draft,
    report_submit,
)

__all__ = [
    "UNSET",
    "AttendanceEntry",
    "CoordinationTickReport",
    "PlanImportResult",
    "TaskSpec",
    "attendance_record",
    "coordination_tick",
    "decision_record",
    "decision_task_add",
    "decision_task_done",
    "decision_task_reopen",
    "decision_update",
    "goal_create",
    "goal_update",
    "measure_cancel",
    "measure_create",
    "measure_update",
    "meeting_cancel",
    "meeting_create",
    "meeting_document_add",
    "meeting_document_remove",
    "meeting_minutes_record",
    "meeting_update",
    "membership_create",
    "membership_end",
    "membership_update",
    "period_create",
    "period_delete",
    "period_update",
    "plan_apply",
    "plan_import",
    "plan_update",
    "reminders_send",
    "report_accept",
    "report_request_clarification",
    "report_save_draft",
    "report_submit",
    "working_group_create",
    "working_group_update",
]
