"""The public information resource's pages: news, the events calendar, publications, simple pages and search.

No sign-in, no JavaScript needed, nothing fetched from another host. Each page reads what it shows through the
selectors (published versions only, in the language of the address), answers 304 when the visitor's copy is
current (`opennrm.portal.caching`), and, when an item exists only in other languages, says so and links them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.core.paginator import Page, Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import render
from django.urls import translate_url
from django.utils import timezone
from django.utils.dates import WEEKDAYS, WEEKDAYS_ABBR
from django.utils.formats import get_format
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from opennrm.directory.forms import AccessibleErrorsMixin
from opennrm.portal import caching, ical, search
from opennrm.portal.addresses import current_language, file_path_maker, item_path_maker, item_url
from opennrm.portal.models import ContentTranslation, EventCategory, Kind, Language, PublicationType
from opennrm.portal.rendering import plain_text, render_markdown
from opennrm.portal.selectors import (
    item_languages,
    last_modified,
    published_file,
    published_files,
    published_item,
    published_item_languages,
    published_items,
)

PAGE_SIZE = 20
LANGUAGE_NAMES = dict(Language.choices)  # each language's name in itself
# Whole sentences, so each language can say "in Russian" in its own grammar.
NOT_IN_LANGUAGE = {
    "lv": _("This item is not available in Latvian."),
    "en": _("This item is not available in English."),
    "ru": _("This item is not available in Russian."),
}
KIND_LABELS = dict(Kind.choices)
_NAV = {Kind.NEWS: "news", Kind.EVENT: "events", Kind.PUBLICATION: "publications"}  # the header link to highlight


# --- Language versions: the links in <head> and on the page -------------------------------------------------------


@dataclass(frozen=True)
class Alternate:
    language: str
    url: str  # absolute

    @property
    def name(self) -> str:
        return LANGUAGE_NAMES[self.language]


def page_alternates(request) -> list[Alternate]:
    """The same page in every language (lists and calendars exist in all of them)."""
    here = request.build_absolute_uri()
    return [Alternate(language, translate_url(here, language)) for language in LANGUAGE_NAMES]


def item_alternates(request, *, kind: str, slug: str, languages: list[str]) -> list[Alternate]:
    """The versions of an item that are published, and only those."""
    return [
        Alternate(language, request.build_absolute_uri(item_url(kind, slug, language=language)))
        for language in languages
    ]


def events_for_display(rows) -> list[ContentTranslation]:
    """The events with what their entries show: `.when` (formatted once) and `.url` (reversed once per list)."""
    rows = ical.with_when(rows)
    event_path = item_path_maker(Kind.EVENT)
    for row in rows:
        row.url = event_path(row.item.slug)
    return rows


def _context(request, *, nav: str = "", alternates: list[Alternate] | None = None, **extra) -> dict:
    alternates = page_alternates(request) if alternates is None else alternates
    default = next((a for a in alternates if a.language == settings.LANGUAGE_CODE), None)
    return {"nav": nav, "alternates": alternates, "x_default": default, **extra}


def _paginate(request, rows, size: int = PAGE_SIZE) -> Page:
    """A page of `rows`: first every id in order (read from the index, without the texts), then the page's rows.

    Sorting whole rows would read every text of the list only to show twenty; the ids are a few kilobytes.
    """
    page = Paginator(list(rows.values_list("pk", flat=True)), size).get_page(request.GET.get("page"))
    fetched = {row.pk: row for row in rows.filter(pk__in=page.object_list)}
    page.object_list = [fetched[pk] for pk in page.object_list]
    return page


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _missing_language(request, *, kind: str, slug: str) -> HttpResponse:
    """The item exists in other languages only: say so in this one, and link those (404: not here, but there)."""
    languages = published_item_languages(kind=kind, slug=slug)
    if not languages:
        raise Http404()
    alternates = item_alternates(request, kind=kind, slug=slug, languages=languages)
    context = _context(
        request,
        nav=_NAV.get(kind, ""),
        alternates=alternates,
        not_here=NOT_IN_LANGUAGE[current_language()],
        noindex=True,
    )
    return caching.private_response(render(request, "portal/public/missing_language.html", context, status=404))


def _item_page(request, *, kind: str, slug: str, template: str, extra=None, clock: bool = False) -> HttpResponse:
    """One item's page in the current language, or the "not in this language" page."""
    language = current_language()
    found = published_item(kind=kind, slug=slug, language=language)
    if found is None:
        return _missing_language(request, kind=kind, slug=slug)
    languages = item_languages(found.item)
    additions = extra(found, language) if extra else {}
    parts = [found.pk, found.updated_at.isoformat(), found.item.updated_at.isoformat(), ",".join(languages)]
    parts += additions.pop("cache_parts", [])

    def page() -> HttpResponse:
        alternates = item_alternates(request, kind=kind, slug=slug, languages=languages)
        context = _context(
            request,
            nav=_NAV.get(kind, ""),
            alternates=alternates,
            translation=found,
            item=found.item,
            body=render_markdown(found.body),
            description=found.summary or plain_text(found.body, limit=200),
            other_languages=[alternate for alternate in alternates if alternate.language != language],
            **additions,
        )
        return render(request, template, context)

    changed = max(found.updated_at, found.item.updated_at)
    return caching.respond(request, render=page, parts=parts, last_modified=changed, clock=clock)


# --- News ----------------------------------------------------------------------------------------------------------


@require_safe
def news_list(request):
    language = current_language()

    def page() -> HttpResponse:
        news = _paginate(request, published_items(kind=Kind.NEWS, language=language))
        return render(request, "portal/public/news_list.html", _context(request, nav="news", page=news))

    return caching.respond(request, render=page, last_modified=last_modified(kind=Kind.NEWS, language=language))


@require_safe
def news_item(request, slug: str):
    return _item_page(request, kind=Kind.NEWS, slug=slug, template="portal/public/news_item.html")


# --- Events --------------------------------------------------------------------------------------------------------


class EventFilterForm(AccessibleErrorsMixin, forms.Form):
    category = forms.ChoiceField(
        label=_("Category"), required=False, choices=[("", _("All categories")), *EventCategory.choices]
    )


class EventListForm(EventFilterForm):
    when = forms.ChoiceField(
        label=_("Events"),
        required=False,
        choices=[("upcoming", _("Upcoming")), ("past", _("Past"))],
        widget=forms.RadioSelect,
    )


@require_safe
def events(request):
    today = timezone.localdate()
    return events_month(request, year=today.year, month=today.month)


@require_safe
def events_month(request, year: int, month: int):
    if not ical.is_valid_month(year, month):
        raise Http404()
    language = current_language()
    form = EventFilterForm(request.GET)
    category = form.cleaned_data["category"] if form.is_valid() else None

    def page() -> HttpResponse:
        found = ical.events_in_month(language=language, year=year, month=month, category=category or None)
        rows = events_for_display(found)
        first_weekday = (int(get_format("FIRST_DAY_OF_WEEK")) - 1) % 7  # Django counts from Sunday = 0
        grid = ical.month_grid(
            year=year, month=month, events=rows, first_weekday=first_weekday, today=timezone.localdate()
        )
        months = [ical.shift_month(year, month, by) for by in (-1, 1)]
        previous, following = (dt.date(y, m, 1) if ical.is_valid_month(y, m) else None for y, m in months)
        context = _context(
            request,
            nav="events",
            form=form,
            grid=grid,
            month_events=rows,
            weekdays=[(WEEKDAYS[day], WEEKDAYS_ABBR[day]) for day in grid.weekdays],
            previous=previous,
            following=following,
            category_label=dict(EventCategory.choices).get(category or "", ""),
            filter_query=_query_without_page(request),
            noindex=not rows,
        )
        return render(request, "portal/public/events_month.html", context, status=400 if form.errors else 200)

    if form.errors:
        return caching.private_response(page())
    return caching.respond(
        request, render=page, last_modified=last_modified(kind=Kind.EVENT, language=language), clock=True
    )


@require_safe
def events_list(request):
    language = current_language()
    data = request.GET.copy()
    data.setdefault("when", "upcoming")
    form = EventListForm(data)
    valid = form.is_valid()
    category = (form.cleaned_data["category"] if valid else "") or None
    past = valid and form.cleaned_data["when"] == "past"

    def page() -> HttpResponse:
        selector = ical.events_past if past else ical.events_upcoming
        rows = _paginate(request, selector(language=language, category=category))
        rows.object_list = events_for_display(rows.object_list)
        context = _context(
            request, nav="events", form=form, page=rows, past=past, filter_query=_query_without_page(request)
        )
        return render(request, "portal/public/events_list.html", context, status=400 if form.errors else 200)

    if form.errors:
        return caching.private_response(page())
    return caching.respond(
        request, render=page, last_modified=last_modified(kind=Kind.EVENT, language=language), clock=True
    )


def _event_extra(found: ContentTranslation, language: str) -> dict:
    first, _last = ical.event_days(found)
    return {"is_over": ical.is_over(found), "month": (first.year, first.month), "when": ical.event_when(found)}


@require_safe
def event(request, slug: str):
    return _item_page(
        request, kind=Kind.EVENT, slug=slug, template="portal/public/event.html", extra=_event_extra, clock=True
    )


def _ics_response(content: bytes, *, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _calendar_name() -> str:
    return str(_("OpenNRM events (%(language)s)")) % {"language": LANGUAGE_NAMES[current_language()]}


@require_safe
def events_ics(request):
    """Every published event in this language, for calendar applications to subscribe to."""
    language = current_language()

    def feed() -> HttpResponse:
        rows = published_items(kind=Kind.EVENT, language=language).order_by("item__event__starts_at", "pk")
        event_url = item_path_maker(Kind.EVENT)
        content = ical.calendar_bytes(
            ((row, request.build_absolute_uri(event_url(row.item.slug))) for row in rows),
            name=_calendar_name(),
            host=request.get_host().split(":")[0],
        )
        return _ics_response(content, filename=f"opennrm-events-{language}.ics")

    return caching.respond(
        request, render=feed, last_modified=last_modified(kind=Kind.EVENT, language=language), document=True
    )


@require_safe
def event_ics(request, slug: str):
    """One event as an iCalendar file ("add to my calendar")."""
    language = current_language()
    found = published_item(kind=Kind.EVENT, slug=slug, language=language)
    if found is None:
        raise Http404()

    def file() -> HttpResponse:
        content = ical.calendar_bytes(
            [(found, request.build_absolute_uri(item_url(Kind.EVENT, slug)))],
            name=found.title,
            host=request.get_host().split(":")[0],
        )
        return _ics_response(content, filename=f"{slug}.ics")

    changed = max(found.updated_at, found.item.updated_at)
    return caching.respond(
        request, render=file, parts=[found.pk, changed.isoformat()], last_modified=changed, document=True
    )


# --- Publications --------------------------------------------------------------------------------------------------


class PublicationFilterForm(AccessibleErrorsMixin, forms.Form):
    q = forms.CharField(label=_("Words in the title or summary"), required=False, max_length=200)
    year = forms.TypedChoiceField(label=_("Year"), required=False, coerce=int, empty_value=None)
    type = forms.ChoiceField(label=_("Type"), required=False, choices=[("", _("All types")), *PublicationType.choices])
    language = forms.ChoiceField(
        label=_("Files in"), required=False, choices=[("", _("Any language")), *Language.choices]
    )

    def __init__(self, *args, years: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [("", _("All years")), *((year, str(year)) for year in years)]


@require_safe
def publications(request):
    language = current_language()
    form = PublicationFilterForm(request.GET, years=search.publication_years(language=language))
    filters = form.cleaned_data if form.is_valid() else {}

    def page() -> HttpResponse:
        rows = search.publications_search(
            language=language,
            query=filters.get("q") or "",
            year=filters.get("year"),
            publication_type=filters.get("type") or None,
            file_language=filters.get("language") or None,
        )
        file_languages = tuple(dict.fromkeys(filter(None, (language, filters.get("language")))))
        found = _paginate(request, search.with_files(rows, languages=file_languages))
        file_path = file_path_maker()
        for row in found.object_list:
            _link_files(row.item.public_files, slug=row.item.slug, file_path=file_path)
        filtered = any(filters.get(name) for name in ("q", "year", "type", "language"))
        context = _context(
            request,
            nav="publications",
            form=form,
            page=found,
            filtered=filtered,
            filter_query=_query_without_page(request),
            noindex=filtered,
        )
        return render(request, "portal/public/publications.html", context, status=400 if form.errors else 200)

    if form.errors:
        return caching.private_response(page())
    return caching.respond(request, render=page, last_modified=last_modified(kind=Kind.PUBLICATION, language=language))


def _link_files(files, *, slug: str, file_path) -> None:
    """Each file with `.url`, its download address (the file list shows many; reversing each would cost)."""
    for file in files:
        file.url = file_path(slug, file.token)


def files_for_readers(*, item, language: str) -> list:
    """The publication's files for readers of `language` (`published_files`), each with `.url`, its download."""
    files = published_files(item=item, language=language)
    _link_files(files, slug=item.slug, file_path=file_path_maker(language=language))
    return files


def _publication_extra(found: ContentTranslation, language: str) -> dict:
    files = files_for_readers(item=found.item, language=language)
    return {"files": files, "cache_parts": [f"{f.token}:{f.sha256}" for f in files]}


@require_safe
def publication(request, slug: str):
    return _item_page(
        request, kind=Kind.PUBLICATION, slug=slug, template="portal/public/publication.html", extra=_publication_extra
    )


@require_safe
def publication_file(request, slug: str, token: str):
    """A publication's file, as a download with its own name and type, while the publication is public."""
    found = published_file(token=token)
    if found is None or found.item.slug != slug:
        raise Http404()

    def download() -> HttpResponse:
        try:
            handle = found.file.open("rb")
        except FileNotFoundError:
            raise Http404() from None
        return FileResponse(handle, as_attachment=True, filename=found.original_name, content_type=found.content_type)

    return caching.respond(
        request, render=download, parts=[found.token, found.sha256], last_modified=found.uploaded_at, document=True
    )


# --- Simple pages and search ---------------------------------------------------------------------------------------


@require_safe
def page(request, slug: str):
    return _item_page(request, kind=Kind.PAGE, slug=slug, template="portal/public/page.html")


class SearchForm(AccessibleErrorsMixin, forms.Form):
    q = forms.CharField(label=_("Search for"), required=False, max_length=200)

    def clean_q(self) -> str:
        query = " ".join(self.cleaned_data["q"].split())
        if query and not search.search_terms(query):
            raise forms.ValidationError(
                _("Type at least one word of %(count)d letters or more."), params={"count": search.MIN_TERM_LENGTH}
            )
        return query


@require_safe
def site_search(request):
    language = current_language()
    form = SearchForm(request.GET)
    query = form.cleaned_data["q"] if form.is_valid() else ""

    def results() -> HttpResponse:
        found = _paginate(request, search.site_search(query=query, language=language)) if query else None
        hits = [
            {"translation": row, "url": item_url(row.kind, row.item.slug), "kind": KIND_LABELS[row.kind]}
            for row in (found.object_list if found else [])
        ]
        context = _context(
            request,
            form=form,
            query=query,
            page=found,
            hits=hits,
            filter_query=_query_without_page(request),
            noindex=True,
        )
        return render(request, "portal/public/search.html", context, status=400 if form.errors else 200)

    if form.errors:
        return caching.private_response(results())
    return caching.respond(request, render=results, last_modified=last_modified(language=language))
