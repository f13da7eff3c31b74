"""Reading screening data: which indicator sets fit a situation, their questions in steps, and an explained result.

Everything here reads the published model; the decision itself is the pure engine's (`screening.engine`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from opennrm.core.errors import ApplicationError
from opennrm.core.i18n import localized
from opennrm.jurisdiction.models import ModelVersion
from opennrm.jurisdiction.schema import Indicator, IndicatorSet, Pack, Stage
from opennrm.jurisdiction.selectors import version_pack, version_published
from opennrm.screening.engine import ScreeningInputError, combine, evaluate
from opennrm.screening.explain import explain_missing, input_error_message
from opennrm.screening.models import Screening

POPULATIONS = ("adult", "child")
# What a worker can tell apart on the spot; each choice covers the pack's exploitation forms listed with it.
SUSPECTED_FORMS: dict[str, frozenset[str]] = {
    "labour": frozenset({"labour", "domestic_servitude"}),
    "sexual": frozenset({"sexual"}),
    "sham_marriage": frozenset({"sham_marriage"}),
    "forced_criminality": frozenset({"forced_criminality", "begging"}),
}
NOT_SURE = "not_sure"
CONTEXTS = ("general", "forced_return", "sham_marriage", "forced_criminality")
ANSWER_VALUES = ("yes", "no", "unknown")

POPULATION_LABELS = {"adult": _("An adult (18 or older)"), "child": _("A child (under 18)")}
FORM_LABELS = {
    "labour": _("Labour exploitation"),
    "sexual": _("Sexual exploitation"),
    "sham_marriage": _("Sham marriage"),
    "forced_criminality": _("Forced criminality or begging"),
    NOT_SURE: _("Not sure"),
}
CONTEXT_LABELS = {
    "general": _("No particular context"),
    "forced_return": _("Forced return, detention or asylum procedure"),
    "sham_marriage": _("Marriage or a planned marriage"),
    "forced_criminality": _("Offences or begging the person may have been made to commit"),
}
OUTCOME_LABELS = {
    Screening.Outcome.INDICATIVE: _("The answers indicate possible trafficking in human beings."),
    Screening.Outcome.PARTIAL: _(
        "Some indicators of trafficking are present, but not enough to meet the rule of the indicator set."
    ),
    Screening.Outcome.NONE: _("The answers do not show indicators of trafficking in human beings."),
}
# The stages whose model entries tell a worker what to do after a screening, when the pack has them.
NEXT_STEP_STAGES = ("recognition", "referral")
# "Who to call" after a screening: the institutions that take a referral.
WHO_TO_CALL_STAGE = "referral"


@dataclass(frozen=True)
class Situation:
    population: str
    form: str
    context: str
    municipality: str = ""

    @property
    def nationality(self) -> str:
        # A forced-return procedure concerns foreigners; otherwise the most common case is assumed.
        return "third_country_national" if self.context == "forced_return" else "national"


@dataclass(frozen=True)
class Question:
    """One question asked once; with a shared concept it stands for an indicator in each of several sets."""

    key: str
    indicator: Indicator
    # (set id, indicator id) of every indicator the answer applies to.
    targets: tuple[tuple[str, str], ...]

    @property
    def field_name(self) -> str:
        return f"q-{self.key}"


@dataclass(frozen=True)
class Step:
    dimension: str
    name: dict[str, str]
    questions: list[Question] = field(default_factory=list)


# --- the published model and its sets ------------------------------------------------------------------------


def published_model() -> ModelVersion | None:
    return version_published()


def model_for_number(number: int) -> ModelVersion | None:
    """The version `number` of this installation's pack if it is published or superseded (never a draft)."""
    return (
        ModelVersion.objects.filter(number=number, pack_code=_pack_code())
        .exclude(status=ModelVersion.Status.DRAFT)
        .first()
    )


def _pack_code() -> str:
    return settings.OPENNRM_PACK


def screening_saved(*, save_key: str) -> Screening | None:
    """The screening saved from a web screening with this one-off key, if it has been saved."""
    return Screening.objects.filter(save_key=save_key).first()


def indicator_sets(*, model: ModelVersion) -> list[IndicatorSet]:
    return list(version_pack(model).indicator_sets)


def access_set(*, model: ModelVersion, set_id: str) -> IndicatorSet:
    """The set `set_id` of the model, or ApplicationError naming the field `set`."""
    found = version_pack(model).indicator_set(set_id)
    if found is None:
        raise ApplicationError(gettext("Unknown indicator set '%(set)s'.") % {"set": set_id}, field="set")
    return found


def set_content(indicator_set: IndicatorSet) -> dict[str, Any]:
    """The set in the shape the engine reads: the pack's own content."""
    return indicator_set.model_dump(mode="json")


def sets_for_situation(*, pack: Pack, situation: Situation) -> list[IndicatorSet]:
    """The sets to ask for a situation, in pack order.

    A suspected form picks the sets of that form; "not sure" picks the population's general sets, asked together.
    A context other than general adds the sets written for that context. Sets for "any" population always fit.
    """
    fits = [s for s in pack.indicator_sets if s.population in (situation.population, "any")]
    with_context = situation.context != "general"
    if situation.form == NOT_SURE:
        chosen = [s for s in fits if s.context == "general" or (with_context and s.context == situation.context)]
    else:
        forms = SUSPECTED_FORMS.get(situation.form, frozenset())
        chosen = [
            s
            for s in fits
            if (forms.intersection(s.forms) and (s.context == "general" or s.context == situation.form))
            or (with_context and s.context == situation.context)
        ]
        if not chosen:
            # No set for this form: the population's general sets still find what can be found.
            chosen = [s for s in fits if s.context == "general"]
    return chosen


def steps_for_sets(sets: list[IndicatorSet]) -> list[Step]:
    """The questions of the sets grouped by dimension, one step per dimension, in the order the sets ask them.

    Indicators sharing a `concept` become one question whose answer applies to each of them.
    """
    steps: dict[str, Step] = {}
    by_concept: dict[str, Question] = {}
    order: list[Question] = []
    for indicator_set in sets:
        names = {d.id: d.name for d in indicator_set.dimensions}
        for dimension in indicator_set.dimensions:
            steps.setdefault(dimension.id, Step(dimension=dimension.id, name=dimension.name))
        for indicator in indicator_set.indicators:
            target = (indicator_set.id, indicator.id)
            if indicator.concept and indicator.concept in by_concept:
                shared = by_concept[indicator.concept]
                index = order.index(shared)
                order[index] = by_concept[indicator.concept] = Question(
                    key=shared.key, indicator=shared.indicator, targets=(*shared.targets, target)
                )
                continue
            key = f"c-{indicator.concept}" if indicator.concept else f"i-{indicator_set.id}-{indicator.id}"
            question = Question(key=key, indicator=indicator, targets=(target,))
            if indicator.concept:
                by_concept[indicator.concept] = question
            order.append(question)
            name = names.get(indicator.dimension, {})
            steps.setdefault(indicator.dimension, Step(dimension=indicator.dimension, name=name))
    for question in order:
        steps[question.indicator.dimension].questions.append(question)
    return [step for step in steps.values() if step.questions]


def answers_by_set(*, steps: list[Step], answers: Mapping[str, str]) -> dict[str, dict[str, str]]:
    """Answers keyed by question turned into {set id: {indicator id: answer}}; unanswered ones are left out."""
    result: dict[str, dict[str, str]] = {}
    for step in steps:
        for question in step.questions:
            answer = answers.get(question.key)
            if answer not in ANSWER_VALUES:
                continue
            for set_id, indicator_id in question.targets:
                result.setdefault(set_id, {})[indicator_id] = answer
    return result


# --- the explained result ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DimensionFinding:
    id: str
    name: dict[str, str]
    present: bool
    strong: int
    medium: int
    weak: int
    # The indicators answered yes in this dimension: why it is (or is nearly) present.
    found: list[Indicator]


@dataclass(frozen=True)
class SetResult:
    indicator_set: IndicatorSet
    outcome: str
    dimensions: list[DimensionFinding]
    missing: list[str]
    evaluation: Any


def evaluate_set(*, indicator_set: IndicatorSet, answers: Mapping[str, str], population: str | None = None):
    """The engine's Evaluation of one set for a person of `population` (a child may be judged by the set's
    child rule); unknown indicator ids and bad values raise ApplicationError."""
    try:
        return evaluate(set_content(indicator_set), answers, population=population)
    except ScreeningInputError as error:
        field_name = "answers" if error.field in (None, "answers") else f"answers.{error.field}"
        raise ApplicationError(input_error_message(error), field=field_name, extra=error.extra) from None


def set_result(*, indicator_set: IndicatorSet, answers: Mapping[str, str], population: str | None = None) -> SetResult:
    evaluation = evaluate_set(indicator_set=indicator_set, answers=answers, population=population)
    names = {d.id: d.name for d in indicator_set.dimensions}
    dimensions = [
        DimensionFinding(
            id=d.id,
            name=names.get(d.id, {}),
            present=d.present,
            strong=d.strong,
            medium=d.medium,
            weak=d.weak,
            found=[i for i in indicator_set.indicators if i.dimension == d.id and answers.get(i.id) == "yes"],
        )
        for d in evaluation.dimensions
    ]
    missing = explain_missing(evaluation, {key: localized(value) for key, value in names.items()})
    return SetResult(
        indicator_set=indicator_set,
        outcome=evaluation.outcome,
        dimensions=dimensions,
        missing=missing,
        evaluation=evaluation,
    )


def overall_outcome(results: list[SetResult]) -> str:
    """The highest outcome of the sets asked together."""
    return combine([r.evaluation for r in results]) if results else Screening.Outcome.NONE


def next_steps(*, pack: Pack, population: str, nationality: str) -> list[tuple[Stage, list[tuple[dict, dict]]]]:
    """(stage, [(institution type name, what it does)]) of the stages around a screening, for this person."""
    steps = []
    for stage_id in NEXT_STEP_STAGES:
        stage = pack.stage(stage_id)
        if stage is None:
            continue
        entries = []
        for entry in pack.matrix:
            if entry.stage == stage_id and entry.applies(population=population, nationality=nationality):
                institution_type = pack.institution_type(entry.institution_type)
                name = institution_type.name if institution_type else {}
                entries.append((name, entry.description))
        steps.append((stage, entries))
    return steps
