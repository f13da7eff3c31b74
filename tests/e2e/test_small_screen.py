"""At 1366×768 (a small office laptop) nothing needs horizontal scrolling: the main navigation and the
editor's Save button are on screen, in Latvian, whose words run longest of the three languages."""

import re

from playwright.sync_api import expect

from tests.e2e.conftest import assert_latvian, sign_in, url

WIDTH = 1366


def _assert_no_horizontal_scroll(page, name: str) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= WIDTH, f"{name}: the page is {width}px wide"


def _assert_within_width(locator, name: str) -> None:
    expect(locator).to_be_visible()
    box = locator.bounding_box()
    assert box is not None, name
    assert box["x"] >= 0 and box["x"] + box["width"] <= WIDTH, f"{name} is off screen: {box}"


def _assert_navigation_on_screen(page, name: str) -> None:
    controls = page.locator("nav.site-nav a, nav.site-nav button")
    assert controls.count() >= 4, name
    for control in controls.all():
        _assert_within_width(control, f"{name}: navigation item {control.inner_text()!r}")


def test_public_pages_fit_a_small_laptop(page, live_server, lv_model):
    assert page.viewport_size == {"width": WIDTH, "height": 768}
    for path in (
        "/lv/",
        "/lv/model/",
        "/lv/model/stages/recognition/",
        "/lv/model/institution-types/municipal_social_service/",
        "/lv/model/print/",
        "/lv/model/versions/",
    ):
        page.goto(url(live_server, path))
        assert_latvian(page)
        _assert_navigation_on_screen(page, path)
        _assert_no_horizontal_scroll(page, path)


def test_editor_fits_a_small_laptop(page, live_server, draft, coordinator):
    sign_in(page, live_server, username=coordinator.username, next_path=f"/lv/model/versions/{draft.number}/draft/")
    expect(page).to_have_url(re.compile(r"/draft/$"))
    # Signed in, the navigation carries the editor link, the user's name and "sign out" as well.
    expect(page.locator("nav.site-nav a[href='/lv/model/edit/']")).to_be_visible()
    _assert_navigation_on_screen(page, "draft")
    _assert_no_horizontal_scroll(page, "draft")

    entry = page.locator("#entry-municipal_social_service-recognition")
    entry.locator(".entry-actions a[hx-get]").first.click()
    save = entry.locator("form button[type=submit]")
    save.scroll_into_view_if_needed()
    _assert_within_width(save, "the Save button of the entry form")
    _assert_no_horizontal_scroll(page, "draft with an entry form")

    for name, path in (("diff", "diff/"), ("publish", "publish/")):
        page.goto(url(live_server, f"/lv/model/versions/{draft.number}/{path}"))
        _assert_navigation_on_screen(page, name)
        _assert_no_horizontal_scroll(page, name)
    _assert_within_width(page.locator("main form[action$='/publish/'] button[type=submit]"), "Publish button")
