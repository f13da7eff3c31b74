import pytest
from django.utils import translation

from opennrm.jurisdiction.presentation import field_label


@pytest.mark.parametrize(
    ("path", "label"),
    [
        ("description.lv", "Description (Latvian)"),
        ("functions", "Functions"),
        ("contacts[1].phone", "Contacts 2: Phone"),
        ("applies_to.population", "Applies to: Population"),
        ("something_new", "something_new"),
    ],
)
def test_diff_fields_are_named_in_words(path, label):
    with translation.override("en"):
        assert field_label(path) == label


def test_diff_field_names_follow_the_language():
    with translation.override("lv"):
        assert field_label("description.ru") != "Description (Russian)"
