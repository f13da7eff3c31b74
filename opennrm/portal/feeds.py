"""What machines read: the news as RSS and Atom, the sitemaps (with `hreflang` alternates) and robots.txt.

Feeds use Django's syndication framework in the language of the address. The sitemaps are written here rather
than with django.contrib.sitemaps: each item must list exactly the languages it is published in, and nothing else
is needed. One sitemap per language (`/sitemap-lv.xml`, …) under an index at `/sitemap.xml`; the protocol allows
50 000 addresses per file, far beyond what a national information resource publishes.
"""

from __future__ import annotations

import datetime as dt
import operator
import xml.etree.ElementTree as ET
from collections import defaultdict
from functools import reduce

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404, HttpResponse
from django.urls import NoReverseMatch, reverse
from django.utils import feedgenerator, timezone, translation
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext
from django.views.decorators.http import require_safe

from opennrm.portal import caching
from opennrm.portal.models import ContentTranslation, Kind, Language
from opennrm.portal.rendering import plain_text
from opennrm.portal.selectors import last_modified, published_items

FEED_SIZE = 30
LANGUAGES = tuple(Language.values)
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
XHTML_NS = "http://www.w3.org/1999/xhtml"
# Public pages that are not content items; those whose app is not installed are left out.
SITEMAP_PAGES = (
    "core:home",
    "portal:news_list",
    "portal:events",
    "portal:events_list",
    "portal:publications",
    "portal:help",
    "portal:self_check",
    "portal:statistics",
    "jurisdiction:overview",
    "directory:institutions",
    "directory:who_to_call",
)
ITEM_ROUTES = {
    Kind.NEWS: "portal:news_item",
    Kind.EVENT: "portal:event",
    Kind.PUBLICATION: "portal:publication",
    Kind.PAGE: "portal:page",
}
# Addresses crawlers have no business in: sign-in, staff work, the editor, search results, the API.
ROBOTS_DISALLOWED = ("accounts/", "cases/", "audit/", "editor/", "search/")
ROBOTS_MAX_AGE = 24 * 3600  # it changes only with a new release


def _language() -> str:
    language = (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
    return language if language in LANGUAGES else settings.LANGUAGE_CODE


# --- News feeds ----------------------------------------------------------------------------------------------------


class NewsFeed(Feed):
    """The latest news in the language of the address."""

    def get_object(self, request):
        return _language()

    def title(self, language: str) -> str:
        return gettext("OpenNRM news")

    def description(self, language: str) -> str:
        return gettext("News of the national cooperation system against trafficking in human beings.")

    def subtitle(self, language: str) -> str:
        return self.description(language)

    def link(self, language: str) -> str:
        return reverse("portal:news_list")

    def items(self, language: str):
        return published_items(kind=Kind.NEWS, language=language)[:FEED_SIZE]

    def item_title(self, item: ContentTranslation) -> str:
        return item.title

    def item_description(self, item: ContentTranslation) -> str:
        return item.summary or plain_text(item.body, limit=500)

    def item_link(self, item: ContentTranslation) -> str:
        return reverse("portal:news_item", kwargs={"slug": item.item.slug})

    def item_pubdate(self, item: ContentTranslation):
        return item.published_at

    def item_updateddate(self, item: ContentTranslation):
        return max(item.updated_at, item.published_at)


class NewsRss(NewsFeed):
    feed_type = feedgenerator.Rss201rev2Feed


class NewsAtom(NewsFeed):
    feed_type = feedgenerator.Atom1Feed


def _feed(request, feed: Feed) -> HttpResponse:
    return caching.respond(
        request,
        render=lambda: feed(request),
        last_modified=last_modified(kind=Kind.NEWS, language=_language()),
        document=True,
    )


@require_safe
def news_rss(request):
    return _feed(request, NewsRss())


@require_safe
def news_atom(request):
    return _feed(request, NewsAtom())


# --- Sitemaps ------------------------------------------------------------------------------------------------------


def _xml(root: ET.Element) -> HttpResponse:
    content = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return HttpResponse(content, content_type="application/xml; charset=utf-8")


def _w3c(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds")


def _last_modified_anywhere():
    found = [moment for language in LANGUAGES if (moment := last_modified(language=language))]
    return max(found) if found else None


@require_safe
def sitemap_index(request):
    """The index of the per-language sitemaps."""

    def index() -> HttpResponse:
        ET.register_namespace("", SITEMAP_NS)
        root = ET.Element(f"{{{SITEMAP_NS}}}sitemapindex")
        for language in LANGUAGES:
            entry = ET.SubElement(root, f"{{{SITEMAP_NS}}}sitemap")
            path = reverse("portal_root:sitemap_language", kwargs={"language": language})
            ET.SubElement(entry, f"{{{SITEMAP_NS}}}loc").text = request.build_absolute_uri(path)
            changed = last_modified(language=language)
            if changed:
                ET.SubElement(entry, f"{{{SITEMAP_NS}}}lastmod").text = _w3c(changed)
        return _xml(root)

    return caching.respond(request, render=index, last_modified=_last_modified_anywhere(), document=True)


def _published_everywhere() -> dict[tuple[str, str], dict[str, object]]:
    """(kind, slug) → {language: when that version last changed}, for every published version (one query)."""
    now = timezone.now()
    rows = reduce(
        operator.or_,
        (published_items(kind=kind, language=language, now=now) for kind in ITEM_ROUTES for language in LANGUAGES),
    )
    versions: dict[tuple[str, str], dict[str, object]] = defaultdict(dict)
    for kind, slug, language, updated_at in rows.order_by("kind", "item__slug").values_list(
        "kind", "item__slug", "language", "updated_at"
    ):
        versions[(kind, slug)][language] = updated_at
    return versions


def _add_url(root: ET.Element, *, origin: str, language: str, paths: dict[str, str], changed=None) -> None:
    entry = ET.SubElement(root, f"{{{SITEMAP_NS}}}url")
    ET.SubElement(entry, f"{{{SITEMAP_NS}}}loc").text = origin + paths[language]
    if changed is not None:
        ET.SubElement(entry, f"{{{SITEMAP_NS}}}lastmod").text = _w3c(changed)
    for other in LANGUAGES:
        if other in paths:
            link = ET.SubElement(entry, f"{{{XHTML_NS}}}link")
            link.set("rel", "alternate")
            link.set("hreflang", other)
            link.set("href", origin + paths[other])


def _reverse_everywhere(name: str, **kwargs) -> dict[str, str] | None:
    paths = {}
    for language in LANGUAGES:
        with translation.override(language):
            try:
                paths[language] = reverse(name, kwargs=kwargs or None)
            except NoReverseMatch:
                return None
    return paths


def _item_path_makers(kind: str) -> dict[str, tuple[str, str]]:
    """Per language, the address of an item of `kind` around its slug: reversing once per kind, not per item."""
    mark = "opennrm-slug-mark"
    return {
        language: tuple(path.split(mark))
        for language, path in _reverse_everywhere(ITEM_ROUTES[kind], slug=mark).items()
    }


@require_safe
def sitemap_language(request, language: str):
    """Every public page in one language, each with the addresses of its other language versions."""
    if language not in LANGUAGES:
        raise Http404()

    def sitemap() -> HttpResponse:
        ET.register_namespace("", SITEMAP_NS)
        ET.register_namespace("xhtml", XHTML_NS)
        origin = request.build_absolute_uri("/").rstrip("/")
        root = ET.Element(f"{{{SITEMAP_NS}}}urlset")
        for name in SITEMAP_PAGES:
            paths = _reverse_everywhere(name)
            if paths is not None:
                _add_url(root, origin=origin, language=language, paths=paths)
        makers = {kind: _item_path_makers(kind) for kind in ITEM_ROUTES}
        for (kind, slug), versions in _published_everywhere().items():
            if language not in versions:
                continue
            paths = {
                other: f"{before}{slug}{after}" for other, (before, after) in makers[kind].items() if other in versions
            }
            _add_url(root, origin=origin, language=language, paths=paths, changed=versions[language])
        return _xml(root)

    return caching.respond(request, render=sitemap, last_modified=_last_modified_anywhere(), document=True)


# --- robots.txt ----------------------------------------------------------------------------------------------------


@require_safe
def robots(request):
    lines = ["User-agent: *", "Disallow: /api/", "Disallow: /i18n/"]
    lines += [f"Disallow: /{language}/{path}" for language in LANGUAGES for path in ROBOTS_DISALLOWED]
    lines += ["", f"Sitemap: {request.build_absolute_uri(reverse('portal_root:sitemap'))}", ""]
    response = HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
    patch_cache_control(response, public=True, max_age=ROBOTS_MAX_AGE)
    return response
