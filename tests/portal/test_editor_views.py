"""The editor's pages: creating, writing, publishing, scheduling, previewing, history and files, through the forms."""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from opennrm.accounts.testing import force_login_verified
from opennrm.audit.models import AuditEvent
from opennrm.portal import selectors
from opennrm.portal.demo import tiny_pdf, tiny_xlsx
from opennrm.portal.models import ContentItem, PublicationFile, Status
from tests.portal.conftest import make_content


@pytest.fixture
def editor_client(client, portal_editor):
    force_login_verified(client, portal_editor)
    return client


def text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def stored_files(directory: Path) -> list[Path]:
    return [p for p in directory.rglob("*") if p.is_file()] if directory.exists() else []


# --- The list --------------------------------------------------------------------------------------------------------


def test_the_list_shows_statuses_and_missing_languages(editor_client, portal_content):
    response = editor_client.get(reverse("portal_editor:index"))
    assert response.status_code == 200
    page = response.content.decode()
    row = re.search(rf"<tr>\s*<td[^>]*><a href=\"/en/editor/items/{portal_content.news_lv.pk}/\">.*?</tr>", page, re.S)
    assert row is not None
    cells = row.group(0)
    assert cells.count("status-missing") == 2
    assert cells.count("status-published") == 1
    # A missing version links to writing it.
    assert reverse("portal_editor:translation", args=[portal_content.news_lv.pk, "en"]) in cells
    assert "Archived news" not in page


def test_the_list_filters(editor_client, portal_content):
    response = editor_client.get(reverse("portal_editor:index"), {"kind": "event", "missing": "en"})
    page = text(response)
    assert "Upcoming event (lv)" in page
    assert "Next month (lv)" in page
    assert "Past event" not in page
    assert "All languages (" not in page


def test_a_bad_filter_is_ignored_not_an_error(editor_client, portal_content):
    response = editor_client.get(reverse("portal_editor:index"), {"kind": "case", "status": "x"})
    assert response.status_code == 200
    assert "All languages (en)" in text(response)


def test_a_long_list_says_it_is_cut(editor_client, portal_content, monkeypatch):
    from opennrm.portal.views import editor

    monkeypatch.setattr(editor, "LIST_LIMIT", 3)
    page = text(editor_client.get(reverse("portal_editor:index")))
    assert "Only the 3 most recently changed items are listed." in page
    monkeypatch.setattr(editor, "LIST_LIMIT", 50)
    assert "most recently changed items are listed" not in text(editor_client.get(reverse("portal_editor:index")))


def test_the_list_costs_the_same_whatever_its_length(editor_client, portal_content):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert editor_client.get(reverse("portal_editor:index")).status_code == 200
        return len(captured)

    editor_client.get(reverse("portal_editor:index"))  # the session's first use
    before = queries()
    for number in range(10):
        make_content(
            kind="news", slug=f"more-{number}", versions={"lv": (Status.DRAFT, None), "en": (Status.DRAFT, None)}
        )
    assert queries() == before


# --- Creating --------------------------------------------------------------------------------------------------------


def test_creating_a_news_item(editor_client, portal_editor):
    response = editor_client.post(
        reverse("portal_editor:item_new", args=["news"]),
        {"language": "lv", "title": "Demo jaunums", "summary": "Īsi.", "body": "## Virsraksts\n\nTeksts.", "slug": ""},
    )
    item = ContentItem.objects.get(slug="demo-jaunums")
    assert response.status_code == 302
    assert response["Location"] == reverse("portal_editor:item", args=[item.pk])
    version = item.translations.get()
    assert (version.language, version.status, version.updated_by) == ("lv", Status.DRAFT, portal_editor)


def test_creating_an_event_with_its_time_and_place(editor_client):
    response = editor_client.post(
        reverse("portal_editor:item_new", args=["event"]),
        {
            "language": "ru",
            "title": "Демо-семинар",
            "starts_at": "2031-05-12T10:00",
            "ends_at": "2031-05-12T12:30",
            "place": "Demo hall",
            "organiser": "Demo NGO",
            "category": "training",
            "registration_url": "https://example.org/register",
        },
    )
    assert response.status_code == 302
    item = ContentItem.objects.get(kind="event")
    local_start = timezone.localtime(item.event.starts_at)
    assert (local_start.date(), local_start.hour) == (dt.date(2031, 5, 12), 10)
    assert item.event.registration_url == "https://example.org/register"


def test_a_bad_event_is_refused_with_the_field_named(editor_client):
    response = editor_client.post(
        reverse("portal_editor:item_new", args=["event"]),
        {
            "language": "lv",
            "title": "Demo",
            "starts_at": "2031-05-12T10:00",
            "ends_at": "2031-05-11T10:00",
            "category": "other",
        },
    )
    assert response.status_code == 400
    page = text(response)
    assert "There is a problem" in page or "Please correct the following" in page
    assert "The event cannot end before it starts." in page
    assert ContentItem.objects.count() == 0


def test_a_missing_title_is_named(editor_client):
    response = editor_client.post(reverse("portal_editor:item_new", args=["page"]), {"language": "en", "title": ""})
    assert response.status_code == 400
    assert "Title: This field is required." in text(response)


def test_a_publication_is_created_with_its_file(editor_client, portal_files_dir):
    upload = SimpleUploadedFile("Plan.xlsx", tiny_xlsx("Plan"), content_type="application/octet-stream")
    response = editor_client.post(
        reverse("portal_editor:item_new", args=["publication"]),
        {
            "language": "en",
            "title": "Demo plan",
            "published_on": "2024-01-29",
            "publication_type": "policy",
            "file": upload,
            "file_language": "en",
        },
    )
    assert response.status_code == 302
    stored = PublicationFile.objects.get()
    assert (stored.original_name, stored.language) == ("Plan.xlsx", "en")
    assert stored.content_type == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert len(stored_files(portal_files_dir)) == 1


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("virus.exe", b"MZ\x90\x00", "“virus.exe” is not accepted: only PDF, Word (.docx) and Excel (.xlsx)"),
        ("report.pdf", b"<html>not a pdf</html>", "“report.pdf” is not a real PDF file"),
        ("big.pdf", tiny_pdf("x" * 400), "The file is too large"),
    ],
)
def test_a_bad_upload_is_refused_clearly_and_nothing_is_saved(
    editor_client, portal_files_dir, settings, name, content, message
):
    settings.OPENNRM_PORTAL_UPLOAD_MAX_BYTES = 600
    response = editor_client.post(
        reverse("portal_editor:item_new", args=["publication"]),
        {
            "language": "en",
            "title": "Demo plan",
            "published_on": "2024-01-29",
            "publication_type": "policy",
            "file": SimpleUploadedFile(name, content),
        },
    )
    assert response.status_code == 400
    page = text(response)
    assert message in page
    assert "File:" in page  # the error summary names the field
    assert 'aria-invalid="true"' in response.content.decode()
    assert ContentItem.objects.count() == 0
    assert PublicationFile.objects.count() == 0
    assert stored_files(portal_files_dir) == []
    assert not AuditEvent.objects.filter(action__startswith="portal.").exists()


# --- Writing and statuses --------------------------------------------------------------------------------------------


def test_writing_a_missing_language(editor_client, portal_content):
    item = portal_content.news_lv
    url = reverse("portal_editor:translation", args=[item.pk, "ru"])
    assert "Write the Russian version" in text(editor_client.get(url))
    response = editor_client.post(url, {"title": "Только по-латышски", "body": "Текст.", "change_note": "Translated."})
    assert response.status_code == 302
    russian = item.translations.get(language="ru")
    assert (russian.status, russian.revisions.get().change_note) == (Status.DRAFT, "Translated.")


def test_a_public_version_warns_that_saving_changes_it_at_once(editor_client, portal_content):
    url = reverse("portal_editor:translation", args=[portal_content.news_all.pk, "en"])
    assert "saving changes what the public reads at once" in text(editor_client.get(url))


def post_status(client, item, language, **data):
    return client.post(reverse("portal_editor:translation_status", args=[item.pk, language]), data, follow=True)


def test_publishing_from_the_page(editor_client, portal_content):
    item = portal_content.news_draft
    response = post_status(editor_client, item, "en", action="publish", change_note="Ready.")
    assert "The English version is published." in text(response)
    assert selectors.item_languages(item) == ["en"]


def test_scheduling_from_the_page(editor_client, portal_content):
    item = portal_content.news_draft
    at = timezone.localtime() + dt.timedelta(days=5)
    response = post_status(editor_client, item, "lv", action="schedule", publish_at=at.strftime("%Y-%m-%dT%H:%M"))
    assert "The Latvian version is scheduled." in text(response)
    latvian = item.translations.get(language="lv")
    assert latvian.status == Status.SCHEDULED
    assert latvian.publish_at == at.replace(second=0, microsecond=0)
    assert selectors.item_languages(item) == []
    assert selectors.item_languages(item, now=at + dt.timedelta(minutes=1)) == ["lv"]


def test_scheduling_needs_a_time_in_the_future(editor_client, portal_content):
    item = portal_content.news_draft
    response = post_status(editor_client, item, "lv", action="schedule")
    assert "Publish at: Give the date and time of publication." in text(response)
    past = (timezone.localtime() - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = post_status(editor_client, item, "lv", action="schedule", publish_at=past)
    assert "The publication time must be in the future." in text(response)
    assert item.translations.get(language="lv").status == Status.DRAFT


def test_archiving_and_restoring_an_item(editor_client, portal_content):
    item = portal_content.news_all
    response = editor_client.post(
        reverse("portal_editor:item_archive", args=[item.pk]), {"change_note": "Old."}, follow=True
    )
    assert "no longer public in any language" in text(response)
    assert selectors.item_languages(item) == []
    response = editor_client.post(reverse("portal_editor:item_restore", args=[item.pk]), follow=True)
    assert "The item is restored." in text(response)


def test_changing_an_events_time(editor_client, portal_content):
    item = portal_content.event_upcoming
    url = reverse("portal_editor:item_details", args=[item.pk])
    assert 'value="Demo hall, Test Street 1, Riga"' in editor_client.get(url).content.decode()
    response = editor_client.post(
        url, {"starts_at": "2031-01-02T09:00", "place": "Elsewhere", "category": "meeting", "organiser": ""}
    )
    assert response.status_code == 302
    item.event.refresh_from_db()
    assert (item.event.place, item.event.category) == ("Elsewhere", "meeting")


# --- Preview and history ---------------------------------------------------------------------------------------------


def test_the_preview_shows_a_draft_on_the_public_page_in_its_language(editor_client, portal_content):
    item = portal_content.news_draft
    response = editor_client.get(reverse("portal_editor:preview", args=[item.pk, "lv"]))
    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="lv">' in page
    assert "<h1>Draft news (lv)</h1>" in page
    assert "<strong>test</strong>" in page  # the body rendered from Markdown
    assert "this version is not public" in page
    back = reverse("portal_editor:translation", args=[item.pk, "lv"])
    assert f'<a href="{back}">Back to editing</a>' in page  # in the editor's language, not the page's
    assert '<meta name="robots" content="noindex">' in page
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert "no-store" in response["Cache-Control"]
    # The public still does not see it.
    editor_client.logout()
    assert editor_client.get(reverse("portal:news_item", args=["draft-news"])).status_code == 404


def test_the_preview_of_an_event_and_a_publication(editor_client, portal_content):
    event = editor_client.get(reverse("portal_editor:preview", args=[portal_content.event_upcoming.pk, "ru"]))
    assert "Demo hall, Test Street 1, Riga" in text(event)
    publication = editor_client.get(reverse("portal_editor:preview", args=[portal_content.publication.pk, "en"]))
    assert "general-model.pdf" in text(publication)
    assert "visparejais-modelis.docx" not in text(publication)  # a Latvian file
    # Its links are the public downloads, as readers will have them.
    link = f'href="/en/publications/general-model/files/{portal_content.publication_pdf.token}/"'
    assert link in publication.content.decode()


def test_the_history_lists_every_revision_with_who_and_why(editor_client, portal_content, portal_editor):
    item = portal_content.news_all
    post_status(editor_client, item, "en", action="archive", change_note="Outdated now.")
    page = text(editor_client.get(reverse("portal_editor:revisions", args=[item.pk, "en"])))
    assert "#2" in page and "#1" in page
    assert "Outdated now." in page
    assert "Demo Editor" in page


def test_an_earlier_revision_is_brought_back(editor_client, portal_content):
    item = portal_content.news_lv
    url = reverse("portal_editor:translation", args=[item.pk, "lv"])
    editor_client.post(url, {"title": "Changed title", "body": "Changed."})
    page = text(editor_client.get(reverse("portal_editor:revision", args=[item.pk, "lv", 1])))
    assert "Make this the current text" in page
    response = editor_client.post(reverse("portal_editor:revision_restore", args=[item.pk, "lv", 1]), follow=True)
    assert "The text of revision 1 is the current text again." in text(response)
    assert item.translations.get(language="lv").title == "Latvian only (lv)"


def test_an_unknown_revision_is_404(editor_client, portal_content):
    url = reverse("portal_editor:revision", args=[portal_content.news_lv.pk, "lv", 99])
    assert editor_client.get(url).status_code == 404


# --- Files -----------------------------------------------------------------------------------------------------------


def test_adding_and_removing_a_file(
    editor_client, portal_content, portal_files_dir, django_capture_on_commit_callbacks
):
    item = portal_content.publication
    response = editor_client.post(
        reverse("portal_editor:file_add", args=[item.pk]),
        {"file": SimpleUploadedFile("Модель.pdf", tiny_pdf("Model")), "file_language": "ru"},
    )
    assert response.status_code == 302
    added = item.files.get(language="ru")
    assert added.original_name == "Модель.pdf"
    download = editor_client.get(reverse("portal_editor:file_download", args=[item.pk, added.pk]))
    assert b"".join(download.streaming_content) == tiny_pdf("Model")
    assert "attachment" in download["Content-Disposition"]
    path = Path(added.file.path)
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(reverse("portal_editor:file_remove", args=[item.pk, added.pk]), follow=True)
    assert "was removed" in text(response)
    assert not path.exists()


def test_a_refused_file_on_the_item_page_saves_nothing(editor_client, portal_content, portal_files_dir):
    item = portal_content.publication
    before = sorted(stored_files(portal_files_dir))
    response = editor_client.post(
        reverse("portal_editor:file_add", args=[item.pk]), {"file": SimpleUploadedFile("notes.txt", b"hello")}
    )
    assert response.status_code == 400
    assert "only PDF, Word (.docx) and Excel (.xlsx) files can be published" in text(response)
    assert item.files.count() == 2
    assert sorted(stored_files(portal_files_dir)) == before


def test_a_file_of_another_item_is_404(editor_client, portal_content):
    url = reverse("portal_editor:file_download", args=[portal_content.news_all.pk, portal_content.publication_pdf.pk])
    assert editor_client.get(url).status_code == 404
