"""The screening decision: answers to the indicators of one set → what they indicate, and why.

Pure Python on plain data (the shape of a pack's `indicator_sets` entries), so the web tool, the API, the command
line and the tests all share one implementation, and a set can be evaluated anywhere without a database.

The rule is data (docs/pack-format.md, "Indicator sets"):
- a dimension is *present* when any one of `rule.present` is met. A threshold counts `yes` answers of each
  strength in that dimension; every count must be met together, and each answer counts once, so
  `{medium: 1, medium_or_weak: 1}` needs two answers, not one;
- the result is *indicative* when every group of `rule.indicative` has at least one present dimension;
- it is *partial* when it is not indicative but some dimension is present or a strong indicator was answered yes;
- otherwise it is *none*.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from opennrm.core.errors import ApplicationError

ANSWERS = ("yes", "no", "unknown")
OUTCOMES = ("indicative", "partial", "none")
STRENGTHS = ("strong", "medium", "weak")
# The order of outcomes from lowest to highest; OUTCOMES lists them as people read them, highest first.
_RANK = {"none": 0, "partial": 1, "indicative": 2}

# Which sentence explains a missing group: nothing in it was answered yes, or some answers were but not enough.
MISSING_NOTHING_YET = "nothing_yet"
MISSING_NOT_ENOUGH = "not_enough"


class ScreeningInputError(ApplicationError):
    """Answers the engine cannot evaluate: an indicator the set does not have, or a value that is not an answer.

    The message is English; `extra["code"]` and its parameters let opennrm.screening.explain translate it."""


@dataclass(frozen=True)
class DimensionResult:
    id: str
    present: bool
    strong: int
    medium: int
    weak: int
    # The indicators answered yes in this dimension (those that made it present, when it is), in set order.
    indicators: tuple[str, ...]


@dataclass(frozen=True)
class Missing:
    """A group of the indicative rule that has no present dimension yet."""

    group: tuple[str, ...]
    # The dimensions present anywhere in the set, in set order: what is already established.
    established: tuple[str, ...]
    message_key: str  # MISSING_NOTHING_YET or MISSING_NOT_ENOUGH


@dataclass(frozen=True)
class Evaluation:
    set_id: str
    outcome: str
    dimensions: tuple[DimensionResult, ...]
    missing: tuple[Missing, ...]

    def dimension(self, dimension_id: str) -> DimensionResult | None:
        return next((d for d in self.dimensions if d.id == dimension_id), None)

    @property
    def established(self) -> tuple[str, ...]:
        return tuple(d.id for d in self.dimensions if d.present)

    def to_dict(self, missing: Sequence[str] | None = None) -> dict:
        """The command-line and API contract. `missing`: the readable sentences (opennrm.screening.explain);
        without them, plain English sentences are built from the dimension ids."""
        return {
            "set": self.set_id,
            "outcome": self.outcome,
            "dimensions": {
                d.id: {
                    "present": d.present,
                    "strong": d.strong,
                    "medium": d.medium,
                    "weak": d.weak,
                    "indicators": list(d.indicators),
                }
                for d in self.dimensions
            },
            "missing": list(missing) if missing is not None else [_plain_sentence(m) for m in self.missing],
        }


def outcome_rank(outcome: str) -> int:
    """none < partial < indicative, as 0 < 1 < 2."""
    return _RANK[outcome]


def threshold_met(threshold: Mapping, strong: int, medium: int, weak: int) -> bool:
    """Whether counts of `yes` answers meet one presence threshold (each answer counting once)."""
    need_strong = int(threshold.get("strong", 0) or 0)
    need_medium = int(threshold.get("medium", 0) or 0)
    need_weak = int(threshold.get("weak", 0) or 0)
    need_either = int(threshold.get("medium_or_weak", 0) or 0)
    if strong < need_strong or medium < need_medium or weak < need_weak:
        return False
    return (medium - need_medium) + (weak - need_weak) >= need_either


def check_answers(indicator_set: Mapping, answers: Mapping) -> None:
    """ScreeningInputError naming the first unknown indicator id or invalid value (in sorted order)."""
    if not isinstance(answers, Mapping):
        raise ScreeningInputError(
            "The answers must be a mapping of indicator id to answer.",
            field="answers",
            extra={"code": "not_a_mapping"},
        )
    known = {indicator["id"] for indicator in indicator_set["indicators"]}
    set_id = indicator_set["id"]
    for key in sorted(answers, key=str):
        value = answers[key]
        if not isinstance(key, str) or key not in known:
            raise ScreeningInputError(
                f"Unknown indicator '{key}': set '{set_id}' has no such indicator.",
                field=str(key),
                extra={"code": "unknown_indicator", "indicator": str(key), "set": set_id},
            )
        if not isinstance(value, str) or value not in ANSWERS:
            raise ScreeningInputError(
                f"Invalid answer {value!r} for indicator '{key}': expected one of {', '.join(ANSWERS)}.",
                field=key,
                extra={"code": "invalid_answer", "indicator": key, "value": repr(value)},
            )


def rule_for(indicator_set: Mapping, population: str | None = None) -> Mapping:
    """The set's rule for this person: its `child_rule` for a child when it has one, else its `rule`."""
    if population == "child" and indicator_set.get("child_rule"):
        return indicator_set["child_rule"]
    return indicator_set["rule"]


def evaluate(indicator_set: Mapping, answers: Mapping[str, str], *, population: str | None = None) -> Evaluation:
    """What the answers to one set indicate for a person of `population`; unlisted indicators count as unknown."""
    check_answers(indicator_set, answers)
    rule = rule_for(indicator_set, population)
    dimension_ids = [dimension["id"] for dimension in indicator_set["dimensions"]]
    yes_by_dimension: dict[str, list[dict]] = {dimension_id: [] for dimension_id in dimension_ids}
    strong_yes = False
    for indicator in indicator_set["indicators"]:
        if answers.get(indicator["id"]) == "yes":
            yes_by_dimension.setdefault(indicator["dimension"], []).append(indicator)
            strong_yes = strong_yes or indicator["strength"] == "strong"

    results = []
    for dimension_id in dimension_ids:
        yes = yes_by_dimension[dimension_id]
        counts = {strength: sum(1 for i in yes if i["strength"] == strength) for strength in STRENGTHS}
        present = any(threshold_met(t, **counts) for t in rule["present"])
        results.append(DimensionResult(dimension_id, present, **counts, indicators=tuple(i["id"] for i in yes)))

    present_ids = tuple(result.id for result in results if result.present)
    answered = {result.id for result in results if result.indicators}
    missing = tuple(
        Missing(
            group=tuple(group),
            established=present_ids,
            message_key=MISSING_NOT_ENOUGH if answered.intersection(group) else MISSING_NOTHING_YET,
        )
        for group in rule["indicative"]
        if not any(dimension_id in present_ids for dimension_id in group)
    )
    if not missing:
        outcome = "indicative"
    elif present_ids or strong_yes:
        outcome = "partial"
    else:
        outcome = "none"
    return Evaluation(str(indicator_set["id"]), outcome, tuple(results), missing)


def combine(evaluations: Sequence[Evaluation]) -> str:
    """The highest outcome of several sets (a "not sure which form" screening); none for no sets."""
    return max((e.outcome for e in evaluations), key=outcome_rank, default="none")


def _plain_sentence(missing: Missing) -> str:
    def names(ids: Sequence[str], joiner: str) -> str:
        words = [dimension_id.replace("_", " ") for dimension_id in ids]
        return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} {joiner} {words[-1]}"

    if missing.message_key == MISSING_NOT_ENOUGH:
        gap = f"some answers point to {names(missing.group, 'or')}, but not enough yet"
    else:
        gap = f"nothing yet on {names(missing.group, 'or')}"
    if not missing.established:
        return gap[:1].upper() + gap[1:] + "."
    verb = "is" if len(missing.established) == 1 else "are"
    established = names(missing.established, "and")
    return f"{established[:1].upper()}{established[1:]} {verb} established; {gap}."
