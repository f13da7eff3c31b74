"""The monitoring dashboard: measures by status per goal and institution (charts with text alternatives and tables),
overdue reports, indicator trends, and the NRM figures beside them when the statistics module has them."""

import re
import sys
import types
from datetime import date

import pytest
from django.urls import reverse

from opennrm.accounts.testing import force_login_verified
from opennrm.coordination.services import period_create, report_submit


@pytest.fixture
def observer_client(client, coord):
    force_login_verified(client, coord.observer)
    return client


def _total(response, status: str) -> int:
    return next(count for code, _label, count in response.context["overview"].totals if code == status)


def test_the_dashboard_counts_measures_by_status(observer_client, coord):
    url = reverse("coordination:dashboard")
    before = observer_client.get(url)
    assert before.status_code == 200
    assert _total(before, "delayed") == 0
    assert _total(before, "not_reported") == 3

    report_submit(
        measure=coord.measures["1.1"], period=coord.period, by=coord.reporter_a, status="delayed", narrative="Kavējas."
    )
    report_submit(measure=coord.measures["1.2"], period=coord.period, by=coord.reporter_b, status="on_track")
    after = observer_client.get(url)
    assert _total(after, "delayed") == 1
    assert _total(after, "on_track") == 1
    assert _total(after, "not_reported") == 1
    html = after.content.decode()
    assert re.search(r'id="total-delayed"><span class="figure">1</span>', html)


def test_charts_have_a_title_a_description_and_a_table(observer_client, coord):
    report_submit(
        measure=coord.measures["1.1"], period=coord.period, by=coord.reporter_a, status="delayed", narrative="Kavējas."
    )
    html = observer_client.get(reverse("coordination:dashboard")).content.decode()
    for chart in ("status-by-goal", "status-by-institution"):
        assert f'aria-labelledby="{chart}-title {chart}-desc"' in html
        assert f'<title id="{chart}-title">' in html
        assert f'id="{chart}-table"' in html
    # The description reads the numbers out: goal 1 has one delayed measure and one without a report.
    description = re.search(r'<desc id="status-by-goal-desc">(.*?)</desc>', html, re.S).group(1)
    assert "Prevention" in description and "Delayed 1" in description


def test_a_draft_does_not_count(observer_client, coord):
    from opennrm.coordination.services import report_save_draft

    report_save_draft(measure=coord.measures["1.1"], period=coord.period, by=coord.reporter_a, status="done")
    assert _total(observer_client.get(reverse("coordination:dashboard")), "done") == 0


def test_the_dashboard_shows_one_period_when_asked(observer_client, coord):
    later = period_create(
        plan=coord.plan,
        by=coord.coordinator,
        name="2026",
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 12, 31),
        due_on=date(2027, 1, 31),
    )
    report_submit(measure=coord.measures["1.2"], period=coord.period, by=coord.reporter_b, status="on_track")
    report_submit(measure=coord.measures["1.2"], period=later, by=coord.reporter_b, status="done")
    url = reverse("coordination:dashboard")
    assert _total(observer_client.get(url), "done") == 1  # the latest report of each measure
    assert _total(observer_client.get(url, {"period": coord.period.pk}), "on_track") == 1
    assert _total(observer_client.get(url, {"period": coord.period.pk}), "done") == 0


def test_overdue_reports_are_listed(observer_client, coord):
    # The 2025 period was due on 31 January 2026; the tests run later than that.
    report_submit(measure=coord.measures["1.2"], period=coord.period, by=coord.reporter_b, status="on_track")
    overview = observer_client.get(reverse("coordination:dashboard")).context["overview"]
    overdue = {(slot.measure.code, slot.institution.code) for slot in overview.overdue}
    assert ("1.1", "test-inst-a") in overdue
    assert ("1.2", "test-inst-b") not in overdue


def test_indicator_trends_are_drawn_from_the_reported_values(observer_client, coord):
    later = period_create(
        plan=coord.plan,
        by=coord.coordinator,
        name="2026",
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 12, 31),
        due_on=date(2027, 1, 31),
    )
    measure = coord.measures["1.1"]
    report_submit(measure=measure, period=coord.period, by=coord.reporter_a, status="on_track", indicator_value="80")
    report_submit(measure=measure, period=later, by=coord.reporter_a, status="on_track", indicator_value="190,5")
    response = observer_client.get(reverse("coordination:dashboard"))
    trends = response.context["overview"].trends
    assert [trend.measure.code for trend in trends] == ["1.1"]
    html = response.content.decode()
    assert f'id="indicator-{measure.pk}-title"' in html
    assert f'id="indicator-{measure.pk}-table"' in html
    table = re.search(rf'<table class="data-table" id="indicator-{measure.pk}-table">(.*?)</table>', html, re.S).group(
        1
    )
    assert "80" in table and "190.5" in table and "300" in table  # the values and the target


def _install_stats(monkeypatch, function):
    module = types.ModuleType("opennrm.stats.selectors")
    if function is not None:
        module.nrm_headline_figures = function
    monkeypatch.setitem(sys.modules, "opennrm.stats.selectors", module)


def test_the_nrm_figures_appear_beside_the_plan(observer_client, coord, monkeypatch):
    asked = []

    def figures(*, year):
        asked.append(year)
        return {"registered_victims": 41, "identified": 30, "children": 7}

    _install_stats(monkeypatch, figures)
    response = observer_client.get(reverse("coordination:dashboard"))
    assert asked
    html = response.content.decode()
    assert 'id="nrm-heading"' in html
    assert "Registered victims" in html and "41" in html


@pytest.mark.parametrize("function", [None, lambda *, year: None])
def test_without_nrm_figures_the_dashboard_shows_none(observer_client, coord, monkeypatch, function):
    _install_stats(monkeypatch, function)
    response = observer_client.get(reverse("coordination:dashboard"))
    assert response.status_code == 200
    assert 'id="nrm-heading"' not in response.content.decode()


def test_a_failing_statistics_module_does_not_break_the_dashboard(observer_client, coord, monkeypatch):
    def broken(*, year):
        raise RuntimeError("test failure")

    _install_stats(monkeypatch, broken)
    response = observer_client.get(reverse("coordination:dashboard"))
    assert response.status_code == 200
    assert 'id="nrm-heading"' not in response.content.decode()


def test_the_dashboard_without_a_plan(client, db):
    from tests.coordination.conftest import make_user
    from tests.factories import InstitutionFactory

    user = make_user("observer", InstitutionFactory(code="test-lonely"), username="test.lonely")
    force_login_verified(client, user)
    response = client.get(reverse("coordination:dashboard"))
    assert response.status_code == 200
    assert "There is no action plan yet." in response.content.decode()


def test_an_unknown_plan_in_the_address_is_not_found(observer_client, coord):
    assert observer_client.get(reverse("coordination:dashboard"), {"plan": "no-such-plan"}).status_code == 404


def test_the_dashboard_reads_the_same_number_of_queries_however_many_measures_report(observer_client, coord):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            observer_client.get(reverse("coordination:dashboard"))
        return len(captured.captured_queries)

    report_submit(
        measure=coord.measures["1.1"], period=coord.period, by=coord.reporter_a, status="on_track", indicator_value="1"
    )
    one = queries()
    report_submit(
        measure=coord.measures["1.2"], period=coord.period, by=coord.reporter_b, status="on_track", indicator_value="2"
    )
    assert queries() == one
