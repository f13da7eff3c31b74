"""Validation of a pack's `self_check` section: its shape, its texts in every language of the pack, and every
stage, institution type, situation, indicator set and indicator it names.

Problems are (path, reason) pairs like the pack's own validation gives, so `opennrm.jurisdiction.loader.locate`
turns them into `file:line: path: reason` for a pack author.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path as FsPath
from typing import Any

from django.utils.translation import gettext

from opennrm.jurisdiction.loader import locate, read_pack_dir
from opennrm.jurisdiction.references import Issues, Path, duplicates, format_path
from opennrm.jurisdiction.schema import ID_PATTERN
from opennrm.jurisdiction.validation import Problem
from opennrm.screening.engine import OUTCOMES

SECTION = "self_check"
FILE_NAME = "self_check.yaml"
ANSWERS = ("yes", "no", "unknown")
POPULATIONS = ("adult", "child")
NATIONALITIES = ("national", "eu_citizen", "third_country_national")
# Only a secure, plain web address may become the quick exit's link.
QUICK_EXIT_PATTERN = r"^https://[^\s<>\"'`]+$"
PHONE_NUMBER_PATTERN = r"^\+?[0-9][0-9 ]{1,19}$"

_FIELDS = {
    "section": ({"quick_exit_url", "emergency_numbers", "hotline_types", "situations", "tracks"}, set()),
    "emergency_number": ({"number", "label"}, {"number", "label"}),
    "situation": (
        {"id", "name", "advice", "stage", "population", "nationality", "institution_types"},
        {"id", "name", "stage", "population", "nationality", "institution_types"},
    ),
    "track": (
        {"id", "title", "intro", "population", "sets", "situation", "steps", "results"},
        {"id", "title", "intro", "population", "sets", "situation", "steps", "results"},
    ),
    "step": ({"id", "title", "questions"}, {"id", "title", "questions"}),
    "question": ({"id", "text", "sign", "hint", "concept", "indicators"}, {"id", "text", "sign"}),
    "result": ({"title", "text"}, {"title", "text"}),
}


def question_targets(question: Mapping[str, Any], track_sets: list[dict]) -> list[tuple[str, str]]:
    """What a question answers: every indicator with its `concept` in the track's sets, then its `indicators`."""
    found: list[tuple[str, str]] = []
    concept = question.get("concept")
    if isinstance(concept, str):
        for indicator_set in track_sets:
            found += [
                (indicator_set["id"], i["id"])
                for i in indicator_set.get("indicators") or ()
                if isinstance(i, dict) and i.get("concept") == concept
            ]
    for reference in question.get("indicators") or ():
        if isinstance(reference, str) and reference.count(".") == 1:
            target = tuple(reference.split("."))
            if target not in found:
                found.append(target)  # type: ignore[arg-type]
    return found


class _Checker:
    """Collects (path, reason) for one section, reading malformed data without failing."""

    def __init__(self, content: Mapping[str, Any]) -> None:
        self.issues: Issues = []
        pack = content.get("pack") if isinstance(content.get("pack"), dict) else {}
        languages = pack.get("languages") if isinstance(pack.get("languages"), list) else None
        self.languages = [language for language in languages or ["en"] if isinstance(language, str)]

    def add(self, path: Path, reason: str) -> None:
        self.issues.append((path, reason))

    def mapping(self, value: Any, path: Path, kind: str) -> dict | None:
        allowed, required = _FIELDS[kind]
        if not isinstance(value, dict):
            self.add(path, gettext("must be a mapping (field: value)"))
            return None
        for key in sorted(set(value) - allowed, key=str):
            self.add(
                (*path, str(key)),
                gettext("unknown field '%(field)s' (allowed: %(allowed)s)")
                % {"field": key, "allowed": ", ".join(sorted(allowed))},
            )
        for key in sorted(required - set(value)):
            self.add((*path, key), gettext("this field is required"))
        return value

    def listed(self, value: Any, path: Path, *, required: bool = True) -> list:
        if value is None and not required:
            return []
        if not isinstance(value, list):
            self.add(path, gettext("must be a list"))
            return []
        return value

    def text(self, value: Any, path: Path) -> None:
        if value is None:
            return
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            self.add(path, gettext("must be a text in each language (language: text)"))
            return
        missing = [language for language in self.languages if not str(value.get(language) or "").strip()]
        if missing:
            self.add(path, gettext("the text is missing in: %(languages)s") % {"languages": ", ".join(missing)})

    def ident(self, value: Any, path: Path) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str) or not re.fullmatch(ID_PATTERN, value):
            self.add(path, gettext("'%(id)s' is not a valid id (lower-case letters, digits and _)") % {"id": value})
            return None
        return value

    def choice(self, value: Any, path: Path, choices: tuple[str, ...]) -> None:
        if value is not None and value not in choices:
            self.add(
                path,
                gettext("'%(value)s' is not one of: %(choices)s") % {"value": value, "choices": ", ".join(choices)},
            )

    def known(self, value: Any, path: Path, known: set[str], message: str) -> None:
        if isinstance(value, str) and value not in known:
            self.add(path, message % {"id": value})


def self_check_issues(content: Mapping[str, Any]) -> Issues:
    """Every problem of a pack content's `self_check` section as (path, reason); none when it has no section.

    Checks the shape, the texts in every language of the pack, and that stages, institution types, sets and
    indicators it names exist, so a question can never stand for an indicator the sets do not have."""
    if SECTION not in content:
        return []
    check = _Checker(content)
    section = check.mapping(content[SECTION], (SECTION,), "section")
    if section is None:
        return check.issues
    url = section.get("quick_exit_url")
    if url is not None and (not isinstance(url, str) or not re.fullmatch(QUICK_EXIT_PATTERN, url)):
        check.add((SECTION, "quick_exit_url"), gettext("must be a web address starting with https://"))
    for index, entry in enumerate(
        check.listed(section.get("emergency_numbers"), (SECTION, "emergency_numbers"), required=False)
    ):
        path = (SECTION, "emergency_numbers", index)
        if check.mapping(entry, path, "emergency_number") is None:
            continue
        number = entry.get("number")
        if number is not None and (not isinstance(number, str) or not re.fullmatch(PHONE_NUMBER_PATTERN, number)):
            check.add((*path, "number"), gettext('must be a phone number written as text, e.g. "112"'))
        check.text(entry.get("label"), (*path, "label"))
    types = _ids(content, "institution_types")
    for index, type_id in enumerate(
        check.listed(section.get("hotline_types"), (SECTION, "hotline_types"), required=False)
    ):
        if check.ident(type_id, (SECTION, "hotline_types", index)):
            check.known(type_id, (SECTION, "hotline_types", index), types, gettext("unknown institution type '%(id)s'"))
    situation_ids = _check_situations(check, content, section, types)
    _check_tracks(check, content, section, situation_ids)
    return check.issues


def _ids(content: Mapping[str, Any], section: str) -> set[str]:
    listed = content.get(section)
    return (
        {i["id"] for i in listed if isinstance(i, dict) and isinstance(i.get("id"), str)}
        if isinstance(listed, list)
        else set()
    )


def _applies(entry: Mapping[str, Any], population: Any, nationality: Any) -> bool:
    applies_to = entry.get("applies_to") or {}
    if not isinstance(applies_to, dict):
        return True
    populations, nationalities = applies_to.get("population"), applies_to.get("nationality")
    return (not populations or population in populations) and (not nationalities or nationality in nationalities)


def _check_situations(check: _Checker, content, section: dict, types: set[str]) -> set[str]:
    listed = check.listed(section.get("situations"), (SECTION, "situations"), required=False)
    stages = _ids(content, "stages")
    matrix = [e for e in content.get("matrix") or () if isinstance(e, dict)]
    valid = []
    for index, situation in enumerate(listed):
        path = (SECTION, "situations", index)
        if check.mapping(situation, path, "situation") is None:
            continue
        valid.append((index, situation))
        check.ident(situation.get("id"), (*path, "id"))
        check.text(situation.get("name"), (*path, "name"))
        check.text(situation.get("advice"), (*path, "advice"))
        stage = situation.get("stage")
        check.known(stage, (*path, "stage"), stages, gettext("unknown stage '%(id)s'"))
        check.choice(situation.get("population"), (*path, "population"), POPULATIONS)
        check.choice(situation.get("nationality"), (*path, "nationality"), NATIONALITIES)
        type_list = check.listed(situation.get("institution_types"), (*path, "institution_types"))
        if "institution_types" in situation and not type_list and isinstance(type_list, list):
            check.add((*path, "institution_types"), gettext("list at least one institution type"))
        for position, type_id in enumerate(type_list):
            type_path = (*path, "institution_types", position)
            if not check.ident(type_id, type_path):
                continue
            if type_id not in types:
                check.add(type_path, gettext("unknown institution type '%(id)s'") % {"id": type_id})
            elif stage in stages and not any(
                e.get("institution_type") == type_id
                and e.get("stage") == stage
                and _applies(e, situation.get("population"), situation.get("nationality"))
                for e in matrix
            ):
                check.add(
                    type_path,
                    gettext(
                        "institution type '%(id)s' has no entry in the matrix at stage '%(stage)s' for this "
                        "population and nationality, so it would never be listed"
                    )
                    % {"id": type_id, "stage": stage},
                )
    check.issues += duplicates(valid, (SECTION, "situations"))
    return {s["id"] for _index, s in valid if isinstance(s.get("id"), str)}


def _check_tracks(check: _Checker, content, section: dict, situation_ids: set[str]) -> None:
    sets = {s["id"]: s for s in content.get("indicator_sets") or () if isinstance(s, dict) and "id" in s}
    listed = check.listed(section.get("tracks"), (SECTION, "tracks"), required=False)
    valid = []
    for index, track in enumerate(listed):
        path = (SECTION, "tracks", index)
        if check.mapping(track, path, "track") is None:
            continue
        valid.append((index, track))
        check.ident(track.get("id"), (*path, "id"))
        check.text(track.get("title"), (*path, "title"))
        check.text(track.get("intro"), (*path, "intro"))
        check.choice(track.get("population"), (*path, "population"), POPULATIONS)
        check.known(track.get("situation"), (*path, "situation"), situation_ids, gettext("unknown situation '%(id)s'"))
        track_sets = _check_track_sets(check, track, path, sets)
        _check_steps(check, track, path, track_sets)
        _check_results(check, track.get("results"), (*path, "results"))
    check.issues += duplicates(valid, (SECTION, "tracks"))


def _check_track_sets(check: _Checker, track: dict, path: Path, sets: dict[str, dict]) -> list[dict]:
    listed = check.listed(track.get("sets"), (*path, "sets"))
    if "sets" in track and isinstance(track.get("sets"), list) and not listed:
        check.add((*path, "sets"), gettext("list at least one indicator set"))
    found = []
    for position, set_id in enumerate(listed):
        if not isinstance(set_id, str) or set_id not in sets:
            check.add((*path, "sets", position), gettext("unknown indicator set '%(id)s'") % {"id": set_id})
            continue
        population = sets[set_id].get("population")
        if population not in ("any", track.get("population")):
            check.add(
                (*path, "sets", position),
                gettext("indicator set '%(id)s' is for the population '%(population)s', not '%(track)s'")
                % {"id": set_id, "population": population, "track": track.get("population")},
            )
        found.append(sets[set_id])
    return found


def _check_steps(check: _Checker, track: dict, path: Path, track_sets: list[dict]) -> None:
    steps = check.listed(track.get("steps"), (*path, "steps"))
    if "steps" in track and isinstance(track.get("steps"), list) and not steps:
        check.add((*path, "steps"), gettext("list at least one step"))
    indicators = {(s["id"], i["id"]) for s in track_sets for i in s.get("indicators") or () if isinstance(i, dict)}
    valid_steps, all_questions = [], []
    asked_by: dict[tuple[str, str], str] = {}
    for step_index, step in enumerate(steps):
        step_path = (*path, "steps", step_index)
        if check.mapping(step, step_path, "step") is None:
            continue
        valid_steps.append((step_index, step))
        check.ident(step.get("id"), (*step_path, "id"))
        check.text(step.get("title"), (*step_path, "title"))
        questions = check.listed(step.get("questions"), (*step_path, "questions"))
        if "questions" in step and isinstance(step.get("questions"), list) and not questions:
            check.add((*step_path, "questions"), gettext("list at least one question"))
        for index, question in enumerate(questions):
            question_path = (*step_path, "questions", index)
            if check.mapping(question, question_path, "question") is None:
                continue
            all_questions.append((question_path, question))
            check.ident(question.get("id"), (*question_path, "id"))
            for field in ("text", "sign", "hint"):
                check.text(question.get(field), (*question_path, field))
            _checkquestion_targets(check, question, question_path, track_sets, indicators, asked_by)
    check.issues += duplicates(valid_steps, (*path, "steps"))
    seen: dict[str, Path] = {}
    for question_path, question in all_questions:
        ident = question.get("id")
        if not isinstance(ident, str):
            continue
        if ident in seen:
            check.add(
                (*question_path, "id"),
                gettext("duplicate id '%(id)s' (already used by %(other)s)")
                % {"id": ident, "other": format_path(seen[ident])},
            )
        else:
            seen[ident] = question_path


def _checkquestion_targets(check: _Checker, question: dict, path: Path, track_sets, indicators, asked_by) -> None:
    concept, references = question.get("concept"), question.get("indicators")
    if concept is None and references is None:
        check.add(path, gettext("a question needs a `concept` or a list of `indicators` (set.indicator)"))
        return
    set_ids = [s["id"] for s in track_sets]
    if concept is not None and check.ident(concept, (*path, "concept")):
        if not question_targets({"concept": concept}, track_sets):
            check.add(
                (*path, "concept"),
                gettext("no indicator of the sets %(sets)s has the concept '%(concept)s'")
                % {"sets": ", ".join(set_ids), "concept": concept},
            )
    for position, reference in enumerate(check.listed(references, (*path, "indicators"), required=False)):
        reference_path = (*path, "indicators", position)
        parts = reference.split(".") if isinstance(reference, str) else []
        if len(parts) != 2:
            check.add(reference_path, gettext("'%(id)s' must be written as set.indicator") % {"id": reference})
        elif parts[0] not in set_ids:
            check.add(reference_path, gettext("'%(id)s' is not one of the track's sets") % {"id": parts[0]})
        elif tuple(parts) not in indicators:
            check.add(
                reference_path,
                gettext("indicator set '%(set)s' has no indicator '%(id)s'") % {"set": parts[0], "id": parts[1]},
            )
    targets = [t for t in question_targets(question, track_sets) if t in indicators]
    per_set: dict[str, str] = {}
    for set_id, indicator_id in targets:
        if set_id in per_set:
            # One answer standing for two indicators of one set would count twice towards its rule.
            check.add(
                path,
                gettext("the question stands for two indicators of set '%(set)s' (%(first)s and %(second)s)")
                % {"set": set_id, "first": per_set[set_id], "second": indicator_id},
            )
        per_set[set_id] = indicator_id
        owner = asked_by.setdefault((set_id, indicator_id), str(question.get("id")))
        if owner != str(question.get("id")):
            check.add(
                path,
                gettext("indicator '%(set)s.%(id)s' is already asked by question '%(other)s'")
                % {"set": set_id, "id": indicator_id, "other": owner},
            )


def _check_results(check: _Checker, results: Any, path: Path) -> None:
    if results is None:
        return
    if not isinstance(results, dict):
        check.add(path, gettext("must be a mapping (field: value)"))
        return
    for key in sorted(set(results) - set(OUTCOMES), key=str):
        check.add(
            (*path, str(key)),
            gettext("unknown result '%(field)s' (allowed: %(allowed)s)")
            % {"field": key, "allowed": ", ".join(OUTCOMES)},
        )
    for outcome in OUTCOMES:
        if outcome not in results:
            check.add((*path, outcome), gettext("this field is required"))
        elif check.mapping(results[outcome], (*path, outcome), "result") is not None:
            check.text(results[outcome].get("title"), (*path, outcome, "title"))
            check.text(results[outcome].get("text"), (*path, outcome, "text"))


def self_check_folder_problems(folder: FsPath | str) -> list[str]:
    """Every problem of a pack folder's self-check, as `file:line: path: reason` (an empty list when valid).

    The folder's other sections are read for reference (sets, stages, types) but checked by the pack's validation.
    """
    content, locations, problems, _all_parsed = read_pack_dir(folder)
    found = [p for p in problems if p.file == FILE_NAME and p.path in ("", SECTION)]
    if SECTION not in content and not found:
        found.append(Problem(FILE_NAME, 0, SECTION, gettext("the section is missing")))
    for path, reason in self_check_issues(content):
        file, line = locate(locations, path)
        found.append(Problem(file or FILE_NAME, line, format_path(path), reason))
    return [str(problem) for problem in sorted(found)]
