"""What machines read: the news as RSS and Atom, the sitemaps (with `hreflang` alternates) and robots.txt.

Feeds use Django's syndication framework in the language of the address. The sitemaps are written here rather
than with django.contrib.sitemaps: each item must list exactly the languages it is published in, and nothing else
is needed. One sitemap per language (`/sitemap-lv.xml`, …) under an index at `/sitemap.xml`; the protocol allows
50 000 addresses per file, far beyond what a national information resource publishes.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from xml.sax.saxutils import escape, quoteattr

from django.contrib.syndication.views import Feed
from django.db.models import Case, F, When
from django.http import Http404, HttpResponse
from django.urls import NoReverseMatch, reverse
from django.utils import feedgenerator, timezone, translation
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext
from django.views.decorators.http import require_safe

from opennrm.portal import caching
from opennrm.portal.addresses import ITEM_ROUTES, LANGUAGES, current_language, item_path_maker
from opennrm.portal.models import ContentTranslation, Kind
from opennrm.portal.rendering import plain_text
from opennrm.portal.selectors import last_modified, published_items, visible_to_public

FEED_SIZE = 30
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
# Addresses crawlers have no business in: sign-in, staff work, the editor, search results, the API.
ROBOTS_DISALLOWED = ("accounts/", "cases/", "audit/", "editor/", "search/")
ROBOTS_MAX_AGE = 24 * 3600  # it changes only with a new release


# --- News feeds ----------------------------------------------------------------------------------------------------


class NewsFeed(Feed):
    """The latest news in the language of the address."""

    def get_object(self, request):
        return current_language()

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
        last_modified=last_modified(kind=Kind.NEWS, language=current_language()),
        document=True,
    )


@require_safe
def news_rss(request):
    return _feed(request, NewsRss())


@require_safe
def news_atom(request):
    return _feed(request, NewsAtom())


# --- Sitemaps ------------------------------------------------------------------------------------------------------
# Written as text: a language's sitemap lists every published item, and building an element tree of thousands of
# nodes only to serialise it cost most of the answer (measured in benchmarks/, "Portal").


def _xml(lines: list[str]) -> HttpResponse:
    content = "\n".join(["<?xml version='1.0' encoding='utf-8'?>", *lines, ""]).encode()
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
        lines = [f'<sitemapindex xmlns="{SITEMAP_NS}">']
        for language in LANGUAGES:
            path = reverse("portal_root:sitemap_language", kwargs={"language": language})
            changed = last_modified(language=language)
            lastmod = f"<lastmod>{_w3c(changed)}</lastmod>" if changed else ""
            lines.append(f"<sitemap><loc>{escape(request.build_absolute_uri(path))}</loc>{lastmod}</sitemap>")
        lines.append("</sitemapindex>")
        return _xml(lines)

    return caching.respond(request, render=index, last_modified=_last_modified_anywhere(), document=True)


def _published_in(language: str) -> dict[tuple[str, str], dict[str, dt.datetime | None]]:
    """(kind, slug) → {language: None, …, `language`: when that version last changed} for every item published in
    `language`, with the other languages it is published in (one query)."""
    now = timezone.now()
    readable_here = ContentTranslation.objects.filter(visible_to_public(now), language=language).values("item_id")
    rows = (
        ContentTranslation.objects.filter(visible_to_public(now), kind__in=list(ITEM_ROUTES), item__in=readable_here)
        # Only this language's change time is shown; reading the others' would only cost their decoding.
        .annotate(changed=Case(When(language=language, then=F("updated_at"))))
        .order_by("kind", "item__slug")
        .values_list("kind", "item__slug", "language", "changed")
    )
    versions: dict[tuple[str, str], dict[str, dt.datetime | None]] = defaultdict(dict)
    for kind, slug, version_language, changed in rows:
        versions[(kind, slug)][version_language] = changed
    return versions


def _url_entry(*, origin: str, language: str, paths: dict[str, str], changed: dt.datetime | None = None) -> str:
    """One <url>: the address in `language`, when it changed, and every language version (itself included)."""
    parts = [f"<url><loc>{escape(origin + paths[language])}</loc>"]
    if changed is not None:
        parts.append(f"<lastmod>{_w3c(changed)}</lastmod>")
    parts += [
        f'<xhtml:link rel="alternate" hreflang="{other}" href={quoteattr(origin + paths[other])}/>'
        for other in LANGUAGES
        if other in paths
    ]
    parts.append("</url>")
    return "".join(parts)


def _reverse_everywhere(name: str) -> dict[str, str] | None:
    paths = {}
    for language in LANGUAGES:
        with translation.override(language):
            try:
                paths[language] = reverse(name)
            except NoReverseMatch:
                return None
    return paths


@require_safe
def sitemap_language(request, language: str):
    """Every public page in one language, each with the addresses of its other language versions."""
    if language not in LANGUAGES:
        raise Http404()

    def sitemap() -> HttpResponse:
        origin = request.build_absolute_uri("/").rstrip("/")
        lines = [f'<urlset xmlns="{SITEMAP_NS}" xmlns:xhtml="{XHTML_NS}">']
        for name in SITEMAP_PAGES:
            paths = _reverse_everywhere(name)
            if paths is not None:
                lines.append(_url_entry(origin=origin, language=language, paths=paths))
        makers = {kind: {other: item_path_maker(kind, language=other) for other in LANGUAGES} for kind in ITEM_ROUTES}
        for (kind, slug), versions in _published_in(language).items():
            paths = {other: makers[kind][other](slug) for other in versions}
            lines.append(_url_entry(origin=origin, language=language, paths=paths, changed=versions[language]))
        lines.append("</urlset>")
        return _xml(lines)

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
