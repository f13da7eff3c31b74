"""Opening a case on the web: from scratch or from a saved screening, with the person's data sent by POST only,
refusals next to their field, and a warning when the person already has a case elsewhere."""

import re
from html import unescape

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from opennrm.accounts.testing import force_login_verified
from opennrm.audit.models import AuditEvent
from opennrm.cases.from_screening import exploitation_forms
from opennrm.cases.models import Case, Person
from opennrm.jurisdiction.selectors import version_pack
from opennrm.screening import selectors as screening_selectors
from opennrm.screening.forms import ScreeningState
from opennrm.screening.models import Screening
from opennrm.screening.selectors import Situation
from opennrm.screening.services import screening_save
from tests.cases import steps
from tests.cases.conftest import SYNTHETIC_PERSON
from tests.cases.shared_world import shared_case_world, world_keys_file

pytestmark = pytest.mark.django_db

MINIMAL = {"population": "adult", "nationality": "third_country_national"}
FULL = {
    **MINIMAL,
    "municipality": "riga",
    "forms": ["ForcedLabour", "Servitude"],
    "countries": "lv, ua",
    "given_name": SYNTHETIC_PERSON.given_name,
    "family_name": SYNTHETIC_PERSON.family_name,
    "birth_date": SYNTHETIC_PERSON.birth_date,
    "personal_code": SYNTHETIC_PERSON.personal_code,
    "phone": SYNTHETIC_PERSON.phone,
    "email": SYNTHETIC_PERSON.email,
    "address": SYNTHETIC_PERSON.address,
    "sex": "Feminine",
    "age_band": "25-34",
    "citizenship": "ua",
    "languages": "uk, ru",
}


@pytest.fixture(scope="module")
def case_world(django_db_setup, django_db_blocker, lv_pack_content, tmp_path_factory):
    """tests/conftest.py's world, built once for this module (each test rolls back its own changes)."""
    with shared_case_world(django_db_blocker, lv_pack_content, tmp_path_factory) as world:
        yield world


@pytest.fixture(autouse=True)
def data_keys(case_world):
    return world_keys_file()


def signed_in(client, user):
    force_login_verified(client, user)
    return client


def text(response) -> str:
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def opened(response) -> Case:
    assert response.status_code == 302, text(response)[:3000]
    reference = response["Location"].rstrip("/").rsplit("/", 1)[-1]
    assert response["Location"] == reverse("cases:detail", kwargs={"reference": reference})
    return Case.objects.select_related("person").get(reference=reference)


def checked(html: str, name: str) -> set[str]:
    return {
        unescape(value)
        for tag in re.findall(rf"<input[^>]*name=\"{name}\"[^>]*>", html)
        if " checked" in tag
        for value in re.findall(r'value="([^"]*)"', tag)
    }


class TestTheForm:
    def test_groups_its_fields_and_keeps_names_out_of_the_browser(self, client, case_world):
        response = signed_in(client, case_world.social_worker).get(reverse("cases:new"))
        html = text(response)
        assert response.status_code == 200
        for legend in ("The case", "Who the person is", "How to reach the person", "About the person"):
            assert f"<legend>{legend}</legend>" in html
        assert re.search(r'<input[^>]*name="given_name"[^>]*autocomplete="off"', html)
        assert re.search(r'<input[^>]*type="date"[^>]*name="birth_date"', html)
        assert "The model in force has no case workflow" not in html

    def test_only_staff_who_open_cases(self, client, case_world):
        assert client.get(reverse("cases:new"))["Location"].startswith(reverse("accounts:login"))
        for name in ("rapporteur", "coordinator", "auditor"):
            response = signed_in(client, getattr(case_world, name)).post(reverse("cases:new"), MINIMAL)
            assert response.status_code == 403
        assert not Case.objects.exists()


class TestOpening:
    def test_with_what_little_is_known(self, client, case_world):
        case = opened(signed_in(client, case_world.social_worker).post(reverse("cases:new"), MINIMAL))
        assert case.state == "recognised" and case.recognising_institution == case_world.institution(
            "lv-social-service-riga"
        )
        assert case.person.given_name == "" and case.municipality is None
        assert AuditEvent.objects.filter(action="case.opened", object_id=case.reference).exists()

    def test_with_the_person_and_the_facts(self, client, case_world):
        response = signed_in(client, case_world.social_worker).post(reverse("cases:new"), FULL)
        case = opened(response)
        person = Person.objects.get(case=case)
        assert (person.given_name, person.birth_date) == (SYNTHETIC_PERSON.given_name, SYNTHETIC_PERSON.birth_date)
        assert person.citizenship == ["UA"] and person.languages == ["uk", "ru"]
        assert case.countries == ["LV", "UA"] and case.forms == ["ForcedLabour", "Servitude"]
        assert case.municipality.code == "riga"
        assert SYNTHETIC_PERSON.given_name not in response["Location"]
        assert f"Case {case.reference} is open." in messages_of(response)

    def test_a_refusal_lands_next_to_its_field_and_nothing_is_stored(self, client, case_world):
        response = signed_in(client, case_world.social_worker).post(
            reverse("cases:new"), {**FULL, "countries": "LV, Atlantis"}
        )
        html = text(response)
        assert response.status_code == 400
        assert 'href="#id_countries"' in html and 'id="id_countries-error"' in html
        assert re.search(r'<input[^>]*aria-invalid="true"[^>]*name="countries"|name="countries"[^>]*aria-invalid', html)
        assert not Case.objects.exists()
        # What was typed stays in the form, but the title never names the person.
        assert SYNTHETIC_PERSON.given_name in html
        assert SYNTHETIC_PERSON.given_name not in re.search(r"<title>(.*?)</title>", html, re.S).group(1)

    def test_a_missing_choice_is_a_form_error(self, client, case_world):
        response = signed_in(client, case_world.social_worker).post(reverse("cases:new"), {"population": "adult"})
        assert response.status_code == 400
        assert 'href="#id_nationality_0"' in text(response)
        assert not Case.objects.exists()

    def test_a_child_involves_the_orphans_court(self, client, case_world):
        data = {**MINIMAL, "population": "child", "municipality": "riga"}
        case = opened(signed_in(client, case_world.social_worker).post(reverse("cases:new"), data))
        parties = set(case.parties.values_list("institution__code", flat=True))
        assert "lv-orphans-court-riga" in parties


class TestAnotherCaseForThePerson:
    def test_another_institution_is_named_with_whom_to_contact(self, client, case_world):
        steps.open_case(case_world)  # by the Riga social service
        response = signed_in(client, case_world.other_social_worker).post(reverse("cases:new"), FULL)
        opened(response)
        warnings = [m for m in messages_of(response) if "Another institution already has a case" in m]
        assert warnings == [
            "Another institution already has a case for this person: contact Riga State City Social Service, "
            "Crisis response service (professionals only) (+371 20001100, krize.socialais.dienests@riga.example.lv)."
        ]
        assert AuditEvent.objects.filter(action="case.person_searched", actor=case_world.other_social_worker).exists()

    def test_a_case_of_ones_own_is_named_by_its_reference(self, client, case_world):
        first = steps.open_case(case_world)
        response = signed_in(client, case_world.social_worker).post(reverse("cases:new"), FULL)
        opened(response)
        assert f"You can already open another case for this person: {first.reference}." in messages_of(response)

    def test_no_warning_for_a_new_person(self, client, case_world):
        response = signed_in(client, case_world.social_worker).post(reverse("cases:new"), FULL)
        opened(response)
        assert len(messages_of(response)) == 1
        assert not AuditEvent.objects.filter(action="case.person_searched").exists()


def _screening(world, answers: dict):
    return screening_save(by=world.social_worker, model=world.version, answers=answers, population="child")


class TestFromAScreening:
    def test_the_form_is_pre_filled_with_codes_only(self, client, case_world):
        screening = _screening(case_world, {"child_labour": {"clab_deceived_job": "yes"}, "forced_return": {}})
        query = {"screening": screening.pk, "population": "child", "nationality": "third_country_national"}
        response = signed_in(client, case_world.social_worker).get(
            reverse("cases:new"), {**query, "municipality": "riga"}
        )
        html = text(response)
        assert response.status_code == 200
        assert checked(html, "population") == {"child"}
        assert checked(html, "nationality") == {"third_country_national"}
        assert checked(html, "forms") == {"ChildLabour", "SexualExploitation", "Other"}
        assert re.search(r'<option value="riga" selected>', html)
        assert re.search(rf'<input type="hidden" name="screening" value="{screening.pk}"', html)
        assert "From the screening" in html and "Children: labour exploitation" in html
        assert "Some indicators of trafficking are present" in html

    def test_from_the_result_page_to_an_open_case(self, client, case_world):
        situation = Situation(population="adult", form="labour", context="general", municipality="riga")
        pack = version_pack(case_world.version)
        sets = screening_selectors.sets_for_situation(pack=pack, situation=situation)
        first = screening_selectors.steps_for_sets(sets)[0].questions[0]
        state = ScreeningState(model_number=case_world.version.number, situation=situation, answers={first.key: "yes"})
        client = signed_in(client, case_world.social_worker)
        response = client.post(
            reverse("screening:refer"), {"state": state.token(), "municipality": "riga"}, follow=True
        )
        html = text(response)
        assert response.redirect_chain[-1][0].startswith(reverse("cases:new"))
        assert checked(html, "forms") == {"ForcedLabour"} and checked(html, "population") == {"adult"}
        screening = Screening.objects.get()
        data = {**MINIMAL, "nationality": "national", "municipality": "riga", "screening": screening.pk}
        case = opened(client.post(reverse("cases:new"), data))
        assert case.screening == screening
        # Nothing about the person existed before this moment: the screening row has no place for it.
        assert set(screening.answers) == {s.id for s in sets}

    def test_the_case_keeps_the_screening(self, client, case_world):
        screening = _screening(case_world, {"child_labour": {"clab_deceived_job": "yes"}})
        data = {**MINIMAL, "population": "child", "municipality": "riga", "screening": screening.pk}
        case = opened(signed_in(client, case_world.social_worker).post(reverse("cases:new"), data))
        assert case.screening == screening

    def test_an_unknown_screening_prefills_nothing_and_opens_nothing(self, client, case_world):
        client = signed_in(client, case_world.social_worker)
        html = text(client.get(reverse("cases:new"), {"screening": 999999}))
        assert "No saved screening has the number given in the address" in html
        assert checked(html, "forms") == set()
        response = client.post(reverse("cases:new"), {**MINIMAL, "screening": 999999})
        assert response.status_code == 400
        assert not Case.objects.exists()

    def test_values_a_case_cannot_take_are_ignored(self, client, case_world):
        html = text(
            signed_in(client, case_world.social_worker).get(
                reverse("cases:new"), {"population": "martian", "nationality": "x"}
            )
        )
        assert checked(html, "population") == set() and checked(html, "nationality") == set()


class TestFormsOfExploitation:
    @pytest.mark.parametrize(
        ("set_ids", "population", "expected"),
        [
            (["adult_labour"], "adult", ["ForcedLabour"]),
            (["adult_sexual"], "adult", ["SexualExploitation"]),
            (["child_labour"], "child", ["ChildLabour"]),
            (["forced_return"], "adult", ["ForcedLabour", "SexualExploitation", "Other"]),
            (["forced_return"], "child", ["ChildLabour", "SexualExploitation", "Other"]),
            (["sham_marriage"], "adult", ["ForcedMarriage"]),
            (["forced_criminality"], "adult", ["ForcedCriminality", "ForcedBegging"]),
            (["adult_labour", "forced_return"], "adult", ["ForcedLabour", "SexualExploitation", "Other"]),
        ],
    )
    def test_pack_forms_become_htcds_values(self, case_world, set_ids, population, expected):
        pack = version_pack(case_world.version)
        sets = [pack.indicator_set(set_id) for set_id in set_ids]
        assert exploitation_forms(sets, population=population) == expected
