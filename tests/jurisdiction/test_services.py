"""The life of a version: load → draft → edit → publish → superseded, with rules enforced in the services."""

import hashlib
import json

import pytest

from opennrm.audit.models import AuditEvent
from opennrm.core.errors import ApplicationError, Forbidden
from opennrm.jurisdiction.loader import PackInvalid
from opennrm.jurisdiction.models import ModelVersion
from opennrm.jurisdiction.services import (
    draft_create,
    draft_institution_type_save,
    draft_legal_basis_save,
    draft_matrix_entry_remove,
    draft_matrix_entry_save,
    pack_load,
    version_publish,
)
from tests.jurisdiction.conftest import MINIMAL_PACK, PACK_CODE, edit_file

pytestmark = pytest.mark.django_db

TEXT = {"lv": "Teksts", "en": "Text", "ru": "Текст"}


def snapshot() -> tuple:
    return (
        list(ModelVersion.objects.order_by("pk").values()),
        AuditEvent.objects.count(),
    )


def test_load_stores_a_validated_draft_and_audits_it(coordinator):
    version = pack_load(path=MINIMAL_PACK, by=coordinator)
    assert (version.pack_code, version.number, version.status) == (PACK_CODE, 1, ModelVersion.Status.DRAFT)
    assert version.content["matrix"][3]["applies_to"] == {"population": ["adult"], "nationality": None}
    canonical = json.dumps(version.content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert version.content_hash == hashlib.sha256(canonical.encode()).hexdigest()
    assert version.created_by == coordinator and version.based_on is None
    event = AuditEvent.objects.get(action="model.draft_create")
    assert event.actor == coordinator and event.object_id == str(version.pk)
    assert event.new_values["version"] == 1


def test_a_refused_load_changes_nothing(pack_dir, published_version):
    before = snapshot()
    edit_file(pack_dir, "matrix.yaml", "institution_type: police", "institution_type: polise")
    with pytest.raises(PackInvalid):
        pack_load(path=pack_dir)
    assert snapshot() == before


def test_load_needs_model_edit(draft_reader):
    with pytest.raises(Forbidden):
        pack_load(path=MINIMAL_PACK, by=draft_reader)
    assert not ModelVersion.objects.exists()


def test_one_draft_at_a_time_unless_replaced(pack_dir):
    first = pack_load(path=MINIMAL_PACK)
    with pytest.raises(ApplicationError) as caught:
        pack_load(path=MINIMAL_PACK)
    assert caught.value.field == "replace_draft"
    edit_file(pack_dir, "pack.yaml", "edition: Test edition 1", "edition: Test edition 2")
    replaced = pack_load(path=pack_dir, replace_draft=True)
    assert replaced.pk == first.pk and replaced.number == 1
    assert replaced.content["pack"]["edition"] == "Test edition 2"
    assert replaced.content_hash != first.content_hash
    assert ModelVersion.objects.count() == 1
    assert AuditEvent.objects.filter(action="model.draft_edit").count() == 1


def test_lifecycle_draft_published_superseded(published_version, coordinator):
    assert published_version.status == ModelVersion.Status.PUBLISHED
    assert published_version.published_at is not None and published_version.published_by is None
    assert published_version.change_note == "First version."

    draft = draft_create(pack_code=PACK_CODE, by=coordinator)
    assert (draft.number, draft.status, draft.based_on_id) == (2, "draft", published_version.pk)
    assert draft.content == published_version.content

    second = version_publish(version=draft, change_note="  Second version.  ", by=coordinator)
    first = ModelVersion.objects.get(pk=published_version.pk)
    assert (first.status, second.status) == ("superseded", "published")
    assert first.superseded_at == second.published_at
    assert second.published_by == coordinator and second.change_note == "Second version."
    publish_events = AuditEvent.objects.filter(action="model.publish").order_by("seq")
    assert [e.new_values["published_version"] for e in publish_events] == [1, 2]
    assert publish_events.last().old_values == {"published_version": 1}


def test_published_and_superseded_versions_never_change(draft_version, coordinator):
    published = ModelVersion.objects.get(status="published")
    content = published.content
    with pytest.raises(ApplicationError) as caught:
        draft_matrix_entry_remove(version=published, institution_type="police", stage="recognition", by=coordinator)
    assert caught.value.field == "version"
    version_publish(version=draft_version, change_note="Second.", by=coordinator)
    superseded = ModelVersion.objects.get(pk=published.pk)
    with pytest.raises(ApplicationError):
        draft_legal_basis_save(version=superseded, legal_basis="x", title=TEXT, citation="X", by=coordinator)
    with pytest.raises(ApplicationError):
        version_publish(version=superseded, change_note="Again.", by=coordinator)
    assert ModelVersion.objects.get(pk=published.pk).content == content


def test_change_note_is_required(draft_version, coordinator):
    for note in ("", "   "):
        with pytest.raises(ApplicationError) as caught:
            version_publish(version=draft_version, change_note=note, by=coordinator)
        assert caught.value.field == "change_note"
    assert ModelVersion.objects.get(pk=draft_version.pk).status == "draft"


def test_a_stale_draft_is_refused(draft_version, coordinator):
    version_publish(version=draft_version, change_note="Second.", by=coordinator)
    # A draft left over from before version 2 was published, still based on version 1.
    leftover = ModelVersion.objects.create(
        pack_code=PACK_CODE,
        number=3,
        content=draft_version.content,
        content_hash=draft_version.content_hash,
        based_on=ModelVersion.objects.get(number=1),
    )
    with pytest.raises(ApplicationError) as caught:
        version_publish(version=leftover, change_note="Third.", by=coordinator)
    assert "version 2" in caught.value.message
    assert ModelVersion.objects.get(number=2).status == "published"


def test_publishing_needs_model_publish(draft_version, editor, outsider):
    for user in (editor, outsider):
        with pytest.raises(Forbidden):
            version_publish(version=draft_version, change_note="Mine.", by=user)
    assert ModelVersion.objects.get(pk=draft_version.pk).status == "draft"
    assert not AuditEvent.objects.filter(action="model.publish", actor__in=[editor, outsider]).exists()


def test_editing_needs_model_edit(draft_version, draft_reader, editor):
    with pytest.raises(Forbidden):
        draft_matrix_entry_remove(
            version=draft_version, institution_type="police", stage="recognition", by=draft_reader
        )
    draft_matrix_entry_remove(version=draft_version, institution_type="police", stage="recognition", by=editor)
    assert ModelVersion.objects.get(pk=draft_version.pk).content["matrix"][2]["institution_type"] == "provider"


def test_draft_create_rules(published_version, coordinator, draft_reader):
    with pytest.raises(Forbidden):
        draft_create(pack_code=PACK_CODE, by=draft_reader)
    draft_create(pack_code=PACK_CODE, by=coordinator)
    with pytest.raises(ApplicationError, match="already has a draft"):
        draft_create(pack_code=PACK_CODE, by=coordinator)
    with pytest.raises(ApplicationError, match="no published version"):
        draft_create(pack_code="elsewhere", by=coordinator)


def test_matrix_entry_added_changed_and_audited(draft_version, coordinator):
    added = draft_matrix_entry_save(
        version=draft_version,
        institution_type="police",
        stage="referral",
        functions=["refer"],
        description=TEXT,
        legal_basis=["test_law"],
        applies_to={"nationality": ["third_country_national"]},
        by=coordinator,
    )
    pairs = [(e["institution_type"], e["stage"]) for e in added.content["matrix"]]
    # Kept next to the type's other entries, so the stored document reads like the pack.
    assert pairs[2:4] == [("police", "recognition"), ("police", "referral")]
    changed = draft_matrix_entry_save(
        version=added,
        institution_type="police",
        stage="referral",
        functions=["refer", "assist"],
        description=TEXT,
        legal_basis=[],
        by=coordinator,
    )
    entry = next(e for e in changed.content["matrix"] if e["stage"] == "referral" and e["institution_type"] == "police")
    assert entry["functions"] == ["refer", "assist"] and entry["applies_to"] is None
    event = AuditEvent.objects.filter(action="model.draft_edit").last()
    assert event.old_values["entry"]["functions"] == ["refer"]
    assert event.new_values["entry"]["functions"] == ["refer", "assist"]
    assert event.new_values["institution_type"] == "police" and event.actor == coordinator


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"functions": ["refer", "rescue"]}, "functions"),
        ({"functions": []}, "functions"),
        ({"description": {"lv": "Teksts", "en": "Text"}}, "description"),
        ({"legal_basis": ["no_such_law"]}, "legal_basis"),
        ({"stage": "reflection"}, "stage"),
        ({"applies_to": {"population": ["elderly"]}}, "applies_to"),
    ],
)
def test_an_invalid_edit_names_the_field_and_changes_nothing(draft_version, coordinator, changes, field):
    before = snapshot()
    arguments = {
        "institution_type": "police",
        "stage": "referral",
        "functions": ["refer"],
        "description": TEXT,
        "legal_basis": [],
        **changes,
    }
    with pytest.raises(ApplicationError) as caught:
        draft_matrix_entry_save(version=draft_version, by=coordinator, **arguments)
    assert caught.value.field == field
    assert snapshot() == before


def test_removing_a_missing_entry_is_refused(draft_version, coordinator):
    with pytest.raises(ApplicationError, match="no entry"):
        draft_matrix_entry_remove(version=draft_version, institution_type="police", stage="assistance", by=coordinator)


def test_institution_type_save(draft_version, coordinator):
    contacts = [{"label": TEXT, "phone": "+371 20000001", "email": "police@example.lv"}]
    changed = draft_institution_type_save(
        version=draft_version,
        institution_type="police",
        name={"lv": "P", "en": "Police force", "ru": "П"},
        description=TEXT,
        contacts=contacts,
        by=coordinator,
    )
    police = next(t for t in changed.content["institution_types"] if t["id"] == "police")
    assert police["name"]["en"] == "Police force" and police["level"] == "national"
    assert police["contacts"][0]["phone"] == "+371 20000001"
    with pytest.raises(ApplicationError) as caught:
        draft_institution_type_save(
            version=changed,
            institution_type="court",
            name=TEXT,
            description=TEXT,
            contacts=[],
            category="other",
            by=coordinator,
        )
    assert caught.value.field == "level"
    added = draft_institution_type_save(
        version=changed,
        institution_type="court",
        name=TEXT,
        description=TEXT,
        contacts=[],
        level="national",
        category="other",
        by=coordinator,
    )
    assert added.content["institution_types"][-1]["id"] == "court"


def test_legal_basis_save_then_cite_it(draft_version, coordinator):
    version = draft_legal_basis_save(
        version=draft_version,
        legal_basis="new_law",
        title=TEXT,
        citation="New Law of 2 February 2002",
        by=coordinator,
    )
    assert version.content["legal_bases"][-1] == {
        "id": "new_law",
        "title": TEXT,
        "citation": "New Law of 2 February 2002",
        "url": "",
    }
    draft_matrix_entry_save(
        version=version,
        institution_type="police",
        stage="recognition",
        functions=["recognise"],
        description=TEXT,
        legal_basis=["new_law"],
        by=coordinator,
    )
    with pytest.raises(ApplicationError) as caught:
        draft_legal_basis_save(version=version, legal_basis="Bad Id", title=TEXT, citation="X", by=coordinator)
    assert caught.value.field == "id"
