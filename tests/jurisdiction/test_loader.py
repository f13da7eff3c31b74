"""The loader reports every problem as `file:line: path: reason`, precisely enough to fix it."""

import pytest

from opennrm.jurisdiction.loader import PackInvalid, Problem, load_pack_dir
from tests.jurisdiction.conftest import MINIMAL_PACK, edit_file


def problems_of(folder) -> list[str]:
    with pytest.raises(PackInvalid) as caught:
        load_pack_dir(folder)
    return [str(problem) for problem in caught.value.problems]


def test_minimal_pack_loads_with_its_content():
    pack = load_pack_dir(MINIMAL_PACK)
    assert pack.code == "test"
    assert pack.languages == ["lv", "en", "ru"]
    assert [s.id for s in pack.ordered_stages()] == ["recognition", "referral", "assistance"]
    assert pack.institution_type("police").category == "law_enforcement"
    assert pack.matrix_entry("police", "recognition").functions == ["recognise", "refer"]
    assert pack.matrix_entry("police", "assistance") is None
    assert [e.stage for e in pack.matrix_for_type("social_service")] == ["recognition", "referral"]
    assert [e.institution_type for e in pack.matrix_for_stage("recognition")] == ["social_service", "police"]
    # Defaults are filled in for what the author omitted.
    assert pack.legal_basis("test_regulation").url == ""
    assert pack.role("coordinator").institution_types == []


def test_subfolders_are_not_part_of_the_pack():
    # packs/minimal/demo/ignored.yaml is not even valid YAML; reading it would fail the load.
    assert (MINIMAL_PACK / "demo" / "ignored.yaml").exists()
    load_pack_dir(MINIMAL_PACK)


def test_bad_yaml_names_file_and_line(pack_dir):
    edit_file(pack_dir, "stages.yaml", "  - id: referral\n", "  - id: referral\n   broken: [\n")
    assert problems_of(pack_dir) == [
        "stages.yaml:6: invalid YAML: expected <block end>, but found '<block mapping start>'",
    ]


def test_unclosed_flow_sequence_is_reported_without_spurious_missing_sections(pack_dir):
    edit_file(pack_dir, "roles.yaml", "[cases.view, cases.edit]", "[cases.view, cases.edit")
    problems = problems_of(pack_dir)
    assert len(problems) == 1
    assert problems[0].startswith("roles.yaml:10: invalid YAML: ")


def test_duplicate_key(pack_dir):
    edit_file(pack_dir, "matrix.yaml", "    stage: referral\n", "    stage: referral\n    stage: assistance\n")
    assert problems_of(pack_dir) == ["matrix.yaml:9: matrix[1].stage: duplicate key 'stage' (first at line 8)"]


def test_unknown_institution_type_in_matrix(pack_dir):
    edit_file(pack_dir, "matrix.yaml", "institution_type: police", "institution_type: polise")
    assert problems_of(pack_dir) == ["matrix.yaml:12: matrix[2].institution_type: unknown institution type 'polise'"]


def test_unknown_stage_function_and_legal_basis(pack_dir):
    edit_file(pack_dir, "matrix.yaml", "    stage: referral\n", "    stage: reflection\n")
    edit_file(pack_dir, "matrix.yaml", "functions: [refer]", "functions: [refer, rescue]")
    edit_file(pack_dir, "matrix.yaml", "legal_basis: []", "legal_basis: [no_such_law]")
    assert problems_of(pack_dir) == [
        "matrix.yaml:8: matrix[1].stage: unknown stage 'reflection'",
        "matrix.yaml:9: matrix[1].functions[1]: unknown function 'rescue'",
        "matrix.yaml:11: matrix[1].legal_basis[0]: unknown legal basis 'no_such_law'",
    ]


def test_missing_translation(pack_dir):
    edit_file(
        pack_dir,
        "stages.yaml",
        "{lv: Nosūtīšana, en: Referral, ru: Направление}",
        "{lv: Nosūtīšana, en: Referral}",
    )
    assert problems_of(pack_dir) == ["stages.yaml:6: stages[1].name: missing translation for 'ru'"]


def test_empty_translation_counts_as_missing(pack_dir):
    edit_file(pack_dir, "pack.yaml", "    ru: Выдуманная модель для тестов.\n", '    ru: ""\n')
    assert problems_of(pack_dir) == ["pack.yaml:7: pack.description: missing translation for 'ru'"]


def test_duplicate_id(pack_dir):
    with (pack_dir / "functions.yaml").open("a", encoding="utf-8") as handle:
        handle.write("  - id: refer\n    name: {lv: X, en: X, ru: X}\n    description: {lv: X, en: X, ru: X}\n")
    assert problems_of(pack_dir) == [
        "functions.yaml:11: functions[3].id: duplicate id 'refer' (already used by functions[1])"
    ]


def test_duplicate_matrix_pair(pack_dir):
    edit_file(pack_dir, "matrix.yaml", "    stage: referral\n", "    stage: recognition\n")
    assert problems_of(pack_dir) == [
        "matrix.yaml:7: matrix[1]: duplicate entry for institution type 'social_service' and stage "
        "'recognition' (already at matrix[0])"
    ]


def test_unknown_capability(pack_dir):
    edit_file(pack_dir, "roles.yaml", "model.publish]", "model.publsh]")
    assert problems_of(pack_dir) == ["roles.yaml:5: roles[0].capabilities[2]: unknown capability 'model.publsh'"]


def test_unknown_field(pack_dir):
    edit_file(pack_dir, "municipalities.yaml", "    kind: municipality\n", "    kind: municipality\n    knid: x\n")
    assert problems_of(pack_dir) == [
        "municipalities.yaml:8: municipalities[1].knid: unknown field (allowed: id, name, kind)"
    ]


def test_bad_enum_and_bad_id_and_missing_field(pack_dir):
    edit_file(
        pack_dir,
        "institution_types.yaml",
        "    level: national\n    category: law_enforcement\n",
        "    level: federal\n    category: law_enforcement\n",
    )
    edit_file(pack_dir, "functions.yaml", "  - id: assist\n", "  - id: Assist\n")
    edit_file(
        pack_dir,
        "stages.yaml",
        "    description: {lv: Pakalpojumu sniegšana., en: Providing services., ru: Оказание услуг.}\n",
        "",
    )
    assert problems_of(pack_dir) == [
        "functions.yaml:8: functions[2].id: 'Assist' is not a valid id: "
        "use lower-case letters, digits and '_', "
        "starting with a letter",
        "institution_types.yaml:14: institution_types[1].level: "
        "'federal' is not allowed; expected 'national', "
        "'regional' or 'municipal'",
        # "assist" is no longer defined, so the matrix entry using it is wrong too.
        "matrix.yaml:19: matrix[3].functions[0]: unknown function 'assist'",
        "stages.yaml:8: stages[2].description: required field is missing",
    ]


def test_unknown_section_and_section_in_two_files(pack_dir):
    (pack_dir / "extra.yaml").write_text("# more\nstages: []\nindicators: []\n", encoding="utf-8")
    assert problems_of(pack_dir) == [
        "extra.yaml:2: stages: section already defined in stages.yaml",
        "extra.yaml:3: indicators: unknown section (allowed: pack, legal_bases, stages, functions, "
        "institution_types, matrix, roles, municipalities, workflow, indicator_sets, statistics, self_check)",
    ]


def test_missing_required_section(pack_dir):
    (pack_dir / "roles.yaml").unlink()
    assert problems_of(pack_dir) == ["roles: required section is missing"]


def test_every_problem_is_listed_sorted_by_file_and_line(pack_dir):
    edit_file(pack_dir, "roles.yaml", "model.publish]", "model.publsh]")
    edit_file(pack_dir, "matrix.yaml", "institution_type: police", "institution_type: polise")
    edit_file(pack_dir, "matrix.yaml", "functions: [assist]", "functions: [assist, assist_more]")
    edit_file(pack_dir, "functions.yaml", "  - id: assist\n", "  - id: refer\n")
    with pytest.raises(PackInvalid) as caught:
        load_pack_dir(pack_dir)
    problems = caught.value.problems
    assert [(p.file, p.line) for p in problems] == [
        ("functions.yaml", 8),
        ("matrix.yaml", 12),
        ("matrix.yaml", 19),
        ("matrix.yaml", 19),
        ("roles.yaml", 5),
    ]
    # "assist" is no longer defined (its entry now says "refer"), so both functions of matrix[3] are unknown.
    assert str(problems[2]) == "matrix.yaml:19: matrix[3].functions[0]: unknown function 'assist'"
    assert caught.value.field == "functions[2].id"


def test_not_a_folder(tmp_path):
    assert problems_of(tmp_path / "nowhere") == [f"{tmp_path / 'nowhere'}: no such folder"]


def test_problem_string_without_location():
    assert str(Problem("", 0, "matrix[1].stage", "unknown stage 'x'")) == "matrix[1].stage: unknown stage 'x'"


def test_recursive_alias_is_refused_not_followed(pack_dir):
    (pack_dir / "workflow.yaml").write_text("workflow: &loop\n  again: *loop\n", encoding="utf-8")
    problems = problems_of(pack_dir)
    assert problems == ["workflow.yaml:2: workflow.again: recursive alias"]
