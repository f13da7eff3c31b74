"""Sitemaps (an index, one per language, each address with its hreflang alternates) and robots.txt."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _no_stored_pages():
    """Pages the server keeps for the public (opennrm.portal.caching) start empty in each test."""
    cache.clear()


pytestmark = pytest.mark.django_db


def parse(content: bytes) -> ET.Element:
    return ET.fromstring(content)  # noqa: S314 - our own output, not untrusted input


SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML = "{http://www.w3.org/1999/xhtml}"


def urls(client, path: str) -> dict[str, dict]:
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    found = {}
    for entry in parse(response.content).findall(f"{SITEMAP}url"):
        alternates = {link.get("hreflang"): link.get("href") for link in entry.findall(f"{XHTML}link")}
        assert all(link.get("rel") == "alternate" for link in entry.findall(f"{XHTML}link"))
        found[entry.findtext(f"{SITEMAP}loc")] = {"lastmod": entry.findtext(f"{SITEMAP}lastmod"), "alt": alternates}
    return found


def test_the_index_lists_one_sitemap_per_language(client, portal_content):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    root = parse(response.content)
    assert root.tag == f"{SITEMAP}sitemapindex"
    locations = [entry.findtext(f"{SITEMAP}loc") for entry in root.findall(f"{SITEMAP}sitemap")]
    assert locations == [f"http://testserver/sitemap-{language}.xml" for language in ("lv", "en", "ru")]
    assert all(entry.findtext(f"{SITEMAP}lastmod") for entry in root.findall(f"{SITEMAP}sitemap"))


def test_a_language_sitemap_lists_its_published_items_with_their_other_versions(client, portal_content):
    found = urls(client, "/sitemap-lv.xml")
    news = found["http://testserver/lv/news/all-languages/"]
    assert news["alt"] == {
        language: f"http://testserver/{language}/news/all-languages/" for language in ("lv", "en", "ru")
    }
    assert news["lastmod"].endswith("+00:00")
    # Published in Latvian only: its only alternate is itself.
    assert found["http://testserver/lv/news/latvian-only/"]["alt"] == {"lv": "http://testserver/lv/news/latvian-only/"}
    assert found["http://testserver/lv/event/upcoming-event/"]["alt"].keys() == {"lv", "ru"}
    for expected in ("publications/general-model/", "pages/about/", "event/next-month/", "news/", "events/"):
        assert f"http://testserver/lv/{expected}" in found
    assert "http://testserver/lv/" in found
    for hidden in ("draft-news", "archived-news", "scheduled-news"):
        assert not any(hidden in location for location in found)


def test_a_sitemap_leaves_out_what_is_not_published_in_its_language(client, portal_content):
    found = urls(client, "/sitemap-ru.xml")
    assert "http://testserver/ru/news/scheduled-news/" in found  # its Russian version came out an hour ago
    assert not any("latvian-only" in location or "next-month" in location for location in found)
    assert found["http://testserver/ru/news/scheduled-news/"]["alt"] == {
        "ru": "http://testserver/ru/news/scheduled-news/"
    }


def test_an_unknown_language_has_no_sitemap(client):
    assert client.get("/sitemap-de.xml").status_code == 404


def test_the_sitemap_keeps_its_queries_few(client, portal_content, django_assert_max_num_queries):
    # When each language last changed (the validator), then every published version at once.
    with django_assert_max_num_queries(4):
        assert client.get("/sitemap-en.xml").status_code == 200


def test_robots_txt_points_at_the_sitemap_and_keeps_crawlers_out_of_staff_pages(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert lines[0] == "User-agent: *"
    assert "Sitemap: http://testserver/sitemap.xml" in lines
    for path in ("/api/", "/lv/accounts/", "/ru/cases/", "/en/editor/", "/lv/search/"):
        assert f"Disallow: {path}" in lines
    assert "Disallow: /lv/news/" not in lines and "Disallow: /" not in lines
