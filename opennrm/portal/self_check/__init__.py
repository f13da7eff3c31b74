"""The public self-check, and the other public help a pack defines (its `self_check` section).

The questions are the pack's: each is written for the person themselves and stands for indicators of the pack's
indicator sets, so the sets' own rules (`opennrm.screening.engine`) decide the result, exactly as in the
professionals' screening. Nothing here writes anywhere: answers come in with a request and leave with its response.

The section also holds what "Where to get help" offers (situations), the emergency numbers shown on every page,
which institution types run the national helplines, and the neutral page of the quick exit. Its validation is in
`validation.py`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext

from opennrm.jurisdiction.models import ModelVersion
from opennrm.jurisdiction.references import format_path
from opennrm.jurisdiction.selectors import version_published
from opennrm.portal.self_check.validation import (
    ANSWERS,
    SECTION,
    question_targets,
    self_check_folder_problems,
    self_check_issues,
)
from opennrm.screening.engine import Evaluation, combine, evaluate

__all__ = [
    "PublicHelp",
    "Question",
    "SelfCheckResult",
    "Situation",
    "Step",
    "Track",
    "help_from_content",
    "public_help",
    "read_answers",
    "self_check_evaluate",
    "self_check_folder_problems",
    "self_check_issues",
]

logger = logging.getLogger(__name__)

DEFAULT_QUICK_EXIT_URL = "https://www.google.com/"

# --- what a valid section becomes ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Question:
    id: str
    text: dict[str, str]
    sign: dict[str, str]
    hint: dict[str, str] | None
    # (set id, indicator id) of every indicator a "yes" or "no" to this question answers.
    targets: tuple[tuple[str, str], ...]

    @property
    def field_name(self) -> str:
        return f"q-{self.id}"


@dataclass(frozen=True)
class Step:
    id: str
    title: dict[str, str]
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class Track:
    id: str
    title: dict[str, str]
    intro: dict[str, str]
    population: str
    sets: tuple[str, ...]
    situation: str
    steps: tuple[Step, ...]
    results: dict[str, dict[str, dict[str, str]]]

    @property
    def questions(self) -> list[Question]:
        return [question for step in self.steps for question in step.questions]


@dataclass(frozen=True)
class Situation:
    id: str
    name: dict[str, str]
    advice: dict[str, str] | None
    stage: str
    population: str
    nationality: str
    institution_types: tuple[str, ...]


@dataclass(frozen=True)
class EmergencyNumber:
    number: str
    label: dict[str, str]


@dataclass(frozen=True)
class PublicHelp:
    """The `self_check` section of the model in force, with the indicator sets its questions stand for."""

    version: ModelVersion
    quick_exit_url: str
    emergency_numbers: tuple[EmergencyNumber, ...]
    hotline_types: tuple[str, ...]
    situations: tuple[Situation, ...]
    tracks: tuple[Track, ...]
    indicator_sets: dict[str, dict]

    def track(self, track_id: str) -> Track | None:
        return next((t for t in self.tracks if t.id == track_id), None)

    def situation(self, situation_id: str) -> Situation | None:
        return next((s for s in self.situations if s.id == situation_id), None)


# --- reading the model in force -----------------------------------------------------------------------------

_CACHE: dict[tuple[int, str], PublicHelp | None] = {}
_CACHE_SIZE = 8


def public_help() -> PublicHelp | None:
    """The public help of the published model; None before the first publication or when its section is missing
    or invalid (the pack's validation names the problem; the public pages then say the help is not available)."""
    version = version_published()
    if version is None:
        return None
    key = (version.pk, version.content_hash)
    if key not in _CACHE:
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = _built(version)
    return _CACHE[key]


def _built(version: ModelVersion) -> PublicHelp | None:
    content = version.content
    if not isinstance(content.get(SECTION), dict):
        return None
    issues = self_check_issues(content)
    if issues:
        path, reason = issues[0]
        logger.warning(
            "The self-check of model version %s is invalid: %s: %s", version.number, format_path(path), reason
        )
        return None
    return help_from_content(content, version=version)


def help_from_content(content: Mapping[str, Any], *, version: ModelVersion) -> PublicHelp:
    """The section of a validated pack content as objects (call `self_check_issues` first)."""
    section = content[SECTION]
    sets = {s["id"]: s for s in content.get("indicator_sets") or ()}
    return PublicHelp(
        version=version,
        quick_exit_url=section.get("quick_exit_url") or DEFAULT_QUICK_EXIT_URL,
        emergency_numbers=tuple(
            EmergencyNumber(number=e["number"], label=e["label"]) for e in section.get("emergency_numbers") or ()
        ),
        hotline_types=tuple(section.get("hotline_types") or ()),
        situations=tuple(
            Situation(
                id=s["id"],
                name=s["name"],
                advice=s.get("advice"),
                stage=s["stage"],
                population=s["population"],
                nationality=s["nationality"],
                institution_types=tuple(s["institution_types"]),
            )
            for s in section.get("situations") or ()
        ),
        tracks=tuple(_track(t, sets) for t in section.get("tracks") or ()),
        indicator_sets=sets,
    )


def _track(raw: Mapping[str, Any], sets: Mapping[str, dict]) -> Track:
    track_sets = [sets[set_id] for set_id in raw["sets"]]
    steps = tuple(
        Step(
            id=step["id"],
            title=step["title"],
            questions=tuple(
                Question(
                    id=q["id"],
                    text=q["text"],
                    sign=q["sign"],
                    hint=q.get("hint"),
                    targets=tuple(question_targets(q, track_sets)),
                )
                for q in step["questions"]
            ),
        )
        for step in raw["steps"]
    )
    return Track(
        id=raw["id"],
        title=raw["title"],
        intro=raw["intro"],
        population=raw["population"],
        sets=tuple(raw["sets"]),
        situation=raw["situation"],
        steps=steps,
        results=raw["results"],
    )


# --- answers and the result -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignsInStep:
    step: Step
    questions: list[Question]


@dataclass(frozen=True)
class SelfCheckResult:
    track: Track
    outcome: str
    title: dict[str, str]
    text: dict[str, str]
    # The questions answered "yes", with the step they were asked in: the signs the result explains.
    signs: list[SignsInStep]
    evaluations: list[Evaluation]

    @property
    def sign_count(self) -> int:
        return sum(len(group.questions) for group in self.signs)


def read_answers(track: Track, data: Mapping[str, str]) -> tuple[dict[str, str], list[tuple[Question, str]]]:
    """The answers in submitted form data (field `q-<question id>`), and a message for each value that is not an
    answer. A question with no value counts as "don't know"."""
    answers: dict[str, str] = {}
    errors: list[tuple[Question, str]] = []
    for question in track.questions:
        value = data.get(question.field_name, "")
        if value in ("", None):
            continue
        if value not in ANSWERS:
            errors.append(
                (question, gettext("The answer to this question was not one of the choices. Please choose again."))
            )
            continue
        answers[question.id] = value
    return answers, errors


def self_check_evaluate(*, help: PublicHelp, track: Track, answers: Mapping[str, str]) -> SelfCheckResult:
    """The result of a track's answers: each of its indicator sets judged by its own rule, the highest counting."""
    by_set: dict[str, dict[str, str]] = {set_id: {} for set_id in track.sets}
    for question in track.questions:
        answer = answers.get(question.id)
        if answer not in ("yes", "no"):
            continue
        for set_id, indicator_id in question.targets:
            by_set[set_id][indicator_id] = answer
    evaluations = [
        evaluate(help.indicator_sets[set_id], by_set[set_id], population=track.population) for set_id in track.sets
    ]
    outcome = combine(evaluations)
    signs = [
        SignsInStep(step=step, questions=[q for q in step.questions if answers.get(q.id) == "yes"])
        for step in track.steps
    ]
    wording = track.results[outcome]
    return SelfCheckResult(
        track=track,
        outcome=outcome,
        title=wording["title"],
        text=wording["text"],
        signs=[group for group in signs if group.questions],
        evaluations=evaluations,
    )
