"""The anonymous self-check pages: steps carried in the form, a result in plain words with where to get help, and
nothing kept — no stored screening, no audit event, no session, no cookie, no cache."""

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from opennrm.audit.models import AuditEvent
from opennrm.jurisdiction.models import ModelVersion
from opennrm.portal import help_finder
from opennrm.screening.models import Screening

pytestmark = pytest.mark.django_db

JOB_OFFER = "/en/self-check/job_offer/"
EXPLOITATION = "/en/self-check/exploitation/"
# A strong and a medium sign in each part of the adult sets' rule: recruitment, conditions, coercion.
SERIOUS = {
    "q-not_as_promised": "yes",
    "q-pay_not_as_promised": "yes",
    "q-long_hours": "yes",
    "q-low_pay": "yes",
    "q-passport_held": "yes",
    "q-threatened": "yes",
}


@pytest.fixture(autouse=True)
def fresh_header():
    help_finder.header_numbers_forget()


@pytest.fixture
def visitor():
    """A browser that has never been here, refusing any request without a valid CSRF token (as the site does)."""
    return Client(enforce_csrf_checks=True)


def main_of(response) -> str:
    page = response.content.decode()
    return page[page.index('<main id="main"') : page.index("</main>")]


def assert_leaves_no_trace(response):
    assert not response.cookies, response.cookies
    assert "no-store" in response["Cache-Control"]
    assert response["Referrer-Policy"] == "no-referrer"


def test_the_start_page_offers_both_tracks(visitor, case_world):
    response = visitor.get(reverse("portal:self_check"))
    assert response.status_code == 200
    assert_leaves_no_trace(response)
    main = main_of(response)
    assert "Is this job offer safe?" in main and "Am I being exploited?" in main
    assert JOB_OFFER in main and EXPLOITATION in main
    assert "Nothing you answer is saved, and no cookies are set." in main
    assert 'id="quick-exit" href="https://www.google.lv/" rel="noreferrer noopener"' in main


def test_the_first_step(visitor, case_world):
    response = visitor.get(EXPLOITATION)
    assert response.status_code == 200
    assert_leaves_no_trace(response)
    main = main_of(response)
    assert "Step 1 of 3" in main and "How you got this work" in main
    assert "csrfmiddlewaretoken" not in main
    assert "<legend>Did the work, the place or the employer turn out to be different" in main
    assert 'name="q-not_as_promised" id="q-not_as_promised-yes" value="yes"' in main
    assert 'value="back"' not in main  # nothing before the first step


def test_a_step_carries_the_earlier_answers_in_hidden_fields(visitor, case_world):
    response = visitor.post(
        EXPLOITATION, {"step": "1", "action": "next", "q-not_as_promised": "yes", "q-pay_not_as_promised": "no"}
    )
    assert response.status_code == 200
    assert_leaves_no_trace(response)
    main = main_of(response)
    assert "Step 2 of 3" in main and "Your work and living conditions" in main
    assert '<input type="hidden" name="q-not_as_promised" value="yes">' in main
    assert '<input type="hidden" name="q-pay_not_as_promised" value="no">' in main


def test_back_shows_the_earlier_step_with_its_answers(visitor, case_world):
    response = visitor.post(
        EXPLOITATION, {"step": "2", "action": "back", "q-not_as_promised": "yes", "q-long_hours": "no"}
    )
    main = main_of(response)
    assert "Step 1 of 3" in main
    assert 'id="q-not_as_promised-yes" value="yes" checked' in main
    assert '<input type="hidden" name="q-long_hours" value="no">' in main


def test_the_last_step_asks_for_the_municipality(visitor, case_world):
    main = main_of(visitor.post(EXPLOITATION, {"step": "2", "action": "next"}))
    assert "Step 3 of 3" in main and '<select name="municipality" id="self-check-municipality"' in main
    assert "Show my result" in main


def test_a_serious_result_explains_the_signs_and_where_to_get_help(visitor, case_world):
    before = (Screening.objects.count(), AuditEvent.objects.count(), Session.objects.count())
    response = visitor.post(EXPLOITATION, {"step": "3", "action": "next", "municipality": "riga", **SERIOUS})
    assert response.status_code == 200
    assert_leaves_no_trace(response)
    main = main_of(response)
    assert "Your answers show serious signs of exploitation" in main
    assert "You answered “yes” to 6 questions" in main
    assert "Without your documents you cannot leave freely." in main
    assert "Who can help in Riga" in main and "Riga State City Social Service" in main
    assert "+371 20000111" in main
    # Nothing of it was kept.
    assert (Screening.objects.count(), AuditEvent.objects.count(), Session.objects.count()) == before


def test_a_result_without_a_municipality_lists_the_helplines_and_offers_the_choice(visitor, case_world):
    response = visitor.post(
        JOB_OFFER, {"step": "2", "action": "next", "q-fee": "yes", "q-passport": "yes", "q-pressure": "yes"}
    )
    main = main_of(response)
    assert "This offer shows warning signs" in main
    assert "Helplines, day and night" in main and "Who can help in" not in main
    assert '<select name="municipality" id="result-municipality">' in main
    # The choice of a place posts the answers again.
    assert '<input type="hidden" name="q-fee" value="yes">' in main


def test_choosing_a_municipality_on_the_result_keeps_the_result(visitor, case_world):
    answers = {"q-fee": "yes", "q-passport": "yes", "q-pressure": "yes"}
    response = visitor.post(JOB_OFFER, {"step": "2", "action": "result", "municipality": "valmiera", **answers})
    main = main_of(response)
    assert "This offer shows warning signs" in main
    assert "Who can help in Valmiera" in main and "State Employment Agency" in main
    assert "For a Vidzeme Free from Trafficking" in main


def test_no_signs(visitor, case_world):
    main = main_of(visitor.post(JOB_OFFER, {"step": "2", "action": "next"}))
    assert "No common warning signs were found" in main
    assert "You did not answer “yes” to any of the questions." in main


def test_change_my_answers_returns_to_the_last_step(visitor, case_world):
    main = main_of(visitor.post(EXPLOITATION, {"step": "3", "action": "review", **SERIOUS}))
    assert "Step 3 of 3" in main and 'id="q-passport_held-yes" value="yes" checked' in main


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"step": "1", "q-not_as_promised": "perhaps"}, "The answer to this question was not one of the choices."),
        ({"step": "9"}, "The step number is not valid."),
        ({"step": "two"}, "The step number is not valid."),
        ({"step": "3", "municipality": "atlantis"}, "Unknown municipality &#x27;atlantis&#x27;."),
        ({"step": "1", "action": "jump"}, "Unknown action &#x27;jump&#x27;."),
    ],
)
def test_bad_input_is_refused_with_a_message(visitor, case_world, data, message):
    response = visitor.post(EXPLOITATION, data)
    assert response.status_code == 400
    assert_leaves_no_trace(response)
    main = main_of(response)
    assert 'class="error-summary"' in main and message in main


def test_a_bad_answer_links_to_its_question(visitor, case_world):
    main = main_of(visitor.post(EXPLOITATION, {"step": "1", "q-not_as_promised": "perhaps"}))
    assert '<a href="#q-not_as_promised">Did the work, the place or the employer' in main


def test_an_unknown_track_is_404(visitor, case_world):
    assert visitor.get(reverse("portal:self_check_track", kwargs={"track_id": "lottery"})).status_code == 404


def test_no_cookie_even_for_a_visitor_who_has_one(client, case_world):
    client.get(reverse("core:home"))  # other pages may set the CSRF cookie
    response = client.post(EXPLOITATION, {"step": "1", "action": "next"})
    assert response.status_code == 200 and not response.cookies


def test_latvian_and_russian(visitor, case_world):
    lv = main_of(visitor.get("/lv/self-check/job_offer/"))
    assert "Vai šis darba piedāvājums ir drošs?" in lv and "Nav skaidrs" in lv
    ru = main_of(visitor.post("/ru/self-check/job_offer/", {"step": "2", "action": "next", "q-details_change": "yes"}))
    assert "У этого предложения есть тревожные признаки" in ru


def test_without_a_published_model(visitor, case_world):
    ModelVersion.objects.update(status=ModelVersion.Status.SUPERSEDED)
    response = visitor.get(reverse("portal:self_check"))
    assert response.status_code == 200 and "The self-check is not available yet" in main_of(response)
    assert visitor.get(EXPLOITATION).status_code == 404
