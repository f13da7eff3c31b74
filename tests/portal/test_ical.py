"""The events calendar's logic (days of a month, upcoming and past) and its iCalendar feeds."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import icalendar
import pytest
from django.core.cache import cache
from django.utils import timezone

from opennrm.portal import ical
from opennrm.portal.models import EventCategory, Kind, Status
from tests.portal.conftest import make_content


@pytest.fixture(autouse=True)
def _no_stored_pages():
    """Pages the server keeps for the public (opennrm.portal.caching) start empty in each test."""
    cache.clear()


RIGA = timezone.get_default_timezone()


def fake_event(starts: dt.datetime, ends: dt.datetime | None = None, pk: int = 1):
    details = SimpleNamespace(starts_at=starts, ends_at=ends)
    return SimpleNamespace(pk=pk, item=SimpleNamespace(event=details))


# --- Pure calendar logic -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("starts", "ends", "days"),
    [
        ((2025, 6, 12, 10), (2025, 6, 12, 12), ((2025, 6, 12), (2025, 6, 12))),
        ((2025, 6, 12, 10), None, ((2025, 6, 12), (2025, 6, 12))),
        ((2025, 6, 12, 18), (2025, 6, 13, 2), ((2025, 6, 12), (2025, 6, 13))),  # into the night
        ((2025, 6, 12, 9), (2025, 6, 14, 0), ((2025, 6, 12), (2025, 6, 13))),  # ends at midnight
        ((2025, 6, 12, 9), (2025, 6, 12, 8), ((2025, 6, 12), (2025, 6, 12))),  # an end before the start is ignored
    ],
)
def test_event_days_are_local_days(starts, ends, days):
    event = fake_event(dt.datetime(*starts, tzinfo=RIGA), dt.datetime(*ends, tzinfo=RIGA) if ends else None)
    assert ical.event_days(event) == (dt.date(*days[0]), dt.date(*days[1]))


def test_event_days_use_local_time_not_utc():
    # 23:30 UTC on the 11th is 02:30 in Riga on the 12th (summer time).
    event = fake_event(dt.datetime(2025, 6, 11, 23, 30, tzinfo=dt.UTC))
    assert ical.event_days(event) == (dt.date(2025, 6, 12), dt.date(2025, 6, 12))


def test_month_grid_has_whole_weeks_starting_on_the_given_day():
    grid = ical.month_grid(year=2025, month=6, events=[], first_weekday=0, today=dt.date(2025, 6, 18))
    assert grid.weekdays == [0, 1, 2, 3, 4, 5, 6]
    assert grid.weeks[0][0].date == dt.date(2025, 5, 26) and not grid.weeks[0][0].in_month
    assert grid.weeks[-1][-1].date == dt.date(2025, 7, 6)
    assert all(len(week) == 7 for week in grid.weeks)
    today = [day for week in grid.weeks for day in week if day.is_today]
    assert [day.date for day in today] == [dt.date(2025, 6, 18)]
    sunday_first = ical.month_grid(year=2025, month=6, events=[], first_weekday=6, today=dt.date(2025, 6, 18))
    assert sunday_first.weekdays[0] == 6 and sunday_first.weeks[0][0].date == dt.date(2025, 6, 1)


def test_month_grid_places_events_on_each_of_their_days_in_the_month():
    spanning = fake_event(dt.datetime(2025, 5, 30, 9, tzinfo=RIGA), dt.datetime(2025, 6, 2, 17, tzinfo=RIGA), pk=1)
    single = fake_event(dt.datetime(2025, 6, 18, 10, tzinfo=RIGA), pk=2)
    grid = ical.month_grid(year=2025, month=6, events=[spanning, single], first_weekday=0, today=dt.date(2025, 1, 1))
    by_date = {day.date: [e.pk for e in day.events] for week in grid.weeks for day in week}
    assert by_date[dt.date(2025, 6, 1)] == [1] and by_date[dt.date(2025, 6, 2)] == [1]
    assert by_date[dt.date(2025, 6, 3)] == [] and by_date[dt.date(2025, 6, 18)] == [2]
    # Days of the neighbouring months are shown empty: their events belong to their own month's page.
    assert by_date[dt.date(2025, 5, 31)] == []
    assert grid.event_count == 2


@pytest.mark.parametrize(("year", "month", "by", "expected"), [(2025, 12, 1, (2026, 1)), (2025, 1, -1, (2024, 12))])
def test_shift_month_crosses_years(year, month, by, expected):
    assert ical.shift_month(year, month, by) == expected


def test_month_bounds_are_local_midnights():
    start, following = ical.month_bounds(2025, 12)
    assert (start.year, start.month, start.day, start.hour) == (2025, 12, 1, 0)
    assert (following.year, following.month) == (2026, 1)
    assert start.utcoffset() == dt.timedelta(hours=2)


# --- Selection of events -------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_events_in_month_include_those_overlapping_it(portal_content):
    make_content(
        kind=Kind.EVENT,
        slug="from-april",
        versions={"en": (Status.PUBLISHED, portal_content.now)},
        event={"starts_at": dt.datetime(2025, 4, 28, 9, tzinfo=RIGA), "ends_at": dt.datetime(2025, 5, 2, tzinfo=RIGA)},
    )
    make_content(
        kind=Kind.EVENT,
        slug="ends-at-may",
        versions={"en": (Status.PUBLISHED, portal_content.now)},
        event={"starts_at": dt.datetime(2025, 4, 30, 9, tzinfo=RIGA), "ends_at": dt.datetime(2025, 5, 1, tzinfo=RIGA)},
    )
    may = {t.item.slug for t in ical.events_in_month(language="en", year=2025, month=5)}
    april = {t.item.slug for t in ical.events_in_month(language="en", year=2025, month=4)}
    assert may == {"from-april"}
    assert april == {"from-april", "ends-at-may"}


@pytest.mark.django_db
def test_an_event_without_an_end_is_upcoming_until_its_day_is_over(portal_content):
    now = timezone.now()
    make_content(
        kind=Kind.EVENT,
        slug="this-morning",
        versions={"en": (Status.PUBLISHED, now - dt.timedelta(days=1))},
        event={"starts_at": timezone.localtime(now).replace(hour=0, minute=1), "category": EventCategory.CAMPAIGN},
    )
    upcoming = [t.item.slug for t in ical.events_upcoming(language="en", now=now)]
    assert "this-morning" in upcoming
    tomorrow = now + dt.timedelta(days=1)
    assert "this-morning" not in [t.item.slug for t in ical.events_upcoming(language="en", now=tomorrow)]
    assert "this-morning" in [t.item.slug for t in ical.events_past(language="en", now=tomorrow)]
    assert [t.item.slug for t in ical.events_upcoming(language="en", category=EventCategory.MEETING, now=now)] == []


# --- iCalendar -----------------------------------------------------------------------------------------------------


def calendar_of(response) -> icalendar.Calendar:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return icalendar.Calendar.from_ical(response.content)


@pytest.mark.django_db
def test_the_feed_holds_every_published_event_of_the_language(client, portal_content):
    response = client.get("/lv/events/calendar.ics")
    assert response["Content-Disposition"] == 'attachment; filename="opennrm-events-lv.ics"'
    events = calendar_of(response).walk("VEVENT")
    assert sorted(str(e["SUMMARY"]) for e in events) == ["Next month (lv)", "Past event (lv)", "Upcoming event (lv)"]
    russian = calendar_of(client.get("/ru/events/calendar.ics")).walk("VEVENT")
    assert sorted(str(e["SUMMARY"]) for e in russian) == ["Past event (ru)", "Upcoming event (ru)"]


@pytest.mark.django_db
def test_an_event_in_the_feed_carries_time_place_and_address(client, portal_content):
    events = calendar_of(client.get("/lv/events/calendar.ics")).walk("VEVENT")
    event = next(e for e in events if str(e["SUMMARY"]) == "Upcoming event (lv)")
    details = portal_content.event_upcoming.event
    assert event.decoded("DTSTART") == details.starts_at
    assert event.decoded("DTEND") == details.ends_at
    assert str(event["LOCATION"]) == "Demo hall, Test Street 1, Riga"
    assert str(event["URL"]) == "http://testserver/lv/event/upcoming-event/"
    assert str(event["UID"]) == f"opennrm-event-{portal_content.event_upcoming.pk}@testserver"
    description = str(event["DESCRIPTION"])
    assert "Demo Ministry" in description and "https://example.org/register" in description
    # The same event has the same identifier in every language's feed.
    russian = calendar_of(client.get("/ru/events/calendar.ics")).walk("VEVENT")
    assert str(event["UID"]) in {str(e["UID"]) for e in russian}


@pytest.mark.django_db
def test_an_event_without_an_end_has_no_dtend(client, portal_content):
    events = calendar_of(client.get("/lv/events/calendar.ics")).walk("VEVENT")
    event = next(e for e in events if str(e["SUMMARY"]) == "Next month (lv)")
    assert "DTEND" not in event


@pytest.mark.django_db
def test_one_event_as_a_file(client, portal_content):
    response = client.get("/ru/event/upcoming-event/calendar.ics")
    assert response["Content-Disposition"] == 'attachment; filename="upcoming-event.ics"'
    (event,) = calendar_of(response).walk("VEVENT")
    assert str(event["SUMMARY"]) == "Upcoming event (ru)"


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/en/event/upcoming-event/calendar.ics", "/lv/event/no-such/calendar.ics"])
def test_no_file_for_an_event_not_published_in_the_language(client, portal_content, path):
    assert client.get(path).status_code == 404


@pytest.mark.django_db
def test_the_feed_keeps_its_queries_few(client, portal_content, django_assert_max_num_queries):
    for number in range(20):
        make_content(
            kind=Kind.EVENT,
            slug=f"bulk-event-{number}",
            versions={"lv": (Status.PUBLISHED, portal_content.now)},
            event={"starts_at": portal_content.now + dt.timedelta(days=number)},
        )
    with django_assert_max_num_queries(2):
        assert len(calendar_of(client.get("/lv/events/calendar.ics")).walk("VEVENT")) == 23


# --- The iCalendar text itself -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_text_with_separators_and_long_lines_survives_a_calendar_application(client, portal_content):
    """What a calendar application reads back is what the editor wrote: escaping and folding of RFC 5545."""
    title = "Seminārs; «Cilvēku tirdzniecība», darbs\\tiesības — " + "ļoti garš nosaukums ar garumzīmēm " * 4
    summary = "Pirmā rinda, ar komatu;\notrā rinda \\ ar slīpsvītru.\r\nТретья строка: торговля людьми. ✅"
    item = make_content(
        kind=Kind.EVENT,
        slug="separators",
        versions={"lv": (Status.PUBLISHED, portal_content.now)},
        title=title,
        event={
            "starts_at": portal_content.now + dt.timedelta(days=3),
            "place": "Zāle 2, Demo iela 1; Rīga",
            "organiser": 'Demo biedrība, "Piemērs"',
        },
    )
    item.translations.filter(language="lv").update(summary=summary)
    content = client.get("/lv/events/calendar.ics").content
    lines = content.split(b"\r\n")
    assert lines[-1] == b"" and all(len(line) <= 75 for line in lines)
    assert all(line.decode() for line in lines[:-1])  # every physical line is whole UTF-8: no character cut in two
    (event,) = [e for e in icalendar.Calendar.from_ical(content).walk("VEVENT") if "separators" in str(e["URL"])]
    assert str(event["SUMMARY"]) == f"{title} (lv)"
    assert str(event["DESCRIPTION"]).startswith(summary.replace("\r\n", "\n") + "\n\n")
    assert 'Demo biedrība, "Piemērs"' in str(event["DESCRIPTION"])
    assert str(event["LOCATION"]) == "Zāle 2, Demo iela 1; Rīga"


def test_control_characters_are_left_out_of_text_values():
    assert ical._text("a\x00b\x07c\td\x7fe") == "abc\tde"
    assert ical._text("one\r\ntwo\rthree\nfour") == "one\\ntwo\\nthree\\nfour"
    # Line separators of Unicode are line breaks too; other C1 controls go.
    assert ical._text("a\u2028END:VEVENT\x85b\u2029c\x9bd") == "a\\nEND:VEVENT\\nb\\ncd"


@pytest.mark.parametrize("text", ["x" * 75, "x" * 76, "ā" * 40, "x" + "ā" * 37 + "€" * 30, "😀" * 50])
def test_folding_never_exceeds_75_octets_nor_splits_a_character(text):
    folded = ical._folded(f"SUMMARY:{text}")
    physical = folded.split(b"\r\n")
    assert physical[-1] == b""
    assert all(len(line) <= 75 for line in physical)
    assert all(line.decode() for line in physical[:-1])
    unfolded = folded.replace(b"\r\n ", b"").decode()
    assert unfolded == f"SUMMARY:{text}\r\n"


def test_the_refresh_interval_is_a_duration():
    assert ical._duration(dt.timedelta(hours=6)) == "PT6H"
    assert ical._duration(dt.timedelta(hours=1, minutes=30)) == "PT1H30M"
