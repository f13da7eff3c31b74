"""Searching published content: the site search (every kind, one language) and the publications list's filters.

Matching ignores case and Latvian diacritics ("cilveku" finds "Cilvēku", "ТОРГОВЛЯ" finds "торговля") on SQLite
and on PostgreSQL alike. Each word of the query is folded (lower case, plain letters) and becomes a case-insensitive
regular expression in which every plain letter also accepts its marked forms ("cilveku" → "c[iī][lļ]v[eē][kķ][uū]").
Django's `iregex` runs it on both databases (PostgreSQL's `~*`; on SQLite Python's `re`, registered by Django), on
the stored text as it is: measured on PostgreSQL, several times quicker than folding every text with
LOWER/TRANSLATE first. Every word must occur (in the title, the summary or the text); items whose title holds every
word come first.
"""

from __future__ import annotations

import datetime as dt
import operator
import re
from functools import reduce

from django.db.models import BooleanField, Case, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone

from opennrm.portal.models import ContentTranslation, Kind, PublicationFile
from opennrm.portal.selectors import published_items

MAX_TERMS = 8
MIN_TERM_LENGTH = 2
# Lower-case letters with diacritics → the plain letter a reader may type instead (Latvian, and Russian "ё").
FOLD_FROM = "āčēģīķļņōŗšūžё"
FOLD_TO = "acegiklnorsuzе"
_FOLD_PAIRS = tuple(zip(FOLD_FROM, FOLD_TO, strict=True))
_LETTER_CLASSES = {plain: f"[{plain}{marked}]" for marked, plain in _FOLD_PAIRS}
SEARCHABLE_KINDS = (Kind.NEWS, Kind.EVENT, Kind.PUBLICATION, Kind.PAGE)


def fold(text: str) -> str:
    """Lower case without diacritics."""
    text = (text or "").lower()
    for letter, plain in _FOLD_PAIRS:
        if letter in text:
            text = text.replace(letter, plain)
    return text


def search_terms(query: str) -> list[str]:
    """The folded words of a query worth matching (at most MAX_TERMS, each at least MIN_TERM_LENGTH long)."""
    terms: list[str] = []
    for word in fold(query).split():
        word = word.strip(".,;:!?\"'«»„“”()[]")
        if len(word) >= MIN_TERM_LENGTH and word not in terms:
            terms.append(word)
    return terms[:MAX_TERMS]


def term_pattern(term: str) -> str:
    """A word as a regular expression that accepts each of its letters plain or marked (case is left to the
    case-insensitive match). Only literals and letter classes: its cost is linear in the text."""
    return "".join(_LETTER_CLASSES.get(char) or re.escape(char) for char in fold(term))


def _contains(field: str, term: str) -> Q:
    return Q(**{f"{field}__iregex": term_pattern(term)})


def _matching(rows: QuerySet[ContentTranslation], terms: list[str], fields: tuple[str, ...]) -> QuerySet:
    for term in terms:
        rows = rows.filter(reduce(operator.or_, (_contains(field, term) for field in fields)))
    return rows


def site_search(*, query: str, language: str, now: dt.datetime | None = None) -> QuerySet[ContentTranslation]:
    """Published content of every kind in `language` containing every word of `query`; best matches first."""
    terms = search_terms(query)
    if not terms:
        return ContentTranslation.objects.none()
    now = now or timezone.now()
    visible = reduce(
        operator.or_, (published_items(kind=kind, language=language, now=now) for kind in SEARCHABLE_KINDS)
    )
    found = _matching(visible, terms, ("title", "summary", "body"))
    in_title = reduce(operator.and_, (_contains("title", term) for term in terms))
    return found.annotate(
        title_match=Case(When(in_title, then=Value(True)), default=Value(False), output_field=BooleanField())
    ).order_by("-title_match", "-published_at", "-pk")


def publications_search(
    *,
    language: str,
    query: str = "",
    year: int | None = None,
    publication_type: str | None = None,
    file_language: str | None = None,
    now: dt.datetime | None = None,
) -> QuerySet[ContentTranslation]:
    """Published publications in `language`, newest first, narrowed by words in the title or summary, the year of
    publication, the type, and the language of their files."""
    rows = published_items(kind=Kind.PUBLICATION, language=language, now=now)
    terms = search_terms(query)
    if terms:
        rows = _matching(rows, terms, ("title", "summary"))
    if year:
        rows = rows.filter(item__publication__published_on__year=year)
    if publication_type:
        rows = rows.filter(item__publication__publication_type=publication_type)
    if file_language:
        # A file in a language is downloadable while the publication's version in that language is public.
        rows = rows.filter(item__in=PublicationFile.objects.filter(language=file_language).values("item_id")).filter(
            item__in=published_items(kind=Kind.PUBLICATION, language=file_language, now=now).values("item_id")
        )
    return rows.order_by("-item__publication__published_on", "-published_at", "-pk")


def publication_years(*, language: str, now: dt.datetime | None = None) -> list[int]:
    """The years in which the publications readable in `language` came out, latest first."""
    dates = published_items(kind=Kind.PUBLICATION, language=language, now=now).dates(
        "item__publication__published_on", "year", order="DESC"
    )
    return [day.year for day in dates]


def with_files(rows: QuerySet[ContentTranslation], *, languages: tuple[str, ...]) -> QuerySet[ContentTranslation]:
    """The same rows, each item with `public_files`: its language-free files and those in `languages` (the reader's,
    and the one the list is filtered by), in one more query for the whole page."""
    files = PublicationFile.objects.filter(language__in=("", *languages)).order_by("language", "original_name")
    return rows.prefetch_related(Prefetch("item__files", queryset=files, to_attr="public_files"))
