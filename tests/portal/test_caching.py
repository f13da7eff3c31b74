"""Conditional GET on the public pages: validators for the public, 304 when nothing changed, never for staff."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from django.utils.http import http_date

from opennrm.accounts.testing import force_login_verified
from opennrm.portal.models import ContentTranslation, Kind, Status
from tests.factories import UserFactory
from tests.portal.conftest import make_content


@pytest.fixture(autouse=True)
def _no_stored_pages():
    """Pages the server keeps for the public (opennrm.portal.caching) start empty in each test."""
    cache.clear()


pytestmark = pytest.mark.django_db

PAGES = [
    "/en/",
    "/en/news/",
    "/en/news/all-languages/",
    "/en/events/",
    "/en/events/list/",
    "/en/event/past-event/",
    "/en/publications/",
    "/en/publications/general-model/",
    "/en/pages/about/",
    "/en/search/?q=summary",
]
SHARED = ["/en/news/rss.xml", "/en/news/atom.xml", "/en/events/calendar.ics", "/sitemap.xml", "/sitemap-en.xml"]


def visitor() -> Client:
    """A browser of someone who is not signed in."""
    return Client()


@pytest.mark.parametrize("path", PAGES)
def test_public_pages_carry_validators_and_answer_304_when_unchanged(portal_content, path):
    browser = visitor()
    first = browser.get(path)
    assert first.status_code == 200
    assert first["ETag"].startswith('W/"')
    assert "Last-Modified" in first
    # Nothing personal in it: any cache may keep it, but must ask before reusing it, and never for a signed-in
    # request (those carry a session cookie).
    assert set(first["Cache-Control"].split(", ")) == {"public", "max-age=0", "must-revalidate"}
    assert "Cookie" in first["Vary"]
    assert not first.cookies
    again = browser.get(path, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == first["ETag"] and "Cookie" in again["Vary"]
    since = browser.get(path, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert since.status_code == 304


@pytest.mark.parametrize("path", SHARED)
def test_feeds_calendars_and_sitemaps_are_shared_documents(portal_content, path):
    first = Client().get(path)
    assert first.status_code == 200
    assert first["ETag"].startswith('"')  # strong: the same bytes each time
    assert set(first["Cache-Control"].split(", ")) == {"public", "max-age=0", "must-revalidate"}
    assert Client().get(path, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    assert Client().get(path).content == first.content


def test_a_publication_file_is_revalidated_by_its_validators(client, portal_content):
    path = f"/en/publications/general-model/files/{portal_content.publication_pdf.token}/"
    first = client.get(path)
    assert first.status_code == 200 and first["ETag"].startswith('"')
    assert client.get(path, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304


def test_publishing_news_changes_the_news_list_validator(portal_content):
    browser = visitor()
    first = browser.get("/en/news/")
    make_content(kind=Kind.NEWS, slug="fresh", versions={"en": (Status.PUBLISHED, timezone.now())})
    again = browser.get("/en/news/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 200 and "Fresh (en)" in again.content.decode()
    assert again["ETag"] != first["ETag"]


def test_editing_an_item_changes_its_validator(portal_content):
    browser = visitor()
    first = browser.get("/en/news/all-languages/")
    ContentTranslation.objects.filter(item=portal_content.news_all, language="en").update(
        title="Changed title", updated_at=timezone.now() + dt.timedelta(seconds=2)
    )
    again = browser.get("/en/news/all-languages/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 200 and "Changed title" in again.content.decode()


def test_another_language_version_appearing_changes_the_item_validator(portal_content):
    # The page's hreflang links and "also available in" list change, though its own text does not.
    browser = visitor()
    first = browser.get("/lv/news/latvian-only/")
    make_content(kind=Kind.NEWS, slug="unrelated", versions={"lv": (Status.DRAFT, None)})
    ContentTranslation.objects.create(
        item=portal_content.news_lv,
        kind=Kind.NEWS,
        language="en",
        title="Now in English",
        status=Status.PUBLISHED,
        published_at=timezone.now() - dt.timedelta(minutes=1),
    )
    again = browser.get("/lv/news/latvian-only/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 200 and 'hreflang="en"' in again.content.decode()


def test_a_scheduled_version_coming_into_view_changes_the_list_validator(portal_content):
    browser = visitor()
    first = browser.get("/lv/news/")
    # Its time comes after the visitor's copy was made.
    ContentTranslation.objects.filter(item=portal_content.news_scheduled, language="lv").update(
        published_at=timezone.now()
    )
    again = browser.get("/lv/news/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 200 and "Scheduled news (lv)" in again.content.decode()


def test_a_page_that_renders_a_csrf_token_is_private(rf):
    """Should a public page ever hold a form with a CSRF token, it is this visitor's page: not stored, no 304."""
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.contrib.sessions.backends.signed_cookies import SessionStore
    from django.http import HttpResponse
    from django.middleware.csrf import get_token

    from opennrm.portal import caching

    def request():
        made = rf.get("/en/some-form/")
        made.user, made.session = AnonymousUser(), SessionStore()
        made._messages = FallbackStorage(made)
        return made

    def with_token(req):
        return lambda: HttpResponse(f"<input value='{get_token(req)}'>")

    first_request = request()
    first = caching.respond(first_request, render=with_token(first_request))
    assert "ETag" not in first and "private" in first["Cache-Control"] and "no-store" in first["Cache-Control"]
    plain = caching.respond(request(), render=lambda: HttpResponse("same for everyone"))
    assert plain["ETag"].startswith('W/"') and "public" in plain["Cache-Control"]


def test_the_validator_differs_between_languages_and_addresses(portal_content):
    browser = visitor()
    english, latvian = browser.get("/en/news/"), browser.get("/lv/news/")
    second_page = browser.get("/en/news/?page=2")
    assert len({english["ETag"], latvian["ETag"], second_page["ETag"]}) == 3
    assert browser.get("/lv/news/", HTTP_IF_NONE_MATCH=english["ETag"]).status_code == 200


def test_signed_in_staff_never_get_a_stored_page(portal_content):
    browser = Client()
    force_login_verified(browser, UserFactory())
    response = browser.get("/en/news/")
    assert response.status_code == 200
    assert "ETag" not in response and "Last-Modified" not in response
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert "Cookie" in response["Vary"]
    # A copy stored while signed out is never confirmed to a signed-in request.
    anonymous_etag = visitor().get("/en/news/")["ETag"]
    assert browser.get("/en/news/", HTTP_IF_NONE_MATCH=anonymous_etag).status_code == 200


def test_a_waiting_message_is_never_hidden_by_a_stored_copy(portal_content):
    browser = visitor()
    first = browser.get("/en/news/")
    from django.contrib.messages.storage.cookie import CookieStorage
    from django.http import HttpRequest, HttpResponse

    # A message set by an earlier page ("You have signed out"), waiting in its cookie.
    storage = CookieStorage(HttpRequest())
    storage.add(20, "A one-time note.")
    response = HttpResponse()
    storage.update(response)
    browser.cookies["messages"] = response.cookies["messages"].value
    again = browser.get("/en/news/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 200 and "A one-time note." in again.content.decode()
    assert "ETag" not in again and "no-store" in again["Cache-Control"]


def test_pages_that_read_the_clock_change_validator_each_hour(portal_content, monkeypatch):
    from opennrm.portal import caching

    browser = visitor()
    first = browser.get("/en/events/list/")
    later = caching.current_hour() + dt.timedelta(hours=1)
    monkeypatch.setattr(caching, "current_hour", lambda now=None: later)
    again = browser.get("/en/events/list/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 200
    assert again["Last-Modified"] == http_date(later.timestamp())


def test_a_failed_filter_is_not_stored(portal_content):
    response = visitor().get("/en/publications/?year=1888")
    assert response.status_code == 400 and "ETag" not in response


def test_an_old_if_modified_since_gets_the_page(portal_content):
    browser = visitor()
    response = browser.get("/en/news/", HTTP_IF_MODIFIED_SINCE=http_date(0))
    assert response.status_code == 200
