"""Changing the action plan: import a file, edit the plan, its goals, measures and reporting periods.

Every change is one transaction that also writes a PlanVersion (a full snapshot with the change note) and an audit
event. Only the coordinator (coordination.manage) changes the plan.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext

# The importer uses this package's value checks: imported as a module, so either may be loaded first.
from opennrm.coordination import importing
from opennrm.coordination.models import ActionPlan, Goal, Measure, PlanVersion, ProgressReport, ReportingPeriod
from opennrm.coordination.selectors import plan_snapshot
from opennrm.coordination.services.checks import (
    clean_code,
    clean_date,
    clean_number,
    clean_string,
    clean_texts,
)
from opennrm.coordination.services.common import (
    UNSET,
    audit,
    changed_values,
    check,
    given,
    require_change_note,
    require_manager,
)
from opennrm.core.errors import ApplicationError


def _lock(plan: ActionPlan) -> ActionPlan:
    # Two coordinators editing at once take turns: version numbers have no gaps and no duplicates.
    return ActionPlan.objects.select_for_update().get(pk=plan.pk)


def _version_write(*, plan: ActionPlan, by, change_note: str, source: str) -> PlanVersion:
    plan.current_version += 1
    plan.save(update_fields=["current_version", "updated_at"])
    return PlanVersion.objects.create(
        plan=plan,
        number=plan.current_version,
        source=source,
        change_note=change_note,
        snapshot=plan_snapshot(plan),
        created_by=by,
    )


# --- Import ------------------------------------------------------------------------------------------------------


@dataclass
class PlanImportResult:
    plan: ActionPlan
    version: PlanVersion | None
    created: bool
    goals_added: int = 0
    measures_added: int = 0
    measures_updated: int = 0
    # Measures of the earlier version missing from the file: cancelled, never deleted (reports may point to them).
    measures_cancelled: list[str] = field(default_factory=list)
    periods_added: int = 0

    @property
    def changed(self) -> bool:
        return self.version is not None


def plan_import(*, content: bytes, filename: str, by, change_note: str = "") -> PlanImportResult:
    """Create the plan from a YAML or XLSX file, or update it to the file's version; all or nothing.

    `by=None` is an import at the command line by the server's administrator.
    """
    require_manager(by, allow_system=True)
    try:
        data = importing.plan_read(content=content, filename=filename)
        problems = []
    except importing.PlanImportError as error:
        data, problems = None, list(error.problems)
    note = (change_note or (data.change_note if data else "")).strip()
    if problems:
        raise importing.PlanImportError(problems)
    created_note = gettext("Imported from %(file)s.") % {"file": filename}
    return plan_apply(data=data, by=by, change_note=note or None, first_note=created_note)


def _measure_values(data) -> dict:
    return {
        "text": data.text,
        "responsible": data.responsible,
        "deadline": data.deadline,
        "indicator": data.indicator,
        "baseline": data.baseline,
        "target": data.target,
        "unit": data.unit,
        "funding_source": data.funding_source,
        "cancelled": data.cancelled,
        "order": data.order,
    }


@transaction.atomic
def plan_apply(
    *,
    data: importing.PlanData,
    by,
    change_note: str | None,
    first_note: str = "",
    source: str = PlanVersion.Source.IMPORT,
) -> PlanImportResult:
    """Write a checked plan: new rows for new codes, updates for known ones, cancellation for those left out.

    A new plan's first version may go without a change note (`first_note` is used); a changed plan may not:
    the whole import is then undone with that one problem. The same plan again changes nothing.
    """
    require_manager(by, allow_system=True)
    plan, created = ActionPlan.objects.select_for_update().get_or_create(
        code=data.code,
        defaults={"title": data.title, "period_start": data.period_start, "period_end": data.period_end},
    )
    before = None if created else plan_snapshot(plan)
    result = PlanImportResult(plan=plan, version=None, created=created)
    changed_values(
        plan,
        {
            "title": data.title,
            "period_start": data.period_start,
            "period_end": data.period_end,
            "approving_act": data.approving_act,
            "status": data.status,
        },
    )
    plan.save()
    goals = {goal.code: goal for goal in Goal.objects.filter(plan=plan)}
    measures = {measure.code: measure for measure in Measure.objects.filter(plan=plan)}
    for goal_data in data.goals:
        goal = goals.get(goal_data.code)
        if goal is None:
            goal = Goal.objects.create(plan=plan, code=goal_data.code, title=goal_data.title, order=goal_data.order)
            result.goals_added += 1
        else:
            changed_values(goal, {"title": goal_data.title, "order": goal_data.order})
            goal.save()
        for measure_data in goal_data.measures:
            measure = measures.pop(measure_data.code, None)
            values = {"goal": goal, **_measure_values(measure_data)}
            if measure is None:
                measure = Measure.objects.create(plan=plan, code=measure_data.code, **values)
                result.measures_added += 1
            else:
                old, _new = changed_values(measure, values)
                current = {i.pk for i in measure.co_responsible.all()}
                if old or current != {i.pk for i in measure_data.co_responsible}:
                    result.measures_updated += 1
                measure.save()
            measure.co_responsible.set(measure_data.co_responsible)
    for measure in measures.values():
        if not measure.cancelled:
            measure.cancelled = True
            measure.save(update_fields=["cancelled", "updated_at"])
            result.measures_cancelled.append(measure.code)
    periods = {period.name: period for period in ReportingPeriod.objects.filter(plan=plan)}
    for period_data in data.periods:
        values = {"starts_on": period_data.starts_on, "ends_on": period_data.ends_on, "due_on": period_data.due_on}
        period = periods.get(period_data.name)
        if period is None:
            ReportingPeriod.objects.create(plan=plan, name=period_data.name, **values)
            result.periods_added += 1
        else:
            changed_values(period, values)
            period.save()
    if before is not None and plan_snapshot(plan) == before:
        return result  # the same plan again: nothing to record
    if not created and not change_note:
        raise importing.PlanImportError(
            [
                gettext("The plan %(code)s exists already: say in the change note what this version changes.")
                % {"code": plan.code}
            ]
        )
    note = change_note or first_note or gettext("First version.")
    result.version = _version_write(plan=plan, by=by, change_note=note, source=source)
    audit(
        action="plan.imported",
        by=by,
        obj=plan,
        new={
            "code": plan.code,
            "version": plan.current_version,
            "created": created,
            "goals_added": result.goals_added,
            "measures_added": result.measures_added,
            "measures_updated": result.measures_updated,
            "measures_cancelled": result.measures_cancelled,
            "periods_added": result.periods_added,
        },
    )
    return result


# --- Editing -----------------------------------------------------------------------------------------------------


def _check_period(start: date, end: date) -> None:
    if end < start:
        raise ApplicationError(gettext("The period ends before it starts."), field="period_end")


@transaction.atomic
def plan_update(
    *,
    plan: ActionPlan,
    by,
    change_note: str,
    title=UNSET,
    period_start=UNSET,
    period_end=UNSET,
    approving_act=UNSET,
    status=UNSET,
) -> ActionPlan:
    """Change the plan's own fields (title, period, approving act, status)."""
    require_manager(by)
    note = require_change_note(change_note)
    plan = _lock(plan)
    values = {}
    if given(title):
        values["title"] = check("title", clean_texts, title, max_length=500)
    if given(period_start):
        values["period_start"] = check("period_start", clean_date, period_start)
    if given(period_end):
        values["period_end"] = check("period_end", clean_date, period_end)
    if given(approving_act):
        values["approving_act"] = check("approving_act", clean_string, approving_act, max_length=300)
    if given(status):
        if status not in ActionPlan.Status.values:
            raise ApplicationError(gettext("Choose a valid status."), field="status")
        values["status"] = status
    _check_period(values.get("period_start", plan.period_start), values.get("period_end", plan.period_end))
    old, new = changed_values(plan, values)
    if not new:
        return plan
    plan.save()
    _version_write(plan=plan, by=by, change_note=note, source=PlanVersion.Source.EDIT)
    audit(action="plan.updated", by=by, obj=plan, old=old, new={**new, "version": plan.current_version})
    return plan


def _unique_code(model, *, plan: ActionPlan, code: str, exclude_pk=None) -> None:
    clash = model.objects.filter(plan=plan, code=code).exclude(pk=exclude_pk).exists()
    if clash:
        raise ApplicationError(gettext("The plan already has the code %(code)s.") % {"code": code}, field="code")


@transaction.atomic
def goal_create(*, plan: ActionPlan, by, change_note: str, code: str, title, order: int | None = None) -> Goal:
    require_manager(by)
    note = require_change_note(change_note)
    plan = _lock(plan)
    code = check("code", clean_code, code)
    _unique_code(Goal, plan=plan, code=code)
    title = check("title", clean_texts, title, max_length=1000)
    if order is None:
        order = Goal.objects.filter(plan=plan).count() + 1
    goal = Goal.objects.create(plan=plan, code=code, title=title, order=order)
    _version_write(plan=plan, by=by, change_note=note, source=PlanVersion.Source.EDIT)
    audit(action="goal.created", by=by, obj=goal, new={"plan": plan.code, "code": code, "title": title})
    return goal


@transaction.atomic
def goal_update(*, goal: Goal, by, change_note: str, code=UNSET, title=UNSET, order=UNSET) -> Goal:
    require_manager(by)
    note = require_change_note(change_note)
    plan = _lock(goal.plan)
    goal = Goal.objects.get(pk=goal.pk)
    values = {}
    if given(code):
        values["code"] = check("code", clean_code, code)
        _unique_code(Goal, plan=plan, code=values["code"], exclude_pk=goal.pk)
    if given(title):
        values["title"] = check("title", clean_texts, title, max_length=1000)
    if given(order):
        values["order"] = order
    old, new = changed_values(goal, values)
    if not new:
        return goal
    goal.save()
    _version_write(plan=plan, by=by, change_note=note, source=PlanVersion.Source.EDIT)
    audit(action="goal.updated", by=by, obj=goal, old=old, new=new)
    return goal


def _institution(value, field_name: str):
    from opennrm.directory.models import Institution

    if isinstance(value, Institution):
        institution = value
    else:
        institution = Institution.objects.filter(code=str(value or "").strip()).first()
        if institution is None:
            raise ApplicationError(
                gettext("No institution with the code '%(code)s'.") % {"code": value}, field=field_name
            )
    if not institution.is_active:
        raise ApplicationError(
            gettext("The institution %(code)s is no longer active.") % {"code": institution.code}, field=field_name
        )
    return institution


def _measure_fields(plan: ActionPlan, values: dict) -> dict:
    """Check the given measure fields (any subset), as a service's caller passed them."""
    cleaned: dict = {}
    if "code" in values:
        cleaned["code"] = check("code", clean_code, values["code"])
    if "text" in values:
        cleaned["text"] = check("text", clean_texts, values["text"])
    if "responsible" in values:
        cleaned["responsible"] = _institution(values["responsible"], "responsible")
    if "co_responsible" in values:
        cleaned["co_responsible"] = [_institution(v, "co_responsible") for v in values["co_responsible"] or ()]
    if "deadline" in values:
        deadline = check("deadline", clean_date, values["deadline"], required=False)
        if deadline and not plan.period_start <= deadline <= plan.period_end:
            raise ApplicationError(
                gettext("The deadline is outside the plan's period (%(start)s – %(end)s).")
                % {"start": plan.period_start, "end": plan.period_end},
                field="deadline",
            )
        cleaned["deadline"] = deadline
    if "indicator" in values:
        cleaned["indicator"] = check("indicator", clean_texts, values["indicator"], required=False, max_length=1000)
    for name in ("baseline", "target"):
        if name in values:
            cleaned[name] = check(name, clean_number, values[name])
    if "unit" in values:
        cleaned["unit"] = check("unit", clean_string, values["unit"], max_length=50)
    if "funding_source" in values:
        cleaned["funding_source"] = check("funding_source", clean_string, values["funding_source"], max_length=300)
    if "cancelled" in values:
        cleaned["cancelled"] = bool(values["cancelled"])
    return cleaned


def _co_responsible_check(responsible, co_responsible) -> None:
    if responsible is not None and any(i.pk == responsible.pk for i in co_responsible):
        raise ApplicationError(
            gettext("The responsible institution cannot also be co-responsible."), field="co_responsible"
        )


def _measure_audit_values(measure: Measure, values: dict) -> dict:
    shown = {}
    for name, value in values.items():
        if name == "responsible":
            value = value.code
        elif name == "co_responsible":
            value = sorted(i.code for i in value)
        elif name == "goal":
            value = value.code
        elif isinstance(value, Decimal | date):
            value = str(value)
        shown[name] = value
    return shown


@transaction.atomic
def measure_create(
    *,
    goal: Goal,
    by,
    change_note: str,
    code: str,
    text,
    responsible,
    co_responsible=(),
    deadline: date | None = None,
    indicator=None,
    baseline: Decimal | str | None = None,
    target: Decimal | str | None = None,
    unit: str = "",
    funding_source: str = "",
) -> Measure:
    require_manager(by)
    note = require_change_note(change_note)
    plan = _lock(goal.plan)
    values = _measure_fields(
        plan,
        {
            "code": code,
            "text": text,
            "responsible": responsible,
            "co_responsible": co_responsible,
            "deadline": deadline,
            "indicator": indicator,
            "baseline": baseline,
            "target": target,
            "unit": unit,
            "funding_source": funding_source,
        },
    )
    _unique_code(Measure, plan=plan, code=values["code"])
    co = values.pop("co_responsible")
    _co_responsible_check(values["responsible"], co)
    order = Measure.objects.filter(goal=goal).count() + 1
    measure = Measure.objects.create(plan=plan, goal=goal, order=order, **values)
    measure.co_responsible.set(co)
    _version_write(plan=plan, by=by, change_note=note, source=PlanVersion.Source.EDIT)
    audit(
        action="measure.created",
        by=by,
        obj=measure,
        new=_measure_audit_values(measure, {**values, "co_responsible": co, "goal": goal}),
    )
    return measure


@transaction.atomic
def measure_update(
    *,
    measure: Measure,
    by,
    change_note: str,
    goal=UNSET,
    code=UNSET,
    text=UNSET,
    responsible=UNSET,
    co_responsible=UNSET,
    deadline=UNSET,
    indicator=UNSET,
    baseline=UNSET,
    target=UNSET,
    unit=UNSET,
    funding_source=UNSET,
    cancelled=UNSET,
) -> Measure:
    """Change any of a measure's fields (those given); reports already written stay as they were."""
    require_manager(by)
    note = require_change_note(change_note)
    plan = _lock(measure.plan)
    measure = Measure.objects.select_related("responsible").get(pk=measure.pk)
    given_values = {
        name: value
        for name, value in {
            "code": code,
            "text": text,
            "responsible": responsible,
            "co_responsible": co_responsible,
            "deadline": deadline,
            "indicator": indicator,
            "baseline": baseline,
            "target": target,
            "unit": unit,
            "funding_source": funding_source,
            "cancelled": cancelled,
        }.items()
        if given(value)
    }
    values = _measure_fields(plan, given_values)
    if given(goal):
        if goal.plan_id != plan.pk:
            raise ApplicationError(gettext("The goal belongs to another plan."), field="goal")
        values["goal"] = goal
    if "code" in values:
        _unique_code(Measure, plan=plan, code=values["code"], exclude_pk=measure.pk)
    old_co = sorted(measure.co_responsible.all(), key=lambda i: i.code)
    co = values.pop("co_responsible", None)
    _co_responsible_check(values.get("responsible", measure.responsible), old_co if co is None else co)
    old, new = changed_values(measure, values)
    if co is not None and {i.pk for i in co} != {i.pk for i in old_co}:
        measure.co_responsible.set(co)
        old["co_responsible"], new["co_responsible"] = old_co, co
    if not new:
        return measure
    measure.save()
    _version_write(plan=plan, by=by, change_note=note, source=PlanVersion.Source.EDIT)
    audit(
        action="measure.updated",
        by=by,
        obj=measure,
        old=_measure_audit_values(measure, old),
        new={**_measure_audit_values(measure, new), "version": plan.current_version},
    )
    return measure


def measure_cancel(*, measure: Measure, by, change_note: str) -> Measure:
    """Stop a measure: it stays in the plan and its history, and nobody is asked to report on it any more."""
    return measure_update(measure=measure, by=by, change_note=change_note, cancelled=True)


def _period_values(plan: ActionPlan, *, name, starts_on, ends_on, due_on) -> dict:
    values = {
        "name": check("name", clean_string, name, required=True, max_length=100),
        "starts_on": check("starts_on", clean_date, starts_on),
        "ends_on": check("ends_on", clean_date, ends_on),
        "due_on": check("due_on", clean_date, due_on),
    }
    if values["ends_on"] < values["starts_on"]:
        raise ApplicationError(gettext("The period ends before it starts."), field="ends_on")
    if values["due_on"] < values["starts_on"]:
        raise ApplicationError(gettext("Reports cannot be due before the period starts."), field="due_on")
    if values["starts_on"] < plan.period_start or values["ends_on"] > plan.period_end:
        raise ApplicationError(
            gettext("The period must lie within the plan's period (%(start)s – %(end)s).")
            % {"start": plan.period_start, "end": plan.period_end},
            field="starts_on",
        )
    return values


@transaction.atomic
def period_create(*, plan: ActionPlan, by, name: str, starts_on, ends_on, due_on) -> ReportingPeriod:
    """Open a reporting period; institutions report on each of their measures by `due_on`."""
    require_manager(by)
    plan = _lock(plan)
    values = _period_values(plan, name=name, starts_on=starts_on, ends_on=ends_on, due_on=due_on)
    if ReportingPeriod.objects.filter(plan=plan, name=values["name"]).exists():
        raise ApplicationError(gettext("The plan already has a period with this name."), field="name")
    period = ReportingPeriod.objects.create(plan=plan, **values)
    _version_write(
        plan=plan, by=by, change_note=f"Reporting period added: {period.name}.", source=PlanVersion.Source.EDIT
    )
    audit(action="period.created", by=by, obj=period, new={"plan": plan.code, **values})
    return period


@transaction.atomic
def period_update(
    *, period: ReportingPeriod, by, name=UNSET, starts_on=UNSET, ends_on=UNSET, due_on=UNSET
) -> ReportingPeriod:
    require_manager(by)
    plan = _lock(period.plan)
    period = ReportingPeriod.objects.get(pk=period.pk)
    values = _period_values(
        plan,
        name=name if given(name) else period.name,
        starts_on=starts_on if given(starts_on) else period.starts_on,
        ends_on=ends_on if given(ends_on) else period.ends_on,
        due_on=due_on if given(due_on) else period.due_on,
    )
    if ReportingPeriod.objects.filter(plan=plan, name=values["name"]).exclude(pk=period.pk).exists():
        raise ApplicationError(gettext("The plan already has a period with this name."), field="name")
    old, new = changed_values(period, values)
    if not new:
        return period
    period.save()
    _version_write(
        plan=plan, by=by, change_note=f"Reporting period changed: {period.name}.", source=PlanVersion.Source.EDIT
    )
    audit(action="period.updated", by=by, obj=period, old=old, new=new)
    return period


@transaction.atomic
def period_delete(*, period: ReportingPeriod, by) -> None:
    """Remove a period nobody has reported on yet (a mistake); one with reports stays."""
    require_manager(by)
    plan = _lock(period.plan)
    if ProgressReport.objects.filter(period=period).exists():
        raise ApplicationError(gettext("Reports have been written for this period; it cannot be removed."))
    name = period.name
    audit(action="period.deleted", by=by, obj=period, old={"plan": plan.code, "name": name})
    period.delete()
    _version_write(plan=plan, by=by, change_note=f"Reporting period removed: {name}.", source=PlanVersion.Source.EDIT)
