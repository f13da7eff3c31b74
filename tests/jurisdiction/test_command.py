"""`opennrm pack …`: clear output, exit code 2 for an invalid pack or input, nothing stored when refused."""

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from opennrm.jurisdiction.models import ModelVersion
from tests.jurisdiction.conftest import MINIMAL_PACK, PACK_CODE, edit_file

OPENNRM = Path(sys.executable).parent / "opennrm"


def run(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("pack", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def refused(*args) -> tuple[CommandError, str]:
    err = StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("pack", *args, stdout=StringIO(), stderr=err)
    return caught.value, err.getvalue()


def test_validate_ok():
    out, _err = run("validate", str(MINIMAL_PACK))
    assert out.startswith("OK: pack 'test' (Test model): 3 stages, 3 functions, 3 institution types, 4 matrix entries")


def test_validate_lists_every_problem_with_exit_code_2(pack_dir):
    edit_file(pack_dir, "matrix.yaml", "institution_type: police", "institution_type: polise")
    edit_file(pack_dir, "roles.yaml", "model.publish]", "model.publsh]")
    error, err = refused("validate", str(pack_dir))
    assert error.returncode == 2
    assert err.splitlines() == [
        "matrix.yaml:12: matrix[2].institution_type: unknown institution type 'polise'",
        "roles.yaml:5: roles[0].capabilities[2]: unknown capability 'model.publsh'",
    ]
    assert "2 problems" in str(error)


@pytest.mark.django_db
def test_load_publish_list_and_diff(pack_dir):
    out, _ = run("load", str(MINIMAL_PACK))
    assert out == "Stored pack 'test' as draft version 1.\n"
    out, _ = run("publish", "1", "--note", "First version.", "--pack", PACK_CODE)
    assert out == "Published version 1 of pack 'test'.\n"
    edit_file(pack_dir, "matrix.yaml", "functions: [recognise, refer]", "functions: [recognise]")
    run("load", str(pack_dir))
    out, _ = run("list", "--pack", PACK_CODE)
    lines = out.splitlines()
    assert lines[0].split() == ["version", "status", "created", "published", "superseded", "note"]
    assert lines[1].split()[:2] == ["1", "published"] and lines[1].endswith("First version.")
    assert lines[2].split()[:2] == ["2", "draft"]
    out, _ = run("diff", "1", "2", "--pack", PACK_CODE)
    assert out.splitlines()[0] == "Pack 'test': version 1 → version 2"
    assert "  ~ Police (police)" in out and "functions: [recognise, refer] → [recognise]" in out


@pytest.mark.django_db
def test_refused_requests(pack_dir):
    run("load", str(MINIMAL_PACK))
    error, _ = refused("load", str(MINIMAL_PACK))
    assert error.returncode == 1 and "--replace-draft" in str(error)
    out, _ = run("load", str(MINIMAL_PACK), "--replace-draft")
    assert out == "Stored pack 'test' as draft version 1.\n"

    error, _ = refused("publish", "1", "--note", "   ", "--pack", PACK_CODE)
    assert error.returncode == 1 and "change note is required" in str(error)
    error, _ = refused("diff", "1", "7", "--pack", PACK_CODE)
    assert error.returncode == 2 and str(error) == "Pack 'test' has no version 7 (versions: 1)."
    error, _ = refused("diff", "1", "1", "--pack", PACK_CODE, "--language", "xx")
    assert error.returncode == 2 and "--language" in str(error)

    edit_file(pack_dir, "stages.yaml", ", ru: Направление}", "}")
    error, err = refused("load", str(pack_dir), "--replace-draft")
    assert error.returncode == 2 and "stages.yaml:6: stages[1].name: missing translation for 'ru'" in err
    assert ModelVersion.objects.get().content["stages"][1]["name"]["ru"] == "Направление"


def test_wrong_arguments_give_a_message_not_a_traceback():
    error, _ = refused("frobnicate")
    assert "invalid choice: 'frobnicate'" in str(error)
    error, _ = refused("diff", "one", "2")
    assert "invalid int value: 'one'" in str(error)


def test_console_command_exit_codes(tmp_path, pack_dir):
    # The console speaks the installation's default language; these assertions read English.
    env = {**os.environ, "OPENNRM_DATA_DIR": str(tmp_path / "data"), "OPENNRM_DEFAULT_LANGUAGE": "en"}
    ok = subprocess.run([OPENNRM, "pack", "validate", str(MINIMAL_PACK)], capture_output=True, text=True, env=env)
    assert ok.returncode == 0 and ok.stdout.startswith("OK: pack 'test'")

    edit_file(pack_dir, "municipalities.yaml", "kind: municipality", "kind: county")
    bad = subprocess.run([OPENNRM, "pack", "validate", str(pack_dir)], capture_output=True, text=True, env=env)
    assert bad.returncode == 2
    assert "municipalities.yaml:7: municipalities[1].kind: 'county' is not allowed" in bad.stderr
    assert "Traceback" not in bad.stderr
