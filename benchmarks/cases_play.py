"""Playing one case's story into rows, as the case services and `opennrm tick` would have written them.

The pack's own workflow engine decides (`plan`, `triggered_transition`, `deadline_due`): which state a transition
leads to, which deadlines it starts or stops, which institutions it involves. Rows are only built here;
`cases_generate` inserts them in bulk, a chunk of cases at a time.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from benchmarks.cases_insert import Table
from benchmarks.cases_story import Step, Story
from opennrm.accounts.models import User
from opennrm.audit.models import AuditEvent
from opennrm.cases import models as cases
from opennrm.cases.crypto import blind_index
from opennrm.cases.staff import responsible_institution
from opennrm.cases.workflow import CaseFacts, deadline_due, plan, triggered_transition
from opennrm.directory.models import Municipality
from opennrm.jurisdiction.schema import Transition, Workflow

if TYPE_CHECKING:
    from benchmarks.cases_generate import Staff

TICK_DELAY = timedelta(minutes=5)  # how soon `opennrm tick` notices a deadline ran out
AUDIT_PURPOSE = "case work"  # as the case services write it
FORMS = [
    ("ForcedLabour", 40),
    ("SexualExploitation", 30),
    ("ForcedMarriage", 10),
    ("ForcedCriminality", 8),
    ("ForcedBegging", 5),
    ("Servitude", 4),
    ("Other", 3),
]
CITIZENSHIP = {
    "national": ["LV"],
    "eu_citizen": ["LT", "EE", "PL", "RO", "BG"],
    "third_country_national": ["UA", "UZ", "VN", "IN", "BY", "NP", "LK", "TJ"],
}
DESTINATIONS = ["GB", "DE", "IE", "NO", "SE", "NL", "FI", "DK"]
AGE_BANDS = (("50+", 50), ("35-49", 35), ("25-34", 25), ("18-24", 18), ("12-17", 12), ("0-11", 0))
CATEGORIES = [["identity", "contacts", "circumstances"], ["identity", "contacts"], ["identity"]]


class Batch:
    """The rows of a chunk of cases, per table, written together in dependency order."""

    def __init__(self, tables: dict[type, Table]):
        self.tables = tables
        self.rows: dict[type, list[dict[str, Any]]] = {model: [] for model in tables}

    def add(self, model: type, at: datetime | None = None, **values: Any) -> dict[str, Any]:
        """A new row (with its id); `at` stamps created_at/updated_at with the moment it happened."""
        if at is not None:
            values["created_at"] = values["updated_at"] = at
        row = self.tables[model].row(**values)
        self.rows[model].append(row)
        return row


@dataclass
class World:
    """What every case is played against."""

    workflow: Workflow
    version_id: int
    now: datetime
    staff: Staff
    seed: int
    involve: dict[tuple[str, int | None], int | None] = field(default_factory=dict)
    counters: dict[int, int] = field(default_factory=lambda: defaultdict(int))  # year -> last reference number
    municipalities: dict[int, Municipality] = field(default_factory=dict)
    codes: dict[int, str] = field(default_factory=dict)  # institution id -> code, as events and audit name them

    def responsible(self, type_code: str, municipality: int | None) -> int | None:
        """The institution of a type serving a place, as the services find it (cached: a few dozen answers)."""
        key = (type_code, municipality)
        if key not in self.involve:
            place = self.municipalities.get(municipality) if municipality else None
            found = responsible_institution(type_code=type_code, municipality=place)
            self.involve[key] = found.pk if found else None
        return self.involve[key]


RUNNING, MET, EXPIRED = cases.Deadline.Status.RUNNING, cases.Deadline.Status.MET, cases.Deadline.Status.EXPIRED


class Play:
    """One case's story played up to `now`: every step through the workflow, deadlines run out as `tick` would."""

    def __init__(self, world: World, batch: Batch, number: int, life: Story):
        self.world, self.batch, self.life = world, batch, life
        self.workflow = world.workflow
        self.rng = random.Random(f"{world.seed}:rows:{number}")
        self.people: dict[int, User] = {}
        self.parties: set[int] = set()
        self.running: dict[str, dict] = {}  # deadline kind (or "referral:<n>") -> its row, while it runs
        self.referrals: list[dict] = []
        self.deadlines: list[dict] = []
        self.case = self._open(number)

    def person_for(self, institution: int) -> User:
        """Who acts for an institution in this case: one worker each, as if assigned."""
        if institution not in self.people:
            self.people[institution] = self.world.staff.worker(institution, self.rng)
        return self.people[institution]

    def play(self) -> None:
        for step in self.life.steps:
            if step.at > self.world.now:
                break
            self._expire(until=step.at)
            getattr(self, f"_{step.kind}")(step)
        self._expire(until=self.world.now)
        self._reminders()

    # --- rows ---

    def _event(self, kind: str, at: datetime, by: User | None, institution: int | None, details: dict) -> None:
        self.batch.add(
            cases.CaseEvent,
            case_id=self.case["id"],
            occurred_at=at,
            kind=kind,
            actor_id=by.pk if by else None,
            institution_id=institution,
            details=details,
        )

    def _audit(self, action: str, at: datetime, by: User | None, new: dict, old: dict | None = None) -> None:
        reference = self.case["reference"]
        self.batch.add(
            AuditEvent,
            occurred_at=at.replace(microsecond=0),
            actor_id=by.pk if by else None,
            actor_username=by.username if by else "",
            institution_id=by.unit.institution_id if by else None,
            action=action,
            object_type="case",
            object_id=reference,
            purpose=AUDIT_PURPOSE,
            old_values=old,
            new_values={"case": reference, **new},
            ip_address=None,
        )

    def _party(self, institution: int, reason: str, at: datetime, scope: list[str]) -> bool:
        if institution in self.parties:
            return False
        self.parties.add(institution)
        self.batch.add(
            cases.CaseParty,
            at,
            case_id=self.case["id"],
            institution_id=institution,
            reason=reason,
            data_scope=scope,
            joined_at=at,
        )
        return True

    def _assign(self, institution: int, at: datetime) -> None:
        user = self.person_for(institution)
        self.batch.add(cases.Assignment, at, case_id=self.case["id"], user_id=user.pk, assigned_by_id=user.pk)

    def _open(self, number: int) -> dict:
        life, world, rng = self.life, self.world, self.rng
        at = life.opened_at
        initial = self.workflow.state(self.workflow.initial_state)
        year = timezone.localtime(at).year
        world.counters[year] += 1
        forms = sorted({rng.choices([f for f, _ in FORMS], weights=[w for _, w in FORMS])[0] for _ in "ab"})
        self.case = self.batch.add(
            cases.Case,
            at,
            reference=f"{self.workflow.reference_prefix}-{year}-{world.counters[year]:06d}",
            model_version_id=world.version_id,
            state=initial.id,
            state_kind=initial.kind,
            population=life.population,
            nationality=life.nationality,
            municipality_id=life.municipality,
            recognising_institution_id=life.recognising,
            forms=forms,
            countries=["LV"] if rng.random() < 0.4 else ["LV", rng.choice(DESTINATIONS)],
            screening_id=None,
            opened_at=at,
            ended_at=None,
        )
        self._person(number, at)
        self._party(life.recognising, cases.CaseParty.Reason.RECOGNISED, at, [])
        self._assign(life.recognising, at)
        by = self.person_for(life.recognising)
        self._event("case.opened", at, by, life.recognising, {"state": initial.id, "screening": None})
        if life.population == cases.Population.CHILD:
            for type_code in self.workflow.child.involve:
                institution = world.responsible(type_code, life.municipality)
                if institution is not None and self._party(institution, cases.CaseParty.Reason.CHILD, at, []):
                    details = {"institution": world.codes[institution], "reason": "child"}
                    self._event("party.involved", at, by, life.recognising, details)
        opened = {"state": initial.id, "population": life.population, "nationality": life.nationality, "forms": forms}
        self._audit("case.opened", at, by, opened)
        self._audit("person.viewed", at + timedelta(minutes=5), by, {})
        return self.case

    def _person(self, number: int, at: datetime) -> None:
        rng, life = self.rng, self.life
        age = rng.randrange(8, 18) if life.population == cases.Population.CHILD else rng.randrange(18, 60)
        born = (at - timedelta(days=365 * age + rng.randrange(365))).date().isoformat()
        given, family = "Testa", f"Persona {number:06d}"
        self.batch.add(
            cases.Person,
            at,
            case_id=self.case["id"],
            given_name=given,
            family_name=family,
            birth_date=born,
            personal_code=f"000000-{number % 100000:05d}" if life.nationality == "national" else "",
            phone=f"+371 2{number % 10_000_000:07d}" if rng.random() < 0.5 else "",
            email=f"persona-{number:06d}@example.lv" if rng.random() < 0.3 else "",
            address="Fiktīvā iela 1, Nekurienes pagasts" if rng.random() < 0.4 else "",
            blind_index=blind_index(given, family, born),
            sex=rng.choices(["Feminine", "Masculine", "NonSpecifiedUnknown"], weights=[60, 38, 2])[0],
            age_band=next(band for band, low in AGE_BANDS if age >= low),
            citizenship=[rng.choice(CITIZENSHIP[life.nationality])],
            languages=["lv"] if life.nationality == "national" else ["ru", "en"][: rng.randrange(1, 3)],
        )

    # --- steps ---

    def _refer(self, step: Step) -> None:
        world, rng, at = self.world, self.rng, step.at
        by = self.person_for(step.institution)
        categories = rng.choice(CATEGORIES)
        child = self.life.population == cases.Population.CHILD
        methods = ["written", "oral"] if self.life.nationality == "national" else ["written", "interpreter"]
        consent = self.batch.add(
            cases.Consent,
            at,
            case_id=self.case["id"],
            purpose=step.purpose,
            data_categories=categories,
            recipient_institution_id=step.to_institution,
            method=rng.choice(methods),
            given_by=rng.choice(self.workflow.child.consent_by) if child else cases.Consent.Giver.PERSON,
            given_on=timezone.localtime(at).date(),
            recorded_by_id=by.pk,
            recorded_by_institution_id=step.institution,
        )
        recipient = world.codes[step.to_institution]
        details = {"purpose": step.purpose, "data_categories": categories, "recipient": recipient}
        details |= {"method": consent["method"], "given_by": consent["given_by"]}
        self._event("consent.recorded", at, by, step.institution, details)
        self._audit("consent.recorded", at, by, details)
        rule = self.workflow.deadline(self.workflow.referral.response_deadline)
        due = deadline_due(rule, starts_at=at, urgent=step.urgent)
        referral = self.batch.add(
            cases.Referral,
            at,
            case_id=self.case["id"],
            from_institution_id=step.institution,
            to_institution_id=step.to_institution,
            purpose=step.purpose,
            urgency="urgent" if step.urgent else "normal",
            message="Sintētisks nosūtījums etalontestam." if rng.random() < 0.5 else "",
            data_scope=categories,
            consent_id=consent["id"],
            sent_by_id=by.pk,
            sent_at=at,
            due_at=due,
        )
        self.referrals.append(referral)
        deadline = self._deadline(rule.id, at, due, referral=referral, responsible=step.to_institution)
        self.running[f"referral:{len(self.referrals)}"] = deadline
        details = {"to": recipient, "purpose": step.purpose, "urgency": referral["urgency"]}
        details |= {"data_scope": categories, "legal_duty_exception": ""}
        self._event("referral.sent", at, by, step.institution, details)
        self._audit("referral.sent", at, by, {**details, "flagged": False})
        self._trigger("referral_sent", at, by)

    def _answer(self, step: Step) -> None:
        at, referral = step.at, self.referrals[step.referral]
        by = self.person_for(step.institution)
        referral["status"] = cases.Referral.Status.ACCEPTED if step.accepted else cases.Referral.Status.DECLINED
        referral.update(answered_by_id=by.pk, answered_at=at, updated_at=at)
        if not step.accepted:
            referral["decline_reason"] = "Sintētisks atteikums: nav brīvu vietu."
        deadline = self.running.pop(f"referral:{step.referral + 1}", None)
        if deadline is not None:
            self._end(deadline, at)
        kind = "referral.accepted" if step.accepted else "referral.declined"
        details = {"institution": self.world.codes[step.institution]}
        self._event(kind, at, by, step.institution, details)
        self._audit(kind, at, by, details)
        if step.accepted:
            if self._party(step.institution, cases.CaseParty.Reason.REFERRAL, at, list(referral["data_scope"])):
                self._assign(step.institution, at)
            self._audit("person.viewed", at + timedelta(minutes=10), by, {})
            self._trigger("referral_accepted", at, by)

    def _transition(self, step: Step) -> None:
        rule = self.workflow.transition(step.transition)
        if rule is not None and self.case["state"] in rule.from_states:
            by = self.person_for(step.institution) if step.institution is not None else None
            self._apply(rule, step.at, by)

    def _trigger(self, trigger: str, at: datetime, by: User | None) -> None:
        rule = triggered_transition(self.workflow, trigger, self._facts())
        if rule is not None:
            self._apply(rule, at, by)

    def _facts(self) -> CaseFacts:
        return CaseFacts(
            state=self.case["state"],
            population=self.case["population"],
            nationality=self.case["nationality"],
            running_deadlines={d["kind"]: d.get("used", 0) for d in self.running.values() if not d["referral_id"]},
        )

    def _apply(self, rule: Transition, at: datetime, by: User | None) -> None:
        case, workflow = self.case, self.workflow
        steps = plan(workflow, rule, self._facts())
        institution = by.unit.institution_id if by else None
        checklist = []
        if rule.requires_checklist and (found := workflow.checklist(rule.requires_checklist)):
            checklist = sorted(item.id for item in found.items)
        self.batch.add(
            cases.TransitionRecord,
            at,
            case_id=case["id"],
            transition=rule.id,
            from_state=steps.from_state,
            to_state=steps.to_state,
            performed_by_id=by.pk if by else None,
            institution_id=institution,
            performed_at=at,
            reason="Sintētisks pamatojums etalontestam." if rule.requires_reason else "",
            checklist=checklist,
            document_id=None,
        )
        case.update(state=steps.to_state, state_kind=steps.to_kind, updated_at=at)
        ended = steps.to_kind in ("outcome", "closed")
        if ended:
            case["ended_at"] = case["ended_at"] or at
        for kind in steps.stop_deadlines:
            if kind in self.running:
                self._end(self.running.pop(kind), at)
        for kind in steps.start_deadlines:
            if kind not in self.running:
                deadline_rule = workflow.deadline(kind)
                self.running[kind] = self._deadline(kind, at, deadline_due(deadline_rule, starts_at=at))
                self.running[kind]["quota"] = deadline_rule.quota
        for kind in steps.use_quota:
            if kind in self.running:
                self.running[kind]["used"] = self.running[kind].get("used", 0) + 1
        if ended:
            # Nothing runs on for an ended case (referrals waiting for an answer keep their own clock).
            for key in [k for k, d in self.running.items() if not d["referral_id"]]:
                self._end(self.running.pop(key), at)
        for type_code in steps.involve:
            involved = self.world.responsible(type_code, case["municipality_id"])
            if involved is not None:
                self._party(involved, cases.CaseParty.Reason.INVOLVED, at, [])
        details = {"transition": rule.id, "from": steps.from_state, "to": steps.to_state, "checklist": checklist}
        details |= {"document": None, "with_reason": rule.requires_reason}
        self._event("transition.performed", at, by, institution, details)
        self._audit("case.transition", at, by, details, old={"state": steps.from_state})

    # --- deadlines ---

    def _deadline(self, kind: str, at: datetime, due: datetime, *, referral=None, responsible=None) -> dict:
        deadline = self.batch.add(
            cases.Deadline,
            at,
            case_id=self.case["id"],
            kind=kind,
            referral_id=referral["id"] if referral else None,
            responsible_institution_id=responsible,
            starts_at=at,
            due_at=due,
            status=RUNNING,
        )
        self.deadlines.append(deadline)
        return deadline

    def _reminders(self) -> None:
        """Reminders `tick` sent: for deadlines whose reminder time came before they ended (or before now)."""
        for deadline in self.deadlines:
            rule = self.workflow.deadline(deadline["kind"])
            if rule is None or not rule.remind_days_before:
                continue
            remind_at = deadline["due_at"] - timedelta(days=rule.remind_days_before) + TICK_DELAY
            if remind_at <= (deadline.get("ended_at") or self.world.now):
                deadline["reminded_at"] = remind_at

    def _end(self, deadline: dict, at: datetime) -> None:
        if deadline["status"] == RUNNING:
            deadline.update(status=MET if at <= deadline["due_at"] else EXPIRED, ended_at=at, updated_at=at)

    def _expire(self, *, until: datetime) -> None:
        """What `opennrm tick` did meanwhile: deadlines past their end expire, escalate, or move the case on."""
        for key, deadline in sorted(self.running.items(), key=lambda item: item[1]["due_at"]):
            if deadline["due_at"] > until or deadline["status"] != RUNNING:
                continue
            rule = self.workflow.deadline(deadline["kind"])
            at = deadline["due_at"] + TICK_DELAY
            if deadline["referral_id"]:
                # An unanswered referral stays in the recipient's inbox, overdue and escalated to its supervisors.
                if not deadline.get("escalated_at"):
                    deadline.update(escalated_at=at, updated_at=at)
                    referral = next(r for r in self.referrals if r["id"] == deadline["referral_id"])
                    referral.update(escalated_at=at, updated_at=at)
                    self._event("referral.escalated", at, None, deadline["responsible_institution_id"], {})
                    self._audit("referral.escalated", at, None, {})
                continue
            self.running.pop(key)
            deadline.update(status=EXPIRED, ended_at=at, updated_at=at)
            if rule is not None and rule.escalate:
                deadline["escalated_at"] = at
            self._event("deadline.expired", at, None, None, {"deadline": deadline["kind"]})
            self._audit("deadline.expired", at, None, {"deadline": deadline["kind"]})
            if rule is not None and rule.on_expiry:
                transition = self.workflow.transition(rule.on_expiry)
                if transition is not None and self.case["state"] in transition.from_states:
                    self._apply(transition, at, None)
