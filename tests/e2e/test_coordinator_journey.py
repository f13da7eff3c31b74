"""The national coordinator keeps the model current: draft → inline edit → compare → publish, in Latvian.

The same edit is then made with JavaScript switched off, through plain form posts.
"""

import re

import yaml
from django.conf import settings
from playwright.sync_api import expect

from opennrm.jurisdiction.models import ModelVersion
from tests.e2e.conftest import assert_latvian, sign_in, url

TYPE_ID = "municipal_social_service"
STAGE_ID = "recognition"
ENTRY = f"#entry-{TYPE_ID}-{STAGE_ID}"
NEW_TEXT_LV = "Sociālais dienests pārbaudes vajadzībām reģistrē pazīmes un informē policiju (testa teksts)."
ADDED_FUNCTION = "refer"
CHANGE_NOTE = "Precizēts sociālā dienesta uzdevums atpazīšanas posmā (testa izmaiņa)."


def _pack_text(file: str, key: str, item_id: str, field: str = "name") -> str:
    """Latvian text of one pack item, read from the pack itself so the test follows the data."""
    data = yaml.safe_load((settings.OPENNRM_PACKS_DIR / "lv" / file).read_text(encoding="utf-8"))
    return next(item[field]["lv"] for item in data[key] if item["id"] == item_id)


def _old_description() -> str:
    data = yaml.safe_load((settings.OPENNRM_PACKS_DIR / "lv" / "matrix.yaml").read_text(encoding="utf-8"))
    return next(
        e["description"]["lv"] for e in data["matrix"] if e["institution_type"] == TYPE_ID and e["stage"] == STAGE_ID
    )


def _draft_entry(number: int) -> dict:
    version = ModelVersion.objects.get(number=number)
    return next(e for e in version.content["matrix"] if e["institution_type"] == TYPE_ID and e["stage"] == STAGE_ID)


def _start_draft(page) -> int:
    page.locator("nav.site-nav a[href='/lv/model/edit/']").click()
    expect(page).to_have_url(re.compile(r"/lv/model/edit/$"))
    assert_latvian(page)
    page.locator("#start-draft").click()
    expect(page).to_have_url(re.compile(r"/lv/model/versions/\d+/draft/$"))
    return int(re.search(r"/versions/(\d+)/draft/", page.url).group(1))


def test_coordinator_edits_inline_compares_and_publishes(page, anonymous_page, live_server, coordinator):
    sign_in(page, live_server, username=coordinator.username)
    assert_latvian(page)
    number = _start_draft(page)
    assert number == 2

    # Inline edit (htmx): the entry turns into its form and back, on the same page.
    page.evaluate("() => { window.__samePage = true; }")
    entry = page.locator(ENTRY)
    entry.locator(".entry-actions a[hx-get]").first.click()
    form = page.locator(f"{ENTRY} form")
    expect(form).to_be_visible()
    form.locator("#id_description_lv").fill(NEW_TEXT_LV)
    form.locator(f"input[name=functions][value={ADDED_FUNCTION}]").check()
    form.locator("button[type=submit]").click()
    expect(page.locator(f"{ENTRY} form")).to_have_count(0)
    expect(page.locator(ENTRY)).to_contain_text(NEW_TEXT_LV)
    expect(page.locator(ENTRY)).to_contain_text(_pack_text("functions.yaml", "functions", ADDED_FUNCTION))
    assert page.evaluate("() => window.__samePage === true"), "the row was not updated in place"
    assert re.search(r"/lv/model/versions/2/draft/$", page.url)
    saved = _draft_entry(2)
    assert saved["description"]["lv"] == NEW_TEXT_LV
    assert ADDED_FUNCTION in saved["functions"]

    # An invalid edit (no function) is refused with the error next to the field, still in place.
    page.locator(ENTRY).locator(".entry-actions a[hx-get]").first.click()
    form = page.locator(f"{ENTRY} form")
    expect(form).to_be_visible()
    for box in form.locator("input[name=functions]").all():
        box.uncheck()
    form.locator("button[type=submit]").click()
    functions_group = page.locator(f"{ENTRY} .form-field", has=page.locator("input[name=functions]"))
    expect(functions_group.locator("#id_functions_error")).to_be_visible()
    described = page.locator(f"{ENTRY} [aria-describedby*='id_functions_error']")
    assert described.count() >= 1, "the functions error is not linked to the field"
    assert page.evaluate("() => window.__samePage === true")
    assert ADDED_FUNCTION in _draft_entry(2)["functions"], "a refused edit changed the draft"
    # Cancel brings the saved row back.
    page.locator(f"{ENTRY} form .form-actions a").click()
    expect(page.locator(f"{ENTRY} form")).to_have_count(0)
    expect(page.locator(ENTRY)).to_contain_text(NEW_TEXT_LV)

    # Compare with the published version: the old text is marked deleted, the new one inserted.
    page.locator("a[href='/lv/model/versions/2/diff/']").first.click()
    expect(page).to_have_url(re.compile(r"/lv/model/versions/2/diff/$"))
    assert_latvian(page)
    expect(page.locator("ins", has_text=NEW_TEXT_LV).first).to_be_visible()
    expect(page.locator("del", has_text=_old_description()[:40]).first).to_be_visible()

    # Publish with a change note.
    page.goto(url(live_server, "/lv/model/versions/2/draft/"))
    page.locator("a[href='/lv/model/versions/2/publish/']").click()
    expect(page).to_have_url(re.compile(r"/lv/model/versions/2/publish/$"))
    page.fill("#id_change_note", CHANGE_NOTE)
    page.check("#id_confirm")
    page.locator("main form[action$='/publish/'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/lv/model/$"))
    assert ModelVersion.objects.get(number=2).status == ModelVersion.Status.PUBLISHED

    # A visitor who is not signed in reads version 2 and the change ...
    visitor = anonymous_page
    visitor.goto(url(live_server, "/lv/model/"))
    assert_latvian(visitor)
    expect(visitor.locator(".version-meta dd").first).to_have_text(re.compile(r"^\s*2\b"))
    expect(visitor.locator(".version-meta")).to_contain_text(CHANGE_NOTE)
    visitor.goto(url(live_server, f"/lv/model/institution-types/{TYPE_ID}/"))
    expect(visitor.locator("main")).to_contain_text(NEW_TEXT_LV)
    # ... and version 1 is still readable, marked as no longer in force, with the old text.
    visitor.goto(url(live_server, f"/lv/model/versions/1/institution-types/{TYPE_ID}/"))
    assert_latvian(visitor)
    expect(visitor.locator(".status-superseded").first).to_be_visible()
    expect(visitor.locator("main")).to_contain_text(_old_description())
    expect(visitor.locator("main")).not_to_contain_text(NEW_TEXT_LV)
    visitor.goto(url(live_server, "/lv/model/versions/"))
    expect(visitor.locator("a[href='/lv/model/versions/1/']")).to_be_visible()
    expect(visitor.locator("main")).to_contain_text(CHANGE_NOTE)


def test_the_same_edit_works_without_javascript(page_no_js, live_server, coordinator):
    page = page_no_js
    sign_in(page, live_server, username=coordinator.username)
    number = _start_draft(page)

    # The Edit link is a plain link to the entry's own page.
    page.locator(ENTRY).locator(".entry-actions a[hx-get]").first.click()
    expect(page).to_have_url(re.compile(rf"/lv/model/versions/{number}/draft/matrix/{TYPE_ID}/{STAGE_ID}/$"))
    assert_latvian(page)

    # Invalid first: the page comes back with the error beside the field and a summary linking to it.
    for box in page.locator("input[name=functions]").all():
        box.uncheck()
    page.fill("#id_description_lv", NEW_TEXT_LV)
    page.locator(f"{ENTRY} form button[type=submit]").click()
    functions_group = page.locator(".form-field", has=page.locator("input[name=functions]"))
    expect(functions_group.locator("#id_functions_error")).to_be_visible()
    # The summary at the top links to the field.
    expect(page.locator("#error-summary a[href^='#id_functions']")).to_be_visible()
    assert _draft_entry(number)["description"]["lv"] == _old_description()

    # Then valid: back on the draft page, with the saved row.
    page.locator(f"input[name=functions][value={ADDED_FUNCTION}]").check()
    page.fill("#id_description_lv", NEW_TEXT_LV)
    page.locator(f"{ENTRY} form button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"/lv/model/versions/{number}/draft/#entry-{TYPE_ID}-{STAGE_ID}$"))
    expect(page.locator(ENTRY)).to_contain_text(NEW_TEXT_LV)
    saved = _draft_entry(number)
    assert saved["description"]["lv"] == NEW_TEXT_LV
    assert saved["functions"] == [ADDED_FUNCTION]
