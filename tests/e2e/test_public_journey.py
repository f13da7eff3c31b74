"""The public information resource end to end, in a real browser on the real Latvian pack and demo directory.

An editor (the portal editor role, signed in with the second step) writes an event in Latvian and Russian and
publishes both through the editor's pages; it appears in that month's calendar and in the iCalendar feed. A member
of the public finds it, switches to Russian, asks where to get help in a municipality, completes the self-check,
and leaves with the quick exit — having made no request to any other host on the way.
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlparse

from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in, url, user_with_role

TITLE_LV = "Demo seminārs: kā atpazīt cilvēku tirdzniecību"
TITLE_RU = "Демо-семинар: как распознать торговлю людьми"
SLUG = "demo-seminars-atpazisana"
# The neutral page of the Latvian pack's quick exit, answered by the test browser (the test has no internet).
QUICK_EXIT = "https://www.google.lv/"


def _event_start() -> dt.datetime:
    """The 15th of next month, 10:00 local time: always in the future, in a month of its own."""
    today = timezone.localdate()
    first_of_next = (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    return dt.datetime.combine(first_of_next.replace(day=15), dt.time(10, 0))


def _publish_language_version(page) -> None:
    page.locator("form.editor-status-form button[name=action][value=publish]").click()
    page.wait_for_load_state()
    expect(page.locator(".editor-status .status-published")).to_be_visible()


def _editor_publishes_the_event(page, live_server, starts: dt.datetime) -> None:
    user_with_role("portal_editor", username="e2e.editor")
    sign_in(page, live_server, username="e2e.editor", next_path="/lv/editor/")
    expect(page).to_have_url(re.compile(r"/lv/editor/$"))

    page.goto(url(live_server, "/lv/editor/new/event/"))
    page.select_option("#id_language", "lv")
    page.fill("#id_title", TITLE_LV)
    page.fill("#id_summary", "Bezmaksas seminārs pašvaldību darbiniekiem (testa dati).")
    page.fill("#id_body", "## Programma\n\nIndikatori, nosūtīšana un sadarbība. **Testa** teksts.")
    page.fill("#id_slug", SLUG)
    page.fill("#id_starts_at", starts.strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_ends_at", (starts + dt.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_place", "Demo zāle, Parauga iela 1, Rīga")
    page.fill("#id_organiser", "Demo ministrija")
    page.locator("form.editor-form button[type=submit]").click()
    page.wait_for_load_state()
    item_id = re.search(r"/editor/items/(\d+)/", page.url).group(1)

    page.goto(url(live_server, f"/lv/editor/items/{item_id}/lv/"))
    _publish_language_version(page)

    page.goto(url(live_server, f"/lv/editor/items/{item_id}/ru/"))
    page.fill("#id_title", TITLE_RU)
    page.fill("#id_summary", "Бесплатный семинар для работников самоуправлений (тестовые данные).")
    page.fill("#id_body", "## Программа\n\nИндикаторы, направление и сотрудничество.")
    page.locator("form.editor-form button[type=submit]").click()
    page.wait_for_load_state()
    if f"/editor/items/{item_id}/ru/" not in page.url:
        page.goto(url(live_server, f"/lv/editor/items/{item_id}/ru/"))
    _publish_language_version(page)


def _record_requests(page, live_server) -> list[str]:
    """Every request the page makes to a host other than the site's own."""
    own = urlparse(live_server.url).netloc
    elsewhere: list[str] = []
    page.on("request", lambda request: urlparse(request.url).netloc not in (own, "") and elsewhere.append(request.url))
    return elsewhere


def test_an_event_from_the_editor_to_the_public_then_help_and_a_quick_exit(new_page, live_server, lv_directory):
    starts = _event_start()
    editor = new_page()
    _editor_publishes_the_event(editor, live_server, starts)

    visitor = new_page()
    elsewhere = _record_requests(visitor, live_server)
    visitor.route(
        f"{QUICK_EXIT}**",
        lambda route: route.fulfill(status=200, content_type="text/html", body="<title>Neutral</title>"),
    )

    # The month's calendar lists it, and the iCalendar feed carries it.
    visitor.goto(url(live_server, f"/lv/events/{starts.year}/{starts.month}/"))
    calendar_link = visitor.locator("table.calendar-grid a", has_text=TITLE_LV)
    expect(calendar_link).to_have_count(1)
    feed = visitor.request.get(url(live_server, "/lv/events/calendar.ics"))
    assert feed.ok and feed.headers["content-type"].startswith("text/calendar")
    unfolded = feed.text().replace("\r\n ", "")
    assert f"SUMMARY:{TITLE_LV}" in unfolded
    assert re.search(rf"DTSTART[^:\r\n]*:{starts:%Y%m%d}T", unfolded)
    russian_feed = visitor.request.get(url(live_server, "/ru/events/calendar.ics")).text().replace("\r\n ", "")
    assert f"SUMMARY:{TITLE_RU}" in russian_feed

    # A member of the public opens it and switches to Russian.
    calendar_link.click()
    visitor.wait_for_load_state()
    expect(visitor.locator("h1")).to_have_text(TITLE_LV)
    visitor.select_option("#language-select", "ru")
    visitor.locator("form.language-switcher button[type=submit]").click()
    visitor.wait_for_load_state()
    expect(visitor).to_have_url(re.compile(rf"/ru/event/{SLUG}/$"))
    expect(visitor.locator("h1")).to_have_text(TITLE_RU)
    assert visitor.locator("html").get_attribute("lang") == "ru"
    # The emergency numbers are in the header of every page.
    expect(visitor.locator(".emergency-numbers a[href='tel:112']")).to_be_visible()

    # Where to get help, for Valmiera: a job offer to check.
    visitor.locator("nav.site-nav a[href='/ru/help/']").click()
    visitor.wait_for_load_state()
    visitor.select_option("#id_municipality", "valmiera")
    visitor.check("input[name=situation][value=job_offer]")
    with visitor.expect_response(lambda r: "/help/" in r.url and r.request.method == "POST") as sent:
        visitor.locator("form.help-finder-form button[type=submit]").click()
    visitor.wait_for_load_state()
    answer = visitor.locator("#help-answer")
    expect(answer).to_be_visible()
    expect(answer.locator(".help-entry").first).to_be_visible()
    # The place and the situation stay out of the address, and the answer out of every cache.
    assert "valmiera" not in visitor.url and "job_offer" not in visitor.url
    headers = sent.value.all_headers()
    assert "set-cookie" not in headers and "no-store" in headers["cache-control"]

    # The self-check "Am I being exploited?", step by step, ending in where to get help in Valmiera.
    visitor.locator("a[href='/ru/self-check/exploitation/']").click()
    visitor.wait_for_load_state()
    for strong, medium in (
        ("not_as_promised", "pay_not_as_promised"),
        ("long_hours", "low_pay"),
        ("passport_held", "threatened"),
    ):
        visitor.check(f"#q-{strong}-yes")
        visitor.check(f"#q-{medium}-yes")
        if visitor.locator("#self-check-municipality").count():
            visitor.select_option("#self-check-municipality", "valmiera")
        with visitor.expect_response(lambda r: "/self-check/" in r.url and r.request.method == "POST") as sent:
            visitor.locator("button[name=action][value=next]").click()
        # The self-check sets no cookie and may not be stored anywhere.
        headers = sent.value.all_headers()
        assert "set-cookie" not in headers and "no-store" in headers["cache-control"]
        visitor.wait_for_load_state()
    outcome = visitor.locator("#self-check-outcome")
    expect(outcome).to_contain_text("Ваши ответы указывают на серьёзные признаки эксплуатации")
    expect(visitor.locator("ul.signs li")).to_have_count(6)
    expect(visitor.locator("#help-answer .help-entry").first).to_be_visible()

    assert not elsewhere, elsewhere

    # The quick exit leaves the site at once.
    visitor.locator("#quick-exit").click()
    expect(visitor).to_have_url(re.compile(rf"^{re.escape(QUICK_EXIT)}"))
    assert urlparse(visitor.url).netloc != urlparse(live_server.url).netloc
