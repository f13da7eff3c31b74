"""The Eurostat files: layout, the pack's category mapping, suppression and the notes."""

import csv

import pytest

from opennrm.core.errors import ApplicationError
from opennrm.stats.eurostat import COLUMNS, FILES, NOTES, eurostat_write
from opennrm.stats.release import release_build
from tests.stats.test_release import publish_statistics


@pytest.fixture
def statistics_in_force(db, lv_pack_content):
    """The Latvian statistics definitions in force, without noise."""
    publish_statistics(lv_pack_content, dp=False)


def read(path):
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def value(rows, **where):
    [row] = [r for r in rows if all(r[k] == v for k, v in where.items())]
    return row["OBS_VALUE"], row["OBS_FLAG"]


@pytest.fixture
def victims(statistics_in_force, make_fact):
    for _ in range(9):
        make_fact(sex="Feminine", is_child=False, citizenship_group="national", forms=["SexualExploitation"])
    for _ in range(6):
        make_fact(sex="TransgenderFeminine", is_child=False, citizenship_group="national", forms=["SexualExploitation"])
    for _ in range(8):
        make_fact(sex="Masculine", is_child=False, citizenship_group="non_eu", forms=["ForcedLabour", "Servitude"])
    for _ in range(2):
        make_fact(
            sex="Masculine", is_child=True, age_band="9-17", citizenship_group="other_eu", forms=["ForcedBegging"]
        )
    # Not a registered victim: never in Eurostat's figures.
    for _ in range(5):
        make_fact(sex="Feminine", outcome="not_identified")


def test_the_files_are_written_in_the_long_layout(victims, tmp_path):
    written = eurostat_write(year=2024, directory=tmp_path / "eurostat")
    assert [p.name for p in written] == [*FILES.values(), NOTES]
    for path in written[:-1]:
        with path.open(encoding="utf-8") as handle:
            assert handle.readline().strip() == ",".join(COLUMNS)
        rows = read(path)
        assert {r["freq"] for r in rows} == {"A"} and {r["unit"] for r in rows} == {"NR"}
        assert {r["geo"] for r in rows} == {"LV"} and {r["TIME_PERIOD"] for r in rows} == {"2024"}


def test_categories_follow_the_pack_mapping_to_eurostat_codes(victims, tmp_path):
    eurostat_write(year=2024, directory=tmp_path)
    by_sex = read(tmp_path / FILES["sex"])
    # F = Feminine + TransgenderFeminine in packs/lv.
    assert value(by_sex, sex="F") == ("15", "")
    assert value(by_sex, sex="M") == ("10", "")
    assert value(by_sex, sex="UNK") == ("0", "")
    assert value(by_sex, sex="T") == ("25", "")
    by_citizenship = read(tmp_path / FILES["citizen"])
    assert value(by_citizenship, citizen="NAT", sex="F") == ("15", "")
    # 2 children from other EU countries and 8 men from outside the EU make 10 men: the 8 must go with the 2.
    assert value(by_citizenship, citizen="EU27_2020_FOR", sex="M") == ("", "c")
    assert value(by_citizenship, citizen="NEU27_2020_FOR", sex="M") == ("", "c")
    assert value(by_citizenship, citizen="TOTAL", sex="M") == ("10", "")
    by_form = read(tmp_path / FILES["expl"])
    # Forced labour and servitude are one Eurostat group: each victim counted once in it.
    assert value(by_form, expl="LAB_EXP", sex="M")[0] in ("8", "")
    assert value(by_form, expl="SEX_EXP", sex="F") == ("15", "")


def test_small_numbers_are_flagged_confidential_and_not_written(victims, tmp_path):
    eurostat_write(year=2024, directory=tmp_path)
    by_age = read(tmp_path / FILES["age"])
    assert value(by_age, age="Y_LT18", sex="M") == ("", "c")
    assert value(by_age, age="Y_LT18", sex="T") == ("", "c")
    # The complement that keeps the 2 from being worked out is hidden as well.
    assert sum(1 for r in by_age if r["OBS_FLAG"] == "c") >= 4
    assert all((r["OBS_VALUE"] == "") == (r["OBS_FLAG"] == "c") for r in by_age)
    release = release_build(year=2024)
    table = release.tables["eurostat_victims_by_age_sex"]
    for row in by_age:
        if row["age"] == "TOTAL" or row["sex"] == "T":
            continue
        cell = table.cell({"Y_LT18": "under_18", "Y_GE18": "adult", "UNK": "unknown"}[row["age"]], row["sex"])
        assert row["OBS_VALUE"] == ("" if cell.hidden else str(cell.count))


def test_the_notes_state_the_registered_victim_definition(victims, tmp_path):
    eurostat_write(year=2024, directory=tmp_path)
    notes = (tmp_path / NOTES).read_text(encoding="utf-8")
    assert "Registered victims are both identified victims" in notes
    assert "Outcomes counted: identified, in_progress, refused, withdrawn" in notes
    assert "F = Feminine, TransgenderFeminine" in notes
    assert "fewer than 5 persons" in notes


def test_the_same_data_gives_the_same_files(victims, tmp_path):
    first = [p.read_bytes() for p in eurostat_write(year=2024, directory=tmp_path / "a")]
    second = [p.read_bytes() for p in eurostat_write(year=2024, directory=tmp_path / "b")]
    assert first == second


def test_a_file_in_place_of_the_folder_is_refused(victims, tmp_path):
    target = tmp_path / "taken"
    target.write_text("not a folder")
    with pytest.raises(ApplicationError) as error:
        eurostat_write(year=2024, directory=target)
    assert error.value.field == "directory"
