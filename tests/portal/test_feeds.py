"""The news as RSS 2.0 and Atom 1.0, in the language of the address."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
from django.core.cache import cache

from opennrm.portal.models import Kind, Status
from tests.portal.conftest import make_content


@pytest.fixture(autouse=True)
def _no_stored_pages():
    """Pages the server keeps for the public (opennrm.portal.caching) start empty in each test."""
    cache.clear()


pytestmark = pytest.mark.django_db


def parse(content: bytes) -> ET.Element:
    return ET.fromstring(content)  # noqa: S314 - our own output, not untrusted input


ATOM = "{http://www.w3.org/2005/Atom}"


def test_rss_lists_the_published_news_of_the_language(client, portal_content):
    response = client.get("/lv/news/rss.xml")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/rss+xml; charset=utf-8"
    channel = parse(response.content).find("channel")
    assert channel.findtext("language") == "lv"
    assert channel.findtext("link") == "http://testserver/lv/news/"
    items = channel.findall("item")
    assert [item.findtext("title") for item in items] == ["Latvian only (lv)", "All languages (lv)"]
    first = items[0]
    assert first.findtext("link") == "http://testserver/lv/news/latvian-only/"
    assert first.findtext("description") == "Summary of Latvian only in lv."
    assert first.findtext("pubDate")


def test_atom_lists_the_published_news_of_the_language(client, portal_content):
    response = client.get("/ru/news/atom.xml")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    feed = parse(response.content)
    assert feed.get("{http://www.w3.org/XML/1998/namespace}lang") == "ru"
    entries = feed.findall(f"{ATOM}entry")
    assert [entry.findtext(f"{ATOM}title") for entry in entries] == ["Scheduled news (ru)", "All languages (ru)"]
    link = entries[0].find(f"{ATOM}link").get("href")
    assert link == "http://testserver/ru/news/scheduled-news/"
    assert entries[0].findtext(f"{ATOM}updated")


def test_feeds_hold_no_drafts_archived_or_future_news(client, portal_content):
    for path in ("/lv/news/rss.xml", "/lv/news/atom.xml", "/en/news/rss.xml"):
        content = client.get(path).content.decode()
        assert "Draft news" not in content and "Archived news" not in content
    assert "Scheduled news" not in client.get("/lv/news/rss.xml").content.decode()


def test_a_summary_less_item_is_described_by_its_text(client, portal_content):
    from opennrm.portal.models import ContentTranslation

    ContentTranslation.objects.filter(item=portal_content.news_lv, language="lv").update(summary="")
    channel = parse(client.get("/lv/news/rss.xml").content).find("channel")
    assert channel.find("item").findtext("description") == "Latvian only Synthetic test text in lv. Read more"


def test_feeds_keep_to_the_latest_thirty_and_few_queries(client, portal_content, django_assert_max_num_queries):
    for number in range(35):
        make_content(
            kind=Kind.NEWS,
            slug=f"feed-{number}",
            versions={"en": (Status.PUBLISHED, portal_content.now - dt.timedelta(minutes=number))},
        )
    with django_assert_max_num_queries(2):
        response = client.get("/en/news/rss.xml")
    items = parse(response.content).find("channel").findall("item")
    assert len(items) == 30 and items[0].findtext("title") == "Feed 0 (en)"


def test_news_pages_announce_the_feeds(client, portal_content):
    page = client.get("/en/news/").content.decode()
    assert '<link rel="alternate" type="application/rss+xml"' in page and 'href="/en/news/rss.xml"' in page
    assert 'type="application/atom+xml"' in page
