"""The diff a reviewer reads: sections item by item, the matrix per institution type and then per stage."""

import copy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from opennrm.jurisdiction.diff import FieldChange, diff_packs, render_text
from opennrm.jurisdiction.loader import load_pack_dir
from tests.jurisdiction.conftest import MINIMAL_PACK

BASE = load_pack_dir(MINIMAL_PACK).model_dump(mode="json")
TEXT = {"lv": "Jauns", "en": "New", "ru": "Новый"}


def changed() -> dict:
    return copy.deepcopy(BASE)


def entry(content: dict, type_id: str, stage: str) -> dict:
    return next(e for e in content["matrix"] if e["institution_type"] == type_id and e["stage"] == stage)


def test_a_pack_compared_with_itself_is_empty():
    diff = diff_packs(BASE, copy.deepcopy(BASE))
    assert diff.is_empty
    assert render_text(diff) == "No differences.\n"


def test_matrix_changes_grouped_per_institution_type_and_stage():
    new = changed()
    entry(new, "police", "recognition")["functions"] = ["recognise"]
    entry(new, "police", "recognition")["description"]["lv"] = "Pamana."
    new["matrix"].append(
        {
            "institution_type": "police",
            "stage": "referral",
            "functions": ["refer"],
            "description": TEXT,
            "legal_basis": [],
            "applies_to": None,
        }
    )
    new["matrix"] = [e for e in new["matrix"] if (e["institution_type"], e["stage"]) != ("social_service", "referral")]
    diff = diff_packs(BASE, new)
    assert [t.institution_type for t in diff.institution_types] == ["social_service", "police"]
    police = diff.institution_type("police")
    assert police.kind == "changed" and police.changes == []
    assert [(s.stage, s.kind) for s in police.stages] == [("recognition", "changed"), ("referral", "added")]
    assert police.stages[0].changes == [
        FieldChange("functions", ["recognise", "refer"], ["recognise"]),
        FieldChange("description.lv", "Pamana un nosūta.", "Pamana."),
    ]
    social = diff.institution_type("social_service")
    assert [(s.stage, s.kind) for s in social.stages] == [("referral", "removed")]
    assert diff.institution_type("provider") is None


def test_institution_type_added_removed_and_changed():
    new = changed()
    new["institution_types"][0]["contacts"][0]["phone"] = "+371 20000009"
    new["institution_types"] = [t for t in new["institution_types"] if t["id"] != "provider"]
    new["matrix"] = [e for e in new["matrix"] if e["institution_type"] != "provider"]
    new["institution_types"].append(
        {
            "id": "court",
            "name": TEXT,
            "description": TEXT,
            "level": "national",
            "category": "other",
            "contacts": [],
        }
    )
    diff = diff_packs(BASE, new)
    kinds = {t.institution_type: t.kind for t in diff.institution_types}
    assert kinds == {"social_service": "changed", "provider": "removed", "court": "added"}
    assert diff.institution_type("social_service").changes == [
        FieldChange("contacts[0].phone", "+371 20000000", "+371 20000009")
    ]
    assert [(s.stage, s.kind) for s in diff.institution_type("provider").stages] == [("assistance", "removed")]


def test_sections_and_metadata():
    new = changed()
    new["pack"]["edition"] = "Test edition 2"
    new["stages"].reverse()
    new["stages"][0]["name"]["ru"] = "Помощь!"
    new["roles"][1]["capabilities"] = ["cases.view"]
    new["municipalities"].append({"id": "newtown", "name": TEXT, "kind": "municipality"})
    new["legal_bases"].pop()
    new["workflow"] = {"states": []}
    diff = diff_packs(BASE, new)
    assert diff.metadata == [FieldChange("edition", "Test edition 1", "Test edition 2")]
    stages = diff.section("stages")
    assert [(i.id, i.kind) for i in stages.items] == [("assistance", "changed")]
    assert stages.items[0].changes == [FieldChange("name.ru", "Помощь", "Помощь!")]
    assert stages.order.new == ["assistance", "referral", "recognition"]
    assert [(i.id, i.kind) for i in diff.section("roles").items] == [("case_worker", "changed")]
    assert [(i.id, i.kind) for i in diff.section("municipalities").items] == [("newtown", "added")]
    assert [(i.id, i.kind) for i in diff.section("legal_bases").items] == [("test_regulation", "removed")]
    assert diff.section("functions").is_empty
    assert [c.field for c in diff.reserved] == ["workflow"]
    assert not diff.is_empty


def test_render_text():
    new = changed()
    entry(new, "police", "recognition")["functions"] = ["recognise"]
    new["municipalities"].pop()
    diff = diff_packs(BASE, new)
    assert render_text(diff, language="en") == (
        "Municipalities\n"
        "  - testshire (Testshire)\n"
        "Functional matrix, per institution type and stage\n"
        "  ~ Police (police)\n"
        "      ~ stage recognition (Recognition)\n"
        "          functions: [recognise, refer] → [recognise]\n"
    )
    latvian = render_text(diff, language="lv")
    assert "Policija (police)" in latvian and "(Atpazīšana)" in latvian


# --- properties --------------------------------------------------------------------------------------------

PAIRS = [(e["institution_type"], e["stage"]) for e in BASE["matrix"]]
FREE_PAIRS = [
    (t["id"], s["id"]) for t in BASE["institution_types"] for s in BASE["stages"] if (t["id"], s["id"]) not in PAIRS
]
words = st.text(alphabet="abcdefghij ", min_size=1, max_size=12)


@st.composite
def mutations(draw):
    """A copy of the base pack with exactly one matrix entry added, removed or changed."""
    new = changed()
    kind = draw(st.sampled_from(["added", "removed", "changed"]))
    if kind == "added":
        type_id, stage = draw(st.sampled_from(FREE_PAIRS))
        new["matrix"].insert(
            draw(st.integers(0, len(new["matrix"]))),
            {
                "institution_type": type_id,
                "stage": stage,
                "functions": draw(st.lists(st.sampled_from(["recognise", "refer", "assist"]), min_size=1, unique=True)),
                "description": {lang: draw(words) for lang in ("lv", "en", "ru")},
                "legal_basis": [],
                "applies_to": None,
            },
        )
    elif kind == "removed":
        type_id, stage = draw(st.sampled_from(PAIRS))
        new["matrix"] = [e for e in new["matrix"] if (e["institution_type"], e["stage"]) != (type_id, stage)]
    else:
        type_id, stage = draw(st.sampled_from(PAIRS))
        target = entry(new, type_id, stage)
        language = draw(st.sampled_from(["lv", "en", "ru"]))
        text = draw(words.filter(lambda w, old=target["description"][language]: w != old))
        target["description"][language] = text
    return kind, type_id, stage, new


@settings(max_examples=60, deadline=None)
@given(mutations())
def test_diff_lists_exactly_the_mutated_entry(mutation):
    kind, type_id, stage, new = mutation
    diff = diff_packs(BASE, new)
    assert [t.institution_type for t in diff.institution_types] == [type_id]
    assert [(s.stage, s.kind) for s in diff.institution_types[0].stages] == [(stage, kind)]
    assert all(s.is_empty for s in diff.sections) and not diff.metadata
    # And back again: what was added is now removed, and the other way round.
    back = diff_packs(new, BASE).institution_types[0].stages[0].kind
    assert back == {"added": "removed", "removed": "added", "changed": "changed"}[kind]


@settings(max_examples=30, deadline=None)
@given(st.permutations(BASE["matrix"]))
def test_matrix_order_alone_is_no_difference(matrix):
    new = changed()
    new["matrix"] = copy.deepcopy(list(matrix))
    assert diff_packs(BASE, new).is_empty


@pytest.mark.parametrize("empty", [{}, None])
def test_diff_against_nothing_lists_everything_as_added(empty):
    diff = diff_packs(empty, BASE)
    assert {t.kind for t in diff.institution_types} == {"added"}
    assert len(diff.section("stages").items) == 3
