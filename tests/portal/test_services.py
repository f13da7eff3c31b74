"""Writing the public site's content: items, language versions and their statuses, revisions, files, the audit log."""

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone

from opennrm.audit.models import AuditEvent
from opennrm.core.errors import ApplicationError, NotFoundOrForbidden
from opennrm.portal import selectors, services
from opennrm.portal.demo import tiny_docx, tiny_pdf
from opennrm.portal.models import ContentItem, ContentRevision, ContentTranslation, PublicationFile, Status
from opennrm.portal.services import EventData, FileUpload, PublicationData
from tests.factories import RoleFactory, UserFactory

pytestmark = pytest.mark.django_db


def news(by, **overrides):
    arguments = {"by": by, "kind": "news", "language": "lv", "title": "Demo ziņa", "body": "Teksts."}
    return services.item_create(**{**arguments, **overrides})


def version(item, language="lv") -> ContentTranslation:
    return item.translations.get(language=language)


def actions() -> list[str]:
    return list(
        AuditEvent.objects.filter(action__startswith="portal.").order_by("seq").values_list("action", flat=True)
    )


def stored_files(directory: Path) -> list[Path]:
    return [path for path in directory.rglob("*") if path.is_file()] if directory.exists() else []


# --- Creating --------------------------------------------------------------------------------------------------------


def test_an_item_starts_as_a_draft_with_its_first_revision(portal_editor):
    item = news(portal_editor, change_note="First words.")
    draft = version(item)
    assert (item.kind, item.slug, item.created_by) == ("news", "demo-zina", portal_editor)
    assert (draft.status, draft.published_at, draft.kind) == (Status.DRAFT, None, "news")
    revision = draft.revisions.get()
    assert (revision.number, revision.title, revision.change_note, revision.changed_by) == (
        1,
        "Demo ziņa",
        "First words.",
        portal_editor,
    )
    assert actions() == ["portal.item_create", "portal.translation_save"]
    assert list(selectors.published_items(kind="news", language="lv")) == []


def test_a_russian_title_gets_an_address_too(portal_editor):
    item = news(portal_editor, language="ru", title="Новость")
    assert item.slug.startswith("news-")


def test_equal_titles_get_different_addresses(portal_editor):
    first, second = news(portal_editor), news(portal_editor)
    assert (first.slug, second.slug) == ("demo-zina", "demo-zina-2")


def test_a_given_address_must_be_free(portal_editor):
    news(portal_editor, slug="spring-seminar")
    with pytest.raises(ApplicationError) as caught:
        news(portal_editor, slug="spring-seminar")
    assert caught.value.field == "slug"
    assert "already has the address “spring-seminar”" in caught.value.message
    # Another kind may use the same address.
    assert news(portal_editor, kind="page", slug="spring-seminar").slug == "spring-seminar"


@pytest.mark.parametrize("slug", ["Spring Seminar", "seminārs", "a/b", "x" * 121])
def test_a_given_address_must_be_a_plain_slug(portal_editor, slug):
    with pytest.raises(ApplicationError) as caught:
        news(portal_editor, slug=slug)
    assert caught.value.field == "slug"
    assert ContentItem.objects.count() == 0


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": "  "}, "title"),
        ({"title": "x" * 301}, "title"),
        ({"summary": "x" * 1001}, "summary"),
        ({"language": "de"}, "language"),
        ({"kind": "case"}, "kind"),
        ({"kind": "event"}, "starts_at"),
        ({"kind": "publication"}, "published_on"),
    ],
)
def test_bad_input_names_the_field_and_saves_nothing(portal_editor, overrides, field):
    with pytest.raises(ApplicationError) as caught:
        news(portal_editor, **overrides)
    assert caught.value.field == field
    assert ContentItem.objects.count() == 0
    assert actions() == []


def test_an_event_cannot_end_before_it_starts(portal_editor):
    start = timezone.now() + dt.timedelta(days=3)
    with pytest.raises(ApplicationError) as caught:
        news(portal_editor, kind="event", event=EventData(starts_at=start, ends_at=start - dt.timedelta(hours=1)))
    assert caught.value.field == "ends_at"


def test_an_event_keeps_its_details(portal_editor):
    start = timezone.now() + dt.timedelta(days=3)
    event = EventData(
        starts_at=start, place="Demo hall", organiser="Demo NGO", category="training", registration_url="https://x.org"
    )
    item = news(portal_editor, kind="event", event=event)
    assert (item.event.starts_at, item.event.place, item.event.category) == (start, "Demo hall", "training")


def test_non_editors_are_answered_as_if_nothing_existed(portal_content):
    caseworker = UserFactory(roles=[RoleFactory(capabilities=["cases.view", "cases.edit"])])
    draft = version(portal_content.news_draft)
    with pytest.raises(NotFoundOrForbidden):
        news(caseworker)
    with pytest.raises(NotFoundOrForbidden):
        services.translation_publish(by=caseworker, translation=draft)
    with pytest.raises(NotFoundOrForbidden):
        services.publication_file_remove(by=caseworker, publication_file=portal_content.publication_pdf)
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT


# --- Language versions -----------------------------------------------------------------------------------------------


def test_saving_a_new_language_starts_a_draft_and_each_save_is_a_revision(portal_editor):
    item = news(portal_editor)
    services.translation_save(by=portal_editor, item=item, language="ru", title="Демо", body="Текст.")
    services.translation_save(
        by=portal_editor, item=item, language="ru", title="Демо", body="Новый текст.", change_note="Fixed."
    )
    russian = version(item, "ru")
    assert (russian.status, russian.body) == (Status.DRAFT, "Новый текст.")
    assert list(russian.revisions.order_by("number").values_list("number", "body", "change_note")) == [
        (1, "Текст.", ""),
        (2, "Новый текст.", "Fixed."),
    ]


def test_saving_the_same_text_again_records_nothing(portal_editor):
    item = news(portal_editor)
    before = actions()
    services.translation_save(by=portal_editor, item=item, language="lv", title="Demo ziņa", body="Teksts.")
    assert version(item).revisions.count() == 1
    assert actions() == before


def test_publishing_makes_a_version_public_and_records_who(portal_editor):
    item = news(portal_editor)
    published = services.translation_publish(by=portal_editor, translation=version(item), change_note="Go.")
    assert published.status == Status.PUBLISHED
    assert published.published_at is not None
    assert [t.pk for t in selectors.published_items(kind="news", language="lv")] == [published.pk]
    assert selectors.published_items(kind="news", language="en").count() == 0
    latest = published.revisions.order_by("-number").first()
    assert (latest.status, latest.changed_by, latest.change_note) == (Status.PUBLISHED, portal_editor, "Go.")
    event = AuditEvent.objects.get(action="portal.translation_publish")
    assert event.actor == portal_editor
    assert (event.old_values["status"], event.new_values["status"]) == ("draft", "published")


def test_publishing_twice_is_refused(portal_editor):
    item = news(portal_editor)
    services.translation_publish(by=portal_editor, translation=version(item))
    with pytest.raises(ApplicationError, match="already published"):
        services.translation_publish(by=portal_editor, translation=version(item))


def test_a_version_published_again_keeps_its_first_publication_date(portal_editor):
    item = news(portal_editor)
    first = services.translation_publish(by=portal_editor, translation=version(item)).published_at
    services.translation_archive(by=portal_editor, translation=version(item))
    assert selectors.published_item(kind="news", slug=item.slug, language="lv") is None
    again = services.translation_publish(by=portal_editor, translation=version(item))
    assert again.published_at == first


def test_a_scheduled_version_appears_by_itself_when_its_time_comes(portal_editor):
    item = news(portal_editor)
    at = timezone.now() + dt.timedelta(days=2)
    scheduled = services.translation_schedule(by=portal_editor, translation=version(item), publish_at=at)
    assert (scheduled.status, scheduled.publish_at, scheduled.published_at) == (Status.SCHEDULED, at, at)
    assert selectors.published_item(kind="news", slug=item.slug, language="lv") is None
    later = at + dt.timedelta(minutes=1)
    found = selectors.published_item(kind="news", slug=item.slug, language="lv", now=later)
    assert found.pk == scheduled.pk
    assert selectors.item_languages(item, now=later) == ["lv"]
    assert selectors.last_modified(kind="news", language="lv", now=later) == at


@pytest.mark.parametrize("delta", [dt.timedelta(0), dt.timedelta(minutes=-5)])
def test_a_schedule_must_be_in_the_future(portal_editor, delta):
    item = news(portal_editor)
    with pytest.raises(ApplicationError) as caught:
        services.translation_schedule(by=portal_editor, translation=version(item), publish_at=timezone.now() + delta)
    assert caught.value.field == "publish_at"
    assert version(item).status == Status.DRAFT


def test_a_public_version_is_not_scheduled_again(portal_editor):
    item = news(portal_editor)
    services.translation_publish(by=portal_editor, translation=version(item))
    with pytest.raises(ApplicationError, match="already public"):
        services.translation_schedule(
            by=portal_editor, translation=version(item), publish_at=timezone.now() + dt.timedelta(days=1)
        )


def test_cancelling_a_schedule_returns_the_version_to_draft(portal_editor):
    item = news(portal_editor)
    at = timezone.now() + dt.timedelta(days=2)
    services.translation_schedule(by=portal_editor, translation=version(item), publish_at=at)
    draft = services.translation_return_to_draft(by=portal_editor, translation=version(item))
    assert (draft.status, draft.publish_at, draft.published_at) == (Status.DRAFT, None, None)
    assert selectors.published_items(kind="news", language="lv", now=at + dt.timedelta(days=1)).count() == 0


def test_withdrawing_a_published_version_hides_it_and_moves_last_modified(portal_content, portal_editor):
    version_lv = version(portal_content.news_lv)
    before = selectors.last_modified(kind="news", language="lv")
    services.translation_return_to_draft(by=portal_editor, translation=version_lv)
    assert selectors.published_item(kind="news", slug="latvian-only", language="lv") is None
    assert selectors.last_modified(kind="news", language="lv") > before


def test_archiving_one_language_leaves_the_others(portal_content, portal_editor):
    item = portal_content.news_all
    services.translation_archive(by=portal_editor, translation=version(item, "en"), change_note="Outdated.")
    assert selectors.item_languages(item) == ["lv", "ru"]


def test_archiving_the_item_hides_every_language_with_a_revision_each(portal_content, portal_editor):
    item = portal_content.news_all
    services.item_archive(by=portal_editor, item=item, change_note="Old news.")
    assert selectors.item_languages(item) == []
    assert selectors.published_item_languages(kind="news", slug=item.slug) == []
    for translation in item.translations.all():
        assert translation.status == Status.ARCHIVED
        assert translation.revisions.order_by("-number").first().change_note == "Old news."
    with pytest.raises(ApplicationError, match="already archived"):
        services.item_archive(by=portal_editor, item=item)
    with pytest.raises(ApplicationError, match="Restore it"):
        services.translation_publish(by=portal_editor, translation=version(item))


def test_a_restored_item_is_published_again_language_by_language(portal_content, portal_editor):
    item = portal_content.news_archived
    services.item_restore(by=portal_editor, item=item)
    assert selectors.item_languages(item) == []
    services.translation_publish(by=portal_editor, translation=version(item, "ru"))
    assert selectors.item_languages(item) == ["ru"]


def test_an_earlier_revision_can_be_brought_back(portal_editor):
    item = news(portal_editor)
    services.translation_save(by=portal_editor, item=item, language="lv", title="Cits virsraksts", body="Jauns.")
    first = version(item).revisions.get(number=1)
    restored = services.revision_restore(by=portal_editor, revision=first)
    assert (restored.title, restored.body) == ("Demo ziņa", "Teksts.")
    assert restored.revisions.order_by("-number").first().change_note == "Text of revision 1 restored."


def test_event_details_change_in_every_language(portal_content, portal_editor):
    item = portal_content.event_upcoming
    start = item.event.starts_at + dt.timedelta(days=1)
    services.item_details_update(by=portal_editor, item=item, event=EventData(starts_at=start, place="New hall"))
    item.event.refresh_from_db()
    assert (item.event.starts_at, item.event.place) == (start, "New hall")
    event = AuditEvent.objects.get(action="portal.item_details_update")
    assert event.new_values["place"] == "New hall"


# --- Files -----------------------------------------------------------------------------------------------------------


def publication(by, **overrides):
    return news(by, kind="publication", publication=PublicationData(published_on=dt.date(2017, 12, 13)), **overrides)


def test_a_publication_is_created_with_its_file(portal_editor, portal_files_dir):
    item = publication(portal_editor, files=[FileUpload(name="model.pdf", content=tiny_pdf("Model"))])
    stored = item.files.get()
    assert (stored.original_name, stored.content_type, stored.language) == ("model.pdf", "application/pdf", "")
    assert stored.file.read() == tiny_pdf("Model")
    assert stored_files(portal_files_dir) == [Path(stored.file.path)]
    assert "portal.file_add" in actions()


def test_a_refused_file_leaves_no_publication_behind(portal_editor, portal_files_dir):
    files = [
        FileUpload(name="model.pdf", content=tiny_pdf("Model")),
        FileUpload(name="virus.pdf", content=b"MZ not a pdf"),
    ]
    with pytest.raises(ApplicationError) as caught:
        publication(portal_editor, files=files)
    assert caught.value.field == "file"
    assert "virus.pdf" in caught.value.message
    assert ContentItem.objects.count() == 0
    assert PublicationFile.objects.count() == 0
    assert stored_files(portal_files_dir) == []
    assert actions() == []


def test_a_failure_after_the_file_was_written_removes_it(portal_editor, portal_files_dir, monkeypatch):
    def failing_audit(**kwargs):
        if kwargs["action"] == "portal.file_add":
            raise RuntimeError("audit log unavailable")

    monkeypatch.setattr(services.common, "audit_record", failing_audit)
    with pytest.raises(RuntimeError):
        publication(portal_editor, files=[FileUpload(name="model.pdf", content=tiny_pdf("Model"))])
    assert ContentItem.objects.count() == 0
    assert stored_files(portal_files_dir) == []


def test_adding_a_file_to_a_publication(portal_content, portal_editor, portal_files_dir):
    item = portal_content.publication
    added = services.publication_file_add(
        by=portal_editor, item=item, name="Modelis.docx", content=tiny_docx("Modelis"), language="lv"
    )
    assert (added.language, added.original_name) == ("lv", "Modelis.docx")
    assert added.file.name.endswith(".docx")
    assert "Modelis" not in added.file.name  # stored under a random name


def test_a_refused_file_changes_nothing(portal_content, portal_editor, portal_files_dir, settings):
    settings.OPENNRM_PORTAL_UPLOAD_MAX_BYTES = 200
    before = (PublicationFile.objects.count(), len(stored_files(portal_files_dir)), actions())
    with pytest.raises(ApplicationError, match="too large"):
        services.publication_file_add(
            by=portal_editor, item=portal_content.publication, name="a.pdf", content=tiny_pdf("x" * 300)
        )
    with pytest.raises(ApplicationError, match="only PDF"):
        services.publication_file_add(by=portal_editor, item=portal_content.publication, name="a.exe", content=b"MZ")
    assert (PublicationFile.objects.count(), len(stored_files(portal_files_dir)), actions()) == before


def test_only_publications_have_files(portal_content, portal_editor):
    with pytest.raises(ApplicationError, match="Only publications"):
        services.publication_file_add(
            by=portal_editor, item=portal_content.news_all, name="a.pdf", content=tiny_pdf("x")
        )


def test_removing_a_file_deletes_it_once_committed(
    portal_content, portal_editor, portal_files_dir, django_capture_on_commit_callbacks
):
    stored = portal_content.publication_pdf
    path = Path(stored.file.path)
    with django_capture_on_commit_callbacks(execute=True):
        services.publication_file_remove(by=portal_editor, publication_file=stored)
    assert not path.exists()
    assert not PublicationFile.objects.filter(pk=stored.pk).exists()
    assert AuditEvent.objects.get(action="portal.file_remove").old_values["name"] == "general-model.pdf"


def test_every_write_is_in_the_audit_log(portal_editor):
    item = news(portal_editor)
    services.translation_save(by=portal_editor, item=item, language="en", title="Demo news")
    services.translation_publish(by=portal_editor, translation=version(item, "en"))
    services.translation_archive(by=portal_editor, translation=version(item, "en"))
    services.translation_return_to_draft(by=portal_editor, translation=version(item, "en"))
    services.item_archive(by=portal_editor, item=item)
    services.item_restore(by=portal_editor, item=item)
    assert actions() == [
        "portal.item_create",
        "portal.translation_save",
        "portal.translation_save",
        "portal.translation_publish",
        "portal.translation_archive",
        "portal.translation_return_to_draft",
        "portal.item_archive",
        "portal.item_restore",
    ]
    assert ContentRevision.objects.filter(translation__item=item).count() == 7
