"""The editor's pages in a real browser, in English so that the messages can be read here: an editor signs in with
two factors, creates an event, has a bad file refused, writes a second language, publishes, previews — and every
editor page passes axe-core."""

from pathlib import Path

import pytest

from opennrm.portal.models import ContentItem, PublicationFile
from tests.e2e.conftest import axe_violations, sign_in, url
from tests.portal.conftest import portal_editor, portal_files_dir  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser


def check_accessible(page, what: str) -> None:
    assert axe_violations(page) == [], what


def test_an_editor_creates_translates_publishes_and_is_refused_a_bad_file(
    page,
    live_server,
    transactional_db,
    portal_editor,  # noqa: F811 (the fixture imported above)
    portal_files_dir,  # noqa: F811
    tmp_path,
):
    sign_in(page, live_server, username=portal_editor.username, next_path="/en/editor/")
    assert page.url.endswith("/en/editor/")
    check_accessible(page, "the editor's list")

    page.locator("a[href='/en/editor/new/event/']").click()
    page.select_option("#id_language", "lv")
    page.fill("#id_title", "Demo seminārs pašvaldībām")
    page.fill("#id_summary", "Praktisks seminārs.")
    page.fill("#id_body", "## Programma\n\n- Ievads\n- Piemēri")
    page.fill("#id_starts_at", "2031-06-10T10:00")
    page.fill("#id_ends_at", "2031-06-10T12:00")
    page.fill("#id_place", "Demo zāle, Rīga")
    page.select_option("#id_category", "training")
    check_accessible(page, "the new event form")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    item = ContentItem.objects.get(slug="demo-seminars-pasvaldibam")
    assert page.url.endswith(f"/en/editor/items/{item.pk}/")
    check_accessible(page, "the item page")

    # The Russian version, then publish it.
    page.locator(f"a[href='/en/editor/items/{item.pk}/ru/']").first.click()
    page.fill("#id_title", "Демо-семинар для самоуправлений")
    page.fill("#id_body", "Текст.")
    page.locator("main form.editor-form button[type=submit]").click()
    page.wait_for_load_state()
    check_accessible(page, "the language version page")
    page.locator("button[name=action][value=publish]").click()
    page.wait_for_load_state()
    assert item.translations.get(language="ru").status == "published"

    page.goto(url(live_server, f"/en/editor/items/{item.pk}/lv/preview/"))
    assert page.locator("h1").inner_text() == "Demo seminārs pašvaldībām"
    check_accessible(page, "the preview")

    page.goto(url(live_server, f"/en/editor/items/{item.pk}/ru/revisions/"))
    check_accessible(page, "the history")


def test_a_bad_publication_file_is_refused_and_nothing_is_saved(
    page,
    live_server,
    transactional_db,
    portal_editor,  # noqa: F811 (the fixture imported above)
    portal_files_dir,  # noqa: F811
    tmp_path,
):
    fake = tmp_path / "Plāns.pdf"
    fake.write_bytes(b"<html>this is not a PDF</html>")
    sign_in(page, live_server, username=portal_editor.username, next_path="/en/editor/new/publication/")
    page.fill("#id_title", "Demo publikācija")
    page.fill("#id_published_on", "2024-01-29")
    page.set_input_files("#id_file", str(fake))
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    summary = page.locator(".error-summary")
    assert "“Plāns.pdf” is not a real PDF file" in summary.inner_text()
    # The title typed stays in the form; nothing was stored.
    assert page.input_value("#id_title") == "Demo publikācija"
    assert ContentItem.objects.count() == 0
    assert PublicationFile.objects.count() == 0
    assert not any(Path(portal_files_dir).rglob("*.pdf"))
    check_accessible(page, "the form with its errors")
