"""The pure workflow engine: what a pack's workflow allows, refuses and sets off — no database.

The workflow here is built in Python so that each rule is exercised on its own; the last tests run the same engine
on the Latvian pack.
"""

from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from hypothesis import given
from hypothesis import strategies as st

from opennrm.cases.workflow import (
    ActorFacts,
    CaseFacts,
    Submission,
    actor_may_perform,
    available_transitions,
    deadline_due,
    plan,
    refusals,
    reminder_due,
    triggered_transition,
)
from opennrm.jurisdiction.schema import Workflow


def text(value: str) -> dict[str, str]:
    return {"en": value}


def state(state_id: str, kind: str = "open") -> dict:
    return {"id": state_id, "kind": kind, "name": text(state_id), "description": text(state_id)}


def deadline(deadline_id: str, **rule) -> dict:
    return {"id": deadline_id, "name": text(deadline_id), "description": text(deadline_id), **rule}


WORKFLOW = Workflow.model_validate(
    {
        "reference_prefix": "TT",
        "initial_state": "new",
        "states": [
            state("new"),
            state("referred"),
            state("decided"),
            state("done", "closed"),
            state("dropped", "outcome"),
        ],
        "transitions": [
            {
                "id": "refer",
                "name": text("refer"),
                "from": ["new"],
                "to": "referred",
                "trigger": "referral_sent",
                "effects": [
                    {"when": {"nationality": ["third_country_national"]}, "start_deadline": "reflection"},
                    {"notify": ["parties"]},
                ],
            },
            {
                "id": "decide",
                "name": text("decide"),
                "from": ["referred"],
                "to": "decided",
                "by": [
                    {"roles": ["commission"], "institution_types": ["provider"]},
                    {"roles": ["officer"], "institution_types": ["police"]},
                ],
                "requires_consent": "assistance",
                "requires_fields": ["sex", "municipality"],
                "requires_reason": True,
                "requires_checklist": "criteria",
                "requires_document": True,
                "effects": [
                    {"stop_deadline": "reflection", "involve": ["court"], "notify": ["parties", "assigned"]},
                    {"when": {"population": ["child"]}, "involve": ["court", "inspectorate"], "notify": ["parties"]},
                    {"start_deadline": "service"},
                ],
            },
            {
                "id": "consult",
                "name": text("consult"),
                "from": ["decided"],
                "to": "decided",
                "by": [{"roles": ["manager"]}],
                "effects": [{"use_quota": "follow_up"}],
            },
            {
                "id": "close",
                "name": text("close"),
                "from": ["decided"],
                "to": "done",
                "by": [{"roles": ["manager"]}],
                "effects": [{"stop_deadline": "follow_up"}],
            },
            {
                "id": "child_only",
                "name": text("child only"),
                "from": ["new", "referred"],
                "to": "dropped",
                "by": [{"roles": ["manager"]}],
                "when": {"population": ["child"]},
            },
            {
                "id": "run_out",
                "name": text("run out"),
                "from": ["decided"],
                "to": "done",
                "trigger": "deadline_expired",
                "effects": [{"start_deadline": "follow_up"}],
            },
        ],
        "deadlines": [
            deadline(
                "reflection", days=30, remind_days_before=5, applies_to={"nationality": ["third_country_national"]}
            ),
            deadline("response", hours=72, urgent_hours=24, escalate=True),
            deadline("service", days=180, remind_days_before=14, on_expiry="run_out"),
            deadline("follow_up", days=730, quota=5),
        ],
        "consent_purposes": [{"id": "assistance", "name": text("help"), "description": text("help")}],
        "checklists": [
            {
                "id": "criteria",
                "name": text("criteria"),
                "description": text("criteria"),
                "items": [{"id": "act", "text": text("act")}, {"id": "purpose", "text": text("purpose")}],
            }
        ],
        "referral": {
            "response_deadline": "response",
            "sender_roles": ["manager"],
            "receiving_roles": ["manager"],
            "purposes": ["assistance"],
        },
        "child": {"involve": ["court"], "consent_by": ["legal_representative"]},
        "retention": {"days_after_closure": 10},
    }
)

COMMISSION = ActorFacts(roles=frozenset({"commission"}), institution_type="provider", is_party=True)
MANAGER = ActorFacts(roles=frozenset({"manager"}), institution_type="social_service", is_party=True)
COMPLETE = Submission(reason="The criteria are met.", checklist=frozenset({"act", "purpose"}), has_document=True)


def facts(**changes) -> CaseFacts:
    values = {
        "state": "referred",
        "population": "adult",
        "nationality": "third_country_national",
        "filled_fields": frozenset({"sex", "municipality"}),
        "consented_purposes": frozenset({"assistance"}),
        "running_deadlines": {},
    }
    values.update(changes)
    return CaseFacts(**values)


def codes(transition_id: str, case: CaseFacts, actor: ActorFacts | None = COMMISSION, given=COMPLETE) -> list[str]:
    return [r.code for r in refusals(WORKFLOW, WORKFLOW.transition(transition_id), case, actor, given)]


# --- Refusals: one test per code, each with everything else in order ------------------------------------------


def test_everything_in_order_is_not_refused():
    assert codes("decide", facts()) == []


def test_wrong_state_is_refused_with_the_state():
    [refusal] = refusals(WORKFLOW, WORKFLOW.transition("decide"), facts(state="new"), COMMISSION, COMPLETE)
    assert (refusal.code, refusal.field, refusal.params) == ("wrong_state", "transition", {"state": "new"})


def test_a_transition_for_other_persons_is_refused():
    manager = ActorFacts(roles=frozenset({"manager"}), institution_type="x", is_party=True)
    assert codes("child_only", facts(population="adult"), manager) == ["not_for_person"]
    assert codes("child_only", facts(population="child"), manager) == []


@pytest.mark.parametrize(
    "actor",
    [
        ActorFacts(roles=frozenset({"manager"}), institution_type="provider", is_party=True),  # wrong role
        ActorFacts(roles=frozenset({"commission"}), institution_type="police", is_party=True),  # wrong type
        ActorFacts(roles=frozenset({"commission"}), institution_type="provider", is_party=False),  # not a party
        ActorFacts(roles=frozenset(), institution_type=None, is_party=True),  # no roles at all
    ],
    ids=["wrong-role", "wrong-institution-type", "not-a-party", "no-roles"],
)
def test_an_actor_not_named_by_the_transition_is_refused(actor):
    assert codes("decide", facts(), actor) == ["not_allowed"]


def test_a_role_of_a_second_actor_entry_is_enough():
    officer = ActorFacts(roles=frozenset({"officer", "other"}), institution_type="police", is_party=True)
    assert codes("decide", facts(), officer) == []


def test_actor_entry_without_institution_types_admits_any_party_institution():
    anywhere = ActorFacts(roles=frozenset({"manager"}), institution_type="anything", is_party=True)
    assert actor_may_perform(WORKFLOW.transition("close"), anywhere)
    outside = ActorFacts(roles=frozenset({"manager"}), institution_type="anything", is_party=False)
    assert not actor_may_perform(WORKFLOW.transition("close"), outside)


def test_people_cannot_perform_automatic_transitions_and_the_system_cannot_perform_manual_ones():
    refer_facts = facts(state="new")
    assert codes("refer", refer_facts, MANAGER) == ["not_allowed"]
    assert codes("refer", refer_facts, None, Submission()) == []
    assert codes("close", facts(state="decided"), None, Submission()) == ["not_allowed"]


def test_a_missing_consent_is_refused_with_its_purpose():
    [refusal] = refusals(
        WORKFLOW, WORKFLOW.transition("decide"), facts(consented_purposes=frozenset()), COMMISSION, COMPLETE
    )
    assert (refusal.code, refusal.field, refusal.params) == ("consent_missing", "consent", {"purpose": "assistance"})


def test_each_missing_field_is_refused_by_name():
    refused = refusals(WORKFLOW, WORKFLOW.transition("decide"), facts(filled_fields=frozenset()), COMMISSION, COMPLETE)
    assert [(r.code, r.field) for r in refused] == [("field_missing", "sex"), ("field_missing", "municipality")]


@pytest.mark.parametrize("reason", ["", "   \n\t"])
def test_a_blank_reason_is_refused(reason):
    given = Submission(reason=reason, checklist=COMPLETE.checklist, has_document=True)
    assert codes("decide", facts(), given=given) == ["reason_missing"]


def test_an_incomplete_checklist_is_refused_with_the_missing_items():
    given = Submission(reason="yes", checklist=frozenset({"act"}), has_document=True)
    [refusal] = refusals(WORKFLOW, WORKFLOW.transition("decide"), facts(), COMMISSION, given)
    assert (refusal.code, refusal.params) == ("checklist_incomplete", {"missing": ["purpose"]})


def test_an_unknown_checklist_item_is_refused():
    given = Submission(reason="yes", checklist=frozenset({"act", "purpose", "invented"}), has_document=True)
    [refusal] = refusals(WORKFLOW, WORKFLOW.transition("decide"), facts(), COMMISSION, given)
    assert (refusal.code, refusal.params) == ("checklist_unknown", {"unknown": ["invented"]})


def test_a_missing_document_is_refused():
    given = Submission(reason="yes", checklist=COMPLETE.checklist, has_document=False)
    assert codes("decide", facts(), given=given) == ["document_missing"]


def test_every_problem_is_reported_at_once():
    outsider = ActorFacts(roles=frozenset(), institution_type=None, is_party=False)
    found = codes(
        "decide",
        facts(state="new", filled_fields=frozenset({"sex"}), consented_purposes=frozenset()),
        outsider,
        Submission(),
    )
    assert found == [
        "wrong_state",
        "not_allowed",
        "consent_missing",
        "field_missing",
        "reason_missing",
        "checklist_incomplete",
        "document_missing",
    ]


# --- Quota ---------------------------------------------------------------------------------------------------


def test_a_quota_counts_against_a_running_period():
    decided = facts(state="decided")
    assert codes("consult", decided, MANAGER, Submission()) == ["quota_not_running"]
    for used in range(5):
        assert (
            codes("consult", facts(state="decided", running_deadlines={"follow_up": used}), MANAGER, Submission()) == []
        )
    assert codes("consult", facts(state="decided", running_deadlines={"follow_up": 5}), MANAGER, Submission()) == [
        "quota_used_up"
    ]


def test_the_plan_uses_one_of_the_quota():
    steps = plan(WORKFLOW, WORKFLOW.transition("consult"), facts(state="decided", running_deadlines={"follow_up": 2}))
    assert steps.use_quota == ("follow_up",)
    assert (steps.from_state, steps.to_state, steps.to_kind) == ("decided", "decided", "open")


# --- What a transition sets off ------------------------------------------------------------------------------


def test_an_effect_with_when_applies_only_to_matching_persons():
    refer = WORKFLOW.transition("refer")
    assert plan(WORKFLOW, refer, facts(state="new")).start_deadlines == ("reflection",)
    assert plan(WORKFLOW, refer, facts(state="new", nationality="eu_citizen")).start_deadlines == ()
    assert plan(WORKFLOW, refer, facts(state="new", nationality="national")).notify == ("parties",)


def test_a_deadline_with_applies_to_is_not_started_for_others_even_if_an_effect_names_it():
    workflow = WORKFLOW.model_copy(
        update={
            "transitions": [
                t.model_copy(update={"effects": [t.effects[0].model_copy(update={"when": None})]})
                if t.id == "refer"
                else t
                for t in WORKFLOW.transitions
            ]
        }
    )
    steps = plan(workflow, workflow.transition("refer"), facts(state="new", nationality="national"))
    assert steps.start_deadlines == ()


def test_plan_collects_effects_without_repeating_them():
    adult = plan(WORKFLOW, WORKFLOW.transition("decide"), facts())
    assert adult.stop_deadlines == ("reflection",)
    assert adult.start_deadlines == ("service",)
    assert adult.involve == ("court",)
    assert adult.notify == ("parties", "assigned")
    child = plan(WORKFLOW, WORKFLOW.transition("decide"), facts(population="child"))
    assert child.involve == ("court", "inspectorate")
    assert child.notify == ("parties", "assigned")


def test_plan_gives_the_kind_of_the_target_state():
    assert plan(WORKFLOW, WORKFLOW.transition("close"), facts(state="decided")).to_kind == "closed"
    assert plan(WORKFLOW, WORKFLOW.transition("child_only"), facts(population="child")).to_kind == "outcome"


def test_events_set_off_the_transition_from_the_current_state_only():
    assert triggered_transition(WORKFLOW, "referral_sent", facts(state="new")).id == "refer"
    assert triggered_transition(WORKFLOW, "referral_sent", facts(state="referred")) is None
    assert triggered_transition(WORKFLOW, "referral_accepted", facts(state="new")) is None
    assert triggered_transition(WORKFLOW, "deadline_expired", facts(state="decided")).id == "run_out"


# --- Who sees which steps ------------------------------------------------------------------------------------


def ids(case: CaseFacts, actor: ActorFacts) -> list[str]:
    return [t.id for t in available_transitions(WORKFLOW, case, actor)]


def test_available_transitions_follow_role_institution_type_party_and_person():
    assert ids(facts(), COMMISSION) == ["decide"]
    assert ids(facts(), MANAGER) == []
    assert ids(facts(population="child"), MANAGER) == ["child_only"]
    assert ids(facts(state="decided"), MANAGER) == ["consult", "close"]
    assert ids(facts(), ActorFacts(roles=COMMISSION.roles, institution_type="police", is_party=True)) == []
    assert ids(facts(), ActorFacts(roles=COMMISSION.roles, institution_type="provider", is_party=False)) == []


def test_automatic_transitions_are_never_offered():
    everyone = ActorFacts(roles=frozenset({"manager", "commission"}), institution_type="provider", is_party=True)
    assert "refer" not in ids(facts(state="new"), everyone)
    assert "run_out" not in ids(facts(state="decided"), everyone)


def test_preconditions_do_not_hide_a_step():
    # The step is offered; the refusal then says what is missing (consent, reasons...).
    assert ids(facts(consented_purposes=frozenset(), filled_fields=frozenset()), COMMISSION) == ["decide"]


ROLES = st.frozensets(st.sampled_from(["manager", "commission", "officer", "clerk"]), max_size=3)
TYPES = st.sampled_from([None, "provider", "police", "social_service"])
CASES = st.builds(
    CaseFacts,
    state=st.sampled_from([s.id for s in WORKFLOW.states]),
    population=st.sampled_from(["adult", "child"]),
    nationality=st.sampled_from(["national", "eu_citizen", "third_country_national"]),
    filled_fields=st.frozensets(st.sampled_from(["sex", "municipality", "forms"])),
    consented_purposes=st.frozensets(st.just("assistance")),
    running_deadlines=st.dictionaries(st.sampled_from(["follow_up", "service"]), st.integers(0, 6)),
)
ACTORS = st.builds(ActorFacts, roles=ROLES, institution_type=TYPES, is_party=st.booleans())
# Refusals about who may act, from which state and for whom: what decides whether a step is offered at all.
WHO_AND_WHEN = {"wrong_state", "not_allowed", "not_for_person"}


@given(case=CASES, actor=ACTORS)
def test_a_step_is_offered_exactly_when_the_actor_may_take_it_now(case, actor):
    offered = {t.id for t in available_transitions(WORKFLOW, case, actor)}
    for transition in WORKFLOW.transitions:
        problems = {r.code for r in refusals(WORKFLOW, transition, case, actor, COMPLETE)}
        assert (transition.id in offered) == (not problems & WHO_AND_WHEN), transition.id


@given(case=CASES, actor=ACTORS)
def test_a_step_offered_and_fully_supplied_is_refused_only_for_data_of_the_case(case, actor):
    for transition in available_transitions(WORKFLOW, case, actor):
        problems = {r.code for r in refusals(WORKFLOW, transition, case, actor, COMPLETE)}
        assert problems <= {"consent_missing", "field_missing", "quota_not_running", "quota_used_up"}


# --- When periods end ----------------------------------------------------------------------------------------

START = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


def test_a_period_in_days_ends_that_many_days_later():
    assert deadline_due(WORKFLOW.deadline("reflection"), starts_at=START) == START + timedelta(days=30)
    assert deadline_due(WORKFLOW.deadline("service"), starts_at=START) == START + timedelta(days=180)
    # Being urgent changes nothing for a period without an urgent length.
    assert deadline_due(WORKFLOW.deadline("service"), starts_at=START, urgent=True) == START + timedelta(days=180)


def test_a_period_in_hours_is_shorter_when_urgent():
    response = WORKFLOW.deadline("response")
    assert deadline_due(response, starts_at=START) == START + timedelta(hours=72)
    assert deadline_due(response, starts_at=START, urgent=True) == START + timedelta(hours=24)


def test_reminders_come_the_set_number_of_days_before_the_end():
    due = START + timedelta(days=180)
    assert reminder_due(WORKFLOW.deadline("service"), due_at=due) == due - timedelta(days=14)
    assert reminder_due(WORKFLOW.deadline("follow_up"), due_at=due) is None


# --- The Latvian workflow ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def latvia() -> Workflow:
    from opennrm.jurisdiction.loader import load_pack_dir

    return load_pack_dir(settings.OPENNRM_PACKS_DIR / "lv").workflow


def test_latvia_the_commission_identifies_with_checklist_reasons_and_document(latvia):
    commission = ActorFacts(frozenset({"specialist_commission_member"}), "service_provider", is_party=True)
    identify = latvia.transition("identify_by_commission")
    case = CaseFacts(state="identification", population="adult", nationality="third_country_national")
    items = frozenset(item.id for item in latvia.checklist("identification_criteria").items)
    assert (
        refusals(latvia, identify, case, commission, Submission(reason="x", checklist=items, has_document=True)) == []
    )
    assert {r.code for r in refusals(latvia, identify, case, commission, Submission())} == {
        "reason_missing",
        "checklist_incomplete",
        "document_missing",
    }
    police = ActorFacts(frozenset({"specialist_commission_member"}), "state_police", is_party=True)
    assert [
        r.code
        for r in refusals(latvia, identify, case, police, Submission(reason="x", checklist=items, has_document=True))
    ] == ["not_allowed"]


def test_latvia_the_reflection_period_starts_on_referral_for_third_country_nationals_only(latvia):
    for nationality, expected in [("third_country_national", ("reflection_period",)), ("eu_citizen", ())]:
        case = CaseFacts(state="recognised", population="adult", nationality=nationality)
        refer = triggered_transition(latvia, "referral_sent", case)
        assert refer.id == "refer"
        assert plan(latvia, refer, case).start_deadlines == expected


def test_latvia_siva_grants_the_service_only_with_consent(latvia):
    siva = ActorFacts(frozenset({"case_manager"}), "siva", is_party=True)
    case = CaseFacts(state="identified", population="adult", nationality="national")
    grant = latvia.transition("grant_service")
    assert [r.code for r in refusals(latvia, grant, case, siva, Submission())] == ["consent_missing"]
    consented = CaseFacts(
        state="identified",
        population="adult",
        nationality="national",
        consented_purposes=frozenset({"social_rehabilitation"}),
    )
    assert refusals(latvia, grant, consented, siva, Submission()) == []


def test_latvia_five_consultations_within_two_years(latvia):
    provider = ActorFacts(frozenset({"case_manager"}), "service_provider", is_party=True)
    consult = latvia.transition("record_consultation")
    for used, expected in [(0, []), (4, []), (5, ["quota_used_up"])]:
        case = CaseFacts(
            state="completed",
            population="adult",
            nationality="national",
            running_deadlines={"follow_up_consultations": used},
        )
        assert [r.code for r in refusals(latvia, consult, case, provider, Submission())] == expected
    follow_up = latvia.deadline("follow_up_consultations")
    assert deadline_due(follow_up, starts_at=START) == START + timedelta(days=730)
    response = latvia.deadline(latvia.referral.response_deadline)
    assert deadline_due(response, starts_at=START, urgent=True) == START + timedelta(hours=24)
    assert deadline_due(response, starts_at=START) == START + timedelta(hours=72)
