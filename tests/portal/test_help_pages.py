"""Where to get help, the emergency numbers in every page's header, and the public indicator and statistics pages."""

import re
import sys
from types import ModuleType, SimpleNamespace

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from opennrm.directory.models import ContactPoint
from opennrm.jurisdiction.models import ModelVersion
from opennrm.portal import help_finder
from opennrm.portal.self_check import public_help
from opennrm.stats import labels
from opennrm.stats.disclosure import Cell, StatTable
from opennrm.stats.privacy import DpStatement

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_header():
    help_finder.header_numbers_forget()
    yield
    help_finder.header_numbers_forget()


def main_of(response) -> str:
    page = response.content.decode()
    return page[page.index('<main id="main"') : page.index("</main>")]


def help_url(**query) -> str:
    return reverse("portal:help") + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def ask(client, **choice):
    """The help finder's form sent as a browser sends it: posted, with no token and no cookie."""
    return client.post(reverse("portal:help"), choice)


# --- the header -----------------------------------------------------------------------------------------------


def test_every_page_shows_112_and_the_national_helplines(client, case_world):
    page = client.get(reverse("core:home")).content.decode()
    header = page[page.index('<header class="site-header">') : page.index("</header>")]
    assert 'href="tel:112"' in header and "Emergency" in header
    # The round-the-clock public lines of national institutions of the pack's helpline types, in that order.
    assert header.index("+371 20000111") < header.index("+371 20000010")
    assert "Round-the-clock helpline for victims of trafficking" in header
    # A children's helpline belongs to another type; professionals' duty lines are never public.
    assert "+371 20000060" not in header and "+371 20000011" not in header


def test_the_header_speaks_the_page_language(client, case_world):
    page = client.get("/lv/").content.decode()
    assert "Ārkārtas palīdzība" in page and "Diennakts uzticības tālrunis cilvēku tirdzniecības upuriem" in page


def test_the_header_falls_back_to_112_before_a_model_is_published(client, db):
    page = client.get(reverse("core:home")).content.decode()
    assert 'class="emergency-numbers"' in page and 'href="tel:112"' in page


def test_the_header_costs_no_query_once_read(client, case_world, django_assert_max_num_queries):
    help_finder.header_numbers()
    with django_assert_max_num_queries(0):
        help_finder.header_numbers()


def test_a_page_renders_its_header_even_without_the_database(client, case_world, monkeypatch):
    from django.db import DatabaseError

    def broken():
        raise DatabaseError("the database is down")

    monkeypatch.setattr(help_finder, "header_numbers", broken)
    page = client.get(reverse("directory:institutions")).content.decode()
    assert 'href="tel:112"' in page


def test_a_disabled_helpline_leaves_the_header(client, case_world):
    ContactPoint.objects.filter(phone="+371 20000111").update(is_active=False)
    assert "+371 20000111" not in client.get(reverse("core:home")).content.decode()


# --- where to get help ----------------------------------------------------------------------------------------


def test_the_help_page_without_a_choice(client, case_world):
    response = client.get(help_url())
    assert response.status_code == 200
    assert response["Referrer-Policy"] == "no-referrer"
    main = main_of(response)
    assert '<label for="id_municipality">' in main and "What is your situation?" in main
    assert "Helplines, day and night" in main and "+371 20000111" in main
    assert 'class="quick-exit"' in main and 'href="https://www.google.lv/"' in main
    # The self-check is offered to those who are not sure.
    assert reverse("portal:self_check_track", kwargs={"track_id": "job_offer"}) in main


def test_a_situation_chosen_elsewhere_is_preselected_without_errors(client, case_world):
    response = ask(client, situation="child")
    assert response.status_code == 200
    main = main_of(response)
    assert re.search(r'<input type="radio" name="situation" value="child"[^>]*checked', main)
    assert 'class="error-summary"' not in main and "Who can help in" not in main


def test_an_adult_in_riga_is_shown_the_city_first_then_national_help(client, case_world):
    main = main_of(ask(client, municipality="riga", situation="exploited"))
    main = main[main.index('id="help-answer"') :]
    assert "Who can help in Riga" in main
    assert "A service provider&#x27;s specialists can recognise you as a victim" in main
    assert main.index("In your municipality") < main.index("Riga State City Social Service") < main.index("Nationwide")
    assert main.index("Marta Resource Centre for Women") < main.index("State Police")
    # Only the types the pack lists for the situation, and no child protection for an adult.
    assert "Orphan" not in main and "Border Guard" not in main
    assert "Duty officer (professionals only)" not in main


def test_a_child_in_riga_brings_the_orphans_court(client, case_world):
    main = main_of(ask(client, municipality="riga", situation="child"))
    assert "Orphan" in main and "Children" in main


def test_a_foreign_national_is_also_sent_to_the_border_guard(client, case_world):
    main = main_of(ask(client, municipality="daugavpils", situation="foreign_national"))
    assert "State Border Guard" in main and "Office of Citizenship and Migration Affairs" in main


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"municipality": "atlantis", "situation": "exploited"}, "id_municipality", "Select a valid choice."),
        ({"municipality": "riga", "situation": "lost"}, "id_situation", "Select a valid choice."),
        ({"municipality": "", "situation": "exploited"}, "id_municipality", "This field is required."),
    ],
)
def test_a_bad_choice_is_named_and_nothing_is_listed(client, case_world, query, field, message):
    response = ask(client, **query)
    assert response.status_code == 400
    main = main_of(response)
    assert f'id="{field}-error"' in main and message in main
    assert "Who can help in" not in main


# --- where to get help leaves no trace -------------------------------------------------------------------------


def test_the_finder_form_posts_its_choice_and_needs_no_token(client, case_world):
    main = main_of(client.get(help_url()))
    form = re.search(r'<form method="post" action="/en/help/" class="help-finder-form"[^>]*>(.*?)</form>', main, re.S)
    assert form, "the help finder must post its choice, never put it in the address"
    assert "csrfmiddlewaretoken" not in form.group(1)


def test_an_answer_leaves_no_trace(client, case_world):
    client.get(reverse("core:home"))  # other pages may set the CSRF cookie
    response = ask(client, municipality="riga", situation="exploited")
    assert response.status_code == 200 and "Who can help in Riga" in main_of(response)
    assert "no-store" in response["Cache-Control"]
    assert response["Referrer-Policy"] == "no-referrer"
    assert not response.cookies, response.cookies


def test_a_bad_choice_leaves_no_trace_either(client, case_world):
    response = ask(client, municipality="atlantis", situation="exploited")
    assert response.status_code == 400
    assert "no-store" in response["Cache-Control"] and response["Referrer-Policy"] == "no-referrer"
    assert not response.cookies


def test_the_finder_is_not_refused_for_want_of_a_token(case_world):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(reverse("portal:help"), {"municipality": "riga", "situation": "exploited"})
    assert response.status_code == 200 and "Who can help in Riga" in main_of(response)


@pytest.mark.parametrize(
    "query",
    [
        {"municipality": "riga", "situation": "exploited"},
        {"situation": "child"},
        {"municipality": "riga"},
        {"municipality": "atlantis", "situation": "lost"},
    ],
)
def test_an_old_link_with_the_choice_in_its_address_goes_to_the_clean_form(client, case_world, query):
    response = client.get(help_url(**query))
    assert response.status_code == 302
    assert response["Location"] == "/en/help/"
    assert "no-store" in response["Cache-Control"] and response["Referrer-Policy"] == "no-referrer"
    page = client.get(response["Location"])
    assert page.status_code == 200 and "Who can help in" not in main_of(page)


def test_the_self_check_result_sends_to_where_to_get_help_without_an_address(client, case_world):
    data = {"step": "3", "action": "next", "municipality": "riga"}
    response = client.post(reverse("portal:self_check_track", kwargs={"track_id": "exploitation"}), data)
    main = main_of(response)
    assert "Your result" in main
    assert "situation=" not in main and "municipality=" not in main
    more = re.search(r'<form method="post" action="/en/help/" class="self-check-more-help">(.*?)</form>', main, re.S)
    assert more and 'name="situation" value="exploited"' in more.group(1)
    # What it posts: the help page with the situation chosen and nothing listed yet.
    page = main_of(ask(client, situation="exploited"))
    assert re.search(r'<input type="radio" name="situation" value="exploited"[^>]*checked', page)


def test_without_a_published_model_the_page_says_so(client, case_world):
    ModelVersion.objects.update(status=ModelVersion.Status.SUPERSEDED)
    response = client.get(help_url())
    assert response.status_code == 200
    assert "no version of the model with public help has been published" in main_of(response)


def test_help_for_names_an_unknown_situation(case_world):
    from opennrm.core.errors import ApplicationError

    with pytest.raises(ApplicationError) as raised:
        help_finder.help_for(help=public_help(), municipality="riga", situation="nowhere")
    assert raised.value.field == "situation"


def test_the_help_finder_reuses_who_to_call(case_world, monkeypatch):
    calls = []
    original = help_finder.directory.who_to_call

    def spy(**kwargs):
        calls.append(kwargs)
        return original(**kwargs)

    monkeypatch.setattr(help_finder.directory, "who_to_call", spy)
    answer = help_finder.help_for(help=public_help(), municipality="riga", situation="child")
    assert calls and calls[0]["user"] is None and calls[0]["population"] == "child"
    assert answer.count >= 3


# --- the published indicators ---------------------------------------------------------------------------------


def test_the_indicators_page_lists_the_published_sets_with_the_date(client, case_world):
    response = client.get(reverse("portal:indicators"))
    assert response.status_code == 200
    main = main_of(response)
    version = case_world.version
    assert f"Model version {version.number}, published on" in main
    assert reverse("jurisdiction:overview") in main
    for set_id in ("adult_labour", "adult_sexual", "child_labour", "forced_return"):
        assert reverse("portal:indicator_set", kwargs={"set_id": set_id}) in main
    assert "<caption>Indicator sets in force</caption>" in main


def test_an_indicator_set_page_explains_its_rule(client, case_world):
    main = main_of(client.get(reverse("portal:indicator_set", kwargs={"set_id": "forced_return"})))
    assert "1 strong indicator + 1 medium or weak indicator" in main
    assert "Deceptive recruitment or Coercive recruitment or Recruitment by abuse of vulnerability" in main
    assert "For a child" in main
    assert reverse("screening:print_form", kwargs={"set_id": "forced_return"}) in main
    assert re.search(r'<th scope="col">Strength</th>', main)


def test_an_unknown_indicator_set_is_404(client, case_world):
    assert client.get(reverse("portal:indicator_set", kwargs={"set_id": "nothing"})).status_code == 404


def test_the_indicators_page_before_publication(client, db):
    main = main_of(client.get(reverse("portal:indicators")))
    assert "No version of the model has been published yet." in main


# --- the published statistics ---------------------------------------------------------------------------------


def published(monkeypatch, release):
    """The statistics app's selector, answering with `release` (that app is tested on its own)."""
    module = ModuleType("opennrm.stats.selectors")
    module.release_published_latest = lambda: release
    monkeypatch.setitem(sys.modules, "opennrm.stats.selectors", module)


def test_statistics_before_any_release(client, case_world, monkeypatch):
    published(monkeypatch, None)
    main = main_of(client.get(reverse("portal:statistics")))
    assert "No statistics have been published yet." in main and "<table" not in main


def test_statistics_without_the_statistics_selectors(client, db, monkeypatch):
    address = reverse("portal:statistics")  # every page's module is loaded before the selectors go missing
    monkeypatch.setitem(sys.modules, "opennrm.stats.selectors", None)
    response = client.get(address)
    assert response.status_code == 200
    assert "No statistics have been published yet." in main_of(response)


def _release(*, dp):
    table = StatTable(
        id="victims_by_age_sex",
        row_dimension="age_band",
        column_dimension="sex",
        row_codes=["0-8", "18-20"],
        column_codes=["Feminine", "Masculine"],
        cells=[[Cell.primary(5), Cell.secondary()], [Cell.shown(12), Cell.shown(7)]],
        row_totals=[Cell.shown(6), Cell.shown(19)],
        column_totals=[Cell.shown(15), Cell.shown(10)],
        total=Cell.shown(25),
    )
    duration = SimpleNamespace(
        id="time_to_identification",
        kind="duration",
        row_dimension="year",
        row_codes=["2025"],
        rows=[SimpleNamespace(n=Cell.shown(9), q1=10.0, median=21.5, q3=40.0)],
        unit="days",
        note="",
    )
    return SimpleNamespace(
        year=2025,
        year_from=2021,
        threshold=5,
        dp=dp,
        tables={table.id: table, duration.id: duration},
    )


def test_statistics_show_only_the_release_its_suppression_and_its_noise(client, case_world, monkeypatch):
    dp = DpStatement(epsilon=1.0, shares=4, mechanism="discrete_laplace", scale=4.0, margin_95=12)
    published(monkeypatch, _release(dp=dp))
    main = main_of(client.get(reverse("portal:statistics")))
    assert "The published statistics for 2021–2025." in main
    # The statistics app's own words for its suppression and its noise.
    assert escape(labels.suppression_note(5)) in main and escape(labels.dp_note(dp)) in main
    assert '<td class="number">&lt; 5</td>' in main and '<td class="number">x</td>' in main
    assert '<td class="number">25</td>' in main
    assert '<td class="number">21.5</td>' in main and "Times in days." in main
    assert main.count("<table") == 2


def test_statistics_without_noise_do_not_mention_it(client, case_world, monkeypatch):
    published(monkeypatch, _release(dp=None))
    main = main_of(client.get(reverse("portal:statistics")))
    assert "differential privacy" not in main and escape(labels.suppression_note(5)) in main


# --- every help page carries the content policy -----------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["/en/help/", "/en/self-check/", "/en/self-check/job_offer/", "/en/indicators/", "/en/public-statistics/"],
)
def test_the_content_policy_is_on_every_help_page(client, case_world, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == settings.CONTENT_SECURITY_POLICY


def test_statistics_from_a_real_publication(client, case_world):
    from opennrm.stats.services.release import release_publish

    release_publish(year=timezone.now().year, by=case_world.rapporteur)
    response = client.get(reverse("portal:statistics"))
    main = main_of(response)
    assert response.status_code == 200
    assert escape(labels.table_title("victims_by_age_sex")) in main
    assert "<caption" in main and '<th scope="row">' in main
