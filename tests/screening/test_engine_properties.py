"""Properties of the engine on random answers and random rules, checked against a separate plain oracle."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opennrm.screening.engine import ANSWERS, evaluate, outcome_rank
from tests.screening.fixtures import adult_set, child_set

FIXTURE_SETS = [adult_set(), child_set()]
PROPERTY_SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --- the oracle: the rule as a person would check it by hand --------------------------------------------------


def oracle_threshold(threshold: dict, strong: int, medium: int, weak: int) -> bool:
    """Try every way of splitting the `medium_or_weak` requirement between medium and weak answers."""
    either = threshold.get("medium_or_weak", 0)
    if strong < threshold.get("strong", 0):
        return False
    for from_medium in range(either + 1):
        from_weak = either - from_medium
        if medium >= threshold.get("medium", 0) + from_medium and weak >= threshold.get("weak", 0) + from_weak:
            return True
    return False


def oracle(indicator_set: dict, answers: dict) -> tuple[str, dict[str, bool]]:
    present = {}
    any_strong = False
    for dimension in indicator_set["dimensions"]:
        strong = medium = weak = 0
        for indicator in indicator_set["indicators"]:
            if indicator["dimension"] != dimension["id"] or answers.get(indicator["id"]) != "yes":
                continue
            if indicator["strength"] == "strong":
                strong += 1
                any_strong = True
            elif indicator["strength"] == "medium":
                medium += 1
            else:
                weak += 1
        present[dimension["id"]] = False
        for threshold in indicator_set["rule"]["present"]:
            if oracle_threshold(threshold, strong, medium, weak):
                present[dimension["id"]] = True
    every_group = True
    for group in indicator_set["rule"]["indicative"]:
        group_met = False
        for dimension_id in group:
            if present[dimension_id]:
                group_met = True
        if not group_met:
            every_group = False
    if every_group:
        return "indicative", present
    if any_strong or True in present.values():
        return "partial", present
    return "none", present


# --- strategies ---------------------------------------------------------------------------------------------


@st.composite
def random_sets(draw) -> dict:
    """Small sets with random dimensions, indicators, thresholds (each needing a strong or medium) and groups."""
    dimensions = [f"d{n}" for n in range(draw(st.integers(1, 4)))]
    indicators = [
        {"id": f"i{n}", "dimension": dimension, "strength": strength}
        for n, (dimension, strength) in enumerate(
            draw(
                st.lists(
                    st.tuples(st.sampled_from(dimensions), st.sampled_from(["strong", "medium", "weak"])),
                    min_size=1,
                    max_size=10,
                )
            )
        )
    ]
    count = st.integers(0, 2)
    thresholds = draw(
        st.lists(
            st.fixed_dictionaries({"strong": count, "medium": count, "weak": count, "medium_or_weak": count}).filter(
                lambda t: t["strong"] + t["medium"] > 0
            ),
            min_size=1,
            max_size=4,
        )
    )
    groups = draw(st.lists(st.lists(st.sampled_from(dimensions), min_size=1, max_size=3), min_size=1, max_size=3))
    return {
        "id": "random",
        "dimensions": [{"id": d, "name": {"en": d}} for d in dimensions],
        "rule": {"present": thresholds, "indicative": groups},
        "indicators": indicators,
    }


@st.composite
def set_and_answers(draw, sets=None):
    indicator_set = draw(st.sampled_from(FIXTURE_SETS) if sets is None else sets)
    answers = {}
    for indicator in indicator_set["indicators"]:
        choice = draw(st.sampled_from([*ANSWERS, None]))
        if choice is not None:  # None: left out, which means unknown
            answers[indicator["id"]] = choice
    return indicator_set, answers


ANY_SET_AND_ANSWERS = st.one_of(set_and_answers(), set_and_answers(random_sets()))


# --- properties ---------------------------------------------------------------------------------------------


@PROPERTY_SETTINGS
@given(ANY_SET_AND_ANSWERS)
def test_engine_equals_the_oracle(case):
    indicator_set, answers = case
    expected_outcome, expected_present = oracle(indicator_set, answers)
    result = evaluate(indicator_set, answers)
    assert result.outcome == expected_outcome
    assert {d.id: d.present for d in result.dimensions} == expected_present
    for dimension in result.dimensions:
        assert set(dimension.indicators) == {
            i["id"]
            for i in indicator_set["indicators"]
            if i["dimension"] == dimension.id and answers.get(i["id"]) == "yes"
        }
        assert dimension.strong + dimension.medium + dimension.weak == len(dimension.indicators)


@PROPERTY_SETTINGS
@given(ANY_SET_AND_ANSWERS, st.data())
def test_adding_a_yes_never_lowers_the_outcome(case, data):
    indicator_set, answers = case
    not_yet = [i["id"] for i in indicator_set["indicators"] if answers.get(i["id"]) != "yes"]
    if not not_yet:
        return
    changed = data.draw(st.sampled_from(not_yet))
    before = evaluate(indicator_set, answers)
    after = evaluate(indicator_set, {**answers, changed: "yes"})
    assert outcome_rank(after.outcome) >= outcome_rank(before.outcome)
    assert all(a.present for a, b in zip(after.dimensions, before.dimensions, strict=True) if b.present)


@PROPERTY_SETTINGS
@given(ANY_SET_AND_ANSWERS)
def test_weak_indicators_alone_never_make_a_dimension_present(case):
    indicator_set, answers = case
    weak = {i["id"] for i in indicator_set["indicators"] if i["strength"] == "weak"}
    only_weak = {key: value for key, value in answers.items() if key in weak}
    result = evaluate(indicator_set, only_weak)
    assert not any(d.present for d in result.dimensions)
    assert result.outcome != "indicative"


@PROPERTY_SETTINGS
@given(ANY_SET_AND_ANSWERS)
def test_missing_groups_are_exactly_those_without_a_present_dimension(case):
    indicator_set, answers = case
    result = evaluate(indicator_set, answers)
    present = set(result.established)
    expected = [tuple(g) for g in indicator_set["rule"]["indicative"] if not present.intersection(g)]
    assert [m.group for m in result.missing] == expected
    assert all(m.established == result.established for m in result.missing)
    assert (result.outcome == "indicative") == (not result.missing)
