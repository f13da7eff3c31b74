"""The screening engine: each ILO threshold, the adult and child rules, missing pieces, determinism, errors."""

import ast
from pathlib import Path

import pytest

from opennrm.screening import engine
from opennrm.screening.engine import (
    MISSING_NOT_ENOUGH,
    MISSING_NOTHING_YET,
    Evaluation,
    ScreeningInputError,
    combine,
    evaluate,
)
from opennrm.screening.explain import dimension_names, evaluation_payload, explain_missing, input_error_message
from tests.screening.fixtures import ILO_PRESENT, adult_set, child_set

ADULT = adult_set()
CHILD = child_set()


def yes(*ids: str) -> dict[str, str]:
    return dict.fromkeys(ids, "yes")


def one_dimension_set() -> dict:
    """One dimension with enough indicators of each strength to reach every ILO threshold."""
    indicators = [
        {"id": f"{strength}{n}", "dimension": "d", "strength": strength}
        for strength, count in (("strong", 2), ("medium", 3), ("weak", 3))
        for n in range(1, count + 1)
    ]
    return {
        "id": "one",
        "dimensions": [{"id": "d", "name": {"en": "D"}}],
        "rule": {"present": ILO_PRESENT, "indicative": [["d"]]},
        "indicators": indicators,
    }


@pytest.mark.parametrize(
    ("answered", "present"),
    [
        (("strong1", "strong2"), True),  # 2 strong
        (("strong1", "medium1"), True),  # 1 strong + 1 medium
        (("strong1", "weak1"), True),  # 1 strong + 1 weak
        (("medium1", "medium2", "medium3"), True),  # 3 medium
        (("medium1", "medium2", "weak1"), True),  # 2 medium + 1 weak
        (("strong1",), False),
        (("medium1", "medium2"), False),
        (("medium1", "weak1", "weak2"), False),
        (("weak1", "weak2", "weak3"), False),
        ((), False),
    ],
)
def test_each_ilo_threshold(answered, present):
    result = evaluate(one_dimension_set(), yes(*answered)).dimensions[0]
    assert result.present is present
    assert result.indicators == answered


def test_each_answer_counts_once_in_a_threshold():
    indicator_set = one_dimension_set()
    indicator_set["rule"]["present"] = [{"strong": 0, "medium": 1, "weak": 0, "medium_or_weak": 1}]
    assert not evaluate(indicator_set, yes("medium1")).dimensions[0].present
    assert evaluate(indicator_set, yes("medium1", "weak1")).dimensions[0].present
    assert evaluate(indicator_set, yes("medium1", "medium2")).dimensions[0].present


def test_counts_and_indicators_per_dimension_in_set_order():
    answers = {"tal_low_pay": "yes", "tal_no_days_off": "yes", "tal_poor_housing": "no", "tal_threats": "unknown"}
    result = evaluate(ADULT, answers)
    assert [d.id for d in result.dimensions] == [d["id"] for d in ADULT["dimensions"]]
    conditions = result.dimension("exploitative_conditions")
    assert (conditions.present, conditions.strong, conditions.medium, conditions.weak) == (True, 1, 1, 0)
    assert conditions.indicators == ("tal_no_days_off", "tal_low_pay")
    coercion = result.dimension("coercion_at_destination")
    assert (coercion.present, coercion.strong, coercion.medium, coercion.weak, coercion.indicators) == (
        False,
        0,
        0,
        0,
        (),
    )


ADULT_RECRUITMENT = ("tal_deceived_about_job", "tal_deceived_about_pay")
ADULT_CONDITIONS = ("tal_no_days_off", "tal_poor_housing")
ADULT_COERCION = ("tal_documents_taken", "tal_threats")
ADULT_VULNERABILITY = ("tal_irregular_status", "tal_dependent_on_employer")


def test_adult_rule_met_with_coercion():
    result = evaluate(ADULT, yes(*ADULT_RECRUITMENT, *ADULT_CONDITIONS, *ADULT_COERCION))
    assert result.outcome == "indicative"
    assert result.missing == ()


def test_adult_rule_needs_three_medium_or_two_plus_weak_for_vulnerability():
    # The abuse-of-vulnerability dimension has one medium and one weak indicator: not enough on their own.
    result = evaluate(ADULT, yes(*ADULT_RECRUITMENT, *ADULT_CONDITIONS, *ADULT_VULNERABILITY))
    assert not result.dimension("abuse_of_vulnerability_at_destination").present
    assert result.outcome == "partial"
    [missing] = result.missing
    assert missing.group == ("coercion_at_destination", "abuse_of_vulnerability_at_destination")
    assert missing.message_key == MISSING_NOT_ENOUGH


def test_adult_rule_met_with_abuse_of_vulnerability_instead_of_coercion():
    indicator_set = adult_set()
    indicator_set["indicators"].append(
        {"id": "tal_extra_strong", "dimension": "abuse_of_vulnerability_at_destination", "strength": "strong"}
    )
    result = evaluate(
        indicator_set, yes(*ADULT_RECRUITMENT, *ADULT_CONDITIONS, "tal_extra_strong", "tal_irregular_status")
    )
    assert result.dimension("abuse_of_vulnerability_at_destination").present
    assert not result.dimension("coercion_at_destination").present
    assert result.outcome == "indicative"


def test_adult_rule_requires_exploitative_conditions():
    result = evaluate(ADULT, yes(*ADULT_RECRUITMENT, *ADULT_COERCION))
    assert result.outcome == "partial"
    [missing] = result.missing
    assert missing.group == ("exploitative_conditions",)
    assert missing.established == ("deceptive_recruitment", "coercion_at_destination")
    assert missing.message_key == MISSING_NOTHING_YET


def test_adult_rule_requires_recruitment():
    result = evaluate(ADULT, yes(*ADULT_CONDITIONS, *ADULT_COERCION))
    assert result.outcome == "partial"
    assert [m.group for m in result.missing] == [
        ("deceptive_recruitment", "coercive_recruitment", "recruitment_abuse_of_vulnerability")
    ]


def test_child_rule_needs_recruitment_and_any_destination_dimension():
    assert (
        evaluate(
            CHILD, yes("tcl_deceived_about_job", "tcl_deceived_about_pay", *["tcl_documents_taken", "tcl_threats"])
        ).outcome
        == "indicative"
    )
    # The same answers to the adult set lack exploitative conditions.
    assert evaluate(ADULT, yes(*ADULT_RECRUITMENT, *ADULT_COERCION)).outcome == "partial"
    only_conditions = evaluate(
        CHILD, yes("tcl_threatened_to_go", "tcl_debt_at_recruitment", "tcl_no_days_off", "tcl_low_pay")
    )
    assert only_conditions.outcome == "indicative"
    only_recruitment = evaluate(CHILD, yes("tcl_threatened_to_go", "tcl_debt_at_recruitment"))
    assert only_recruitment.outcome == "partial"
    assert [m.group for m in only_recruitment.missing] == [tuple(d["id"] for d in CHILD["dimensions"][3:])]


def test_partial_from_a_single_strong_indicator():
    result = evaluate(ADULT, yes("tal_documents_taken"))
    assert not any(d.present for d in result.dimensions)
    assert result.outcome == "partial"
    assert len(result.missing) == 3


def test_none_without_strong_answers_or_present_dimensions():
    assert evaluate(ADULT, {}).outcome == "none"
    assert evaluate(ADULT, dict.fromkeys([i["id"] for i in ADULT["indicators"]], "no")).outcome == "none"
    weak_and_medium = yes("tal_deceived_about_pay", "tal_poor_housing", "tal_isolated", "tal_lack_of_language")
    assert evaluate(ADULT, weak_and_medium).outcome == "none"


def test_unlisted_and_unknown_answers_count_the_same():
    answers = yes(*ADULT_RECRUITMENT)
    with_unknowns = {**answers, "tal_threats": "unknown", "tal_isolated": "unknown"}
    assert evaluate(ADULT, answers) == evaluate(ADULT, with_unknowns)


def test_deterministic_whatever_the_order_of_answers():
    answers = {**yes(*ADULT_RECRUITMENT, *ADULT_CONDITIONS), "tal_threats": "no", "tal_isolated": "unknown"}
    reversed_answers = dict(reversed(list(answers.items())))
    first, second = evaluate(ADULT, answers), evaluate(adult_set(), reversed_answers)
    assert first == second
    assert first.to_dict() == second.to_dict()


@pytest.mark.parametrize(
    ("answers", "field", "words"),
    [
        ({"tal_no_such": "yes"}, "tal_no_such", ["tal_no_such", "test_adult_labour"]),
        ({"tcl_threats": "yes"}, "tcl_threats", ["tcl_threats"]),  # an indicator of another set
        ({"tal_threats": "maybe"}, "tal_threats", ["'maybe'", "tal_threats", "yes, no, unknown"]),
        ({"tal_threats": "YES"}, "tal_threats", ["'YES'"]),
        ({"tal_threats": True}, "tal_threats", ["True"]),
        ({"tal_threats": None}, "tal_threats", ["None"]),
        ({"tal_threats": "yes", 3: "yes"}, "3", ["'3'"]),
    ],
)
def test_bad_answers_are_errors_naming_the_id_or_value(answers, field, words):
    with pytest.raises(ScreeningInputError) as caught:
        evaluate(ADULT, answers)
    assert caught.value.field == field
    for word in words:
        assert word in caught.value.message
        assert word in input_error_message(caught.value)


def test_answers_must_be_a_mapping():
    with pytest.raises(ScreeningInputError) as caught:
        evaluate(ADULT, [("tal_threats", "yes")])
    assert caught.value.field == "answers"


def test_combine_takes_the_highest_outcome():
    none, partial, indicative = (
        evaluate(ADULT, {}),
        evaluate(ADULT, yes("tal_documents_taken")),
        evaluate(CHILD, yes("tcl_threatened_to_go", "tcl_debt_at_recruitment", "tcl_no_days_off", "tcl_low_pay")),
    )
    assert combine([none, partial]) == "partial"
    assert combine([partial, indicative, none]) == "indicative"
    assert combine([none]) == "none"
    assert combine([]) == "none"


def test_to_dict_is_the_command_line_contract():
    result = evaluate(ADULT, yes(*ADULT_RECRUITMENT))
    data = result.to_dict()
    assert set(data) == {"set", "outcome", "dimensions", "missing"}
    assert data["set"] == "test_adult_labour"
    assert data["outcome"] == "partial"
    assert list(data["dimensions"]) == [d["id"] for d in ADULT["dimensions"]]
    assert data["dimensions"]["deceptive_recruitment"] == {
        "present": True,
        "strong": 1,
        "medium": 1,
        "weak": 0,
        "indicators": list(ADULT_RECRUITMENT),
    }
    assert data["missing"] == [
        "Deceptive recruitment is established; nothing yet on exploitative conditions.",
        "Deceptive recruitment is established; nothing yet on coercion at destination or "
        "abuse of vulnerability at destination.",
    ]
    assert result.to_dict(missing=["x"])["missing"] == ["x"]


def test_explain_missing_in_whole_sentences():
    result = evaluate(ADULT, yes(*ADULT_RECRUITMENT, "tal_documents_taken", "tal_threats", "tal_poor_housing"))
    names = dimension_names(ADULT, "en")
    assert explain_missing(result, names) == [
        "Deceptive recruitment and coercion at destination are established; "
        "some answers point to exploitative conditions, but not enough yet."
    ]
    nothing = evaluate(ADULT, {})
    assert explain_missing(nothing, names) == [
        "Nothing yet on deceptive recruitment, coercive recruitment or abuse of vulnerability at recruitment.",
        "Nothing yet on exploitative conditions.",
        "Nothing yet on coercion at destination or abuse of vulnerability at destination.",
    ]
    assert explain_missing(evaluate(ADULT, yes(*ADULT_RECRUITMENT, *ADULT_CONDITIONS, *ADULT_COERCION)), names) == []


def test_payload_uses_names_in_the_language_asked():
    result = evaluate(ADULT, yes(*ADULT_RECRUITMENT))
    payload = evaluation_payload(result, ADULT, "ru")
    assert "[ru]" not in payload["missing"][0]  # names in the fixture are real Russian, not marked
    assert "обманная вербовка" in payload["missing"][0].lower()


def test_evaluation_is_immutable():
    result = evaluate(ADULT, {})
    assert isinstance(result, Evaluation)
    with pytest.raises(AttributeError):
        result.outcome = "indicative"


def test_engine_has_no_django_or_pydantic_imports():
    tree = ast.parse(Path(engine.__file__).read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module or "")
    assert not any(name.split(".")[0] in {"django", "pydantic"} for name in imported), imported
    assert "django" not in Path(engine.__file__).read_text().lower()
