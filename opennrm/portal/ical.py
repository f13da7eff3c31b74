"""The events calendar: which published events fall on which days of a month, which are upcoming or past, and
the same events as iCalendar (RFC 5545) for calendar applications.

Days are local days (settings.TIME_ZONE): an event from 18:00 to 02:00 shows on both evenings' dates. An event
without an end lasts until the end of the day it starts on.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext

from opennrm.portal.models import ContentTranslation, EventCategory, Kind
from opennrm.portal.rendering import plain_text
from opennrm.portal.selectors import published_items

FIRST_YEAR, LAST_YEAR = 1990, 2100  # the months the calendar pages answer for; others are "not found"
PRODUCT_ID = "-//OpenNRM//Public information resource//EN"
# Calendar applications that subscribe to the feed look again after this long.
REFRESH = dt.timedelta(hours=6)


def month_bounds(year: int, month: int) -> tuple[dt.datetime, dt.datetime]:
    """The first moment of the month and of the next one, in local time."""
    zone = timezone.get_current_timezone()
    start = dt.datetime(year, month, 1, tzinfo=zone)
    following = dt.datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=zone)
    return start, following


def shift_month(year: int, month: int, by: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + by
    return index // 12, index % 12 + 1


def is_valid_month(year: int, month: int) -> bool:
    return FIRST_YEAR <= year <= LAST_YEAR and 1 <= month <= 12


def _events(language: str, category: str | None) -> QuerySet[ContentTranslation]:
    events = published_items(kind=Kind.EVENT, language=language)
    if category:
        events = events.filter(item__event__category=category)
    return events


def events_in_month(*, language: str, year: int, month: int, category: str | None = None) -> list[ContentTranslation]:
    """Published events that take place, at least partly, within the month, by start."""
    start, following = month_bounds(year, month)
    overlapping = Q(item__event__starts_at__gte=start) | Q(item__event__ends_at__gt=start)
    return list(
        _events(language, category)
        .filter(overlapping, item__event__starts_at__lt=following)
        .defer("body")  # the calendar shows titles and summaries; texts are read on the event's own page
        .order_by("item__event__starts_at", "pk")
    )


def _start_of_today(now: dt.datetime) -> dt.datetime:
    return timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)


def _not_over(now: dt.datetime) -> Q:
    return Q(item__event__ends_at__gte=now) | Q(
        item__event__ends_at__isnull=True, item__event__starts_at__gte=_start_of_today(now)
    )


def events_upcoming(
    *, language: str, category: str | None = None, now: dt.datetime | None = None
) -> QuerySet[ContentTranslation]:
    """Events not over yet (running now or to come), soonest first."""
    return _events(language, category).filter(_not_over(now or timezone.now())).order_by("item__event__starts_at", "pk")


def events_past(
    *, language: str, category: str | None = None, now: dt.datetime | None = None
) -> QuerySet[ContentTranslation]:
    """Events that are over, most recent first."""
    return (
        _events(language, category).exclude(_not_over(now or timezone.now())).order_by("-item__event__starts_at", "-pk")
    )


def event_days(translation: ContentTranslation) -> tuple[dt.date, dt.date]:
    """The first and last local day an event takes place on."""
    details = translation.item.event
    starts = timezone.localtime(details.starts_at)
    if details.ends_at is None or details.ends_at <= details.starts_at:
        return starts.date(), starts.date()
    ends = timezone.localtime(details.ends_at)
    last = ends.date()
    if ends.time() == dt.time(0, 0):  # ending at midnight: the day before was the last one
        last -= dt.timedelta(days=1)
    return starts.date(), max(last, starts.date())


def is_over(translation: ContentTranslation, *, now: dt.datetime | None = None) -> bool:
    details = translation.item.event
    now = now or timezone.now()
    if details.ends_at is not None:
        return details.ends_at < now
    return details.starts_at < _start_of_today(now)


# --- The month as a grid of weeks ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class When:
    """An event's time as the pages show it, formatted once in Python rather than by filters in every loop."""

    start_iso: str
    start: str  # date and time
    end_iso: str = ""
    end: str = ""  # the time alone when the event ends the same day, else date and time


def event_when(translation: ContentTranslation) -> When:
    details = translation.item.event
    starts = timezone.localtime(details.starts_at)
    start = f"{date_format(starts, 'DATE_FORMAT')}, {time_format(starts, 'TIME_FORMAT')}"
    if details.ends_at is None or details.ends_at <= details.starts_at:
        return When(start_iso=starts.isoformat(), start=start)
    ends = timezone.localtime(details.ends_at)
    end = time_format(ends, "TIME_FORMAT")
    if ends.date() != starts.date():
        end = f"{date_format(ends, 'DATE_FORMAT')}, {end}"
    return When(start_iso=starts.isoformat(), start=start, end_iso=ends.isoformat(), end=end)


def with_when(rows: Iterable[ContentTranslation]) -> list[ContentTranslation]:
    """The events, each with `.when` for the templates."""
    rows = list(rows)
    for row in rows:
        row.when = event_when(row)
    return rows


@dataclass
class Day:
    date: dt.date
    in_month: bool
    is_today: bool
    label: str = ""  # the full date, for screen readers
    events: list[ContentTranslation] = field(default_factory=list)


@dataclass
class MonthGrid:
    year: int
    month: int
    weekdays: list[int]  # 0 = Monday … 6 = Sunday, in the order of the columns
    weeks: list[list[Day]]

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @property
    def event_count(self) -> int:
        return len({t.pk for week in self.weeks for day in week if day.in_month for t in day.events})


def month_grid(
    *, year: int, month: int, events: Iterable[ContentTranslation], first_weekday: int, today: dt.date
) -> MonthGrid:
    """Whole weeks covering the month (`first_weekday`: 0 Monday … 6 Sunday); each of its days lists its events."""
    weeks = calendar.Calendar(firstweekday=first_weekday).monthdatescalendar(year, month)
    days = {
        day: Day(
            date=day,
            in_month=day.month == month,
            is_today=day == today,
            # Only the month's own days show their date; the others are marked "another month".
            label=date_format(day, "DATE_FORMAT") if day.month == month else "",
        )
        for week in weeks
        for day in week
    }
    month_first = dt.date(year, month, 1)
    month_last = dt.date(year, month, calendar.monthrange(year, month)[1])
    for translation in events:
        first, last = event_days(translation)
        # Only the month's own days: a neighbouring month's events are listed on that month's page.
        day = max(first, month_first)
        while day <= min(last, month_last):
            days[day].events.append(translation)
            day += dt.timedelta(days=1)
    return MonthGrid(
        year=year,
        month=month,
        weekdays=[(first_weekday + n) % 7 for n in range(7)],
        weeks=[[days[day] for day in week] for week in weeks],
    )


# --- iCalendar -----------------------------------------------------------------------------------------------------
# Content lines are written here (RFC 5545, section 3.1) rather than through a general-purpose library: the feed of
# every event is rendered afresh after each change, and building it as objects cost about 0.7 ms an event (a third
# of a second for 500 events, measured in benchmarks/, "Portal"). Tests read the output with the icalendar package.

_LINE_OCTETS = 75  # a longer line is folded: CRLF and one space, then the rest
# Control characters other than a tab are not allowed in TEXT values (section 3.3.11); line breaks are escaped.
_CONTROL = dict.fromkeys([*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0)])
# What some readers take for the end of a line besides CR and LF: written as escaped line breaks too, so that no
# reader splitting lines the Unicode way sees a property of its own in an editor's text.
_LINE_BREAKS = str.maketrans({"\r": "\n", "\x85": "\n", "\u2028": "\n", "\u2029": "\n"})


def _text(value: str) -> str:
    """A TEXT value: backslash, semicolon and comma escaped, line breaks as \\n, other control characters left out."""
    value = value.replace("\r\n", "\n").translate(_LINE_BREAKS)
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")
    return value.translate(_CONTROL)


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def _duration(length: dt.timedelta) -> str:
    minutes = int(length.total_seconds()) // 60
    return f"PT{minutes // 60}H{minutes % 60}M" if minutes % 60 else f"PT{minutes // 60}H"


def _folded(line: str) -> bytes:
    """A content line as UTF-8 with CRLF, folded into lines of at most 75 octets, never inside a character."""
    data = line.encode()
    pieces = []
    start, room = 0, _LINE_OCTETS
    while len(data) - start > room:
        end = start + room
        while data[end] & 0xC0 == 0x80:  # a UTF-8 continuation byte: cut before the character it belongs to
            end -= 1
        pieces.append(data[start:end])
        start, room = end, _LINE_OCTETS - 1  # a continuation line starts with the folding space
    pieces.append(data[start:])
    return b"\r\n ".join(pieces) + b"\r\n"


@dataclass(frozen=True)
class _Phrases:
    """The feed's fixed words in the active language, translated once per calendar rather than once per event."""

    organiser: str
    registration: str
    more_information: str
    categories: dict[str, str]

    @classmethod
    def active(cls) -> _Phrases:
        return cls(
            organiser=gettext("Organiser: %(organiser)s"),
            registration=gettext("Registration: %(url)s"),
            more_information=gettext("More information: %(url)s"),
            categories={value: str(label) for value, label in EventCategory.choices},
        )


def _description(translation: ContentTranslation, url: str, phrases: _Phrases) -> str:
    details = translation.item.event
    lines = [translation.summary.strip() or plain_text(translation.body, limit=500)]
    if details.organiser:
        lines.append(phrases.organiser % {"organiser": details.organiser})
    if details.registration_url:
        lines.append(phrases.registration % {"url": details.registration_url})
    lines.append(phrases.more_information % {"url": url})
    return "\n\n".join(line for line in lines if line)


def _vevent(translation: ContentTranslation, *, url: str, host: str, phrases: _Phrases) -> list[str]:
    item = translation.item
    details = item.event
    revised = _utc(max(translation.updated_at, item.updated_at))
    lines = [
        "BEGIN:VEVENT",
        # One identifier per event whatever the language, so a calendar holding two language feeds shows it once.
        f"UID:{_text(f'opennrm-event-{item.pk}@{host}')}",
        f"DTSTAMP:{revised}",
        f"LAST-MODIFIED:{revised}",
        f"CREATED:{_utc(item.created_at)}",
        f"DTSTART:{_utc(details.starts_at)}",
    ]
    if details.ends_at is not None and details.ends_at > details.starts_at:
        lines.append(f"DTEND:{_utc(details.ends_at)}")
    lines += [
        f"SUMMARY:{_text(translation.title)}",
        f"DESCRIPTION:{_text(_description(translation, url, phrases))}",
    ]
    if details.place:
        lines.append(f"LOCATION:{_text(details.place)}")
    lines += [
        f"CATEGORIES:{_text(phrases.categories.get(details.category, details.category))}",
        f"URL:{url}",  # a URI value: not escaped as text
        "STATUS:CONFIRMED",
        "TRANSP:OPAQUE",
        "END:VEVENT",
    ]
    return lines


def calendar_bytes(events: Iterable[tuple[ContentTranslation, str]], *, name: str, host: str) -> bytes:
    """An iCalendar file of `events`, each given with the absolute address of its page."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{_text(PRODUCT_ID)}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{_text(name)}",
        f"X-WR-CALDESC:{_text(name)}",
        f"REFRESH-INTERVAL;VALUE=DURATION:{_duration(REFRESH)}",
        f"X-PUBLISHED-TTL:{_duration(REFRESH)}",
    ]
    phrases = _Phrases.active()
    for translation, url in events:
        lines += _vevent(translation, url=url, host=host, phrases=phrases)
    lines.append("END:VCALENDAR")
    return b"".join(_folded(line) for line in lines)
