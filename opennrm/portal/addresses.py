"""Where the public finds published content: the language of the address and each item's page in each language.

Lists, feeds, calendars and sitemaps link hundreds of items. Django's `reverse()` costs tens of microseconds a call,
so they reverse once per kind and language (`item_path_maker`) and put each slug into the address they got.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from opennrm.portal.models import Kind, Language

LANGUAGES: tuple[str, ...] = tuple(Language.values)
ITEM_ROUTES = {
    Kind.NEWS: "portal:news_item",
    Kind.EVENT: "portal:event",
    Kind.PUBLICATION: "portal:publication",
    Kind.PAGE: "portal:page",
}
# Slugs and file tokens are letters, digits, hyphens and underscores: put into an address as they are, they need
# no quoting.
_SLUG_MARK = "opennrm-slug-mark"
_TOKEN_MARK = "opennrm-token-mark"


def current_language() -> str:
    """The language of the address being answered (one of the public languages)."""
    language = (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
    return language if language in LANGUAGES else settings.LANGUAGE_CODE


def item_url(kind: str, slug: str, *, language: str | None = None) -> str:
    """The path of an item's page in `language` (default: the current one)."""
    with translation.override(language or current_language()):
        return reverse(ITEM_ROUTES[kind], kwargs={"slug": slug})


def item_path_maker(kind: str, *, language: str | None = None) -> Callable[[str], str]:
    """slug → the path of the page of an item of `kind` in `language`, reversing the route once for all of them."""
    before, after = item_url(kind, _SLUG_MARK, language=language).split(_SLUG_MARK)
    return lambda slug: f"{before}{slug}{after}"


def file_path_maker(*, language: str | None = None) -> Callable[[str, str], str]:
    """(publication slug, file token) → the path of the file's download, reversing the route once."""
    with translation.override(language or current_language()):
        path = reverse("portal:publication_file", kwargs={"slug": _SLUG_MARK, "token": _TOKEN_MARK})
    before, rest = path.split(_SLUG_MARK)
    middle, after = rest.split(_TOKEN_MARK)
    return lambda slug, token: f"{before}{slug}{middle}{token}{after}"
