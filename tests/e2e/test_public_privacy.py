"""Every kind of public page, in a real browser: no request to another host (fonts, scripts, analytics — nothing),
the strict Content-Security-Policy on every page, and no serious or critical accessibility problem (axe-core).
The self-check is also taken without JavaScript, as a locked-down browser would, and leaves no cookie."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from opennrm.portal.models import EventCategory, Kind, PublicationType, Status
from tests.e2e.conftest import axe_violations, url

QUICK_EXIT = "https://www.google.lv/"


@pytest.fixture
def public_site(lv_directory, settings, tmp_path):
    """The published Latvian model and directory, and one published item of every kind in Latvian and English."""
    from opennrm.portal.demo import tiny_pdf
    from tests.portal.conftest import add_file, make_content

    settings.OPENNRM_PORTAL_FILES_DIR = tmp_path / "portal-files"
    now = timezone.now().replace(microsecond=0)
    everywhere = {language: (Status.PUBLISHED, now - dt.timedelta(days=2)) for language in ("lv", "en")}
    make_content(kind=Kind.NEWS, slug="demo-news", versions=everywhere, title="Demo news")
    make_content(
        kind=Kind.EVENT,
        slug="demo-event",
        versions=everywhere,
        title="Demo training",
        event={
            "starts_at": now + dt.timedelta(days=5),
            "ends_at": now + dt.timedelta(days=5, hours=2),
            "place": "Demo hall, Test Street 1, Riga",
            "organiser": "Demo Ministry",
            "category": EventCategory.TRAINING,
        },
    )
    publication = make_content(
        kind=Kind.PUBLICATION,
        slug="demo-publication",
        versions=everywhere,
        title="Demo guidelines",
        publication={"published_on": dt.date(2016, 3, 9), "publication_type": PublicationType.GUIDELINES},
    )
    add_file(item=publication, language="", name="demo.pdf", content=tiny_pdf("Demo"), content_type="application/pdf")
    make_content(kind=Kind.PAGE, slug="demo-page", versions=everywhere, title="About this site")
    return now


def _public_pages() -> list[tuple[str, str]]:
    """(name, address) of one page of every public kind, in Latvian."""
    return [
        ("home", "/lv/"),
        ("news list", "/lv/news/"),
        ("news item", "/lv/news/demo-news/"),
        ("events calendar", "/lv/events/"),
        ("events list", "/lv/events/list/"),
        ("event", "/lv/event/demo-event/"),
        ("publications", "/lv/publications/"),
        ("publication", "/lv/publications/demo-publication/"),
        ("page", "/lv/pages/demo-page/"),
        ("search", "/lv/search/?q=Demo"),
        ("help", "/lv/help/"),
        ("self-check", "/lv/self-check/"),
        ("self-check, first step", "/lv/self-check/job_offer/"),
        ("model", "/lv/model/"),
        ("model stage", "/lv/model/stages/recognition/"),
        ("indicators", "/lv/indicators/"),
        ("indicator set", "/lv/indicators/adult_labour/"),
        ("statistics", "/lv/public-statistics/"),
        ("directory: who to call", "/lv/directory/who-to-call/"),
        ("working group", "/lv/coordination/working-group/public/"),
    ]


class Watcher:
    """Records, for the page shown, every request to another host and the main document's response."""

    def __init__(self, page, live_server):
        self.own = urlparse(live_server.url).netloc
        self.elsewhere: list[str] = []
        page.on("request", self._request)

    def _request(self, request):
        host = urlparse(request.url).netloc
        if host and host != self.own:
            self.elsewhere.append(request.url)


def _check_page(page, name: str, response, problems: dict) -> None:
    assert response is not None and response.ok, (name, response and response.status)
    headers = response.all_headers()
    if headers.get("content-security-policy") != settings.CONTENT_SECURITY_POLICY:
        problems.setdefault(name, []).append(f"Content-Security-Policy: {headers.get('content-security-policy')!r}")
    language = urlparse(page.url).path.split("/")[1]
    assert page.locator("html").get_attribute("lang") == language, name
    found = axe_violations(page)
    if found:
        problems.setdefault(name, []).extend(f"{v['id']} ({v['impact']}): {v['help']} at {v['nodes']}" for v in found)


def _report(problems: dict) -> str:
    return "\n".join(f"{name}: {problem}" for name, found in problems.items() for problem in found)


def test_every_public_page_stays_on_this_site_with_the_policy_and_no_accessibility_problem(
    anonymous_page, live_server, public_site
):
    page = anonymous_page
    watcher = Watcher(page, live_server)
    problems: dict = {}
    for name, path in _public_pages():
        response = page.goto(url(live_server, path))
        _check_page(page, name, response, problems)

    # Where to get help answers its own (posted) form.
    page.goto(url(live_server, "/lv/help/"))
    page.select_option("#id_municipality", "riga")
    page.check("input[name=situation][value=exploited]")
    with page.expect_navigation() as navigation:
        page.locator("form.help-finder-form button[type=submit]").click()
    _check_page(page, "help with an answer", navigation.value, problems)
    expect(page.locator("#help-answer")).to_be_visible()

    # The self-check's later steps and its result come from its own form.
    page.goto(url(live_server, "/lv/self-check/exploitation/"))
    step = 1
    while page.locator("#self-check-outcome").count() == 0:
        assert step <= 5, "the self-check never reached its result"
        page.locator("input[type=radio][value=yes]").first.check()
        if page.locator("#self-check-municipality").count():
            page.select_option("#self-check-municipality", "riga")
        with page.expect_navigation() as navigation:
            page.locator("button[name=action][value=next]").click()
        step += 1
        _check_page(page, f"self-check step {step}", navigation.value, problems)
    expect(page.locator("#help-answer")).to_be_visible()

    assert not watcher.elsewhere, watcher.elsewhere
    assert not problems, _report(problems)


def test_the_self_check_works_without_javascript_and_sets_no_cookie(browser, live_server, public_site):
    context = browser.new_context(viewport={"width": 1280, "height": 720}, locale="lv-LV", java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(15_000)
    context.route(f"{QUICK_EXIT}**", lambda route: route.fulfill(status=200, content_type="text/html", body="ok"))
    try:
        watcher = Watcher(page, live_server)
        response = page.goto(url(live_server, "/lv/self-check/job_offer/"))
        assert "set-cookie" not in response.all_headers()
        for question in ("fee", "passport", "details_change"):
            page.check(f"#q-{question}-yes")
        page.locator("button[name=action][value=next]").click()
        page.wait_for_load_state()
        expect(page.locator(".self-check-progress")).to_contain_text("2")
        with page.expect_navigation() as navigation:
            page.locator("button[name=action][value=next]").click()
        headers = navigation.value.all_headers()
        assert "set-cookie" not in headers
        assert headers["referrer-policy"] == "no-referrer" and "no-store" in headers["cache-control"]
        expect(page.locator("#self-check-outcome")).to_be_visible()
        expect(page.locator("ul.signs li")).to_have_count(3)
        assert context.cookies() == []
        assert not watcher.elsewhere, watcher.elsewhere

        # Without scripts the quick exit is a plain link to the neutral page, which learns nothing of where from.
        with page.expect_request(f"{QUICK_EXIT}**") as leaving:
            page.locator("#quick-exit").click()
        assert "referer" not in leaving.value.all_headers()
        assert page.url.startswith(QUICK_EXIT)
    finally:
        context.close()


def test_where_to_get_help_works_without_javascript_and_leaves_nothing_in_the_address(
    browser, live_server, public_site
):
    context = browser.new_context(viewport={"width": 1280, "height": 720}, locale="lv-LV", java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        watcher = Watcher(page, live_server)
        page.goto(url(live_server, "/lv/help/"))
        page.select_option("#id_municipality", "riga")
        page.check("input[name=situation][value=exploited]")
        with page.expect_navigation() as navigation:
            page.locator("form.help-finder-form button[type=submit]").click()
        response = navigation.value
        assert response.request.method == "POST"
        headers = response.all_headers()
        assert "set-cookie" not in headers
        assert headers["referrer-policy"] == "no-referrer" and "no-store" in headers["cache-control"]
        expect(page.locator("#help-answer .help-entry").first).to_be_visible()
        assert urlparse(page.url).path == "/lv/help/" and not urlparse(page.url).query
        assert context.cookies() == []

        # An old link with the choice in its address lands on the clean form, the choice gone from the address.
        page.goto(url(live_server, "/lv/help/?municipality=riga&situation=exploited"))
        assert urlparse(page.url).path == "/lv/help/" and not urlparse(page.url).query
        expect(page.locator("#help-answer")).to_have_count(0)
        assert not watcher.elsewhere, watcher.elsewhere
    finally:
        context.close()


def test_escape_leaves_the_self_check_and_back_does_not_return(anonymous_page, live_server, public_site):
    page = anonymous_page
    page.route(f"{QUICK_EXIT}**", lambda route: route.fulfill(status=200, content_type="text/html", body="ok"))
    page.goto(url(live_server, "/lv/"))
    page.goto(url(live_server, "/lv/self-check/exploitation/"))
    expect(page.locator("#quick-exit-hint")).to_be_visible()
    page.keyboard.press("Escape")
    page.wait_for_url(f"{QUICK_EXIT}**")
    # The self-check page was replaced in the history: Back goes to the page before it.
    page.go_back()
    assert urlparse(page.url).path == "/lv/"
