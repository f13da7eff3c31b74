"""Names of a release's codes and tables in the three languages."""

import pytest
from django.utils import translation

from opennrm.stats.labels import (
    category_label,
    category_labels,
    dimension_label,
    dp_note,
    statistic_label,
    suppression_note,
    table_note,
    table_title,
)
from opennrm.stats.privacy import dp_statement
from opennrm.stats.release import TABLE_IDS
from tests.stats.test_release import publish_statistics


@pytest.fixture
def statistics_in_force(db, lv_pack_content):
    """The Latvian statistics definitions in force, without noise."""
    publish_statistics(lv_pack_content, dp=False)


def test_pack_categories_are_named_by_the_pack_in_the_active_language(statistics_in_force):
    assert category_label("sex", "Feminine") == "Female"
    with translation.override("lv"):
        assert category_label("sex", "Feminine") == "Sieviete"
        assert category_label("citizenship_group", "national") == "Latvijas valstspiederīgie"
    with translation.override("ru"):
        assert category_label("form", "ForcedLabour") == "Принудительный труд"


def test_institution_types_name_every_institution_dimension(statistics_in_force):
    for dimension in ("recognising_type", "from_type", "to_type", "institution_type"):
        assert category_label(dimension, "state_police") == "State Police"
    assert category_label("to_type", "") == "Unknown"
    assert category_labels("sex", ["Masculine", "NonSpecifiedUnknown"]) == ["Male", "Not specified or unknown"]


def test_codes_the_release_adds_have_names(statistics_in_force):
    assert category_label("age_group", "under_18") == "Under 18"
    assert category_label("referral_answer", "overdue") == "Overdue"
    assert category_label("eurostat_citizenship", "NAT") == "Citizens of the reporting country"
    assert category_label("form", "unknown") == "Unknown"
    # Years and codes nobody named are shown as they are.
    assert category_label("year", "2024") == "2024"
    assert category_label("eurostat_sex", "XYZ") == "XYZ"


def test_every_table_and_its_dimensions_have_a_title():
    for table_id in TABLE_IDS:
        assert table_title(table_id) != table_id
    assert table_title("unknown_table") == "unknown_table"
    for dimension in ("year", "sex", "age_band", "age_group", "from_type", "to_type", "referral_answer"):
        assert dimension_label(dimension) != dimension
    assert statistic_label("median") == "Median"


def test_notes_explain_suppression_noise_and_multiple_forms():
    assert "“< 5”" in suppression_note(5) and "“x”" in suppression_note(5)
    statement = dp_statement(epsilon=1.0, shares=9)
    text = dp_note(statement)
    assert "ε = 1" in text and f"within {statement.margin_95} persons" in text and "scale 9" in text
    assert "counted under each" in table_note("multi_valued")
    assert table_note("") == ""
