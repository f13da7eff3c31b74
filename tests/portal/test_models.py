"""The content tables: what the database itself guarantees, where files go, and the demo content."""

import datetime as dt
from pathlib import Path

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from opennrm.portal import selectors
from opennrm.portal.demo import demo_portal_create, tiny_docx, tiny_pdf, tiny_xlsx
from opennrm.portal.models import ContentItem, ContentRevision, ContentTranslation, PublicationFile, Status
from opennrm.portal.uploads import check_file
from tests.factories import RoleFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_an_address_is_unique_within_a_kind(portal_content):
    with pytest.raises(IntegrityError), transaction.atomic():
        ContentItem.objects.create(kind="news", slug="all-languages")
    assert ContentItem.objects.create(kind="page", slug="all-languages").pk


def test_one_version_per_language(portal_content):
    with pytest.raises(IntegrityError), transaction.atomic():
        ContentTranslation.objects.create(item=portal_content.news_lv, kind="news", language="lv", title="Again")


def test_revision_numbers_are_unique_per_version(portal_content):
    version = portal_content.news_lv.translations.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        ContentRevision.objects.create(translation=version, number=1, title="x", status=Status.DRAFT)


def test_files_are_stored_under_the_configured_folder_with_a_random_name(portal_content, portal_files_dir):
    stored = portal_content.publication_pdf
    path = Path(stored.file.path)
    assert path.is_relative_to(Path(portal_files_dir).resolve())
    assert path.parent.name == str(portal_content.publication.pk)
    assert path.name == f"{stored.token}.pdf"
    assert stored.file.read() == tiny_pdf("General Model (test)")


def test_deleting_an_item_takes_its_versions_revisions_and_file_rows(portal_content):
    item = portal_content.publication
    item.delete()
    assert not ContentTranslation.objects.filter(item_id=item.pk).exists()
    assert not PublicationFile.objects.filter(item_id=item.pk).exists()


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("a.pdf", lambda: tiny_pdf("Vispārējais modelis", ("Общая модель",))),
        ("a.docx", lambda: tiny_docx("Test")),
        ("a.xlsx", lambda: tiny_xlsx("Test", ((1, 2),))),
    ],
)
def test_generated_demo_files_pass_the_upload_checks(name, make):
    assert check_file(name=name, content=make()).size > 0


# --- Demo content ----------------------------------------------------------------------------------------------------


@pytest.fixture
def demo_editor(db):
    return UserFactory(username="demo.editor", roles=[RoleFactory(code="portal_editor", capabilities=["portal.edit"])])


def test_demo_content_is_created_once(demo_editor):
    first = demo_portal_create()
    count = ContentItem.objects.count()
    assert first == f"Public site content: {count} demo items created ({count} in all)."
    assert demo_portal_create() == f"Public site content: 0 demo items created ({count} in all)."
    assert ContentItem.objects.count() == count


def test_demo_content_has_what_the_public_pages_need(demo_editor):
    demo_portal_create()
    assert len(selectors.published_items(kind="news", language="lv")) >= 3
    russian_events = {t.item.slug for t in selectors.published_items(kind="event", language="ru")}
    english_events = {t.item.slug for t in selectors.published_items(kind="event", language="en")}
    # Some events are only in Latvian and Russian.
    assert russian_events - english_events
    publications = {t.item.slug for t in selectors.published_items(kind="publication", language="en")}
    assert publications == {"general-model", "guidelines-for-municipalities", "policy-guidelines-2014-2020"}
    assert selectors.published_item(kind="page", slug="about", language="ru") is not None
    for item in ContentItem.objects.filter(kind="publication"):
        (stored,) = item.files.all()
        assert stored.content_type == "application/pdf"
        assert b"not the official document" in stored.file.read()


def test_demo_events_include_this_month_and_next(demo_editor):
    demo_portal_create()
    today = timezone.localdate()
    next_month = (today.replace(day=28) + dt.timedelta(days=5)).replace(day=1)
    months = {
        slug: (timezone.localtime(starts).year, timezone.localtime(starts).month)
        for slug, starts in ContentItem.objects.filter(kind="event").values_list("slug", "event__starts_at")
    }
    assert months["demo-seminar-labour-exploitation"] == (today.year, today.month)
    assert months["demo-working-group-meeting"] == (next_month.year, next_month.month)
    assert months["demo-conference-cooperation"] == (next_month.year, next_month.month)


def test_demo_content_is_skipped_without_the_demo_editor(db):
    assert "skipped" in demo_portal_create()
    assert ContentItem.objects.count() == 0
