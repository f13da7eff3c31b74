"""Cross-reference checks of a pack's case workflow: what the schema cannot see.

Every id the workflow names must exist (states, stages, deadlines, transitions, consent purposes, checklists,
roles, institution types, legal bases), and the workflow must be able to run: every state reachable from the
initial one, no open state without a way on, deadlines with exactly one period, someone allowed to perform each
manual transition. Like the other cross-reference checks these read raw data and skip what they cannot read:
the schema already reports a bad shape.
"""

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext

from opennrm.jurisdiction.references import Issues, Path, duplicates, items, known_ids, unknown_refs

ROOT: Path = ("workflow",)


def _number(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _strings(value: Any) -> list[str]:
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def _from_key(transition: dict) -> str:
    # Authors write `from`; the schema also accepts its Python name.
    return "from_states" if "from" not in transition and "from_states" in transition else "from"


@dataclass(frozen=True)
class _Known:
    """What the pack and its workflow define, for the checks to look names up in (None: unreadable, not checked)."""

    stages: set[str] | None
    institution_types: set[str] | None
    roles: set[str] | None
    # Role id -> the institution types its holders may belong to (empty: any).
    role_types: dict[str, list[str]]
    legal_bases: set[str] | None
    # State id -> kind; deadline and transition id -> their raw data.
    states: dict[str, str]
    deadlines: dict[str, dict]
    transitions: dict[str, dict]
    purposes: set[str] | None
    checklists: set[str] | None

    @classmethod
    def of(cls, content: dict, workflow: dict) -> "_Known":
        return cls(
            stages=known_ids(content, "stages"),
            institution_types=known_ids(content, "institution_types"),
            roles=known_ids(content, "roles"),
            role_types={
                role["id"]: _strings(role.get("institution_types"))
                for _index, role in items(content, "roles")
                if isinstance(role.get("id"), str)
            },
            # legal_bases is optional: an absent section defines no ids, so every reference to one is unknown.
            legal_bases=known_ids(content, "legal_bases") if "legal_bases" in content else set(),
            states={
                state["id"]: state.get("kind", "open")
                for _index, state in items(workflow, "states")
                if isinstance(state.get("id"), str)
            },
            deadlines=_by_id(workflow, "deadlines"),
            transitions=_by_id(workflow, "transitions"),
            purposes=known_ids(workflow, "consent_purposes"),
            checklists=known_ids(workflow, "checklists"),
        )


def _by_id(content: dict, section: str) -> dict[str, dict]:
    result: dict[str, dict] = {}
    for _index, item in items(content, section):
        if isinstance(item.get("id"), str):
            result.setdefault(item["id"], item)
    return result


def workflow_issues(content: dict) -> Issues:
    """Every problem of the pack's `workflow` section that needs the rest of the pack (or all of the workflow)."""
    workflow = content.get("workflow")
    if not isinstance(workflow, dict) or not workflow:
        return []
    known = _Known.of(content, workflow)
    issues = _duplicate_issues(workflow)
    issues += _state_issues(workflow, known)
    for index, transition in items(workflow, "transitions"):
        issues += _transition_issues(transition, (*ROOT, "transitions", index), known, workflow)
    for index, deadline in items(workflow, "deadlines"):
        issues += _deadline_issues(deadline, (*ROOT, "deadlines", index), known)
    issues += _referral_issues(workflow.get("referral"), (*ROOT, "referral"), known)
    child = workflow.get("child")
    issues += unknown_refs(
        child,
        (*ROOT, "child"),
        "involve",
        known.institution_types,
        gettext("unknown institution type '%(id)s'"),
        True,
    )
    issues += _legal_basis_refs(workflow.get("retention"), (*ROOT, "retention"), known)
    issues += _reachability_issues(workflow, known)
    return issues


def _duplicate_issues(workflow: dict) -> Issues:
    issues: Issues = []
    for section in ("states", "transitions", "deadlines", "consent_purposes", "checklists"):
        issues += duplicates(items(workflow, section), (*ROOT, section))
    for index, checklist in items(workflow, "checklists"):
        issues += duplicates(items(checklist, "items"), (*ROOT, "checklists", index, "items"))
    referral = workflow.get("referral")
    issues += duplicates(items(referral, "legal_duty_exceptions"), (*ROOT, "referral", "legal_duty_exceptions"))
    return issues


def _legal_basis_refs(item: Any, path: Path, known: _Known) -> Issues:
    return unknown_refs(item, path, "legal_basis", known.legal_bases, gettext("unknown legal basis '%(id)s'"), True)


def _state_issues(workflow: dict, known: _Known) -> Issues:
    issues: Issues = []
    for index, state in items(workflow, "states"):
        issues += unknown_refs(
            state, (*ROOT, "states", index), "stage", known.stages, gettext("unknown stage '%(id)s'"), False
        )
    initial = workflow.get("initial_state")
    if isinstance(initial, str):
        if initial not in known.states:
            issues.append(((*ROOT, "initial_state"), gettext("unknown state '%(id)s'") % {"id": initial}))
        elif known.states[initial] != "open":
            issues.append(
                (
                    (*ROOT, "initial_state"),
                    gettext("the initial state must be open; '%(id)s' is %(kind)s")
                    % {"id": initial, "kind": known.states[initial]},
                )
            )
    return issues


def _transition_issues(transition: dict, path: Path, known: _Known, workflow: dict) -> Issues:
    from_key = _from_key(transition)
    issues = unknown_refs(transition, path, from_key, set(known.states), gettext("unknown state '%(id)s'"), True)
    issues += unknown_refs(transition, path, "to", set(known.states), gettext("unknown state '%(id)s'"), False)
    for index, state in enumerate(transition.get(from_key) if isinstance(transition.get(from_key), list) else []):
        if known.states.get(state) == "closed":
            issues.append(
                (
                    (*path, from_key, index),
                    gettext("state '%(id)s' is closed: no transition may leave it") % {"id": state},
                )
            )
    issues += _trigger_issues(transition, path, workflow)
    for index, actor in items(transition, "by"):
        issues += _actor_issues(actor, (*path, "by", index), known)
    issues += unknown_refs(
        transition,
        path,
        "requires_consent",
        known.purposes,
        gettext("unknown consent purpose '%(id)s'"),
        False,
    )
    issues += unknown_refs(
        transition, path, "requires_checklist", known.checklists, gettext("unknown checklist '%(id)s'"), False
    )
    issues += _legal_basis_refs(transition, path, known)
    for index, effect in items(transition, "effects"):
        issues += _effect_issues(effect, (*path, "effects", index), known)
    return issues


def _trigger_issues(transition: dict, path: Path, workflow: dict) -> Issues:
    trigger = transition.get("trigger", "manual")
    actors = transition.get("by")
    if trigger == "manual" and not actors:
        return [((*path, "by"), gettext("a manual transition must say who may perform it (at least one actor)"))]
    if trigger != "manual" and isinstance(trigger, str) and actors:
        return [
            (
                (*path, "by"),
                gettext("only a manual transition names who performs it; this one is set off by '%(trigger)s'")
                % {"trigger": trigger},
            )
        ]
    if trigger == "deadline_expired":
        on_expiry = {deadline.get("on_expiry") for _index, deadline in items(workflow, "deadlines")}
        if transition.get("id") not in on_expiry:
            return [
                (
                    (*path, "trigger"),
                    gettext(
                        "no deadline performs this transition when it runs out (name it in a deadline's on_expiry)"
                    ),
                )
            ]
    return []


def _actor_issues(actor: dict, path: Path, known: _Known) -> Issues:
    issues = unknown_refs(actor, path, "roles", known.roles, gettext("unknown role '%(id)s'"), True)
    issues += unknown_refs(
        actor,
        path,
        "institution_types",
        known.institution_types,
        gettext("unknown institution type '%(id)s'"),
        True,
    )
    roles = [role for role in _strings(actor.get("roles")) if role in known.role_types]
    if not roles:
        return issues
    for index, type_id in enumerate(actor.get("institution_types") or []):
        if not isinstance(type_id, str) or (known.institution_types and type_id not in known.institution_types):
            continue
        # A role limited to other institution types can never be held there: no one could perform the transition.
        if not any(not known.role_types[role] or type_id in known.role_types[role] for role in roles):
            issues.append(
                (
                    (*path, "institution_types", index),
                    gettext("none of the roles %(roles)s may be held in institution type '%(id)s'")
                    % {"roles": ", ".join(roles), "id": type_id},
                )
            )
    return issues


def _effect_issues(effect: dict, path: Path, known: _Known) -> Issues:
    message = gettext("unknown deadline '%(id)s'")
    deadlines = set(known.deadlines)
    issues = unknown_refs(effect, path, "start_deadline", deadlines, message, False)
    issues += unknown_refs(effect, path, "stop_deadline", deadlines, message, False)
    issues += unknown_refs(effect, path, "use_quota", deadlines, message, False)
    issues += unknown_refs(
        effect, path, "involve", known.institution_types, gettext("unknown institution type '%(id)s'"), True
    )
    quota_of = known.deadlines.get(effect.get("use_quota")) if isinstance(effect.get("use_quota"), str) else None
    if quota_of is not None and quota_of.get("quota") is None:
        issues.append(
            (
                (*path, "use_quota"),
                gettext("deadline '%(id)s' has no quota to use") % {"id": effect["use_quota"]},
            )
        )
    if not any(effect.get(key) for key in ("start_deadline", "stop_deadline", "use_quota", "involve", "notify")):
        issues.append(
            (
                path,
                gettext("an effect must do something: start_deadline, stop_deadline, use_quota, involve or notify"),
            )
        )
    return issues


def _deadline_issues(deadline: dict, path: Path, known: _Known) -> Issues:
    days, hours = _number(deadline.get("days")), _number(deadline.get("hours"))
    urgent, remind = _number(deadline.get("urgent_hours")), _number(deadline.get("remind_days_before"))
    issues: Issues = []
    if (deadline.get("days") is None) == (deadline.get("hours") is None):
        issues.append((path, gettext("a deadline needs exactly one period: days or hours")))
    if urgent is not None and hours is None:
        issues.append(((*path, "urgent_hours"), gettext("urgent_hours needs a period in hours")))
    elif urgent is not None and hours is not None and urgent >= hours:
        issues.append(
            (
                (*path, "urgent_hours"),
                gettext("urgent_hours must be shorter than hours (%(hours)d)") % {"hours": hours},
            )
        )
    length = days * 24 if days and not hours else hours if hours and not days else None
    if remind and length is not None and remind * 24 >= length:
        issues.append(
            (
                (*path, "remind_days_before"),
                gettext("a reminder %(days)d days before the end would come before the deadline starts")
                % {"days": remind},
            )
        )
    on_expiry = deadline.get("on_expiry")
    if isinstance(on_expiry, str):
        transition = known.transitions.get(on_expiry)
        if transition is None:
            issues.append(((*path, "on_expiry"), gettext("unknown transition '%(id)s'") % {"id": on_expiry}))
        elif transition.get("trigger", "manual") != "deadline_expired":
            issues.append(
                (
                    (*path, "on_expiry"),
                    gettext("transition '%(id)s' must have the trigger deadline_expired to be performed on expiry")
                    % {"id": on_expiry},
                )
            )
    issues += _legal_basis_refs(deadline, path, known)
    return issues


def _referral_issues(referral: Any, path: Path, known: _Known) -> Issues:
    if not isinstance(referral, dict):
        return []
    issues = unknown_refs(
        referral, path, "response_deadline", set(known.deadlines), gettext("unknown deadline '%(id)s'"), False
    )
    response = (
        known.deadlines.get(referral.get("response_deadline"))
        if isinstance(referral.get("response_deadline"), str)
        else None
    )
    if response is not None and _number(response.get("hours")) is None:
        issues.append(
            (
                (*path, "response_deadline"),
                gettext("the answer to a referral is counted in hours: deadline '%(id)s' must use hours")
                % {"id": referral["response_deadline"]},
            )
        )
    for field in ("sender_roles", "receiving_roles"):
        issues += unknown_refs(referral, path, field, known.roles, gettext("unknown role '%(id)s'"), True)
    issues += unknown_refs(
        referral, path, "purposes", known.purposes, gettext("unknown consent purpose '%(id)s'"), True
    )
    for index, exception in items(referral, "legal_duty_exceptions"):
        exception_path = (*path, "legal_duty_exceptions", index)
        issues += unknown_refs(
            exception,
            exception_path,
            "recipient_types",
            known.institution_types,
            gettext("unknown institution type '%(id)s'"),
            True,
        )
        issues += _legal_basis_refs(exception, exception_path, known)
        # A duty limited to a purpose referrals are never sent for could never be used.
        issues += unknown_refs(
            exception,
            exception_path,
            "purposes",
            set(_strings(referral.get("purposes"))) if isinstance(referral.get("purposes"), list) else None,
            gettext("purpose '%(id)s' is not one of the referral purposes"),
            True,
        )
    return issues


def _reachability_issues(workflow: dict, known: _Known) -> Issues:
    initial = workflow.get("initial_state")
    if not isinstance(initial, str) or initial not in known.states:
        return []
    leaving: dict[str, set[str]] = {}
    for _index, transition in items(workflow, "transitions"):
        target = transition.get("to")
        for state in _strings(transition.get(_from_key(transition))):
            leaving.setdefault(state, set())
            if isinstance(target, str) and target in known.states:
                leaving[state].add(target)
    reached, frontier = {initial}, [initial]
    while frontier:
        for target in leaving.get(frontier.pop(), ()):
            if target not in reached:
                reached.add(target)
                frontier.append(target)
    issues: Issues = []
    for index, state in items(workflow, "states"):
        ident = state.get("id")
        if not isinstance(ident, str):
            continue
        if ident not in reached:
            issues.append(
                (
                    (*ROOT, "states", index),
                    gettext("state '%(id)s' cannot be reached from the initial state '%(initial)s'")
                    % {"id": ident, "initial": initial},
                )
            )
        if state.get("kind", "open") == "open" and ident not in leaving:
            issues.append(
                (
                    (*ROOT, "states", index),
                    gettext("open state '%(id)s' has no transition leaving it: add one, or make it an outcome")
                    % {"id": ident},
                )
            )
    return issues
