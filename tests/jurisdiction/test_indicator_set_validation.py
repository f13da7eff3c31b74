"""Indicator sets: the cross-references validation checks, each problem named with its path."""

import copy

import pytest

from opennrm.jurisdiction.loader import load_pack_dir
from opennrm.jurisdiction.validation import PackInvalid, validate_content
from tests.jurisdiction.conftest import MINIMAL_PACK
from tests.screening.fixtures import adult_set, child_set


@pytest.fixture(scope="module")
def base() -> dict:
    content = load_pack_dir(MINIMAL_PACK).model_dump(mode="json")
    content["indicator_sets"] = [adult_set(), child_set()]
    return content


@pytest.fixture
def content(base) -> dict:
    return copy.deepcopy(base)


def problems(content: dict) -> list[str]:
    with pytest.raises(PackInvalid) as caught:
        validate_content(content)
    return [str(problem) for problem in caught.value.problems]


def test_the_fixture_sets_are_valid(content):
    pack = validate_content(content)
    assert [s.id for s in pack.indicator_sets] == ["test_adult_labour", "test_child_labour"]
    assert pack.indicator_set("test_child_labour").rule.indicative[1][0] == "exploitative_conditions"


def test_rule_naming_an_unknown_dimension(content):
    content["indicator_sets"][0]["rule"]["indicative"][1] = ["x", "exploitative_conditions", "forced_labour"]
    assert problems(content) == [
        "indicator_sets[0].rule.indicative[1][0]: unknown dimension 'x'",
        "indicator_sets[0].rule.indicative[1][2]: unknown dimension 'forced_labour'",
    ]


def test_empty_group_in_the_rule(content):
    content["indicator_sets"][1]["rule"]["indicative"].append([])
    assert problems(content) == ["indicator_sets[1].rule.indicative[2]: must list at least one dimension"]


def test_indicator_with_an_unknown_dimension(content):
    content["indicator_sets"][1]["indicators"][4]["dimension"] = "coercive_recruitmnet"
    assert problems(content) == [
        "indicator_sets[1].indicators[4].dimension: unknown dimension 'coercive_recruitmnet'",
    ]


def test_dimension_without_indicators(content):
    indicator_set = content["indicator_sets"][0]
    indicator_set["indicators"] = [
        i for i in indicator_set["indicators"] if i["dimension"] != "recruitment_abuse_of_vulnerability"
    ]
    assert problems(content) == [
        "indicator_sets[0].dimensions[2]: dimension 'recruitment_abuse_of_vulnerability' has no indicators",
    ]


def test_duplicate_indicator_dimension_and_set_ids(content):
    indicator_set = content["indicator_sets"][0]
    indicator_set["indicators"][5]["id"] = indicator_set["indicators"][1]["id"]
    indicator_set["dimensions"].append(copy.deepcopy(indicator_set["dimensions"][3]))
    content["indicator_sets"][1]["id"] = "test_adult_labour"
    assert problems(content) == [
        "indicator_sets[0].dimensions[6].id: duplicate id 'exploitative_conditions' "
        "(already used by indicator_sets[0].dimensions[3])",
        "indicator_sets[0].indicators[5].id: duplicate id 'tal_deceived_about_pay' "
        "(already used by indicator_sets[0].indicators[1])",
        "indicator_sets[1].id: duplicate id 'test_adult_labour' (already used by indicator_sets[0])",
    ]


def test_threshold_that_weak_answers_alone_could_meet(content):
    present = content["indicator_sets"][0]["rule"]["present"]
    present.append({"weak": 3})
    present.append({"medium_or_weak": 2})
    result = problems(content)
    assert result == [
        f"indicator_sets[0].rule.present[{index}]: a threshold must require at least one strong or medium answer "
        "(weak indicators alone never make a dimension present)"
        for index in (4, 5)
    ]


def test_questions_need_every_pack_language(content):
    del content["indicator_sets"][0]["indicators"][2]["question"]["ru"]
    content["indicator_sets"][1]["dimensions"][0]["name"]["lv"] = " "
    assert problems(content) == [
        "indicator_sets[0].indicators[2].question: missing translation for 'ru'",
        "indicator_sets[1].dimensions[0].name: missing translation for 'lv'",
    ]


def test_malformed_sets_do_not_break_the_checks(content):
    content["indicator_sets"][0]["rule"] = "2 strong"
    content["indicator_sets"][1]["dimensions"] = "all six"
    result = problems(content)
    assert "indicator_sets[0].rule: must be a mapping (key: value)" in result
    assert "indicator_sets[1].dimensions: must be a list" in result
    # With the dimensions unreadable, indicators' dimensions are not second-guessed.
    assert not any("unknown dimension" in line for line in result)
