"""The screening web tool: situation → one dimension per step → explained result, without JavaScript."""

import re
from html import unescape
from urllib.parse import parse_qs, urlparse

import pytest
from django.urls import reverse

from opennrm.accounts.testing import force_login_verified
from opennrm.audit.models import AuditEvent
from opennrm.screening.forms import ScreeningState
from opennrm.screening.models import Screening
from tests.factories import RoleFactory, UserFactory
from tests.screening.fixtures import adult_set, child_set, indicator_ids

# The fixtures (a small published model with sets, a directory, two members of staff) live in web_fixtures.
pytest_plugins = ["tests.screening.web_fixtures"]
pytestmark = pytest.mark.django_db

SITUATION = {"population": "adult", "form": "labour", "context": "general", "municipality": "alpha"}
ADULT = adult_set()


def _start(client, **overrides):
    response = client.post(reverse("screening:start"), {**SITUATION, **overrides})
    assert response.status_code == 302, response.content.decode()[:2000]
    return response["Location"]


def _token(html: str) -> str:
    return unescape(re.search(r'name="state" value="([^"]+)"', html).group(1))


def _step_number(html: str) -> int:
    return int(re.search(r'name="step" value="(\d+)"', html).group(1))


def _question_names(html: str) -> list[str]:
    return list(dict.fromkeys(re.findall(r'type="radio" name="(q-[^"]+)"', html)))


def _walk(client, location: str, answer_for) -> str:
    """Go through every step answering with `answer_for(field name)`; the result page's address."""
    page = client.get(location).content.decode()
    for _ in range(20):
        data = {"state": _token(page), "step": _step_number(page), "action": "next"}
        for name in _question_names(page):
            value = answer_for(name)
            if value:
                data[name] = value
        response = client.post(reverse("screening:step"), data)
        if response.status_code == 302:
            return response["Location"]
        assert response.status_code == 200
        page = response.content.decode()
    raise AssertionError("the screening never reached its result")


def _yes_to(keys):
    """Yes to the questions of these concepts or (without a concept) indicator ids, no to the others."""
    wanted = set(keys)

    def answer(name: str) -> str:
        key = name.removeprefix("q-")
        return "yes" if key.split("-")[-1] in wanted else "no"

    return answer


class TestStartPage:
    def test_anonymous_sees_the_situation_form_and_the_disclaimer(self, client, screening_world):
        response = client.get(reverse("screening:start"))
        page = response.content.decode()
        assert response.status_code == 200
        assert "not a legal identification" in page
        for name in ("population", "form", "context", "municipality"):
            assert f'name="{name}"' in page
        assert reverse("screening:print_form", kwargs={"set_id": "test_adult_labour"}) in page

    def test_invalid_situation_names_the_field_and_changes_nothing(self, client, screening_world):
        response = client.post(reverse("screening:start"), {**SITUATION, "population": "elderly"})
        assert response.status_code == 400
        page = response.content.decode()
        assert "error-summary" in page and "The person is" in page
        assert 'aria-invalid="true"' in page

    def test_without_a_published_model(self, client, db):
        response = client.get(reverse("screening:start"))
        assert response.status_code == 200
        assert "has not been published yet" in response.content.decode()


class TestSteps:
    def test_one_dimension_per_step_with_progress(self, client, screening_world):
        page = client.get(_start(client)).content.decode()
        # Six ILO dimensions in the adult labour set: six steps.
        assert "Step 1 of 6" in page
        assert "<h2>Deceptive recruitment</h2>" in page
        names = _question_names(page)
        assert len(names) == len(indicator_ids(ADULT, "deceptive_recruitment"))
        # Each question is a fieldset whose legend is the question; "don't know" is the starting answer.
        assert "<legend>Was the person misled about the kind of work?</legend>" in page
        assert re.search(r'value="unknown" checked', page)

    def test_next_and_back_keep_the_answers(self, client, screening_world):
        page = client.get(_start(client)).content.decode()
        first = _question_names(page)[0]
        response = client.post(
            reverse("screening:step"),
            {"state": _token(page), "step": 1, "action": "next", first: "yes"},
        )
        page = response.content.decode()
        assert "Step 2 of 6" in page and "<h2>Coercive recruitment</h2>" in page
        response = client.post(reverse("screening:step"), {"state": _token(page), "step": 2, "action": "back"})
        page = response.content.decode()
        assert "Step 1 of 6" in page
        assert re.search(rf'name="{first}" id="{first}-yes" value="yes" checked', page)

    def test_back_from_the_first_step_returns_to_the_situation(self, client, screening_world):
        page = client.get(_start(client)).content.decode()
        response = client.post(reverse("screening:step"), {"state": _token(page), "step": 1, "action": "back"})
        assert response.status_code == 302
        query = parse_qs(urlparse(response["Location"]).query)
        assert query["population"] == ["adult"] and query["form"] == ["labour"]

    def test_a_changed_token_is_refused(self, client, screening_world):
        page = client.get(_start(client)).content.decode()
        token = _token(page)
        response = client.post(reverse("screening:step"), {"state": token[:-2] + "xx", "step": 1})
        assert response.status_code == 400
        assert "start the screening again" in response.content.decode()
        response = client.post(reverse("screening:step"), {"state": token, "step": 99})
        assert response.status_code == 400

    def test_the_token_carries_no_personal_data_only_codes(self, client, screening_world):
        page = client.get(_start(client)).content.decode()
        state = ScreeningState.from_token(_token(page))
        assert state.situation.population == "adult" and state.answers == {}

    def test_combined_not_sure_asks_a_shared_concept_once(self, client, screening_world):
        location = _start(client, form="not_sure")
        page = client.get(location).content.decode()
        assert "Adults: labour exploitation (test)" in page and "Adults: sexual exploitation (test)" in page
        names = _question_names(page)
        # The two adult sets share every concept: each question appears once, keyed by the concept.
        assert names == [f"q-c-{c}" for c in ("deceived_about_job", "deceived_about_pay", "deceived_about_papers")]


class TestResult:
    def test_indicative_result_explains_why_and_says_whom_to_call(self, client, screening_world):
        yes = ["deceived_about_job", "deceived_about_pay", "no_days_off", "low_pay", "documents_taken", "threats"]
        result = _walk(client, _start(client), _yes_to(yes))
        response = client.get(result)
        page = response.content.decode()
        assert response.status_code == 200
        assert "Result: indicative" in page
        assert "not a legal identification" in page
        # The outcome speaks of indicators, never of "a victim".
        outcome = re.search(r'(?s)<div class="screening-outcome.*?</div>', page).group(0)
        assert "possible trafficking" in outcome and "victim" not in outcome.lower()
        # Why: the indicators answered yes are listed under their dimension.
        assert "Was the person misled about the kind of work?" in page
        assert "Were the person&#x27;s documents taken?" in page
        # Who to call in alpha at referral: the social service (with its contact) and the police.
        assert "ss-alpha" in page and "+371 20000101" in page and "police" in page
        # Anonymous: no referral from here, but the way to sign in for staff who work with cases.
        assert reverse("screening:refer") not in page
        assert "sign in</a> to start a referral" in page

    def test_partial_result_lists_what_is_missing(self, client, screening_world):
        result = _walk(client, _start(client), _yes_to(["deceived_about_job", "deceived_about_pay"]))
        page = client.get(result).content.decode()
        assert "Result: partly indicative" in page
        assert "What is still missing" in page
        assert "Deceptive recruitment is established; nothing yet on exploitative conditions." in page

    def test_nothing_answered_is_not_indicative(self, client, screening_world):
        page = client.get(_walk(client, _start(client), lambda name: "")).content.decode()
        assert "Result: not indicative" in page and "does not rule trafficking out" in page

    def test_combined_result_shows_every_set_and_the_highest_outcome(self, client, screening_world):
        yes = ["deceived_about_job", "deceived_about_pay", "no_days_off", "low_pay", "documents_taken", "threats"]
        page = client.get(_walk(client, _start(client, form="not_sure"), _yes_to(yes))).content.decode()
        assert page.count('class="set-result"') == 2
        assert "Result: indicative" in page

    def test_forced_return_adds_its_context_set_and_calls_the_border_guard(self, client, screening_world):
        location = _start(client, context="forced_return")
        result = _walk(client, location, _yes_to(["fr_promised_visa", "fr_controlled"]))
        page = client.get(result).content.decode()
        assert "Context: test forced return (test)" in page
        assert "Result: indicative" in page
        # A forced return concerns a third-country national: the border guard is responsible.
        assert "Border guard duty line" in page

    def test_child_sham_marriage_asks_the_child_and_the_context_set(self, client, screening_world):
        location = _start(client, population="child", form="not_sure", context="sham_marriage")
        page = client.get(location).content.decode()
        state = ScreeningState.from_token(_token(page))
        assert state.situation.population == "child"
        result = client.get(_walk(client, location, _yes_to(["sm_promised_visa"]))).content.decode()
        # The child's general set and the context set; no adult set.
        assert child_set()["title"]["en"] in result and ADULT["title"]["en"] not in result
        assert "Context: test sham marriage (test)" in result
        # The orphan's court is responsible for a child.
        assert "oc-alpha" in result

    def test_municipality_can_be_chosen_on_the_result_page(self, client, screening_world):
        result = _walk(client, _start(client, municipality=""), lambda name: "")
        page = client.get(result).content.decode()
        assert "Choose the municipality to see whom to call there." in page
        page = client.get(result + "&municipality=alpha").content.decode()
        assert "+371 20000101" in page
        # An unknown place is ignored, not an error.
        assert client.get(result + "&municipality=nowhere").status_code == 200

    def test_result_without_a_token(self, client, screening_world):
        assert client.get(reverse("screening:result")).status_code == 400

    def test_result_in_latvian(self, client, screening_world):
        result = _walk(client, _start(client), lambda name: "")
        response = client.get(result.replace("/en/", "/lv/", 1))
        assert response.status_code == 200
        assert 'lang="lv"' in response.content.decode()


class TestPrint:
    def test_blank_form_lists_every_question_with_empty_boxes(self, client, screening_world):
        response = client.get(reverse("screening:print_form", kwargs={"set_id": "test_adult_labour"}))
        page = response.content.decode()
        assert response.status_code == 200
        for indicator in ADULT["indicators"]:
            assert indicator["question"]["en"].replace("'", "&#x27;") in page
        assert page.count("☐") == 3 * len(ADULT["indicators"])
        assert "<form" not in page.split("<main")[1].split("</main>")[0]
        assert "screening.css" in page

    def test_unknown_set_is_not_found(self, client, screening_world):
        assert client.get(reverse("screening:print_form", kwargs={"set_id": "nope"})).status_code == 404

    def test_result_page_prints_without_controls(self, client, screening_world):
        page = client.get(_walk(client, _start(client), lambda name: "")).content.decode()
        assert 'media="print"' in page
        # The place chooser and the action buttons are marked to stay off paper.
        assert 'class="who-to-call-place no-print"' in page and 'class="no-print"' in page


class TestSaving:
    def _result(self, client):
        yes = ["deceived_about_job", "deceived_about_pay"]
        return _walk(client, _start(client), _yes_to(yes))

    def test_anonymous_cannot_save(self, client, screening_world):
        result = self._result(client)
        page = client.get(result).content.decode()
        assert "Save the screening" not in page
        token = ScreeningState.from_token(parse_qs(urlparse(result).query)["state"][0]).token()
        response = client.post(reverse("screening:save"), {"state": token})
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        assert Screening.objects.count() == 0

    def test_signed_in_staff_of_any_role_save_without_personal_data(self, client, social_worker):
        force_login_verified(client, social_worker)
        result = self._result(client)
        page = client.get(result).content.decode()
        assert "Save the screening" in page
        response = client.post(reverse("screening:save"), {"state": _token(page)})
        assert response.status_code == 302
        saved = Screening.objects.get()
        assert saved.set_ids == ["test_adult_labour"]
        assert saved.answers["test_adult_labour"]["tal_deceived_about_job"] == "yes"
        assert saved.outcome == "partial"
        assert (saved.institution_type, saved.municipality) == ("social_service", "alpha")
        # The row has no column that could hold the worker or the person.
        columns = {f.name for f in Screening._meta.get_fields()}
        assert not columns & {"user", "created_by", "person", "name", "note", "comment"}
        event = AuditEvent.objects.get(action="screening.save")
        assert event.object_id == str(saved.pk)
        assert set(event.new_values) == {"sets", "outcome", "model_version"}
        followed = client.get(response["Location"]).content.decode()
        assert "saved without any personal data" in followed

    def test_national_institution_saves_an_empty_municipality(self, client, police_officer):
        force_login_verified(client, police_officer)
        page = client.get(self._result(client)).content.decode()
        client.post(reverse("screening:save"), {"state": _token(page)})
        assert Screening.objects.get().municipality == ""

    def test_saving_the_same_result_twice_keeps_one_row(self, client, social_worker):
        force_login_verified(client, social_worker)
        token = _token(client.get(self._result(client)).content.decode())
        client.post(reverse("screening:save"), {"state": token})
        response = client.post(reverse("screening:save"), {"state": token}, follow=True)
        assert "already been saved" in response.content.decode()
        assert Screening.objects.count() == 1

    def test_a_changed_token_saves_nothing(self, client, social_worker):
        force_login_verified(client, social_worker)
        response = client.post(reverse("screening:save"), {"state": "forged"})
        assert response.status_code == 400
        assert Screening.objects.count() == 0


@pytest.fixture
def case_worker(screening_world):
    """A social worker who works with cases (opens them, so may start a referral)."""
    role = RoleFactory(code="test_case_worker", capabilities=["cases.view", "cases.edit", "personal_data.view"])
    return UserFactory(unit=screening_world["social"].units.get(), roles=[role])


class TestStartingAReferral:
    def _result_page(self, client, answers=("deceived_about_job", "deceived_about_pay")):
        return client.get(_walk(client, _start(client), _yes_to(answers))).content.decode()

    def _new_case_query(self, response) -> dict:
        assert response.status_code == 302
        location = urlparse(response["Location"])
        assert location.path == reverse("cases:new")
        return {key: values[0] for key, values in parse_qs(location.query).items()}

    def test_staff_who_work_with_cases_save_the_screening_and_go_to_a_new_case(self, client, case_worker):
        force_login_verified(client, case_worker)
        page = self._result_page(client)
        assert reverse("screening:refer") in page and "Start a referral" in page
        response = client.post(reverse("screening:refer"), {"state": _token(page), "municipality": "alpha"})
        saved = Screening.objects.get()
        # Only codes travel to the new-case form: the screening's number and the situation.
        assert self._new_case_query(response) == {
            "screening": str(saved.pk),
            "population": "adult",
            "nationality": "national",
            "municipality": "alpha",
        }
        assert saved.outcome == "partial" and AuditEvent.objects.filter(action="screening.save").count() == 1

    def test_a_screening_already_saved_is_not_saved_again(self, client, case_worker):
        force_login_verified(client, case_worker)
        token = _token(self._result_page(client))
        client.post(reverse("screening:save"), {"state": token})
        first = self._new_case_query(client.post(reverse("screening:refer"), {"state": token}))
        second = self._new_case_query(client.post(reverse("screening:refer"), {"state": token}))
        assert Screening.objects.count() == 1
        assert first["screening"] == second["screening"] == str(Screening.objects.get().pk)

    def test_a_municipality_that_does_not_exist_is_left_out(self, client, case_worker):
        force_login_verified(client, case_worker)
        token = _token(self._result_page(client))
        query = self._new_case_query(client.post(reverse("screening:refer"), {"state": token, "municipality": "x"}))
        assert "municipality" not in query

    def test_a_forced_return_is_a_third_country_national(self, client, case_worker):
        force_login_verified(client, case_worker)
        location = _start(client, context="forced_return", municipality="")
        page = client.get(_walk(client, location, _yes_to(["fr_promised_visa", "fr_controlled"]))).content.decode()
        query = self._new_case_query(client.post(reverse("screening:refer"), {"state": _token(page)}))
        assert query["nationality"] == "third_country_national" and "municipality" not in query

    def test_a_screening_that_cannot_be_saved_says_why_and_opens_nothing(self, client, case_worker):
        force_login_verified(client, case_worker)
        page = client.get(_walk(client, _start(client), lambda name: "")).content.decode()
        response = client.post(reverse("screening:refer"), {"state": _token(page)}, follow=True)
        assert "Answer at least one question with yes or no" in response.content.decode()
        assert response.redirect_chain[-1][0].startswith(reverse("screening:result"))
        assert Screening.objects.count() == 0

    def test_staff_without_case_work_see_a_notice_and_are_refused(self, client, social_worker):
        force_login_verified(client, social_worker)
        page = self._result_page(client)
        assert reverse("screening:refer") not in page
        assert "Your role does not include opening cases" in page
        response = client.post(reverse("screening:refer"), {"state": _token(page)})
        assert response.status_code == 403
        assert Screening.objects.count() == 0

    def test_anonymous_is_sent_to_sign_in(self, client, screening_world):
        page = self._result_page(client)
        response = client.post(reverse("screening:refer"), {"state": _token(page)})
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        assert Screening.objects.count() == 0

    def test_a_forged_token_opens_nothing(self, client, case_worker):
        force_login_verified(client, case_worker)
        response = client.post(reverse("screening:refer"), {"state": "forged"})
        assert response.status_code == 400
        assert Screening.objects.count() == 0
