"""The workflow engine: what a pack's `workflow` section allows for one case and one person acting on it.

Pure Python (no Django): it takes the pack's rules and plain facts about the case and the actor and answers
which transitions are open, why one is refused, and what performing one sets off. `services.py` gathers the facts
from the database, applies the plan and records it; this module never writes anything.
"""

from dataclasses import dataclass
from dataclasses import field as default
from datetime import datetime, timedelta

from opennrm.jurisdiction.schema import Deadline, Effect, Transition, Workflow


@dataclass(frozen=True)
class CaseFacts:
    state: str
    population: str
    nationality: str
    # Case fields that hold a value (schema.CaseField names).
    filled_fields: frozenset[str] = frozenset()
    # Consent purposes with a valid (not withdrawn) consent on the case.
    consented_purposes: frozenset[str] = frozenset()
    # Deadline kinds running on the case, with how much of their quota is used.
    running_deadlines: dict[str, int] = default(default_factory=dict)


@dataclass(frozen=True)
class ActorFacts:
    """Someone about to act: their roles in force and their institution's type, if it is a party to the case."""

    roles: frozenset[str]
    institution_type: str | None
    is_party: bool


@dataclass(frozen=True)
class Submission:
    """What the actor provides with a transition."""

    reason: str = ""
    checklist: frozenset[str] = frozenset()
    has_document: bool = False


@dataclass(frozen=True)
class Refusal:
    """Why a transition cannot be performed. `code` is stable (services turn it into a translated message)."""

    code: str
    field: str | None = None
    params: dict = default(default_factory=dict)


@dataclass(frozen=True)
class Plan:
    """What performing a transition changes."""

    transition: str
    from_state: str
    to_state: str
    to_kind: str
    start_deadlines: tuple[str, ...] = ()
    stop_deadlines: tuple[str, ...] = ()
    use_quota: tuple[str, ...] = ()
    involve: tuple[str, ...] = ()
    notify: tuple[str, ...] = ()


def _applies(effect_or_rule, case: CaseFacts) -> bool:
    when = getattr(effect_or_rule, "when", None) or getattr(effect_or_rule, "applies_to", None)
    return when is None or when.matches(population=case.population, nationality=case.nationality)


def actor_may_perform(transition: Transition, actor: ActorFacts) -> bool:
    """Whether the actor's roles and institution type are among those the transition names."""
    if not actor.is_party:
        return False
    return any(
        actor.roles.intersection(allowed.roles)
        and (not allowed.institution_types or actor.institution_type in allowed.institution_types)
        for allowed in transition.by
    )


def refusals(
    workflow: Workflow, transition: Transition, case: CaseFacts, actor: ActorFacts | None, given: Submission
) -> list[Refusal]:
    """Every reason the transition cannot be performed now (empty: it can). `actor` None means the system."""
    problems: list[Refusal] = []
    if case.state not in transition.from_states:
        problems.append(Refusal("wrong_state", "transition", {"state": case.state}))
    if transition.when is not None and not _applies(transition, case):
        problems.append(Refusal("not_for_person", "transition"))
    if actor is None:
        if transition.trigger == "manual":
            problems.append(Refusal("not_allowed", "transition"))
    elif transition.trigger != "manual" or not actor_may_perform(transition, actor):
        problems.append(Refusal("not_allowed", "transition"))
    if transition.requires_consent and transition.requires_consent not in case.consented_purposes:
        problems.append(Refusal("consent_missing", "consent", {"purpose": transition.requires_consent}))
    for name in transition.requires_fields:
        if name not in case.filled_fields:
            problems.append(Refusal("field_missing", name))
    if transition.requires_reason and not given.reason.strip():
        problems.append(Refusal("reason_missing", "reason"))
    if transition.requires_checklist:
        checklist = workflow.checklist(transition.requires_checklist)
        required = {item.id for item in checklist.items} if checklist else set()
        missing = sorted(required - given.checklist)
        if missing:
            problems.append(Refusal("checklist_incomplete", "checklist", {"missing": missing}))
        unknown = sorted(given.checklist - required)
        if unknown:
            problems.append(Refusal("checklist_unknown", "checklist", {"unknown": unknown}))
    if transition.requires_document and not given.has_document:
        problems.append(Refusal("document_missing", "document"))
    for effect in transition.effects:
        if effect.use_quota and _applies(effect, case):
            deadline = workflow.deadline(effect.use_quota)
            used = case.running_deadlines.get(effect.use_quota)
            if used is None:
                problems.append(Refusal("quota_not_running", "transition", {"deadline": effect.use_quota}))
            elif deadline and deadline.quota is not None and used >= deadline.quota:
                problems.append(Refusal("quota_used_up", "transition", {"deadline": effect.use_quota}))
    return problems


def available_transitions(workflow: Workflow, case: CaseFacts, actor: ActorFacts) -> list[Transition]:
    """Manual transitions the actor could perform from the case's state (preconditions may still be missing)."""
    return [
        t
        for t in workflow.transitions
        if t.trigger == "manual"
        and case.state in t.from_states
        and (t.when is None or _applies(t, case))
        and actor_may_perform(t, actor)
    ]


def triggered_transition(workflow: Workflow, trigger: str, case: CaseFacts) -> Transition | None:
    """The first transition the event `trigger` sets off from the case's state, if any."""
    for transition in workflow.transitions:
        if transition.trigger == trigger and case.state in transition.from_states and _applies(transition, case):
            return transition
    return None


def _effects_for(transition: Transition, case: CaseFacts) -> list[Effect]:
    return [effect for effect in transition.effects if _applies(effect, case)]


def plan(workflow: Workflow, transition: Transition, case: CaseFacts) -> Plan:
    """What performing `transition` on the case changes (call only once `refusals` is empty)."""
    effects = _effects_for(transition, case)
    target = workflow.state(transition.to)
    starts = []
    for effect in effects:
        if effect.start_deadline:
            deadline = workflow.deadline(effect.start_deadline)
            if deadline is not None and _applies(deadline, case):
                starts.append(effect.start_deadline)
    return Plan(
        transition=transition.id,
        from_state=case.state,
        to_state=transition.to,
        to_kind=target.kind if target else "open",
        start_deadlines=tuple(starts),
        stop_deadlines=tuple(e.stop_deadline for e in effects if e.stop_deadline),
        use_quota=tuple(e.use_quota for e in effects if e.use_quota),
        involve=tuple(dict.fromkeys(code for e in effects for code in e.involve)),
        notify=tuple(dict.fromkeys(n for e in effects for n in e.notify)),
    )


def deadline_due(deadline: Deadline, *, starts_at: datetime, urgent: bool = False) -> datetime:
    """When a deadline started at `starts_at` runs out."""
    if urgent and deadline.urgent_hours:
        return starts_at + timedelta(hours=deadline.urgent_hours)
    if deadline.hours:
        return starts_at + timedelta(hours=deadline.hours)
    return starts_at + timedelta(days=deadline.days or 0)


def reminder_due(deadline: Deadline, *, due_at: datetime) -> datetime | None:
    """When the reminder for a deadline ending at `due_at` is due (None: the deadline has no reminder)."""
    if not deadline.remind_days_before:
        return None
    return due_at - timedelta(days=deadline.remind_days_before)
