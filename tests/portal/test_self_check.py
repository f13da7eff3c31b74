"""The self-check's pack section: its validation (every message names the file or path and the reason), and its
result, which the indicator sets' own rules decide through the screening engine."""

import copy
import shutil
from pathlib import Path

import pytest
from django.conf import settings

from opennrm.jurisdiction.loader import read_pack_dir
from opennrm.jurisdiction.references import format_path
from opennrm.portal.self_check import (
    help_from_content,
    read_answers,
    self_check_evaluate,
    self_check_folder_problems,
    self_check_issues,
)
from opennrm.screening.engine import evaluate

LANGUAGES = ("en", "lv", "ru")


def text(word: str) -> dict:
    return {language: f"{word} ({language})" for language in LANGUAGES}


def indicator(ident, dimension, strength, concept=None):
    return {
        "id": ident,
        "dimension": dimension,
        "strength": strength,
        "question": text(ident),
        "concept": concept,
        "source": "test",
    }


def tiny_content() -> dict:
    """A pack with one adult set of three dimensions (rule: recruitment AND conditions AND coercion) and a
    self-check of one track that asks one question per indicator."""
    rule = {
        "present": [{"strong": 1}, {"medium": 2}],
        "indicative": [["recruitment"], ["conditions"], ["coercion"]],
    }
    return {
        "pack": {"id": "test", "languages": list(LANGUAGES)},
        "stages": [{"id": "recognition"}],
        "institution_types": [{"id": "police"}, {"id": "shelter"}, {"id": "court"}],
        "matrix": [
            {"institution_type": "police", "stage": "recognition"},
            {"institution_type": "shelter", "stage": "recognition", "applies_to": {"population": ["adult"]}},
            {"institution_type": "court", "stage": "recognition", "applies_to": {"population": ["child"]}},
        ],
        "indicator_sets": [
            {
                "id": "adult_test",
                "population": "adult",
                "dimensions": [{"id": "recruitment"}, {"id": "conditions"}, {"id": "coercion"}],
                "rule": rule,
                "indicators": [
                    indicator("lied_about_job", "recruitment", "strong", "job"),
                    indicator("fee", "recruitment", "medium", "fee"),
                    indicator("long_hours", "conditions", "strong", "hours"),
                    indicator("passport_held", "coercion", "strong", "passport"),
                    indicator("threats", "coercion", "medium", "threats"),
                ],
            },
            {
                "id": "child_test",
                "population": "child",
                "dimensions": [{"id": "recruitment"}],
                "rule": {"present": [{"strong": 1}], "indicative": [["recruitment"]]},
                "indicators": [indicator("child_job", "recruitment", "strong", "job")],
            },
        ],
        "self_check": {
            "quick_exit_url": "https://neutral.example.org/",
            "emergency_numbers": [{"number": "112", "label": text("Emergency")}],
            "hotline_types": ["shelter"],
            "situations": [
                {
                    "id": "exploited",
                    "name": text("Exploited"),
                    "stage": "recognition",
                    "population": "adult",
                    "nationality": "national",
                    "institution_types": ["shelter", "police"],
                }
            ],
            "tracks": [
                {
                    "id": "work",
                    "title": text("Am I exploited?"),
                    "intro": text("Intro"),
                    "population": "adult",
                    "sets": ["adult_test"],
                    "situation": "exploited",
                    "steps": [
                        {
                            "id": "start",
                            "title": text("How it started"),
                            "questions": [
                                {"id": "job", "concept": "job", "text": text("Job?"), "sign": text("Lied")},
                                {
                                    "id": "fee",
                                    "indicators": ["adult_test.fee"],
                                    "text": text("Fee?"),
                                    "sign": text("Fee"),
                                },
                            ],
                        },
                        {
                            "id": "now",
                            "title": text("Now"),
                            "questions": [
                                {"id": "hours", "concept": "hours", "text": text("Hours?"), "sign": text("Hours")},
                                {
                                    "id": "passport",
                                    "concept": "passport",
                                    "text": text("Passport?"),
                                    "sign": text("ID"),
                                },
                                {
                                    "id": "threats",
                                    "concept": "threats",
                                    "text": text("Threats?"),
                                    "sign": text("Threat"),
                                },
                            ],
                        },
                    ],
                    "results": {
                        outcome: {"title": text(outcome), "text": text(outcome)}
                        for outcome in ("none", "partial", "indicative")
                    },
                }
            ],
        },
    }


def issues_of(content) -> list[str]:
    return [f"{format_path(path)}: {reason}" for path, reason in self_check_issues(content)]


# --- the shipped packs --------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["lv", "generic"])
def test_the_packs_self_check_files_are_valid(code):
    folder = Path(settings.OPENNRM_PACKS_DIR) / code
    assert (folder / "self_check.yaml").is_file()
    assert self_check_folder_problems(folder) == []


def test_the_latvian_self_check_has_both_tracks_in_every_language():
    content, _locations, _problems, _parsed = read_pack_dir(Path(settings.OPENNRM_PACKS_DIR) / "lv")
    help = help_from_content(content, version=None)
    assert [t.id for t in help.tracks] == ["job_offer", "exploitation"]
    for track in help.tracks:
        assert track.situation in {s.id for s in help.situations}
        for question in track.questions:
            assert question.targets, question.id
            assert all(question.text[language] and question.sign[language] for language in ("lv", "en", "ru"))


def _copy_pack(tmp_path: Path, code: str = "lv") -> Path:
    folder = tmp_path / code
    shutil.copytree(Path(settings.OPENNRM_PACKS_DIR) / code, folder, ignore=shutil.ignore_patterns("demo"))
    return folder


def test_a_folder_problem_names_the_file_the_line_and_the_field(tmp_path):
    folder = _copy_pack(tmp_path)
    source = (folder / "self_check.yaml").read_text(encoding="utf-8")
    broken = source.replace("concept: debt_bondage_at_recruitment", "concept: no_such_concept", 1)
    assert broken != source
    (folder / "self_check.yaml").write_text(broken, encoding="utf-8")
    line = broken.splitlines().index("              concept: no_such_concept") + 1
    assert self_check_folder_problems(folder) == [
        f"self_check.yaml:{line}: self_check.tracks[0].steps[0].questions[0].concept: no indicator of the sets "
        "adult_labour, adult_sexual has the concept 'no_such_concept'"
    ]


def test_a_yaml_error_in_the_file_is_reported(tmp_path):
    folder = _copy_pack(tmp_path)
    (folder / "self_check.yaml").write_text("self_check:\n  tracks: [\n", encoding="utf-8")
    problems = self_check_folder_problems(folder)
    assert len(problems) == 1 and problems[0].startswith("self_check.yaml:") and "invalid YAML" in problems[0]


def test_a_missing_file_is_reported(tmp_path):
    folder = _copy_pack(tmp_path)
    (folder / "self_check.yaml").unlink()
    assert self_check_folder_problems(folder) == ["self_check.yaml: self_check: the section is missing"]


# --- validation of the section ------------------------------------------------------------------------------


def test_the_tiny_content_is_valid():
    assert issues_of(tiny_content()) == []


def test_a_pack_without_the_section_has_no_issue():
    content = tiny_content()
    del content["self_check"]
    assert issues_of(content) == []


def _broken(change) -> list[str]:
    content = tiny_content()
    change(content["self_check"], content)
    return issues_of(content)


TRACK = "self_check.tracks[0]"
QUESTION = f"{TRACK}.steps[0].questions[0]"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda s, c: s.update(colour="red"),
            "self_check.colour: unknown field 'colour' (allowed: emergency_numbers, hotline_types, quick_exit_url, "
            "situations, tracks)",
        ),
        (
            lambda s, c: s.update(quick_exit_url="http://plain.example.org/"),
            "self_check.quick_exit_url: must be a web address starting with https://",
        ),
        (
            lambda s, c: s.update(quick_exit_url="javascript:alert(1)"),
            "self_check.quick_exit_url: must be a web address starting with https://",
        ),
        (
            lambda s, c: s["emergency_numbers"][0].update(number=112),
            'self_check.emergency_numbers[0].number: must be a phone number written as text, e.g. "112"',
        ),
        (
            lambda s, c: s["emergency_numbers"][0]["label"].pop("ru"),
            "self_check.emergency_numbers[0].label: the text is missing in: ru",
        ),
        (
            lambda s, c: s.update(hotline_types=["nobody"]),
            "self_check.hotline_types[0]: unknown institution type 'nobody'",
        ),
        (
            lambda s, c: s["situations"][0].update(stage="closure"),
            "self_check.situations[0].stage: unknown stage 'closure'",
        ),
        (
            lambda s, c: s["situations"][0].update(population="elder"),
            "self_check.situations[0].population: 'elder' is not one of: adult, child",
        ),
        (
            lambda s, c: s["situations"][0]["institution_types"].append("court"),
            "self_check.situations[0].institution_types[2]: institution type 'court' has no entry in the matrix at "
            "stage 'recognition' for this population and nationality, so it would never be listed",
        ),
        (
            lambda s, c: s["situations"][0].update(institution_types=[]),
            "self_check.situations[0].institution_types: list at least one institution type",
        ),
        (
            lambda s, c: s["situations"].append(copy.deepcopy(s["situations"][0])),
            "self_check.situations[1].id: duplicate id 'exploited' (already used by self_check.situations[0])",
        ),
        (lambda s, c: s["tracks"][0].pop("intro"), f"{TRACK}.intro: this field is required"),
        (
            lambda s, c: s["tracks"][0].update(situation="elsewhere"),
            f"{TRACK}.situation: unknown situation 'elsewhere'",
        ),
        (
            lambda s, c: s["tracks"][0].update(sets=["missing_set"]),
            f"{TRACK}.sets[0]: unknown indicator set 'missing_set'",
        ),
        (
            lambda s, c: s["tracks"][0].update(sets=["adult_test", "child_test"]),
            f"{TRACK}.sets[1]: indicator set 'child_test' is for the population 'child', not 'adult'",
        ),
        (lambda s, c: s["tracks"][0].update(steps=[]), f"{TRACK}.steps: list at least one step"),
        (
            lambda s, c: s["tracks"][0]["steps"][0]["questions"][0].pop("concept"),
            f"{QUESTION}: a question needs a `concept` or a list of `indicators` (set.indicator)",
        ),
        (
            lambda s, c: s["tracks"][0]["steps"][0]["questions"][0].update(concept="nothing"),
            f"{QUESTION}.concept: no indicator of the sets adult_test has the concept 'nothing'",
        ),
        (
            lambda s, c: s["tracks"][0]["steps"][0]["questions"][1].update(indicators=["adult_test.nothing"]),
            f"{TRACK}.steps[0].questions[1].indicators[0]: indicator set 'adult_test' has no indicator 'nothing'",
        ),
        (
            lambda s, c: s["tracks"][0]["steps"][0]["questions"][1].update(indicators=["child_test.child_job"]),
            f"{TRACK}.steps[0].questions[1].indicators[0]: 'child_test' is not one of the track's sets",
        ),
        (
            lambda s, c: s["tracks"][0]["steps"][0]["questions"][1].update(indicators=["fee"]),
            f"{TRACK}.steps[0].questions[1].indicators[0]: 'fee' must be written as set.indicator",
        ),
        (
            lambda s, c: s["tracks"][0]["steps"][0]["questions"][1].update(indicators=["adult_test.lied_about_job"]),
            f"{TRACK}.steps[0].questions[1]: indicator 'adult_test.lied_about_job' is already asked by question 'job'",
        ),
        (
            lambda s, c: s["tracks"][0]["steps"][0]["questions"][0].update(indicators=["adult_test.fee"]),
            f"{QUESTION}: the question stands for two indicators of set 'adult_test' (lied_about_job and fee)",
        ),
        (
            lambda s, c: s["tracks"][0]["steps"][1]["questions"][0].update(id="job"),
            f"{TRACK}.steps[1].questions[0].id: duplicate id 'job' (already used by {QUESTION})",
        ),
        (
            lambda s, c: s["tracks"][0]["steps"][0]["questions"][0]["sign"].update(lv="  "),
            f"{QUESTION}.sign: the text is missing in: lv",
        ),
        (lambda s, c: s["tracks"][0]["results"].pop("partial"), f"{TRACK}.results.partial: this field is required"),
        (
            lambda s, c: s["tracks"][0]["results"].update(maybe={}),
            f"{TRACK}.results.maybe: unknown result 'maybe' (allowed: indicative, partial, none)",
        ),
        (
            lambda s, c: s["tracks"][0].update(id="Work Track"),
            f"{TRACK}.id: 'Work Track' is not a valid id (lower-case letters, digits and _)",
        ),
        (lambda s, c: s.update(tracks={"id": "work"}), "self_check.tracks: must be a list"),
        (lambda s, c: c.update(self_check=["tracks"]), "self_check: must be a mapping (field: value)"),
    ],
)
def test_each_problem_names_the_field_and_the_reason(change, expected):
    assert expected in _broken(change)


def test_a_malformed_section_is_reported_without_failing():
    def scramble(section, _content):
        section["tracks"][0]["steps"][0]["questions"] = [None, 3, {"id": 5, "concept": []}]
        section["situations"] = [{"institution_types": "police"}]

    found = _broken(scramble)
    assert f"{TRACK}.steps[0].questions[0]: must be a mapping (field: value)" in found
    assert "self_check.situations[0].institution_types: must be a list" in found


# --- answers and the result ---------------------------------------------------------------------------------


@pytest.fixture
def help():
    return help_from_content(tiny_content(), version=None)


def test_the_questions_stand_for_the_indicators_they_name(help):
    track = help.track("work")
    assert {q.id: q.targets for q in track.questions} == {
        "job": (("adult_test", "lied_about_job"),),
        "fee": (("adult_test", "fee"),),
        "hours": (("adult_test", "long_hours"),),
        "passport": (("adult_test", "passport_held"),),
        "threats": (("adult_test", "threats"),),
    }


@pytest.mark.parametrize(
    ("answers", "outcome"),
    [
        ({}, "none"),
        ({"fee": "yes"}, "none"),
        ({"job": "yes"}, "partial"),
        ({"job": "yes", "hours": "yes"}, "partial"),
        ({"job": "yes", "hours": "yes", "passport": "yes"}, "indicative"),
        ({"job": "yes", "hours": "yes", "threats": "yes"}, "partial"),
        ({"job": "no", "hours": "unknown", "passport": "no"}, "none"),
    ],
)
def test_the_sets_rule_decides_the_result(help, answers, outcome):
    track = help.track("work")
    result = self_check_evaluate(help=help, track=track, answers=answers)
    assert result.outcome == outcome
    assert result.title == text(outcome) and result.text == text(outcome)
    # The same answers given to the engine directly, as the professionals' screening does, give the same outcome.
    direct = {target[1]: answers[q.id] for q in track.questions if q.id in answers for target in q.targets}
    assert evaluate(tiny_content()["indicator_sets"][0], direct, population="adult").outcome == outcome


def test_the_result_lists_the_signs_by_step(help):
    track = help.track("work")
    result = self_check_evaluate(help=help, track=track, answers={"fee": "yes", "threats": "yes", "hours": "no"})
    assert [(g.step.id, [q.id for q in g.questions]) for g in result.signs] == [
        ("start", ["fee"]),
        ("now", ["threats"]),
    ]
    assert result.sign_count == 2


def test_read_answers_keeps_valid_answers_and_names_a_bad_one(help):
    track = help.track("work")
    answers, errors = read_answers(track, {"q-job": "yes", "q-fee": "", "q-hours": "maybe", "q-other": "yes"})
    assert answers == {"job": "yes"}
    assert [(question.id, message) for question, message in errors] == [
        ("hours", "The answer to this question was not one of the choices. Please choose again.")
    ]


def test_the_latvian_tracks_use_the_sets_rules():
    content, _locations, _problems, _parsed = read_pack_dir(Path(settings.OPENNRM_PACKS_DIR) / "lv")
    help = help_from_content(content, version=None)
    exploitation = help.track("exploitation")
    every_yes = {q.id: "yes" for q in exploitation.questions}
    assert self_check_evaluate(help=help, track=exploitation, answers=every_yes).outcome == "indicative"
    # A job offer asks only about recruitment, so the adult sets' rule can at most call it partly indicative.
    job_offer = help.track("job_offer")
    every_yes = {q.id: "yes" for q in job_offer.questions}
    assert self_check_evaluate(help=help, track=job_offer, answers=every_yes).outcome == "partial"
    assert self_check_evaluate(help=help, track=job_offer, answers={}).outcome == "none"
