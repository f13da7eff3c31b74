"""The public content pages: only published versions, in the language of the address; missing languages said so;
the calendar as an accessible month table; publications with filters and downloads; the home page."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from opennrm.accounts.testing import force_login_verified
from opennrm.core.capabilities import Capability
from opennrm.portal.models import EventCategory, Kind, PublicationType, Status
from tests.factories import RoleFactory, UserFactory
from tests.portal.conftest import add_file, make_content


@pytest.fixture(autouse=True)
def _no_stored_pages():
    """Pages the server keeps for the public (opennrm.portal.caching) start empty in each test."""
    cache.clear()


@pytest.fixture
def header_ready(db):
    """The header's emergency numbers are read once per cache period (portal-help's); count the page's own queries."""
    from opennrm.portal.help_finder import header_numbers

    header_numbers()


pytestmark = pytest.mark.django_db


def text(response) -> str:
    return response.content.decode()


def hreflangs(response) -> dict[str, str]:
    return dict(re.findall(r'<link rel="alternate" hreflang="([a-z-]+)" href="([^"]+)"', text(response)))


# --- News ----------------------------------------------------------------------------------------------------------


def test_news_list_shows_only_what_is_published_in_the_language(client, portal_content):
    latvian = text(client.get("/lv/news/"))
    assert "All languages (lv)" in latvian and "Latvian only (lv)" in latvian
    for hidden in ("Draft news", "Scheduled news", "Archived news", "(en)", "(ru)"):
        assert hidden not in latvian
    russian = text(client.get("/ru/news/"))
    # The Russian version was scheduled for an hour ago: it is public by now; the Latvian one is still to come.
    assert "Scheduled news (ru)" in russian and "All languages (ru)" in russian
    assert "Latvian only" not in russian


def test_news_list_is_paged_newest_first(client, portal_content):
    now = portal_content.now
    for number in range(25):
        make_content(
            kind=Kind.NEWS,
            slug=f"bulk-{number:02d}",
            versions={"en": (Status.PUBLISHED, now - dt.timedelta(hours=number + 1))},
        )
    first = text(client.get("/en/news/"))
    assert first.index("Bulk 00 (en)") < first.index("Bulk 01 (en)")
    assert "Bulk 19 (en)" in first and "Bulk 20 (en)" not in first
    assert 'rel="next"' in first and "Page 1 of 2" in first
    second = text(client.get("/en/news/?page=2"))
    assert "Bulk 20 (en)" in second and "All languages (en)" in second and "Bulk 00" not in second


def test_news_item_page_renders_markdown_and_links_the_other_published_versions(client, portal_content):
    response = client.get("/en/news/all-languages/")
    assert response.status_code == 200
    page = text(response)
    assert "<h1>All languages (en)</h1>" in page
    assert "<strong>test</strong>" in page and "<h2>All languages</h2>" in page
    links = hreflangs(response)
    assert set(links) == {"lv", "en", "ru", "x-default"}
    assert links["ru"] == "http://testserver/ru/news/all-languages/"
    assert links["x-default"] == links[settings.LANGUAGE_CODE]
    assert 'href="http://testserver/lv/news/all-languages/" hreflang="lv" lang="lv">Latviešu</a>' in page


def test_an_item_missing_in_the_language_says_so_and_offers_the_others(client, portal_content):
    response = client.get("/ru/news/latvian-only/")
    assert response.status_code == 404
    page = text(response)
    assert "Этот материал недоступен на русском языке." in page or "This item is not available in Russian." in page
    assert 'href="http://testserver/lv/news/latvian-only/" hreflang="lv" lang="lv">Latviešu</a>' in page
    assert hreflangs(response) == {"lv": "http://testserver/lv/news/latvian-only/"}
    assert '<meta name="robots" content="noindex">' in page


@pytest.mark.parametrize(
    ("path", "title"),
    [
        ("/en/news/draft-news/", "Draft news"),  # a draft
        ("/en/news/archived-news/", "Archived news"),  # archived item
        ("/en/news/no-such-news/", "No such news"),
        ("/en/news/upcoming-event/", "Upcoming event"),  # an event's address is not a news item
    ],
)
def test_content_the_public_may_not_see_is_not_found(client, portal_content, path, title):
    response = client.get(path)
    assert response.status_code == 404
    assert title not in text(response)
    assert "not available in" not in text(response)


def test_a_version_scheduled_for_later_is_not_offered(client, portal_content):
    # Latvian is scheduled for tomorrow, Russian came out an hour ago: the Latvian address offers Russian only.
    response = client.get("/lv/news/scheduled-news/")
    assert response.status_code == 404
    assert hreflangs(response) == {"ru": "http://testserver/ru/news/scheduled-news/"}
    assert "Scheduled news (lv)" not in text(response)


def test_news_pages_keep_their_queries_few(header_ready, client, portal_content, django_assert_max_num_queries):
    for number in range(30):
        make_content(kind=Kind.NEWS, slug=f"many-{number}", versions={"en": (Status.PUBLISHED, portal_content.now)})
    with django_assert_max_num_queries(4):
        assert client.get("/en/news/").status_code == 200
    with django_assert_max_num_queries(3):
        assert client.get("/en/news/all-languages/").status_code == 200


# --- Events --------------------------------------------------------------------------------------------------------


def test_calendar_month_is_a_table_with_each_event_linked_on_its_day(client, portal_content):
    starts = timezone.localtime(portal_content.event_upcoming.event.starts_at)
    response = client.get(f"/lv/events/{starts.year}/{starts.month}/")
    assert response.status_code == 200
    page = text(response)
    assert "<caption>" in page and page.count('<th scope="col">') == 7
    # Latvian weeks start on Monday.
    assert re.search(r'<th scope="col"><abbr title="pirmdiena">', page)
    cell = re.search(
        r'<td[^>]*>\s*<span class="day-number"><span class="visually-hidden">[^<]*</span>'
        rf'<span aria-hidden="true">{starts.day}</span></span>.*?</td>',
        page,
        re.S,
    ).group(0)
    assert 'href="/lv/event/upcoming-event/"' in cell
    assert 'rel="prev"' in page and 'rel="next"' in page


def test_calendar_starts_weeks_on_sunday_in_english(client, portal_content):
    page = text(client.get("/en/events/2025/6/"))
    assert page.index('abbr title="Sunday"') < page.index('abbr title="Monday"')
    assert "June 2025" in page


def test_the_events_address_shows_the_current_month(client, portal_content):
    today = timezone.localdate()
    page = text(client.get("/en/events/"))
    assert f"<caption>{today:%B %Y}</caption>" in page
    assert 'aria-current="date"' in page


def test_calendar_shows_an_event_on_every_day_it_spans(client, portal_content):
    zone = timezone.get_current_timezone()
    make_content(
        kind=Kind.EVENT,
        slug="three-day-forum",
        versions={"en": (Status.PUBLISHED, portal_content.now - dt.timedelta(days=1))},
        event={
            "starts_at": dt.datetime(2025, 5, 30, 9, tzinfo=zone),
            "ends_at": dt.datetime(2025, 6, 2, 0, 0, tzinfo=zone),  # midnight: the 1st is the last day
            "place": "Demo hall",
        },
    )
    may = text(client.get("/en/events/2025/5/"))
    june = text(client.get("/en/events/2025/6/"))
    assert may.count('href="/en/event/three-day-forum/"') == 2 + 1  # 30th, 31st, and the month's list below
    assert june.count('href="/en/event/three-day-forum/"') == 1 + 1  # the 1st only, and the list


def test_calendar_category_filter(client, portal_content):
    starts = timezone.localtime(portal_content.event_upcoming.event.starts_at)
    base = f"/lv/events/{starts.year}/{starts.month}/"
    assert "/lv/event/upcoming-event/" in text(client.get(f"{base}?category={EventCategory.TRAINING}"))
    assert "/lv/event/upcoming-event/" not in text(client.get(f"{base}?category={EventCategory.CONFERENCE}"))
    refused = client.get(f"/en/events/{starts.year}/{starts.month}/?category=parties")
    assert refused.status_code == 400
    assert "Category:" in text(refused) and "parties" in text(refused)


@pytest.mark.parametrize("path", ["/en/events/1800/1/", "/en/events/2025/13/", "/en/events/2025/0/"])
def test_months_outside_the_calendar_are_not_found(client, path):
    assert client.get(path).status_code == 404


def test_events_list_upcoming_and_past(client, portal_content):
    upcoming = text(client.get("/ru/events/list/"))
    assert "/ru/event/upcoming-event/" in upcoming and "/ru/event/past-event/" not in upcoming
    past = text(client.get("/ru/events/list/?when=past"))
    assert "/ru/event/past-event/" in past and "/ru/event/upcoming-event/" not in past
    assert client.get("/ru/events/list/?when=yesterday").status_code == 400


def test_event_page_shows_place_organiser_registration_and_calendar_file(client, portal_content):
    response = client.get("/lv/event/upcoming-event/")
    assert response.status_code == 200
    page = text(response)
    for expected in ("Demo hall, Test Street 1, Riga", "Demo Ministry", 'href="https://example.org/register"'):
        assert expected in page
    assert 'href="/lv/event/upcoming-event/calendar.ics"' in page
    assert set(hreflangs(response)) == {"lv", "ru"}


def test_event_over_says_so_and_hides_registration(client, portal_content):
    from opennrm.portal.models import EventDetails

    EventDetails.objects.filter(item=portal_content.event_past).update(registration_url="https://example.org/old")
    page = text(client.get("/en/event/past-event/"))
    assert "This event has ended." in page
    assert "https://example.org/old" not in page


def test_calendar_pages_keep_their_queries_few(header_ready, client, portal_content, django_assert_max_num_queries):
    starts = timezone.localtime(portal_content.event_upcoming.event.starts_at)
    with django_assert_max_num_queries(3):
        assert client.get(f"/lv/events/{starts.year}/{starts.month}/").status_code == 200
    with django_assert_max_num_queries(4):
        assert client.get("/lv/events/list/").status_code == 200
    with django_assert_max_num_queries(3):
        assert client.get("/lv/event/upcoming-event/").status_code == 200


# --- Publications --------------------------------------------------------------------------------------------------


@pytest.fixture
def publications(portal_content):
    make_content(
        kind=Kind.PUBLICATION,
        slug="municipal-guidelines",
        versions={"lv": (Status.PUBLISHED, portal_content.now), "en": (Status.PUBLISHED, portal_content.now)},
        title="Municipal guidelines",
        publication={"published_on": dt.date(2016, 5, 1), "publication_type": PublicationType.GUIDELINES},
    )
    report = make_content(
        kind=Kind.PUBLICATION,
        slug="annual-report",
        versions={"en": (Status.PUBLISHED, portal_content.now), "ru": (Status.PUBLISHED, portal_content.now)},
        title="Annual report",
        publication={"published_on": dt.date(2020, 3, 2), "publication_type": PublicationType.REPORT},
    )
    add_file(item=report, language="ru", name="report-ru.pdf", content=b"%PDF-1.4 test", content_type="application/pdf")
    return portal_content


def test_publications_list_with_files(client, publications):
    page = text(client.get("/en/publications/"))
    # Newest publication date first.
    assert page.index("Annual report (en)") < page.index("General Model (en)") < page.index("Municipal guidelines (en)")
    assert "3 publications" in page
    # Readers of English get the language-independent PDF, not the Latvian DOCX.
    assert "general-model.pdf" in page and "visparejais-modelis.docx" not in page
    assert "visparejais-modelis.docx" in text(client.get("/lv/publications/"))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=annual", {"Annual report"}),
        ("q=SUMMARY+general", {"General Model"}),
        ("year=2016", {"Municipal guidelines"}),
        ("type=model", {"General Model"}),
        ("language=ru", {"Annual report"}),
        ("language=lv", {"General Model"}),  # its Latvian DOCX
        ("q=report&year=2017", set()),
    ],
)
def test_publications_search_and_filters(client, publications, query, expected):
    response = client.get(f"/en/publications/?{query}")
    assert response.status_code == 200
    shown = {
        title
        for title in ("Annual report", "Municipal guidelines", "General Model")
        if f"{title} (en)" in text(response)
    }
    assert shown == expected


def test_filtering_by_file_language_lists_those_files_too(client, publications):
    page = text(client.get("/en/publications/?language=lv"))
    assert "visparejais-modelis.docx" in page and "general-model.pdf" in page


def test_a_file_language_whose_version_is_not_public_finds_nothing(client, publications):
    # The annual report has a Russian file; without a public Russian version that file is not downloadable.
    from opennrm.portal.models import ContentTranslation

    ContentTranslation.objects.filter(item__slug="annual-report", language="ru").update(status=Status.DRAFT)
    assert "Annual report (en)" not in text(client.get("/en/publications/?language=ru"))


def test_publications_filters_refuse_bad_values_with_a_message(client, publications):
    response = client.get("/en/publications/?year=1999&type=novel")
    assert response.status_code == 400
    page = text(response)
    assert "Year:" in page and "Type:" in page and "error-summary" in page


def test_publications_list_keeps_its_queries_few(header_ready, client, publications, django_assert_max_num_queries):
    with django_assert_max_num_queries(5):
        assert client.get("/en/publications/?q=report").status_code == 200


def test_publications_list_links_each_file_for_download(client, publications):
    page = text(client.get("/lv/publications/"))
    token = publications.publication_docx.token
    assert f'href="/lv/publications/general-model/files/{token}/"' in page


def test_publication_page_lists_files_for_the_language(client, publications):
    page = text(client.get("/lv/publications/general-model/"))
    assert "general-model.pdf" in page and "visparejais-modelis.docx" in page
    token = publications.publication_docx.token
    assert f'href="/lv/publications/general-model/files/{token}/"' in page


def test_file_download_has_its_name_and_type(client, publications):
    pdf = publications.publication_pdf
    response = client.get(f"/en/publications/general-model/files/{pdf.token}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="general-model.pdf"'
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_file_download_refused_when_the_address_does_not_match(client, publications):
    token = publications.publication_pdf.token
    assert client.get(f"/en/publications/annual-report/files/{token}/").status_code == 404
    assert client.get("/en/publications/general-model/files/0123456789abcdef0123456789abcdef/").status_code == 404


def test_files_of_an_archived_publication_are_not_served(client, publications):
    from opennrm.portal.models import ContentItem

    ContentItem.objects.filter(pk=publications.publication.pk).update(archived_at=timezone.now())
    token = publications.publication_pdf.token
    assert client.get(f"/en/publications/general-model/files/{token}/").status_code == 404


# --- Pages and home ------------------------------------------------------------------------------------------------


def test_simple_page(client, portal_content):
    response = client.get("/ru/pages/about/")
    assert response.status_code == 200
    assert "<h1>About (ru)</h1>" in text(response)
    assert client.get("/ru/pages/missing/").status_code == 404


def test_home_page_explains_shows_help_news_and_upcoming_events(client, portal_content):
    response = client.get("/en/")
    assert response.status_code == 200
    page = text(response)
    assert "What is trafficking in human beings?" in page
    assert "112" in page
    assert 'href="/en/news/all-languages/"' in page
    assert 'href="/en/event/past-event/"' not in page
    assert "Your tools" not in page


def test_home_page_lists_the_helplines(client, portal_content, monkeypatch):
    from opennrm.portal import help_finder

    helpline = {"label": "Demo helpline", "phone": "+371 20 000 000", "institution": "Demo NGO"}
    monkeypatch.setattr(help_finder, "header_numbers", lambda: {"numbers": [], "hotlines": [helpline]})
    main = text(client.get("/en/")).split("<main", 1)[1]
    assert 'Demo helpline: <a href="tel:+37120000000">+371 20 000 000</a>' in main


def test_home_page_shows_upcoming_events_in_the_language(client, portal_content):
    page = text(client.get("/lv/"))
    assert 'href="/lv/event/upcoming-event/"' in page and 'href="/lv/event/next-month/"' in page


def test_home_page_shows_signed_in_staff_their_tools(client, portal_content):
    role = RoleFactory(code="test_portal_home", capabilities=[Capability.PORTAL_EDIT, Capability.AUDIT_VIEW])
    force_login_verified(client, UserFactory(roles=[role]))
    page = text(client.get("/en/"))
    assert "Your tools" in page and 'href="/en/audit/' in page
    assert 'href="/en/news/all-languages/"' in page


def test_home_page_keeps_its_queries_few(header_ready, client, portal_content, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        assert client.get("/en/").status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/lv/",
        "/lv/news/",
        "/lv/news/all-languages/",
        "/lv/events/",
        "/lv/events/list/",
        "/lv/event/upcoming-event/",
        "/lv/publications/",
        "/lv/publications/general-model/",
        "/lv/pages/about/",
        "/lv/search/?q=test",
    ],
)
def test_public_pages_load_nothing_from_another_host(client, portal_content, path):
    page = text(client.get(path))
    # Links may point elsewhere; nothing the browser fetches by itself (scripts, styles, images, frames) may.
    for tag in re.findall(r"<(?:script|link|img|iframe|source|video|audio)\b[^>]*>", page):
        if 'rel="alternate"' in tag:
            continue  # language versions and feeds: addresses for crawlers and readers, never fetched
        assert not re.search(r'(?:src|href)="(?:https?:)?//', tag), tag
