"""The `workflow` section of a pack: every cross-reference and every rule that keeps a workflow runnable is checked,
the shipped packs carry the agreed workflow, and a changed workflow shows field by field in a diff."""

import copy
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings

from opennrm.jurisdiction.diff import FieldChange, diff_packs, render_text
from opennrm.jurisdiction.loader import load_pack_dir
from opennrm.jurisdiction.validation import PackInvalid, validate_content
from tests.jurisdiction.conftest import MINIMAL_PACK

PACKS = Path(settings.BASE_DIR) / "packs"
T = {"lv": "Teksts", "en": "Text", "ru": "Текст"}


def text() -> dict:
    return dict(T)


def state(ident: str, kind: str = "open", stage: str | None = None) -> dict:
    return {"id": ident, "name": text(), "description": text(), "kind": kind, "stage": stage}


WORKER = [{"roles": ["case_worker"], "institution_types": ["provider"]}]

# A small workflow over the minimal pack (stages recognition/referral/assistance; institution types
# social_service/police/provider; roles coordinator/case_worker; legal bases test_law/test_regulation).
WORKFLOW = {
    "reference_prefix": "TST",
    "initial_state": "recognised",
    "states": [
        state("recognised", stage="recognition"),
        state("referred", stage="referral"),
        state("assisted", stage="assistance"),
        state("closed", kind="closed"),
        state("refused", kind="outcome"),
    ],
    "transitions": [
        {
            "id": "refer",
            "name": text(),
            "from": ["recognised"],
            "to": "referred",
            "trigger": "referral_sent",
            "effects": [{"when": {"nationality": ["third_country_national"]}, "start_deadline": "reflection"}],
        },
        {
            "id": "assist",
            "name": text(),
            "help": text(),
            "from": ["referred"],
            "to": "assisted",
            "by": WORKER,
            "requires_consent": "assistance",
            "requires_checklist": "criteria",
            "legal_basis": ["test_regulation"],
            "effects": [{"stop_deadline": "reflection", "start_deadline": "service", "involve": ["police"]}],
        },
        {
            "id": "end_at_limit",
            "name": text(),
            "from": ["assisted"],
            "to": "closed",
            "trigger": "deadline_expired",
        },
        {
            "id": "consult",
            "name": text(),
            "from": ["assisted"],
            "to": "assisted",
            "by": WORKER,
            "effects": [{"use_quota": "consultations"}],
        },
        {
            "id": "close",
            "name": text(),
            "from": ["assisted"],
            "to": "closed",
            "by": [{"roles": ["case_worker"]}],
        },
        {
            "id": "refuse",
            "name": text(),
            "from": ["recognised", "referred", "assisted"],
            "to": "refused",
            "by": [{"roles": ["case_worker"]}],
            "requires_reason": True,
        },
    ],
    "deadlines": [
        {
            "id": "reflection",
            "name": text(),
            "description": text(),
            "days": 30,
            "remind_days_before": 5,
            "applies_to": {"nationality": ["third_country_national"]},
            "legal_basis": ["test_law"],
        },
        {
            "id": "response",
            "name": text(),
            "description": text(),
            "hours": 72,
            "urgent_hours": 24,
            "remind_days_before": 1,
            "escalate": True,
        },
        {"id": "service", "name": text(), "description": text(), "days": 180, "on_expiry": "end_at_limit"},
        {"id": "consultations", "name": text(), "description": text(), "days": 730, "quota": 5},
    ],
    "consent_purposes": [
        {"id": "assistance", "name": text(), "description": text()},
        {"id": "identification", "name": text(), "description": text()},
    ],
    "checklists": [
        {
            "id": "criteria",
            "name": text(),
            "description": text(),
            "items": [{"id": "act", "text": text()}, {"id": "means", "text": text()}],
        }
    ],
    "referral": {
        "response_deadline": "response",
        "sender_roles": ["case_worker"],
        "receiving_roles": ["case_worker"],
        "purposes": ["assistance", "identification"],
        "legal_duty_exceptions": [
            {
                "id": "child_in_danger",
                "name": text(),
                "description": text(),
                "applies_to": {"population": ["child"]},
                "recipient_types": ["police"],
                "legal_basis": ["test_law"],
            }
        ],
    },
    "child": {"involve": ["social_service"], "consent_by": ["legal_representative"]},
    "retention": {"days_after_closure": 3650, "legal_basis": ["test_law"]},
}

BASE = {**load_pack_dir(MINIMAL_PACK).model_dump(mode="json"), "workflow": WORKFLOW}


def content() -> dict:
    return copy.deepcopy(BASE)


def problems(broken: dict) -> list[str]:
    with pytest.raises(PackInvalid) as refused:
        validate_content(broken)
    return [str(problem) for problem in refused.value.problems]


def transition(pack: dict, ident: str) -> dict:
    return next(t for t in pack["workflow"]["transitions"] if t["id"] == ident)


def deadline(pack: dict, ident: str) -> dict:
    return next(d for d in pack["workflow"]["deadlines"] if d["id"] == ident)


# --- a valid workflow ------------------------------------------------------------------------------------------


def test_a_valid_workflow_passes_and_round_trips_with_the_authors_keys():
    pack = validate_content(content())
    assert pack.workflow.transition("assist").from_states == ["referred"]
    stored = pack.model_dump(mode="json")
    # Stored versions keep `from`, the key a pack author writes, so that they read and compare like the YAML.
    assert stored["workflow"]["transitions"][1]["from"] == ["referred"]
    assert "from_states" not in stored["workflow"]["transitions"][1]
    assert validate_content(copy.deepcopy(stored)).model_dump(mode="json") == stored


@pytest.mark.parametrize("empty", [{}, None])
def test_a_pack_without_a_workflow_is_valid(empty):
    pack = {**content(), "workflow": empty}
    assert validate_content(pack).workflow is None


# --- every reference must exist -------------------------------------------------------------------------------


def _set(path: str, value) -> Callable[[dict], None]:
    """An edit of the workflow: `path` like "transitions.1.from" (list positions as numbers)."""

    def edit(pack: dict) -> None:
        target = pack["workflow"]
        *parents, last = path.split(".")
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        if value is DELETE:
            del target[int(last) if last.isdigit() else last]
        else:
            target[int(last) if last.isdigit() else last] = value

    return edit


DELETE = object()

UNKNOWN = [
    (_set("initial_state", "start"), "workflow.initial_state: unknown state 'start'"),
    (_set("transitions.1.from", ["nowhere"]), "workflow.transitions[1].from[0]: unknown state 'nowhere'"),
    (_set("transitions.1.to", "elsewhere"), "workflow.transitions[1].to: unknown state 'elsewhere'"),
    (_set("states.0.stage", "reflection"), "workflow.states[0].stage: unknown stage 'reflection'"),
    (
        _set("transitions.0.effects.0.start_deadline", "reflexion"),
        "workflow.transitions[0].effects[0].start_deadline: unknown deadline 'reflexion'",
    ),
    (
        _set("transitions.1.effects.0.stop_deadline", "pause"),
        "workflow.transitions[1].effects[0].stop_deadline: unknown deadline 'pause'",
    ),
    (
        _set("transitions.3.effects.0.use_quota", "visits"),
        "workflow.transitions[3].effects[0].use_quota: unknown deadline 'visits'",
    ),
    (_set("deadlines.2.on_expiry", "finish"), "workflow.deadlines[2].on_expiry: unknown transition 'finish'"),
    (
        _set("transitions.1.requires_consent", "help"),
        "workflow.transitions[1].requires_consent: unknown consent purpose 'help'",
    ),
    (
        _set("referral.purposes", ["assistance", "police"]),
        "workflow.referral.purposes[1]: unknown consent purpose 'police'",
    ),
    (
        _set("transitions.1.requires_checklist", "criterias"),
        "workflow.transitions[1].requires_checklist: unknown checklist 'criterias'",
    ),
    (
        _set("transitions.1.by.0.roles", ["social_worker"]),
        "workflow.transitions[1].by[0].roles[0]: unknown role 'social_worker'",
    ),
    (
        _set("transitions.1.by.0.institution_types", ["court"]),
        "workflow.transitions[1].by[0].institution_types[0]: unknown institution type 'court'",
    ),
    (
        _set("transitions.1.effects.0.involve", ["court"]),
        "workflow.transitions[1].effects[0].involve[0]: unknown institution type 'court'",
    ),
    (
        _set("child.involve", ["orphans_court"]),
        "workflow.child.involve[0]: unknown institution type 'orphans_court'",
    ),
    (
        _set("referral.legal_duty_exceptions.0.recipient_types", ["police", "court"]),
        "workflow.referral.legal_duty_exceptions[0].recipient_types[1]: unknown institution type 'court'",
    ),
    (
        _set("referral.sender_roles", ["case_worker", "clerk"]),
        "workflow.referral.sender_roles[1]: unknown role 'clerk'",
    ),
    (
        _set("referral.receiving_roles", ["judge"]),
        "workflow.referral.receiving_roles[0]: unknown role 'judge'",
    ),
    (
        _set("transitions.1.legal_basis", ["test_act"]),
        "workflow.transitions[1].legal_basis[0]: unknown legal basis 'test_act'",
    ),
    (
        _set("deadlines.0.legal_basis", ["test_act"]),
        "workflow.deadlines[0].legal_basis[0]: unknown legal basis 'test_act'",
    ),
    (
        _set("referral.legal_duty_exceptions.0.legal_basis", ["test_act"]),
        "workflow.referral.legal_duty_exceptions[0].legal_basis[0]: unknown legal basis 'test_act'",
    ),
    (
        _set("referral.legal_duty_exceptions.0.purposes", ["identification", "housing"]),
        "workflow.referral.legal_duty_exceptions[0].purposes[1]: purpose 'housing' is not one of the referral purposes",
    ),
    (
        _set("retention.legal_basis", ["test_act"]),
        "workflow.retention.legal_basis[0]: unknown legal basis 'test_act'",
    ),
    (
        _set("referral.response_deadline", "answer"),
        "workflow.referral.response_deadline: unknown deadline 'answer'",
    ),
]


@pytest.mark.parametrize(("edit", "expected"), UNKNOWN, ids=[expected.split(":")[0] for _e, expected in UNKNOWN])
def test_unknown_references_are_named_with_their_path(edit, expected):
    broken = content()
    edit(broken)
    assert expected in problems(broken)


def test_a_legal_duty_may_name_the_purposes_and_data_it_covers():
    pack = content()
    exception = pack["workflow"]["referral"]["legal_duty_exceptions"][0]
    assert validate_content(copy.deepcopy(pack)).workflow.legal_duty_exception("child_in_danger").purposes is None
    exception |= {"purposes": ["identification"], "data_scope": ["identity", "contacts"]}
    duty = validate_content(copy.deepcopy(pack)).workflow.legal_duty_exception("child_in_danger")
    assert (duty.purposes, duty.data_scope) == (["identification"], ["identity", "contacts"])
    exception["data_scope"] = ["identity", "bank_account"]
    data_path = "workflow.referral.legal_duty_exceptions[0].data_scope[1]:"
    assert any(problem.startswith(data_path) for problem in problems(pack))
    exception["data_scope"], exception["purposes"] = [], []
    purposes_path = "workflow.referral.legal_duty_exceptions[0].purposes:"
    assert any(problem.startswith(purposes_path) for problem in problems(pack))


def test_a_missing_legal_bases_section_makes_every_cited_basis_unknown():
    broken = content()
    del broken["legal_bases"]
    del broken["matrix"]  # the matrix cites legal bases too; only the workflow is under test here
    result = problems(broken)
    assert "workflow.retention.legal_basis[0]: unknown legal basis 'test_law'" in result


# --- ids are unique ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("section", "index", "expected"),
    [
        (
            "states",
            1,
            "workflow.states[1].id: duplicate id 'recognised' (already used by workflow.states[0])",
        ),
        (
            "transitions",
            1,
            "workflow.transitions[1].id: duplicate id 'refer' (already used by workflow.transitions[0])",
        ),
        (
            "deadlines",
            1,
            "workflow.deadlines[1].id: duplicate id 'reflection' (already used by workflow.deadlines[0])",
        ),
        (
            "consent_purposes",
            1,
            "workflow.consent_purposes[1].id: duplicate id 'assistance' (already used by workflow.consent_purposes[0])",
        ),
    ],
)
def test_ids_are_unique_within_each_list(section, index, expected):
    broken = content()
    broken["workflow"][section][index]["id"] = broken["workflow"][section][0]["id"]
    assert expected in problems(broken)


def test_checklists_their_items_and_legal_duty_exceptions_have_unique_ids():
    broken = content()
    workflow = broken["workflow"]
    workflow["checklists"].append(copy.deepcopy(workflow["checklists"][0]))
    workflow["checklists"][0]["items"][1]["id"] = "act"
    exceptions = workflow["referral"]["legal_duty_exceptions"]
    exceptions.append(copy.deepcopy(exceptions[0]))
    result = problems(broken)
    assert "workflow.checklists[1].id: duplicate id 'criteria' (already used by workflow.checklists[0])" in result
    assert (
        "workflow.checklists[0].items[1].id: duplicate id 'act' (already used by workflow.checklists[0].items[0])"
        in result
    )
    assert (
        "workflow.referral.legal_duty_exceptions[1].id: duplicate id 'child_in_danger' "
        "(already used by workflow.referral.legal_duty_exceptions[0])" in result
    )


# --- deadlines ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"hours": 12}, "workflow.deadlines[0]: a deadline needs exactly one period: days or hours"),
        ({"days": DELETE}, "workflow.deadlines[0]: a deadline needs exactly one period: days or hours"),
        ({"urgent_hours": 12}, "workflow.deadlines[0].urgent_hours: urgent_hours needs a period in hours"),
        (
            {"remind_days_before": 30},
            "workflow.deadlines[0].remind_days_before: a reminder 30 days before the end would come before the "
            "deadline starts",
        ),
    ],
)
def test_a_deadline_has_one_period_and_fitting_reminders(changes, expected):
    broken = content()
    for key, value in changes.items():
        _set(f"deadlines.0.{key}", value)(broken)
    assert expected in problems(broken)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"urgent_hours": 72},
            "workflow.deadlines[1].urgent_hours: urgent_hours must be shorter than hours (72)",
        ),
        (
            {"remind_days_before": 3},
            "workflow.deadlines[1].remind_days_before: a reminder 3 days before the end would come before the "
            "deadline starts",
        ),
    ],
)
def test_an_hourly_deadline_has_a_shorter_urgent_period_and_a_reminder_within_it(changes, expected):
    broken = content()
    for key, value in changes.items():
        deadline(broken, "response")[key] = value
    assert problems(broken) == [expected]


def test_on_expiry_must_name_a_transition_set_off_by_a_deadline():
    broken = content()
    deadline(broken, "service")["on_expiry"] = "close"
    result = problems(broken)
    assert (
        "workflow.deadlines[2].on_expiry: transition 'close' must have the trigger deadline_expired "
        "to be performed on expiry"
    ) in result


def test_a_transition_set_off_by_a_deadline_must_be_named_by_one():
    broken = content()
    del deadline(broken, "service")["on_expiry"]
    assert problems(broken) == [
        "workflow.transitions[2].trigger: no deadline performs this transition when it runs out "
        "(name it in a deadline's on_expiry)"
    ]


def test_a_quota_can_only_be_used_on_a_deadline_that_has_one():
    broken = content()
    transition(broken, "consult")["effects"][0]["use_quota"] = "service"
    assert problems(broken) == ["workflow.transitions[3].effects[0].use_quota: deadline 'service' has no quota to use"]


def test_the_answer_to_a_referral_is_counted_in_hours():
    broken = content()
    broken["workflow"]["referral"]["response_deadline"] = "service"
    assert problems(broken) == [
        "workflow.referral.response_deadline: the answer to a referral is counted in hours: "
        "deadline 'service' must use hours"
    ]


# --- transitions ---------------------------------------------------------------------------------------------------


def test_a_manual_transition_names_who_may_perform_it():
    broken = content()
    del transition(broken, "close")["by"]
    assert problems(broken) == [
        "workflow.transitions[4].by: a manual transition must say who may perform it (at least one actor)"
    ]


def test_only_a_manual_transition_names_who_performs_it():
    broken = content()
    transition(broken, "refer")["by"] = WORKER
    assert problems(broken) == [
        "workflow.transitions[0].by: only a manual transition names who performs it; "
        "this one is set off by 'referral_sent'"
    ]


def test_an_actor_must_be_possible_a_role_held_in_an_institution_type_that_allows_it():
    broken = content()
    transition(broken, "assist")["by"] = [{"roles": ["case_worker"], "institution_types": ["provider", "police"]}]
    assert problems(broken) == [
        "workflow.transitions[1].by[0].institution_types[1]: none of the roles case_worker may be held in "
        "institution type 'police'"
    ]


def test_an_effect_must_do_something():
    broken = content()
    transition(broken, "consult")["effects"].append({"when": {"population": ["child"]}})
    assert problems(broken) == [
        "workflow.transitions[3].effects[1]: an effect must do something: start_deadline, stop_deadline, "
        "use_quota, involve or notify"
    ]


def test_no_transition_leaves_a_closed_state():
    broken = content()
    transition(broken, "refuse")["from"].append("closed")
    assert problems(broken) == ["workflow.transitions[5].from[3]: state 'closed' is closed: no transition may leave it"]


# --- states -------------------------------------------------------------------------------------------------------


def test_the_initial_state_must_be_open():
    broken = content()
    broken["workflow"]["initial_state"] = "refused"
    result = problems(broken)
    assert "workflow.initial_state: the initial state must be open; 'refused' is outcome" in result


def test_every_state_is_reachable_from_the_initial_state():
    broken = content()
    broken["workflow"]["states"].append(state("limbo", kind="outcome"))
    assert problems(broken) == [
        "workflow.states[5]: state 'limbo' cannot be reached from the initial state 'recognised'"
    ]


def test_reachability_follows_transitions_through_several_states():
    broken = content()
    # `referred` and `assisted` now only lead to each other: a loop that the initial state never enters, so
    # `closed`, reached only from `assisted`, is out of reach too.
    transition(broken, "refer")["from"] = ["assisted"]
    result = problems(broken)
    for index, ident in [(1, "referred"), (2, "assisted"), (3, "closed")]:
        assert f"workflow.states[{index}]: state '{ident}' cannot be reached from the initial state 'recognised'" in (
            result
        )


def test_an_open_state_needs_a_way_on():
    broken = content()
    broken["workflow"]["states"].append(state("waiting"))
    transition(broken, "close")["to"] = "waiting"
    assert problems(broken) == [
        "workflow.states[5]: open state 'waiting' has no transition leaving it: add one, or make it an outcome"
    ]


# --- texts and shape ----------------------------------------------------------------------------------------------


def test_every_workflow_text_has_every_language():
    broken = content()
    workflow = broken["workflow"]
    del workflow["states"][0]["name"]["ru"]
    workflow["transitions"][1]["help"]["en"] = " "
    workflow["checklists"][0]["items"][1]["text"]["de"] = "Mittel"
    del workflow["referral"]["legal_duty_exceptions"][0]["description"]["lv"]
    del workflow["deadlines"][3]["name"]["lv"]
    assert problems(broken) == [
        "workflow.checklists[0].items[1].text.de: language 'de' is not declared by the pack (declared: lv, en, ru)",
        "workflow.deadlines[3].name: missing translation for 'lv'",
        "workflow.referral.legal_duty_exceptions[0].description: missing translation for 'lv'",
        "workflow.states[0].name: missing translation for 'ru'",
        "workflow.transitions[1].help: missing translation for 'en'",
    ]


def test_an_unknown_key_lists_the_keys_an_author_writes():
    broken = content()
    transition(broken, "close")["form"] = transition(broken, "close").pop("from")
    result = problems(broken)
    unknown = next(line for line in result if line.startswith("workflow.transitions[4].form"))
    assert "from," in unknown and "from_states" not in unknown


def test_problems_in_a_pack_folder_name_the_file_and_line(tmp_path):
    folder = tmp_path / "pack"
    shutil.copytree(MINIMAL_PACK, folder)
    lines = (PACKS / "generic" / "workflow.yaml").read_text(encoding="utf-8")
    # The generic workflow cites international instruments the minimal pack does not have, and roles it lacks.
    (folder / "workflow.yaml").write_text(lines, encoding="utf-8")
    with pytest.raises(PackInvalid) as refused:
        load_pack_dir(folder)
    found = [str(p) for p in refused.value.problems]
    line = next(n for n, text in enumerate(lines.splitlines(), 1) if "legal_basis: [palermo_protocol" in text)
    assert (
        f"workflow.yaml:{line}: workflow.transitions[1].legal_basis[0]: unknown legal basis 'palermo_protocol'" in found
    )
    assert any(p.startswith("workflow.yaml:") and "unknown role 'frontline_worker'" in p for p in found)


# --- the shipped packs -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def latvia():
    return load_pack_dir(PACKS / "lv")


def test_latvian_workflow_has_the_agreed_transitions(latvia):
    workflow = latvia.workflow
    assert workflow.reference_prefix == "LV"
    assert workflow.initial_state == "recognised"
    assert {t.id for t in workflow.transitions} == {
        "refer",
        "start_identification",
        "identify_by_commission",
        "identify_in_proceedings",
        "not_identified",
        "grant_service",
        "refuse_service",
        "start_rehabilitation",
        "complete_at_limit",
        "complete_service",
        "record_consultation",
        "close",
        "person_refuses",
        "person_withdraws",
    }
    kinds = {s.id: (s.kind, s.stage) for s in workflow.states}
    assert kinds["identification"] == ("open", "identification")
    assert kinds["completed"] == ("open", "assistance")
    assert kinds["closed"] == ("closed", "closure")
    assert {s for s, (kind, _stage) in kinds.items() if kind == "outcome"} == {
        "not_identified",
        "service_refused",
        "refused",
        "withdrawn",
    }
    refer = workflow.transition("refer")
    assert refer.trigger == "referral_sent" and not refer.by
    assert workflow.transition("start_identification").trigger == "referral_accepted"
    commission = workflow.transition("identify_by_commission")
    assert commission.requires_checklist == "identification_criteria" and commission.requires_document
    assert workflow.transition("grant_service").requires_consent == "social_rehabilitation"
    assert workflow.transition("grant_service").by[0].institution_types == ["siva"]


def test_latvian_deadlines_follow_the_law(latvia):
    workflow = latvia.workflow
    reflection = workflow.deadline("reflection_period")
    assert reflection.days == 30 and reflection.applies_to.nationality == ["third_country_national"]
    assert reflection.legal_basis == ["victim_residence_law", "directive_2004_81"]
    service = workflow.deadline("rehabilitation_service")
    assert (service.days, service.on_expiry) == (180, "complete_at_limit")
    consultations = workflow.deadline("follow_up_consultations")
    assert (consultations.days, consultations.quota) == (730, 5)
    response = workflow.deadline("referral_response")
    assert (response.hours, response.urgent_hours, response.escalate) == (72, 24, True)
    # The reflection period starts for third-country nationals only, when the referral is sent.
    starts = [e for e in workflow.transition("refer").effects if e.start_deadline == "reflection_period"]
    assert starts and starts[0].when.matches(population="adult", nationality="third_country_national")
    assert not starts[0].when.matches(population="adult", nationality="eu_citizen")
    assert workflow.child.involve == ["orphans_court", "children_rights_inspectorate"]
    assert {e.id for e in workflow.referral.legal_duty_exceptions} == {"child_in_danger", "crime_report"}
    child_in_danger = workflow.legal_duty_exception("child_in_danger")
    assert child_in_danger.purposes == ["assistance", "identification", "criminal_proceedings"]
    assert child_in_danger.data_scope == ["identity", "contacts", "circumstances"]
    crime_report = workflow.legal_duty_exception("crime_report")
    assert (crime_report.purposes, crime_report.data_scope) == (["criminal_proceedings"], ["identity", "contacts"])


def test_latvian_roles_for_cases(latvia):
    roles = {r.id: r for r in latvia.roles}
    assert {"cases.edit", "personal_data.view"} <= set(roles["frontline_worker"].capabilities)
    assert "cases.supervise" in roles["supervisor"].capabilities
    assert set(roles["emergency_access"].capabilities) == {
        "cases.view",
        "personal_data.view",
        "cases.break_glass",
    }
    assert roles["emergency_access"].institution_types == ["state_police", "children_rights_inspectorate"]
    # The review queue's written justifications are read by data protection officers, not by audit rights alone.
    assert set(roles["data_protection_officer"].capabilities) == {"audit.view", "personal_data.view"}
    assert roles["data_protection_officer"].institution_types == []
    assert "personal_data.view" not in roles["auditor"].capabilities
    # The coordinator sees counts only: oversight, and nothing that opens a case or a person.
    coordinator = set(roles["national_coordinator"].capabilities)
    assert "cases.oversee" in coordinator
    assert not coordinator & {"cases.view", "cases.edit", "personal_data.view", "cases.supervise"}


def test_generic_workflow_is_simple_and_cites_international_instruments_only():
    pack = load_pack_dir(PACKS / "generic")
    workflow = pack.workflow
    assert workflow.reference_prefix == "NRM"
    assert {"recognised", "referred", "identified", "assisted", "closed", "refused", "withdrawn"} <= {
        s.id for s in workflow.states
    }
    cited = {basis for t in workflow.transitions for basis in t.legal_basis}
    cited |= {basis for d in workflow.deadlines for basis in d.legal_basis}
    assert cited <= {"coe_convention", "palermo_protocol", "directive_2011_36"}
    assert {"supervisor", "emergency_access", "data_protection_officer"} <= {r.id for r in pack.roles}


# --- diff -------------------------------------------------------------------------------------------------------


def test_a_changed_workflow_shows_field_by_field_named_by_ids():
    old, new = content(), content()
    transition(new, "close")["to"] = "refused"
    new["workflow"]["transitions"].insert(0, copy.deepcopy(transition(new, "consult")) | {"id": "consult_again"})
    deadline(new, "reflection")["name"]["lv"] = "Pārdomas"
    diff = diff_packs(old, new)
    changes = {change.field: change for change in diff.reserved}
    assert changes["workflow.transitions.close.to"] == FieldChange("workflow.transitions.close.to", "closed", "refused")
    assert changes["workflow.deadlines.reflection.name.lv"].new == "Pārdomas"
    assert changes["workflow.transitions.consult_again.from"].new == ["assisted"]
    # Inserting a transition does not make the ones after it look changed.
    assert not any(field.startswith("workflow.transitions.refer.") for field in changes)
    text = render_text(diff)
    assert "  ~ workflow.transitions.close.to: 'closed' → 'refused'\n" in text


def test_no_workflow_written_either_way_is_no_change():
    old, new = content(), content()
    old["workflow"], new["workflow"] = {}, None
    assert diff_packs(old, new).is_empty
    new["workflow"] = WORKFLOW
    assert [change.field for change in diff_packs(old, new).reserved] == ["workflow"]
