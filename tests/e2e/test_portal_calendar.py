"""A member of the public and the events calendar, in a real browser: an event published in Latvian and Russian is
found in the month's calendar, read in both languages and found again in the iCalendar feed; every public page
type passes axe-core; and no page asks another host for anything."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from urllib.parse import urlparse

import icalendar
import pytest
from django.utils import timezone
from playwright.sync_api import expect

from opennrm.core.capabilities import Capability
from opennrm.portal.models import EventCategory, Kind, PublicationType, Status
from opennrm.portal.services import EventData, item_create, translation_publish, translation_save
from tests.e2e.conftest import axe_violations, url
from tests.factories import RoleFactory, UserFactory
from tests.portal.conftest import make_content

TITLE_LV = "Apmācības pašvaldību sociālajiem darbiniekiem (tests)"
TITLE_RU = "Обучение для социальных работников самоуправлений (тест)"


@pytest.fixture
def published_event(transactional_db):
    """An event published in Latvian and Russian through the editors' services, three days from now at 10:00."""
    editor = UserFactory(
        username="e2e.portal.editor",
        roles=[RoleFactory(code="e2e_portal_editor", capabilities=[Capability.PORTAL_EDIT])],
    )
    starts = (timezone.localtime() + dt.timedelta(days=3)).replace(hour=10, minute=0, second=0, microsecond=0)
    item = item_create(
        by=editor,
        kind=Kind.EVENT,
        language="lv",
        title=TITLE_LV,
        summary="Divu stundu apmācības par cilvēku tirdzniecības pazīmēm (testa dati).",
        body="## Programma\n\n- Pazīmes\n- Kur vērsties",
        slug="e2e-training",
        event=EventData(
            starts_at=starts,
            ends_at=starts + dt.timedelta(hours=2),
            place="Demo zāle, Testa iela 1, Rīga",
            organiser="Demo ministrija",
            category=EventCategory.TRAINING,
            registration_url="https://example.org/register",
        ),
    )
    latvian = item.translations.get(language="lv")
    translation_publish(by=editor, translation=latvian)
    russian = translation_save(
        by=editor,
        item=item,
        language="ru",
        title=TITLE_RU,
        summary="Двухчасовое обучение о признаках торговли людьми (тестовые данные).",
        body="## Программа\n\n- Признаки\n- Куда обращаться",
    )
    translation_publish(by=editor, translation=russian)
    return item, timezone.localtime(starts)


@pytest.fixture
def other_content(transactional_db):
    now = timezone.now()
    everywhere = {language: (Status.PUBLISHED, now - dt.timedelta(days=1)) for language in ("lv", "en", "ru")}
    make_content(kind=Kind.NEWS, slug="e2e-news", versions=everywhere, title="Demo news")
    make_content(
        kind=Kind.PUBLICATION,
        slug="e2e-publication",
        versions=everywhere,
        title="Demo guidelines",
        publication={"published_on": dt.date(2016, 5, 1), "publication_type": PublicationType.GUIDELINES},
    )
    make_content(kind=Kind.PAGE, slug="e2e-page", versions=everywhere, title="Demo page")


def record_requests(page) -> list[str]:
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    return requested


def other_hosts(requested: list[str], live_server) -> list[str]:
    own = urlparse(live_server.url).netloc
    return [
        address
        for address in requested
        if urlparse(address).scheme not in ("data", "blob", "about") and urlparse(address).netloc != own
    ]


def test_a_visitor_finds_the_event_in_the_calendar_reads_it_in_both_languages_and_gets_the_feed(
    anonymous_page, live_server, published_event
):
    page = anonymous_page
    requested = record_requests(page)
    item, starts = published_event

    # The month's calendar: a table whose day cell links the event.
    page.goto(url(live_server, f"/lv/events/{starts.year}/{starts.month}/"))
    calendar = page.locator("table.calendar-grid")
    expect(calendar.locator("caption")).to_be_visible()
    day = calendar.locator("td", has=page.locator(f"span[aria-hidden=true]:text-is('{starts.day}')"))
    day.get_by_role("link", name=TITLE_LV).click()

    expect(page).to_have_url(re.compile(r"/lv/event/e2e-training/$"))
    expect(page.locator("h1")).to_have_text(TITLE_LV)
    expect(page.locator("main")).to_contain_text("Demo zāle, Testa iela 1, Rīga")
    expect(page.locator("main")).to_contain_text("Demo ministrija")

    # Switching language with the header's switcher keeps the visitor on the same event.
    page.select_option("#language-select", "ru")
    page.locator("form.language-switcher button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/ru/event/e2e-training/$"))
    expect(page.locator("h1")).to_have_text(TITLE_RU)
    assert page.locator("html").get_attribute("lang") == "ru"
    # …and back, through the link to the other language version on the page.
    page.locator("main .language-versions a[hreflang=lv]").click()
    expect(page.locator("h1")).to_have_text(TITLE_LV)

    # The calendar feed for calendar applications, downloaded from the calendar page.
    page.goto(url(live_server, "/ru/events/"))
    with page.expect_download() as download:
        page.locator("a[href$='/ru/events/calendar.ics']").click()
    content = Path(download.value.path()).read_bytes()
    events = icalendar.Calendar.from_ical(content).walk("VEVENT")
    found = [event for event in events if str(event["SUMMARY"]) == TITLE_RU]
    assert len(found) == 1
    assert found[0].decoded("DTSTART") == starts
    assert str(found[0]["URL"]).endswith("/ru/event/e2e-training/")

    assert other_hosts(requested, live_server) == []


def test_the_calendar_works_without_javascript(page_no_js, live_server, published_event):
    page = page_no_js
    item, starts = published_event
    page.goto(url(live_server, f"/lv/events/{starts.year}/{starts.month}/"))
    expect(page.get_by_role("link", name=TITLE_LV).first).to_be_visible()
    # The category filter is a plain form: a category without this event empties the month.
    page.select_option("#id_category", EventCategory.CONFERENCE)
    page.locator("main form.filters button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"\?category=conference$"))
    expect(page.get_by_role("link", name=TITLE_LV)).to_have_count(0)
    # The month links keep the filter.
    page.locator(".month-nav a[rel=next]").click()
    expect(page).to_have_url(re.compile(r"/lv/events/\d{4}/\d{1,2}/\?category=conference$"))
    # The list of upcoming events has the event too.
    page.goto(url(live_server, "/lv/events/list/"))
    expect(page.get_by_role("link", name=TITLE_LV)).to_be_visible()


PAGE_TYPES = {
    "home": "/{language}/",
    "news list": "/{language}/news/",
    "news item": "/{language}/news/e2e-news/",
    "calendar": "/{language}/events/",
    "events list": "/{language}/events/list/",
    "event": "/{language}/event/e2e-training/",
    "publications": "/{language}/publications/?q=demo",
    "publication": "/{language}/publications/e2e-publication/",
    "search": "/{language}/search/?q=demo",
    "page": "/{language}/pages/e2e-page/",
    "not in this language": "/en/event/e2e-training/",
}


def test_every_public_page_type_passes_axe_and_stays_on_this_host(
    anonymous_page, live_server, published_event, other_content
):
    page = anonymous_page
    requested = record_requests(page)
    problems = {}
    for language in ("lv", "ru"):
        for name, pattern in PAGE_TYPES.items():
            path = pattern.format(language=language)
            response = page.goto(url(live_server, path))
            assert response.status == (404 if name == "not in this language" else 200), path
            found = axe_violations(page)
            if found:
                problems[path] = found
    # A filter the visitor got wrong: the error summary must be accessible too.
    page.goto(url(live_server, "/lv/publications/?year=1888"))
    problems.update({"publications with an error": found} if (found := axe_violations(page)) else {})
    assert not problems, "\n".join(
        f"{path}: {v['id']} ({v['impact']}) {v['help']} at {v['nodes']}"
        for path, found in problems.items()
        for v in found
    )
    assert other_hosts(requested, live_server) == []
