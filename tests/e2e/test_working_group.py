"""A working-group member reads the draft and its differences, but cannot change or publish it."""

import re

from playwright.sync_api import expect

from opennrm.jurisdiction.models import ModelVersion
from tests.e2e.conftest import assert_latvian, sign_in, url

ENTRY_PATH = "/lv/model/versions/2/draft/matrix/municipal_social_service/recognition/"


def _csrf_token(page) -> str:
    # Every page carries the language switcher's form, hence a valid token for this session.
    return page.locator("input[name=csrfmiddlewaretoken]").first.get_attribute("value")


def test_working_group_member_reads_the_draft_without_edit_controls(page, live_server, draft, working_group_member):
    sign_in(page, live_server, username=working_group_member.username, next_path="/lv/model/edit/")
    expect(page).to_have_url(re.compile(r"/lv/model/edit/$"))
    assert_latvian(page)
    expect(page.locator("#start-draft")).to_have_count(0)

    page.locator("a[href='/lv/model/versions/2/draft/']").click()
    expect(page).to_have_url(re.compile(r"/lv/model/versions/2/draft/$"))
    assert_latvian(page)
    expect(page.locator(".entry").first).to_be_visible()
    # No edit, remove, add or publish controls anywhere on the draft.
    expect(page.locator(".entry .entry-actions")).to_have_count(0)
    expect(page.locator("a[href*='/draft/matrix/']")).to_have_count(0)
    expect(page.locator("a[href*='/draft/new-entry/']")).to_have_count(0)
    expect(page.locator("a[href*='/draft/institution-types/']")).to_have_count(0)
    expect(page.locator("a[href$='/publish/']")).to_have_count(0)

    page.locator("a[href='/lv/model/versions/2/diff/']").first.click()
    expect(page).to_have_url(re.compile(r"/lv/model/versions/2/diff/$"))
    expect(page.locator("main h1")).to_be_visible()
    expect(page.locator("form[method=post]:not(.language-switcher):not(.inline-form)")).to_have_count(0)


def test_working_group_member_cannot_post_changes(page, live_server, draft, working_group_member):
    sign_in(page, live_server, username=working_group_member.username, next_path="/lv/model/versions/2/draft/")
    expect(page).to_have_url(re.compile(r"/lv/model/versions/2/draft/$"))
    token = _csrf_token(page)
    before = ModelVersion.objects.get(number=2).content_hash

    # Opening the edit and publish forms directly is refused too.
    for path in (ENTRY_PATH, "/lv/model/versions/2/publish/"):
        response = page.request.get(url(live_server, path))
        assert response.status == 403, path

    # Requests with a valid CSRF token, so that only the permission check can refuse them.
    posts = {
        ENTRY_PATH: {"functions": "refer", "description_lv": "x", "description_en": "x", "description_ru": "x"},
        "/lv/model/versions/2/publish/": {"change_note": "Nav atļauts.", "confirm": "on"},
        "/lv/model/edit/new-draft/": {},
    }
    for path, data in posts.items():
        response = page.request.post(
            url(live_server, path),
            form={"csrfmiddlewaretoken": token, **data},
            headers={"Referer": url(live_server, "/lv/model/versions/2/draft/")},
        )
        assert response.status == 403, path
        # Django's CSRF refusal is a bare page of its own; the role refusal is the site's 403 page.
        assert 'id="main"' in response.text(), f"{path} was refused for its CSRF token, not for the role"

    version = ModelVersion.objects.get(number=2)
    assert version.status == ModelVersion.Status.DRAFT
    assert version.content_hash == before
    assert ModelVersion.objects.count() == 2
