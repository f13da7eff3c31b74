"""Sets used with adults and children alike judge a child by the set's child rule (ILO: means not required)."""

import copy

import pytest
from django.conf import settings

from opennrm.jurisdiction.loader import load_pack_dir
from opennrm.jurisdiction.validation import PackInvalid, validate_content
from opennrm.screening.engine import evaluate
from tests.screening.fixtures import adult_set, child_set, indicator_ids


def _any_population_set() -> dict:
    """An adult set with the children's rule added as `child_rule`, as the Latvian context sets have."""
    indicator_set = adult_set()
    indicator_set["population"] = "any"
    indicator_set["child_rule"] = copy.deepcopy(child_set()["rule"])
    return indicator_set


def _recruitment_and_conditions(indicator_set: dict) -> dict[str, str]:
    strong = indicator_ids(indicator_set, strength="strong")
    medium = indicator_ids(indicator_set, strength="medium")
    answers = {}
    for dimension in ("deceptive_recruitment", "exploitative_conditions"):
        dimension_strong = [i for i in strong if i in indicator_ids(indicator_set, dimension=dimension)]
        dimension_medium = [i for i in medium if i in indicator_ids(indicator_set, dimension=dimension)]
        answers.update({i: "yes" for i in (dimension_strong[:1] + dimension_medium[:1])})
    return answers


def test_a_child_needs_no_means_where_an_adult_does():
    indicator_set = _any_population_set()
    answers = _recruitment_and_conditions(indicator_set)
    assert evaluate(indicator_set, answers, population="adult").outcome == "partial"
    assert evaluate(indicator_set, answers).outcome == "partial"  # no population given: the set's own rule
    assert evaluate(indicator_set, answers, population="child").outcome == "indicative"


def test_without_a_child_rule_the_rule_applies_to_everyone():
    indicator_set = adult_set()
    answers = _recruitment_and_conditions(indicator_set)
    assert evaluate(indicator_set, answers, population="child").outcome == "partial"


def test_a_child_rule_naming_an_unknown_dimension_is_refused():
    pack = load_pack_dir(settings.OPENNRM_PACKS_DIR / "lv").model_dump(mode="json")
    context_set = next(s for s in pack["indicator_sets"] if s["id"] == "sham_marriage")
    broken = copy.deepcopy(pack)
    broken_set = next(s for s in broken["indicator_sets"] if s["id"] == "sham_marriage")
    broken_set["child_rule"]["indicative"][1][0] = "no_such_dimension"
    with pytest.raises(PackInvalid) as refused:
        validate_content(broken)
    index = broken["indicator_sets"].index(broken_set)
    assert f"indicator_sets[{index}].child_rule.indicative[1][0]: unknown dimension 'no_such_dimension'" in [
        str(p) for p in refused.value.problems
    ]
    assert context_set["child_rule"] is not None


@pytest.mark.parametrize("set_id", ["forced_return", "sham_marriage", "forced_criminality"])
def test_the_latvian_context_sets_judge_children_by_the_childrens_rule(set_id):
    pack = load_pack_dir(settings.OPENNRM_PACKS_DIR / "lv")
    indicator_set = pack.indicator_set(set_id).model_dump(mode="json")
    assert indicator_set["population"] == "any"
    answers = _recruitment_and_conditions(indicator_set)
    assert evaluate(indicator_set, answers, population="child").outcome == "indicative"
