"""`opennrm screen sets|indicators|evaluate`: the JSON contract, text output, and exit code 2 on bad input."""

import json
import shutil
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command

from opennrm.cli import main
from opennrm.jurisdiction.services import pack_load, version_publish
from tests.jurisdiction.conftest import MINIMAL_PACK
from tests.screening.fixtures import ADULT_SET, CHILD_SET, indicator_ids


def write_pack(folder: Path, sets: list[dict]) -> Path:
    shutil.copytree(MINIMAL_PACK, folder)
    # The minimal pack keeps its (empty) indicator_sets in workflow.yaml; a section may be defined only once.
    (folder / "workflow.yaml").write_text("workflow: {}\nstatistics: {}\n", encoding="utf-8")
    (folder / "indicator_sets.yaml").write_text(
        yaml.safe_dump({"indicator_sets": sets}, allow_unicode=True), encoding="utf-8"
    )
    return folder


@pytest.fixture
def pack_dir(tmp_path) -> Path:
    return write_pack(tmp_path / "pack", [ADULT_SET, CHILD_SET])


@pytest.fixture
def answers_file(tmp_path):
    def write(content) -> str:
        file = tmp_path / "answers.json"
        file.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
        return str(file)

    return write


def run(capsys, *args: str) -> tuple[int, str, str]:
    """Runs the command as the console script does: exit code, stdout, stderr."""
    try:
        main(["screen", *args])
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    out, err = capsys.readouterr()
    return code, out, err


def test_sets_lists_id_population_forms_context(capsys, pack_dir):
    code, out, err = run(capsys, "sets", "--pack", str(pack_dir), "--format", "json")
    assert (code, err) == (0, "")
    assert json.loads(out) == [
        {"id": "test_adult_labour", "population": "adult", "forms": ["labour"], "context": "general"},
        {"id": "test_child_labour", "population": "child", "forms": ["labour"], "context": "general"},
    ]


def test_indicators_lists_id_dimension_strength_question(capsys, pack_dir):
    code, out, _err = run(capsys, "indicators", "--pack", str(pack_dir), "--set", "test_adult_labour")
    assert code == 0
    rows = json.loads(out)
    assert [row["id"] for row in rows] == indicator_ids(ADULT_SET)
    assert rows[0] == {
        "id": "tal_deceived_about_job",
        "dimension": "deceptive_recruitment",
        "strength": "strong",
        "question": "Was the person misled about the kind of work?",
    }
    _code, out, _err = run(
        capsys, "indicators", "--pack", str(pack_dir), "--set", "test_adult_labour", "--language", "lv"
    )
    assert json.loads(out)[0]["question"] == "[lv] Was the person misled about the kind of work?"


def test_evaluate_contract(capsys, pack_dir, answers_file):
    answers = {
        "tal_deceived_about_job": "yes",
        "tal_deceived_about_pay": "yes",
        "tal_no_days_off": "yes",
        "tal_low_pay": "no",
        "tal_threats": "unknown",
    }
    code, out, err = run(
        capsys,
        "evaluate",
        "--pack",
        str(pack_dir),
        "--set",
        "test_adult_labour",
        "--answers",
        answers_file({"answers": answers}),
        "--format",
        "json",
    )
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert set(data) == {"set", "outcome", "dimensions", "missing"}
    assert (data["set"], data["outcome"]) == ("test_adult_labour", "partial")
    assert data["dimensions"]["deceptive_recruitment"] == {
        "present": True,
        "strong": 1,
        "medium": 1,
        "weak": 0,
        "indicators": ["tal_deceived_about_job", "tal_deceived_about_pay"],
    }
    assert data["dimensions"]["exploitative_conditions"] == {
        "present": False,
        "strong": 1,
        "medium": 0,
        "weak": 0,
        "indicators": ["tal_no_days_off"],
    }
    assert data["missing"] == [
        "Deceptive recruitment is established; some answers point to exploitative conditions, but not enough yet.",
        "Nothing yet on coercion at destination or abuse of vulnerability at destination.",
    ]


def test_evaluate_json_is_english_whatever_the_language(capsys, pack_dir, answers_file, settings):
    settings.LANGUAGE_CODE = "lv"
    file = answers_file({"answers": {"tcl_threats": "yes"}})
    _code, out, _err = run(capsys, "evaluate", "--pack", str(pack_dir), "--set", "test_child_labour", "--answers", file)
    assert json.loads(out)["missing"][0].startswith("Nothing yet on deceptive recruitment")


def test_evaluate_text_format(capsys, pack_dir, answers_file):
    file = answers_file({"answers": {"tal_documents_taken": "yes"}})
    code, out, _err = run(
        capsys, "evaluate", "--pack", str(pack_dir), "--set", "test_adult_labour", "--answers", file, "--format", "text"
    )
    assert code == 0
    assert out.splitlines()[0] == "Outcome: partial"
    assert "Coercion at destination: not present (strong 1, medium 0, weak 0)" in out
    assert "- Nothing yet on exploitative conditions." in out


def test_sets_text_format(capsys, pack_dir):
    code, out, _err = run(capsys, "sets", "--pack", str(pack_dir), "--format", "text")
    assert code == 0
    assert "test_child_labour  [child; labour; general]  Children: labour exploitation (test)" in out


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("{not json", ["not valid JSON", "line 1"]),
        ('["tal_threats"]', ['"answers" object']),
        ('{"tal_threats": "yes"}', ['"answers" object']),
        ('{"answers": ["tal_threats"]}', ['"answers" object']),
        ('{"answers": {"tal_nonexistent": "yes"}}', ["Unknown indicator 'tal_nonexistent'", "test_adult_labour"]),
        ('{"answers": {"tal_threats": "maybe"}}', ["Invalid answer 'maybe'", "tal_threats", "yes, no, unknown"]),
        ('{"answers": {"tal_threats": 1}}', ["Invalid answer 1", "tal_threats"]),
    ],
)
def test_bad_answers_file_exits_2_with_one_readable_line(capsys, pack_dir, answers_file, content, words):
    code, out, err = run(
        capsys, "evaluate", "--pack", str(pack_dir), "--set", "test_adult_labour", "--answers", answers_file(content)
    )
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err
    for word in words:
        assert word in err


def test_missing_answers_file_exits_2(capsys, pack_dir, tmp_path):
    code, _out, err = run(
        capsys,
        "evaluate",
        "--pack",
        str(pack_dir),
        "--set",
        "test_adult_labour",
        "--answers",
        str(tmp_path / "absent.json"),
    )
    assert code == 2
    assert "cannot read" in err and "absent.json" in err


@pytest.mark.parametrize("action", ["indicators", "evaluate"])
def test_unknown_set_exits_2_naming_the_sets_there_are(capsys, pack_dir, answers_file, action):
    extra = ["--answers", answers_file({"answers": {}})] if action == "evaluate" else []
    code, out, err = run(capsys, action, "--pack", str(pack_dir), "--set", "adult_nothing", *extra)
    assert (code, out) == (2, "")
    assert "Unknown indicator set 'adult_nothing' (available: test_adult_labour, test_child_labour)" in err


def test_unknown_pack_and_invalid_folder_exit_2(capsys, tmp_path, settings):
    settings.OPENNRM_PACKS_DIR = tmp_path
    code, _out, err = run(capsys, "sets", "--pack", str(tmp_path / "nowhere"))
    assert code == 2 and "Unknown pack" in err and "nowhere" in err
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "pack.yaml").write_text("pack: [", encoding="utf-8")
    code, _out, err = run(capsys, "sets", "--pack", str(tmp_path / "broken"))
    assert code == 2 and "is not a valid pack" in err and "invalid YAML" in err
    assert len(err.strip().splitlines()) == 1


def test_unknown_language_exits_2(capsys, pack_dir):
    code, _out, err = run(capsys, "sets", "--pack", str(pack_dir), "--language", "de")
    assert code == 2 and "unknown language 'de'" in err


@pytest.mark.django_db
def test_pack_code_reads_the_folder_in_the_packs_directory(tmp_path, settings):
    write_pack(tmp_path / "test", [CHILD_SET])
    settings.OPENNRM_PACKS_DIR = tmp_path
    out = StringIO()
    call_command("screen", "sets", "--pack", "test", stdout=out)
    assert [s["id"] for s in json.loads(out.getvalue())] == ["test_child_labour"]


@pytest.mark.django_db
def test_pack_code_prefers_the_published_version(tmp_path, settings):
    version = pack_load(path=write_pack(tmp_path / "stored", [ADULT_SET]), replace_draft=False)
    version_publish(version=version, change_note="Screening sets for tests.", by=None)
    # The folder has other sets: the published version wins.
    write_pack(tmp_path / "packs" / "test", [CHILD_SET])
    settings.OPENNRM_PACKS_DIR = tmp_path / "packs"
    out = StringIO()
    call_command("screen", "sets", "--pack", "test", stdout=out)
    assert [s["id"] for s in json.loads(out.getvalue())] == ["test_adult_labour"]
