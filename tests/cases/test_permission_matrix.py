"""Who may do what through the case API: every role of the published Latvian pack, held in an institution that
takes part in the case (assigned to it or not, where that matters) or in another one, against every endpoint and
every transition of the workflow. What each should answer follows from the rule table below; "not visible" is 404.

The roles come from the published pack (a new role is covered without touching this file), and so do the
transitions, who may perform them and what they need. The world is built once for the module: the demo directory,
cases brought through the real services to a state where each transition can start, and one member of staff per
role and place. Every call is rolled back, so each one meets the same world.

The calls go through the API object itself (ninja's test client: authentication, validation, the endpoints, the
error mapping) rather than through Django's middleware, which test_api.py exercises; a thousand calls through the
whole stack would not fit the time a test module should take.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.db import transaction
from ninja.testing import TestClient

from opennrm.accounts.models import Role
from opennrm.accounts.services import api_token_issue
from opennrm.api.api import api
from opennrm.cases.models import Assignment, Case, CaseParty, Referral
from opennrm.cases.selectors import party_scope
from opennrm.cases.services.cases import PersonData, break_glass_open, case_open
from opennrm.cases.services.consent import consent_record
from opennrm.cases.services.referrals import referral_accept, referral_send
from opennrm.cases.services.transitions import case_transition
from opennrm.cases.services.work import document_upload
from opennrm.core.capabilities import Capability
from opennrm.directory.models import Institution, Municipality
from opennrm.jurisdiction.schema import Transition, Workflow
from opennrm.jurisdiction.selectors import version_pack
from tests.cases.shared_world import shared_case_world, world_keys_file
from tests.factories import UnitFactory, UserFactory

pytestmark = pytest.mark.django_db

VIEW, EDIT, PERSONAL_DATA, SUPERVISE, BREAK_GLASS = (
    Capability.CASES_VIEW,
    Capability.CASES_EDIT,
    Capability.PERSONAL_DATA_VIEW,
    Capability.CASES_SUPERVISE,
    Capability.CASES_BREAK_GLASS,
)

# --- Places: where the members of staff work --------------------------------------------------------------------

# Institutions taking part in every case of the matrix, and how they came to (which data they see).
PARTY_PLACES = {
    "social": "lv-social-service-riga",  # recognised the person: sees everything
    "provider": "lv-provider-marta",  # accepted a referral for identification: everything (its commission assesses)
    "police": "lv-state-police",  # accepted a referral for criminal proceedings: identity
    "siva": "lv-siva",  # accepted a referral for the rehabilitation service: no personal data
}
JOINED_BY_REFERRAL = {
    "provider": ("identification", ["identity", "contacts", "circumstances"]),
    "police": ("criminal_proceedings", ["identity"]),
    "siva": ("social_rehabilitation", []),
}
# Institutions taking no part. The first three have a referral of the main case waiting for their answer.
OTHER_PLACES = {
    "other_social": "lv-social-service-daugavpils",
    "other_provider": "lv-provider-safe-house",
    "other_police": "lv-riga-municipal-police",
    "inspectorate": "lv-children-rights-inspectorate",
    "coordination": "lv-iem",
}
WAITING_PLACES = ("other_social", "other_provider", "other_police")
# Where a new referral from the main case goes in the "POST /cases/{id}/referrals" cell (a consent allows it).
NEW_REFERRAL_TO = "lv-ngo-vidzeme"
# The state the matrix cases reach through referrals; transitions are tried from here or from a state after it.
BASE_STATE = "identification"


def _pack_roles() -> list[str]:
    """Role ids of the Latvian pack, read when the tests are collected, so that each role is its own test."""
    with open(Path(settings.OPENNRM_PACKS_DIR) / "lv" / "roles.yaml", encoding="utf-8") as roles_file:
        return [role["id"] for role in yaml.safe_load(roles_file)["roles"]]


ROLES = _pack_roles()


# --- The facts the rules are stated in --------------------------------------------------------------------------


@dataclass(frozen=True)
class Holder:
    """A member of staff holding one role at one place; `capabilities` and `roles` are those in force there."""

    role: str
    place: str
    variant: str  # assigned | unassigned | member | break-glass
    institution: str
    institution_type: str
    roles: frozenset[str]
    capabilities: frozenset[str]
    headers: dict = field(hash=False, compare=False)

    @property
    def label(self) -> str:
        return f"{self.role} at {self.place} ({self.variant})"

    @property
    def assigned(self) -> bool:
        return self.variant == "assigned"

    @property
    def break_glass(self) -> bool:
        return self.variant == "break-glass"


@dataclass(frozen=True)
class CaseFacts:
    id: int
    reference: str
    state: str
    # Institution code -> the data categories it sees.
    parties: dict[str, frozenset[str]]
    document: int


@dataclass(frozen=True)
class ReferralFacts:
    id: int
    sender: str
    addressee: str


@dataclass
class MatrixWorld:
    workflow: Workflow
    main: CaseFacts
    # Transition id -> the case it is tried on (in a state it starts from, its preconditions met).
    cases_for: dict[str, CaseFacts]
    # Institution code -> the referral of the main case waiting for its answer.
    waiting: dict[str, ReferralFacts]
    holders: list[Holder]

    def referral_for(self, holder: Holder) -> ReferralFacts:
        """The referral addressed to the holder's institution, or else one addressed elsewhere."""
        return self.waiting.get(holder.institution) or self.waiting[OTHER_PLACES[WAITING_PLACES[0]]]


# --- The rule table ----------------------------------------------------------------------------------------------


def sees(h: Holder, case: CaseFacts) -> bool:
    """A case is visible to its parties' staff who are assigned to it or supervise, and after break-glass."""
    if VIEW not in h.capabilities:
        return False
    return h.break_glass or (h.institution in case.parties and (h.assigned or SUPERVISE in h.capabilities))


def changes(h: Holder, case: CaseFacts) -> bool:
    """Only a party's staff with the right to change cases change one (break-glass only reads)."""
    return sees(h, case) and EDIT in h.capabilities and h.institution in case.parties


def shown_identity(h: Holder, case: CaseFacts) -> bool:
    scope = frozenset({"identity", "contacts", "circumstances"}) if h.break_glass else case.parties.get(h.institution)
    return sees(h, case) and PERSONAL_DATA in h.capabilities and "identity" in (scope or ())


def sees_referral(h: Holder, w: MatrixWorld) -> bool:
    """A waiting referral to its addressee's staff who may answer it; any referral to whoever sees its case."""
    referral = w.referral_for(h)
    may_answer = VIEW in h.capabilities and bool(h.roles & set(w.workflow.referral.receiving_roles))
    return (referral.addressee == h.institution and may_answer) or sees(h, w.main)


def answers_referral(h: Holder, w: MatrixWorld) -> int:
    """Accept or decline: the addressee's staff holding a receiving role; others who see the referral: 403."""
    if not sees_referral(h, w):
        return 404
    if w.referral_for(h).addressee != h.institution:
        return 403
    return 200 if h.roles & set(w.workflow.referral.receiving_roles) else 403


def withdraws_referral(h: Holder, w: MatrixWorld) -> int:
    """Withdraw: the sending institution's staff who may change the case; others who see the referral: 403."""
    if not sees_referral(h, w):
        return 404
    return 200 if w.referral_for(h).sender == h.institution and changes(h, w.main) else 403


def writes(status: int, allowed: Callable[[Holder, MatrixWorld], bool]) -> Callable[[Holder, MatrixWorld], int]:
    """A write on the main case: `status` when allowed, 403 when the case is visible but not this, else 404."""
    return lambda h, w: status if allowed(h, w) else 403 if sees(h, w.main) else 404


def consents(h: Holder, w: MatrixWorld) -> int:
    """Record a consent: whoever changes the case, for data their institution sees itself (else 400)."""
    if not changes(h, w.main):
        return 403 if sees(h, w.main) else 404
    return 201 if set(NEW_CONSENT["data_categories"]) <= w.main.parties[h.institution] else 400


RULES: dict[str, Callable[[Holder, MatrixWorld], object]] = {
    "POST /cases": lambda h, w: 201 if {VIEW, EDIT} <= h.capabilities else 403,
    "GET /cases": lambda h, w: 200 if VIEW in h.capabilities else 403,
    "GET /cases lists the case": lambda h, w: sees(h, w.main),
    "GET /cases/{id}": lambda h, w: 200 if sees(h, w.main) else 404,
    "GET /cases/{id} shows the identity": lambda h, w: shown_identity(h, w.main),
    "GET /cases/{id}/timeline": lambda h, w: 200 if sees(h, w.main) else 404,
    "POST /cases/{id}/consents": consents,
    "POST /cases/{id}/referrals": writes(
        201, lambda h, w: changes(h, w.main) and bool(h.roles & set(w.workflow.referral.sender_roles))
    ),
    "POST /referrals/{id}/accept": answers_referral,
    "POST /referrals/{id}/decline": answers_referral,
    "POST /referrals/{id}/withdraw": withdraws_referral,
    "GET /inbox": lambda h, w: 200 if VIEW in h.capabilities else 403,
}


def performs(h: Holder, transition: Transition, case: CaseFacts) -> bool:
    """A party's member who may change cases, holding a role the transition names, in an institution of a type it
    names (if any)."""
    return (
        transition.trigger == "manual"
        and h.institution in case.parties
        and {VIEW, EDIT} <= h.capabilities
        and any(
            h.roles & set(actor.roles)
            and (not actor.institution_types or h.institution_type in actor.institution_types)
            for actor in transition.by
        )
    )


def transition_rule(h: Holder, transition: Transition, case: CaseFacts) -> int:
    """Not visible: 404. Visible: 200 for whoever may perform it (citing a document only if their institution sees
    the circumstances), otherwise refused (400)."""
    if not sees(h, case):
        return 404
    cites_document = transition.requires_document and "circumstances" not in case.parties.get(h.institution, ())
    return 200 if performs(h, transition, case) and not cites_document else 400


def expected_for(h: Holder, w: MatrixWorld) -> dict[str, object]:
    cells = {name: rule(h, w) for name, rule in RULES.items()}
    for transition in w.workflow.transitions:
        cells[f"transition {transition.id}"] = transition_rule(h, transition, w.cases_for[transition.id])
    return cells


# --- Asking the API ------------------------------------------------------------------------------------------------

client = TestClient(api)


def _call(h: Holder, method: str, path: str, body: dict | None = None):
    # Each call meets the same world: whatever it changes is rolled back.
    with transaction.atomic():
        if method == "get":
            response = client.get(path, headers=h.headers)
        else:
            response = client.post(path, json=body or {}, headers=h.headers)
        transaction.set_rollback(True)
    return response


def _transition_body(workflow: Workflow, transition: Transition, case: CaseFacts) -> dict:
    """Everything the transition can ask for, so only who asks decides the answer."""
    checklist = workflow.checklist(transition.requires_checklist) if transition.requires_checklist else None
    return {
        "transition": transition.id,
        "reason": "Testa pamatojums lēmumam.",
        "checklist": [item.id for item in checklist.items] if checklist else [],
        "document_id": case.document if transition.requires_document else None,
    }


def actual_for(h: Holder, w: MatrixWorld) -> dict[str, object]:
    main = w.main
    referral = w.referral_for(h)
    listed = _call(h, "get", f"/cases?reference={main.reference}")
    shown = _call(h, "get", f"/cases/{main.id}")
    cells: dict[str, object] = {
        "POST /cases": _call(h, "post", "/cases", NEW_CASE).status_code,
        "GET /cases": listed.status_code,
        "GET /cases lists the case": listed.status_code == 200 and bool(listed.json()["items"]),
        "GET /cases/{id}": shown.status_code,
        "GET /cases/{id} shows the identity": shown.status_code == 200
        and shown.json()["person"]["identity"] is not None,
        "GET /cases/{id}/timeline": _call(h, "get", f"/cases/{main.id}/timeline").status_code,
        "POST /cases/{id}/consents": _call(h, "post", f"/cases/{main.id}/consents", NEW_CONSENT).status_code,
        "POST /cases/{id}/referrals": _call(h, "post", f"/cases/{main.id}/referrals", NEW_REFERRAL).status_code,
        "POST /referrals/{id}/accept": _call(h, "post", f"/referrals/{referral.id}/accept").status_code,
        "POST /referrals/{id}/decline": _call(
            h, "post", f"/referrals/{referral.id}/decline", {"reason": "Nav brīvu vietu."}
        ).status_code,
        "POST /referrals/{id}/withdraw": _call(h, "post", f"/referrals/{referral.id}/withdraw").status_code,
        "GET /inbox": _call(h, "get", "/inbox").status_code,
    }
    for transition in w.workflow.transitions:
        case = w.cases_for[transition.id]
        body = _transition_body(w.workflow, transition, case)
        cells[f"transition {transition.id}"] = _call(h, "post", f"/cases/{case.id}/transitions", body).status_code
    return cells


NEW_CASE = {
    "population": "adult",
    "nationality": "national",
    "person": {"given_name": "Demo", "family_name": "Lietotājs", "birth_date": "1990-01-01"},
}
NEW_CONSENT = {
    "purpose": "assistance",
    "method": "oral",
    "given_on": date.today().isoformat(),
    "data_categories": ["identity"],
    "recipient_type": "ngo",
}
NEW_REFERRAL = {"to_institution": NEW_REFERRAL_TO, "purpose": "assistance", "data_scope": []}


# --- Building the world --------------------------------------------------------------------------------------------


class Builder:
    """Cases brought to each state through the services, as the staff of tests/conftest.py's world would."""

    def __init__(self, world):
        self.world = world
        self.workflow = version_pack(world.version).workflow
        self.riga = Municipality.objects.get(code="riga")
        self.social_worker = world.social_worker

    def staff_at(self, institution: Institution, roles) -> object:
        """A member of the world's staff at `institution` holding one of `roles` in force."""
        for user in self.world.staff.values():
            if user.institution.pk == institution.pk and {r.code for r in user.active_roles()} & set(roles):
                return user
        raise LookupError(f"The case world has nobody at {institution.code} with one of {sorted(roles)}")

    def consent(self, case: Case, *, purpose: str, to: Institution, scope: list[str]) -> None:
        consent_record(
            by=self.social_worker,
            case=case,
            purpose=purpose,
            method="written",
            given_on=date.today(),
            data_categories=scope,
            recipient_institution=to,
        )

    def refer(self, case: Case, *, purpose: str, to: Institution, scope: list[str]) -> Referral:
        self.consent(case, purpose=purpose, to=to, scope=scope)
        return referral_send(by=self.social_worker, case=case, to_institution=to, purpose=purpose, data_scope=scope)

    def case_in_base_state(self) -> Case:
        case = case_open(
            by=self.social_worker,
            population="adult",
            nationality="third_country_national",
            person=PersonData(
                given_name="Testa",
                family_name="Persona",
                birth_date=date(1994, 4, 4),
                sex="Feminine",
                age_band="25-34",
                citizenship=["UA"],
                languages=["uk"],
            ),
            municipality=self.riga,
            forms=["ForcedLabour"],
            countries=["LV"],
        )
        for place, (purpose, scope) in JOINED_BY_REFERRAL.items():
            institution = self.world.institution(PARTY_PLACES[place])
            referral = self.refer(Case.objects.get(pk=case.pk), purpose=purpose, to=institution, scope=scope)
            receiver = self.staff_at(institution, self.workflow.referral.receiving_roles)
            referral_accept(by=receiver, referral_id=referral.pk)
        case = Case.objects.get(pk=case.pk)
        assert case.state == BASE_STATE, f"the referrals brought the case to {case.state}, not {BASE_STATE}"
        # The world's staff who will move the case on must be able to open it.
        for user in self.world.staff.values():
            if CaseParty.objects.filter(case=case, institution=user.institution).exists():
                Assignment.objects.get_or_create(case=case, user=user, ended_at=None)
        document_upload(
            by=self.social_worker,
            case=case,
            filename="lemums.pdf",
            content_type="application/pdf",
            content=b"%PDF-1.4 test decision",
        )
        return case

    def path_to(self, state: str) -> list[Transition] | None:
        """The shortest run of manual transitions from BASE_STATE to `state`, or None if there is none."""
        paths: dict[str, list[Transition]] = {BASE_STATE: []}
        frontier = [BASE_STATE]
        while frontier:
            current = frontier.pop(0)
            for transition in self.workflow.transitions:
                if transition.trigger == "manual" and current in transition.from_states and transition.to not in paths:
                    paths[transition.to] = [*paths[current], transition]
                    frontier.append(transition.to)
        return paths.get(state)

    def perform(self, case: Case, transition: Transition) -> Case:
        parties = Institution.objects.filter(case_parties__case=case, case_parties__left_at__isnull=True)
        actor = next(
            user
            for allowed in transition.by
            for institution in parties.select_related("type")
            if not allowed.institution_types or institution.type.code in allowed.institution_types
            for user in self.world.staff.values()
            if user.institution.pk == institution.pk and {r.code for r in user.active_roles()} & set(allowed.roles)
        )
        if transition.requires_consent:
            self.consent(case, purpose=transition.requires_consent, to=actor.institution, scope=[])
        checklist = self.workflow.checklist(transition.requires_checklist) if transition.requires_checklist else None
        case_transition(
            by=actor,
            case=case,
            transition=transition.id,
            reason="Testa pamatojums lēmumam.",
            checklist=[item.id for item in checklist.items] if checklist else [],
            document=case.documents.first() if transition.requires_document else None,
        )
        return Case.objects.get(pk=case.pk)

    def case_in(self, state: str) -> Case:
        path = self.path_to(state)
        if path is None:
            raise LookupError(f"The matrix cannot bring a case to “{state}”; extend Builder for this workflow")
        case = self.case_in_base_state()
        for transition in path:
            case = self.perform(case, transition)
        return case


def _facts(case: Case) -> CaseFacts:
    parties = CaseParty.objects.filter(case=case, left_at__isnull=True).select_related("institution")
    return CaseFacts(
        id=case.pk,
        reference=case.reference,
        state=case.state,
        parties={party.institution.code: party_scope(party) for party in parties},
        document=case.documents.first().pk,
    )


def _start_state(builder: Builder, transition: Transition) -> str:
    """The first state the transition starts from that the matrix's cases can be brought to."""
    for state in transition.from_states:
        if builder.path_to(state) is not None:
            return state
    raise LookupError(f"No state “{transition.id}” starts from can be reached from {BASE_STATE}; extend Builder")


def _places_for(role, institutions: dict[str, Institution]) -> list[tuple[str, str]]:
    """(place, variant) pairs where a holder of `role` is tried."""

    def in_force(place: str) -> bool:
        return not role.institution_types or institutions[place].type.code in role.institution_types

    capabilities = set(role.capabilities)
    places = []
    if VIEW in capabilities:
        variants = ["unassigned"] if SUPERVISE in capabilities else ["assigned", "unassigned"]
        party = [place for place in PARTY_PLACES if in_force(place)]
        # A role in force in none of the parties is still tried there: it must then open nothing.
        places += [(place, variant) for place in party or ["social"] for variant in variants]
    else:
        places.append(("social", "member"))
    other = next((place for place in OTHER_PLACES if in_force(place)), next(iter(OTHER_PLACES)))
    places.append((other, "member"))
    if BREAK_GLASS in capabilities and in_force(other):
        places.append((other, "break-glass"))
    return places


def build_matrix_world(world) -> MatrixWorld:
    builder = Builder(world)
    workflow = builder.workflow
    main = builder.case_in_base_state()
    waiting = {}
    for place in WAITING_PLACES:
        institution = world.institution(OTHER_PLACES[place])
        referral = builder.refer(main, purpose="assistance", to=institution, scope=[])
        waiting[institution.code] = ReferralFacts(
            id=referral.pk, sender=PARTY_PLACES["social"], addressee=institution.code
        )
    builder.consent(main, purpose="assistance", to=world.institution(NEW_REFERRAL_TO), scope=[])

    # Transitions an event sets off are tried on the main case: nobody may take them by hand, whatever the state.
    start_states = {
        t.id: _start_state(builder, t) if t.trigger == "manual" else BASE_STATE for t in workflow.transitions
    }
    cases_by_state = {BASE_STATE: main}
    for state in start_states.values():
        if state not in cases_by_state:
            cases_by_state[state] = builder.case_in(state)

    institutions = {place: world.institution(code) for place, code in {**PARTY_PLACES, **OTHER_PLACES}.items()}
    holders = []
    for role in version_pack(world.version).roles:
        for place, variant in _places_for(role, institutions):
            institution = institutions[place]
            user = UserFactory(
                username=f"m.{role.id}.{place}.{variant}",
                unit=institution.units.first() or UnitFactory(institution=institution),
                roles=[Role.objects.get(code=role.id)],
            )
            for case in cases_by_state.values():
                if variant == "assigned" and CaseParty.objects.filter(case=case, institution=institution).exists():
                    Assignment.objects.create(case=case, user=user)
                if variant == "break-glass":
                    break_glass_open(by=user, case=case, reason="Testa ārkārtas situācija: personai draud briesmas.")
            _token, secret = api_token_issue(user=user, name="permission matrix")
            holders.append(
                Holder(
                    role=role.id,
                    place=place,
                    variant=variant,
                    institution=institution.code,
                    institution_type=institution.type.code,
                    roles=frozenset(r.code for r in user.active_roles()),
                    capabilities=frozenset(user.capabilities()),
                    headers={"Authorization": f"Bearer {secret}"},
                )
            )
    facts = {state: _facts(case) for state, case in cases_by_state.items()}
    return MatrixWorld(
        workflow=workflow,
        main=facts[BASE_STATE],
        cases_for={transition: facts[state] for transition, state in start_states.items()},
        waiting=waiting,
        holders=holders,
    )


@pytest.fixture(scope="module")
def case_world(django_db_setup, django_db_blocker, lv_pack_content, tmp_path_factory):
    with shared_case_world(django_db_blocker, lv_pack_content, tmp_path_factory) as world:
        yield world


@pytest.fixture(autouse=True)
def data_keys(case_world):
    return world_keys_file()


@pytest.fixture(scope="module")
def matrix(case_world, django_db_blocker):
    with django_db_blocker.unblock():
        return build_matrix_world(case_world)


# --- The tests -------------------------------------------------------------------------------------------------------


def test_every_role_of_the_published_pack_is_in_the_matrix(case_world):
    assert [role.id for role in version_pack(case_world.version).roles] == ROLES


def test_the_matrix_cases_are_where_the_transitions_start(matrix):
    for transition in matrix.workflow.transitions:
        if transition.trigger == "manual":
            assert matrix.cases_for[transition.id].state in transition.from_states, transition.id
    assert set(matrix.main.parties) == set(PARTY_PLACES.values())


@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(matrix, role):
    holders = [h for h in matrix.holders if h.role == role]
    assert holders, f"nobody holds {role} in the matrix"
    differences = []
    for holder in holders:
        expected, actual = expected_for(holder, matrix), actual_for(holder, matrix)
        differences += [
            f"{holder.label}: {cell}: expected {expected[cell]}, got {actual[cell]}"
            for cell in expected
            if expected[cell] != actual[cell]
        ]
    assert not differences, "\n".join(differences)
