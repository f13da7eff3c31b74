"""validate_content checks a stored document the same way the loader checks a folder, without lines."""

import copy

import pytest

from opennrm.jurisdiction.loader import load_pack_dir
from opennrm.jurisdiction.validation import PackInvalid, format_path, validate_content
from tests.jurisdiction.conftest import MINIMAL_PACK


@pytest.fixture(scope="module")
def content() -> dict:
    return load_pack_dir(MINIMAL_PACK).model_dump(mode="json")


def problems(content: dict) -> list[str]:
    with pytest.raises(PackInvalid) as caught:
        validate_content(content)
    return [str(problem) for problem in caught.value.problems]


def test_stored_content_round_trips(content):
    pack = validate_content(copy.deepcopy(content))
    assert pack.model_dump(mode="json") == content


def test_unknown_references_without_lines(content):
    broken = copy.deepcopy(content)
    broken["matrix"][0]["stage"] = "reflection"
    broken["roles"][1]["institution_types"] = ["social_service", "court"]
    assert problems(broken) == [
        "matrix[0].stage: unknown stage 'reflection'",
        "roles[1].institution_types[1]: unknown institution type 'court'",
    ]


def test_translations_are_checked_in_nested_texts(content):
    broken = copy.deepcopy(content)
    broken["institution_types"][0]["contacts"][0]["label"] = {"lv": "Tālrunis", "en": " ", "ru": "Телефон"}
    broken["institution_types"][0]["contacts"][0]["hours"] = {
        "lv": "24/7",
        "en": "24/7",
        "ru": "24/7",
        "de": "x",
    }
    assert problems(broken) == [
        "institution_types[0].contacts[0].hours.de: language 'de' is not declared by the pack (declared: lv, en, ru)",
        "institution_types[0].contacts[0].label: missing translation for 'en'",
    ]


def test_languages_must_have_a_user_interface(content):
    broken = copy.deepcopy(content)
    broken["pack"]["languages"] = ["lv", "en", "ru", "lt", "en"]
    assert problems(broken) == [
        "pack.languages[3]: language 'lt' has no user interface (available: lv, en, ru)",
        "pack.languages[4]: language 'en' is listed twice",
    ]


def test_wrong_shapes_are_explained(content):
    broken = copy.deepcopy(content)
    broken["stages"] = {"recognition": "x"}
    broken["matrix"][0]["functions"] = []
    broken["pack"]["country"] = "lv"
    result = problems(broken)
    assert "stages: must be a list" in result
    assert "matrix[0].functions: must list at least one item" in result
    assert "pack.country: 'lv' is not an ISO 3166-1 alpha-2 country code (two capital letters)" in result
    # With the stages section unreadable, stage references are not second-guessed.
    assert not any("unknown stage" in line for line in result)


def test_not_a_mapping():
    assert problems([]) == ["a pack must be a mapping of sections"]


def test_format_path():
    assert format_path(("matrix", 3, "institution_type")) == "matrix[3].institution_type"
    assert format_path(("pack", "name", "ru")) == "pack.name.ru"
    assert format_path(()) == ""


@pytest.mark.parametrize(
    "address", ["javascript:alert(1)", "ftp://example.lv/x", "example.lv", 'https://x" onclick="y']
)
def test_links_in_a_pack_must_be_web_addresses(address):
    """A pack's links become href attributes on public pages: only http(s) addresses pass."""
    from tests.jurisdiction.views_fixtures import PACK_CONTENT

    content = copy.deepcopy(PACK_CONTENT)
    content["legal_bases"][0]["url"] = address
    with pytest.raises(PackInvalid) as refused:
        validate_content(content)
    assert [str(p) for p in refused.value.problems] == [
        f"legal_bases[0].url: {address!r} is not a web address: it must start with https:// or http://"
    ]
