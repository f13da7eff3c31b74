"""The coordinator's draft editor: the permission ladder, htmx fragments, no-JS posts, diff and publish."""

import pytest
from django.urls import reverse

from opennrm.accounts.testing import force_login_verified
from opennrm.audit.models import AuditEvent
from opennrm.jurisdiction.forms import MatrixEntryForm
from opennrm.jurisdiction.models import ModelVersion
from opennrm.jurisdiction.selectors import version_pack
from tests.jurisdiction.views_fixtures import *  # noqa: F403 - the fixtures

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def entry_data(**overrides) -> dict:
    data = {
        "functions": ["recognise", "refer"],
        "description_lv": "Jauns apraksts.",
        "description_en": "A new description.",
        "description_ru": "Новое описание.",
        "legal_basis": ["test_rule"],
        "population": ["adult"],
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def content_of(version) -> dict:
    return ModelVersion.objects.get(pk=version.pk).content


def entry(version, type_id, stage_id):
    return version_pack(ModelVersion.objects.get(pk=version.pk)).matrix_entry(type_id, stage_id)


def assert_sign_in_redirect(response):
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"] and "next=" in response["Location"]


# ---- the ladder, for every editor page ----------------------------------------------------------------

EDIT_PAGES = [
    ("jurisdiction:entry_edit", ["social_service", "recognition"]),
    ("jurisdiction:entry_add", []),
    ("jurisdiction:entry_remove", ["social_service", "recognition"]),
    ("jurisdiction:institution_type_edit", ["police"]),
    ("jurisdiction:legal_basis_edit", ["test_law"]),
    ("jurisdiction:legal_basis_add", []),
]


@pytest.mark.parametrize("name,args", EDIT_PAGES)
def test_edit_pages_ladder(client, draft, plain_user, workgroup_user, editor_user, name, args):
    url = reverse(name, args=[draft.number, *args])
    assert_sign_in_redirect(client.get(url))
    force_login_verified(client, plain_user)
    assert client.get(url).status_code == 404  # cannot even see drafts: same as missing
    assert client.post(url, {}).status_code == 404
    force_login_verified(client, workgroup_user)
    assert client.get(url).status_code == 403  # sees the draft, may not change it
    assert client.post(url, {}).status_code == 403
    force_login_verified(client, editor_user)
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("name,args", EDIT_PAGES)
def test_published_versions_cannot_be_edited(client, published, editor_user, name, args):
    force_login_verified(client, editor_user)
    assert client.get(reverse(name, args=[published.number, *args])).status_code == 404


def test_draft_page_ladder(client, draft, plain_user, workgroup_user, editor_user):
    url = reverse("jurisdiction:draft", args=[draft.number])
    assert_sign_in_redirect(client.get(url))
    force_login_verified(client, plain_user)
    assert client.get(url).status_code == 404
    force_login_verified(client, workgroup_user)
    response = client.get(url)
    assert response.status_code == 200
    assert "Notices indicators and asks questions." in response.content.decode()
    assert (
        reverse("jurisdiction:entry_edit", args=[2, "social_service", "recognition"]) not in response.content.decode()
    )
    force_login_verified(client, editor_user)
    html = client.get(url).content.decode()
    assert reverse("jurisdiction:entry_edit", args=[2, "social_service", "recognition"]) in html
    assert 'hx-get="' in html and 'id="entry-social_service-recognition"' in html
    assert reverse("jurisdiction:publish", args=[2]) not in html  # editing is not publishing


def test_editor_landing_ladder(client, published, plain_user, workgroup_user, coordinator_user):
    url = reverse("jurisdiction:editor")
    assert_sign_in_redirect(client.get(url))
    force_login_verified(client, plain_user)
    assert client.get(url).status_code == 403
    force_login_verified(client, workgroup_user)
    response = client.get(url)
    assert response.status_code == 200 and "Start a new draft" not in response.content.decode()
    force_login_verified(client, coordinator_user)
    assert "Start a new draft" in client.get(url).content.decode()


def test_the_layout_offers_the_editor_only_to_editors(client, published, plain_user, coordinator_user):
    force_login_verified(client, plain_user)
    assert "Edit the model" not in client.get(reverse("jurisdiction:overview")).content.decode()
    force_login_verified(client, coordinator_user)
    assert "Edit the model" in client.get(reverse("jurisdiction:overview")).content.decode()


# ---- starting a draft ----------------------------------------------------------------------------------


def test_start_a_draft_ladder_and_audit(client, published, plain_user, workgroup_user, coordinator_user):
    url = reverse("jurisdiction:draft_create")
    assert_sign_in_redirect(client.post(url))
    for user in (plain_user, workgroup_user):
        force_login_verified(client, user)
        assert client.post(url).status_code == 403
    assert not ModelVersion.objects.filter(status=ModelVersion.Status.DRAFT).exists()
    force_login_verified(client, coordinator_user)
    response = client.post(url)
    draft = ModelVersion.objects.get(status=ModelVersion.Status.DRAFT)
    assert response.status_code == 302 and response["Location"] == reverse("jurisdiction:draft", args=[draft.number])
    assert draft.content == published.content
    assert AuditEvent.objects.filter(action="model.draft_create", actor=coordinator_user).exists()
    # A second draft is refused with a message, not an error page.
    response = client.post(url, follow=True)
    assert "already has a draft" in response.content.decode()
    assert ModelVersion.objects.filter(status=ModelVersion.Status.DRAFT).count() == 1


def test_starting_a_draft_needs_post(client, published, coordinator_user):
    force_login_verified(client, coordinator_user)
    assert client.get(reverse("jurisdiction:draft_create")).status_code == 405


# ---- editing an entry ----------------------------------------------------------------------------------


def test_htmx_edit_returns_only_the_form_fragment(client, draft, editor_user):
    force_login_verified(client, editor_user)
    url = reverse("jurisdiction:entry_edit", args=[draft.number, "social_service", "recognition"])
    html = client.get(url, **HTMX).content.decode()
    assert "<html" not in html and "<form" in html
    assert 'id="entry-social_service-recognition"' in html
    assert 'for="id_description_ru"' in html and 'lang="ru"' in html
    full = client.get(url).content.decode()
    assert "<html" in full and "<form" in full


def test_htmx_save_rerenders_the_row(client, draft, editor_user):
    force_login_verified(client, editor_user)
    url = reverse("jurisdiction:entry_edit", args=[draft.number, "social_service", "recognition"])
    response = client.post(url, entry_data(), **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html and "<form" not in html
    assert "A new description." in html and 'id="entry-social_service-recognition"' in html
    saved = entry(draft, "social_service", "recognition")
    assert saved.functions == ["recognise", "refer"] and saved.legal_basis == ["test_rule"]
    assert saved.applies_to.population == ["adult"] and saved.applies_to.nationality is None
    assert AuditEvent.objects.filter(action="model.draft_edit", actor=editor_user).exists()


def test_htmx_cancel_returns_the_row(client, draft, workgroup_user):
    force_login_verified(client, workgroup_user)
    url = reverse("jurisdiction:entry_row", args=[draft.number, "social_service", "recognition"])
    html = client.get(url, **HTMX).content.decode()
    assert "<html" not in html and "Notices indicators and asks questions." in html


def test_save_without_javascript_redirects_to_the_entry(client, draft, editor_user):
    force_login_verified(client, editor_user)
    url = reverse("jurisdiction:entry_edit", args=[draft.number, "police", "recognition"])
    response = client.post(url, entry_data(population=None))
    assert response.status_code == 302
    assert response["Location"].endswith("#entry-police-recognition")
    assert entry(draft, "police", "recognition").applies_to is None


@pytest.mark.parametrize("htmx", [False, True])
def test_invalid_entry_shows_the_error_next_to_the_field_and_changes_nothing(client, draft, editor_user, htmx):
    force_login_verified(client, editor_user)
    before = content_of(draft)
    url = reverse("jurisdiction:entry_edit", args=[draft.number, "social_service", "recognition"])
    response = client.post(url, entry_data(functions=None, description_ru=""), **(HTMX if htmx else {}))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Choose at least one function." in html
    assert 'id="id_description_ru"' in html and 'aria-invalid="true"' in html
    assert 'aria-describedby="id_description_ru_error"' in html
    assert content_of(draft) == before


def test_add_and_remove_an_entry(client, draft, editor_user):
    force_login_verified(client, editor_user)
    add = reverse("jurisdiction:entry_add", args=[draft.number])
    response = client.post(add, entry_data(institution_type="police", stage="assistance"))
    assert response.status_code == 302 and response["Location"].endswith("#entry-police-assistance")
    assert entry(draft, "police", "assistance").description["en"] == "A new description."
    duplicate = client.post(add, entry_data(institution_type="police", stage="assistance"))
    assert "already has an entry for this stage" in duplicate.content.decode()

    remove = reverse("jurisdiction:entry_remove", args=[draft.number, "police", "assistance"])
    assert "Remove the entry" in client.get(remove).content.decode()
    assert client.post(remove).status_code == 302
    assert entry(draft, "police", "assistance") is None
    assert client.get(remove).status_code == 404


def test_edit_an_institution_type_and_add_a_contact(client, draft, editor_user):
    force_login_verified(client, editor_user)
    url = reverse("jurisdiction:institution_type_edit", args=[draft.number, "provider"])
    form_html = client.get(url).content.decode()
    assert 'id="id_contact_0_label_en"' in form_html and "<legend>Contact 1</legend>" in form_html
    data = {
        "name_lv": "Pakalpojumu sniedzējs",
        "name_en": "Rehabilitation provider",
        "name_ru": "Поставщик услуг",
        "description_lv": "Apraksts.",
        "description_en": "A shelter.",
        "description_ru": "Приют.",
        "contact_0_label_lv": "Tālrunis",
        "contact_0_label_en": "Phone line",
        "contact_0_label_ru": "Телефон",
        "contact_0_phone": "+371 20000001",
        "contact_0_email": "",
        "contact_0_website": "",
    }
    incomplete = client.post(url, {**data, "contact_0_label_ru": ""})
    assert "Enter the contact&#x27;s label in every language." in incomplete.content.decode()
    assert client.post(url, data).status_code == 302
    saved = version_pack(ModelVersion.objects.get(pk=draft.pk)).institution_type("provider")
    assert saved.name["en"] == "Rehabilitation provider"
    assert [(c.label["en"], c.phone) for c in saved.contacts] == [("Phone line", "+371 20000001")]


def test_add_and_edit_a_legal_basis(client, draft, editor_user):
    force_login_verified(client, editor_user)
    add = reverse("jurisdiction:legal_basis_add", args=[draft.number])
    data = {
        "title_lv": "Jauns",
        "title_en": "New Act",
        "title_ru": "Новый",
        "citation": "New Act of 2026",
        "url": "",
    }
    bad = client.post(add, {**data, "legal_basis": "New Act"})
    assert "lower-case letters" in bad.content.decode()
    taken = client.post(add, {**data, "legal_basis": "test_law"})
    assert "already exists" in taken.content.decode()
    assert client.post(add, {**data, "legal_basis": "new_act"}).status_code == 302
    edit = reverse("jurisdiction:legal_basis_edit", args=[draft.number, "new_act"])
    assert client.post(edit, {**data, "citation": "New Act of 2027"}).status_code == 302
    basis = version_pack(ModelVersion.objects.get(pk=draft.pk)).legal_basis("new_act")
    assert basis.citation == "New Act of 2027"


def test_service_errors_land_on_the_named_field(draft):
    form = MatrixEntryForm(pack=version_pack(draft), entry=None)
    assert form.field_for_path("matrix[3].description.ru") == "description_ru"
    assert form.field_for_path("description") == "description_lv"
    assert form.field_for_path("functions") == "functions"
    assert form.field_for_path("applies_to.population") == "population"
    assert form.field_for_path("version") is None


# ---- compare and publish -------------------------------------------------------------------------------


def test_diff_page_marks_changes_with_words_and_ins_del(client, draft, plain_user, workgroup_user):
    url = reverse("jurisdiction:diff", args=[draft.number])
    assert client.get(url).status_code == 404
    force_login_verified(client, plain_user)
    assert client.get(url).status_code == 404
    force_login_verified(client, workgroup_user)
    html = client.get(url).content.decode()
    assert "Version 2 compared with version 1" in html
    assert "<del>Notices indicators.</del>" in html
    assert "<ins>Notices indicators and asks questions.</ins>" in html
    assert "Social service" in html and "Stage Recognition: changed" in html


def test_diff_of_public_versions_is_public(client, published):
    html = client.get(reverse("jurisdiction:diff", args=[1])).content.decode()
    assert "There are no differences." in html


def test_publish_ladder(client, draft, plain_user, workgroup_user, editor_user, coordinator_user):
    url = reverse("jurisdiction:publish", args=[draft.number])
    assert_sign_in_redirect(client.get(url))
    force_login_verified(client, plain_user)
    assert client.get(url).status_code == 404
    for user in (workgroup_user, editor_user):
        force_login_verified(client, user)
        assert client.get(url).status_code == 403
        assert client.post(url, {"change_note": "x", "confirm": "on"}).status_code == 403
    assert content_of(draft) and ModelVersion.objects.get(pk=draft.pk).status == ModelVersion.Status.DRAFT
    force_login_verified(client, coordinator_user)
    assert client.get(url).status_code == 200


def test_publish_needs_a_note_and_a_confirmation(client, draft, coordinator_user):
    force_login_verified(client, coordinator_user)
    url = reverse("jurisdiction:publish", args=[draft.number])
    html = client.post(url, {"change_note": "  "}).content.decode()
    assert "Write a change note before publishing." in html
    assert "Confirm that you want to publish this version." in html
    assert ModelVersion.objects.get(pk=draft.pk).status == ModelVersion.Status.DRAFT


def test_publishing_makes_the_draft_the_model_and_keeps_the_old_one_readable(client, draft, coordinator_user):
    force_login_verified(client, coordinator_user)
    response = client.post(
        reverse("jurisdiction:publish", args=[draft.number]),
        {"change_note": "Recognition now includes asking questions.", "confirm": "on"},
    )
    assert response.status_code == 302 and response["Location"] == reverse("jurisdiction:overview")
    assert ModelVersion.objects.get(number=2).status == ModelVersion.Status.PUBLISHED
    assert ModelVersion.objects.get(number=1).status == ModelVersion.Status.SUPERSEDED
    event = AuditEvent.objects.get(action="model.publish")
    assert event.actor == coordinator_user and event.new_values["published_version"] == 2
    client.logout()
    current = client.get(reverse("jurisdiction:stage", args=["recognition"])).content.decode()
    assert "Notices indicators and asks questions." in current
    old = client.get(reverse("jurisdiction:version_stage", args=[1, "recognition"])).content.decode()
    assert "Notices indicators." in old and "no longer in force" in old
    overview = client.get(reverse("jurisdiction:overview")).content.decode()
    assert "Recognition now includes asking questions." in overview
