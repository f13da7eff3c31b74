"""The pack's statistics section: the Latvian definitions, the defaults, and the checks that refuse a bad section."""

import copy

import pytest

from opennrm.cases.models import ExploitationForm, Sex
from opennrm.jurisdiction.statistics_validation import FORM_VALUES, SEX_VALUES
from opennrm.jurisdiction.validation import check_content
from opennrm.stats.dimensions import CTDC_AGE_BANDS, statistics_definitions


def test_the_known_values_are_the_cases_values():
    assert set(SEX_VALUES) == set(Sex.values)
    assert set(FORM_VALUES) == set(ExploitationForm.values)


def test_latvia_counts_by_five_planning_regions_covering_every_municipality(lv_definitions, lv_pack_content):
    regions = lv_definitions.dimension("region")
    assert regions.codes == ["riga_region", "vidzeme", "kurzeme", "zemgale", "latgale", "unknown"]
    municipalities = {m["id"] for m in lv_pack_content["municipalities"]}
    assert len(municipalities) == 43
    assert set(lv_definitions.municipality_regions) == municipalities
    assert lv_definitions.region_for("daugavpils") == "latgale"
    assert lv_definitions.region_for("tukums") == "kurzeme"
    assert lv_definitions.region_for("") == "unknown"
    assert lv_definitions.label("region", "zemgale", "lv") == "Zemgales plānošanas reģions"
    assert lv_definitions.label("region", "unknown", "ru") == "Неизвестно"


def test_latvia_uses_the_ctdc_age_bands_and_threshold_five(lv_definitions):
    assert lv_definitions.threshold == 5
    assert [(b.min_age, b.max_age) for b in lv_definitions.age_bands] == list(CTDC_AGE_BANDS)
    assert lv_definitions.dimension("age_band").codes[-1] == "unknown"
    assert lv_definitions.label("age_band", "48+", "en") == "48+"
    assert lv_definitions.label("age_band", "0-8", "en") == "0–8"


@pytest.mark.parametrize(
    ("low", "high", "band"),
    [
        (0, 0, "0-8"),
        (8, 8, "0-8"),
        (9, 17, "9-17"),
        (12, 17, "9-17"),
        (18, 24, "unknown"),
        (48, None, "48+"),
        (50, None, "48+"),
        (30, None, "unknown"),
        (120, 120, "48+"),
    ],
)
def test_a_range_of_ages_gets_a_band_only_when_it_fits_one(lv_definitions, low, high, band):
    assert lv_definitions.age_band_for_range(low, high) == band


@pytest.mark.parametrize(
    ("countries", "expected"),
    [
        ([], ("ZZ", "unknown")),
        (["LV"], ("LV", "national")),
        (["RU", "LV"], ("LV", "national")),
        (["UA", "ee"], ("EE", "other_eu")),
        (["UA"], ("UA", "non_eu")),
        (["??"], ("ZZ", "unknown")),
    ],
)
def test_citizenship_group(lv_definitions, countries, expected):
    assert lv_definitions.citizenship_for(countries) == expected


def test_publication_rules(lv_definitions):
    publication = lv_definitions.publication
    assert publication.differential_privacy.enabled is True
    assert publication.differential_privacy.epsilon == 1.0
    assert "victims_by_year_sex" in publication.public_tables
    assert set(publication.registered_victims.outcomes) == {"identified", "in_progress", "refused", "withdrawn"}
    assert "Eurostat" in publication.registered_victims.note["en"]
    assert lv_definitions.national_countries == {"LV"}
    assert len(lv_definitions.eu_countries) == 27


def test_every_dimension_has_all_three_languages(lv_definitions):
    for dimension in lv_definitions.dimensions.values():
        for category in dimension.categories:
            labels = {language: category.label(language) for language in ("lv", "en", "ru")}
            assert all(labels.values()), (dimension.id, category.code)


def test_routes_outcomes_and_services_come_from_the_workflow(lv_definitions):
    assert lv_definitions.identified_transitions == {"identify_by_commission", "identify_in_proceedings"}
    assert lv_definitions.route_for("identify_by_commission", None) == "commission"
    assert lv_definitions.route_for("not_identified", "state_police") == "criminal_proceedings"
    assert lv_definitions.route_for("not_identified", "service_provider") == "commission"
    assert lv_definitions.outcome_states == {
        "not_identified": "not_identified",
        "refused": "refused",
        "withdrawn": "withdrawn",
    }
    assert lv_definitions.service_transitions["grant_service"] == ("social_rehabilitation",)


def test_a_pack_without_statistics_gets_the_defaults(lv_pack_content):
    content = copy.deepcopy(lv_pack_content)
    content["statistics"] = {}
    definitions = statistics_definitions(content)
    assert [(b.min_age, b.max_age) for b in definitions.age_bands] == list(CTDC_AGE_BANDS)
    assert definitions.national_countries == {"LV"}
    assert definitions.identified_transitions == {"identify_by_commission", "identify_in_proceedings"}
    assert definitions.dimension("region").codes == ["unknown"]
    assert set(definitions.dimension("sex").codes) == set(Sex.values)
    assert definitions.label("outcome", "identified", "en") == "Identified as a victim"
    assert definitions.label("region", "unknown", "lv") == "Nav zināms"


def test_without_a_published_model_the_defaults_apply(db):
    definitions = statistics_definitions()
    assert definitions.threshold == 5
    assert definitions.dimension("recognising_type").codes == [""]


def test_the_generic_pack_is_valid_and_has_no_regions(settings):
    from opennrm.jurisdiction.loader import load_pack_dir

    definitions = statistics_definitions(load_pack_dir(settings.OPENNRM_PACKS_DIR / "generic"))
    assert definitions.dimension("region").codes == ["unknown"]
    assert definitions.national_countries == frozenset()
    assert definitions.publication.differential_privacy.enabled is False


def _problems(content) -> list[str]:
    pack, issues = check_content(content)
    assert pack is None
    from opennrm.jurisdiction.references import format_path

    return [f"{format_path(path)}: {reason}" for path, reason in issues]


def _broken(lv_pack_content, change) -> list[str]:
    content = copy.deepcopy(lv_pack_content)
    change(content["statistics"])
    return _problems(content)


def _dims(statistics):
    return statistics["dimensions"]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda s: _dims(s)["sex"].pop(), "statistics.dimensions.sex: categories missing: NonSpecifiedUnknown"),
        (
            lambda s: _dims(s)["form"].append({"id": "Smuggling", "name": {"lv": "x", "en": "x", "ru": "x"}}),
            "statistics.dimensions.form[12].id: 'Smuggling' is not a form of exploitation the software knows",
        ),
        (
            lambda s: _dims(s)["outcome"].pop(2),
            "statistics.dimensions.outcome: categories missing: in_progress",
        ),
        (
            lambda s: _dims(s)["age_band"].pop(1),
            "statistics.dimensions.age_band[1].min: must be 9: the bands must follow each other",
        ),
        (
            lambda s: _dims(s)["age_band"][-1].update({"max": 99}),
            "statistics.dimensions.age_band[8].max: the last band must be open-ended",
        ),
        (
            lambda s: _dims(s)["region"][0]["municipalities"].append("atlantis"),
            "statistics.dimensions.region[0].municipalities[10]: unknown municipality 'atlantis'",
        ),
        (
            lambda s: _dims(s)["region"][1]["municipalities"].append("riga"),
            "statistics.dimensions.region[1].municipalities[9]: municipality 'riga' is already in region",
        ),
        (
            lambda s: _dims(s)["region"][4]["municipalities"].remove("ludza"),
            "statistics.dimensions.region: municipalities in no region: ludza",
        ),
        (
            lambda s: _dims(s)["outcome"][0]["transitions"].append("teleport"),
            "statistics.dimensions.outcome[0].transitions[2]: unknown transition 'teleport'",
        ),
        (
            lambda s: _dims(s)["identification_route"][1]["institution_types"].append("wizards"),
            "statistics.dimensions.identification_route[1].institution_types[3]: unknown institution type 'wizards'",
        ),
        (
            lambda s: _dims(s)["service"][0].update({"transitions": ["fly"]}),
            "statistics.dimensions.service[0].transitions[0]: unknown transition 'fly'",
        ),
        (
            lambda s: s.update({"htcds_consent_purpose": "gossip"}),
            "statistics.htcds_consent_purpose: unknown consent purpose 'gossip'",
        ),
        (
            lambda s: s["eurostat"]["sex"][0]["categories"].append("Masculine"),
            "statistics.eurostat.sex[1].categories[0]: category 'Masculine' is already mapped to another code",
        ),
        (
            lambda s: s["eurostat"]["form"][0]["categories"].append("Piracy"),
            "statistics.eurostat.form[0].categories[1]: unknown category 'Piracy'",
        ),
        (lambda s: s.update({"threshold": 0}), "statistics.threshold: "),
        (
            lambda s: s["publication"]["differential_privacy"].update({"epsilon": -1}),
            "statistics.publication.differential_privacy.epsilon: ",
        ),
        (lambda s: s.update({"colour": "red"}), "statistics.colour: unknown field"),
        (
            lambda s: _dims(s)["region"][0]["name"].pop("ru"),
            "statistics.dimensions.region[0].name: missing translation",
        ),
    ],
)
def test_a_bad_statistics_section_is_refused_with_the_place_and_reason(lv_pack_content, change, expected):
    problems = _broken(lv_pack_content, change)
    assert any(problem.startswith(expected) for problem in problems), problems
