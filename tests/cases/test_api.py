"""The case API at /api/v1/: opening and listing cases, a case with only the data the caller may see, consent,
referrals and their answers, workflow steps, the inbox; errors naming the field; no personal data where it must not be.

Who may do what, for every role, is in test_permission_matrix.py; this module checks what each endpoint does.
"""

import json
import re
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from opennrm.accounts.services import api_token_issue
from opennrm.accounts.testing import force_login_verified
from opennrm.api.api import api
from opennrm.audit.models import AuditEvent
from opennrm.cases.models import Case, Deadline, Referral
from opennrm.cases.services.cases import case_assign
from opennrm.cases.services.consent import consent_withdraw
from opennrm.cases.services.work import document_upload
from opennrm.jurisdiction.selectors import version_pack
from tests.cases.conftest import SYNTHETIC_PERSON
from tests.cases.shared_world import shared_case_world, world_keys_file

pytestmark = pytest.mark.django_db

BASE = "/api/v1"
PERSON = {
    "given_name": SYNTHETIC_PERSON.given_name,
    "family_name": SYNTHETIC_PERSON.family_name,
    "birth_date": SYNTHETIC_PERSON.birth_date,
    "personal_code": SYNTHETIC_PERSON.personal_code,
    "phone": SYNTHETIC_PERSON.phone,
    "email": SYNTHETIC_PERSON.email,
    "address": SYNTHETIC_PERSON.address,
    "sex": "Feminine",
    "age_band": "25-34",
    "citizenship": ["UA"],
    "languages": ["uk", "ru"],
}
ALL_DATA = ("identity", "contacts", "circumstances")
# A child's case is refused for a birth date that makes the person an adult.
CHILD_PERSON = {**PERSON, "birth_date": date(date.today().year - 15, 1, 1).isoformat(), "age_band": "12-17"}
NEW_CASE = {
    "population": "adult",
    "nationality": "third_country_national",
    "municipality": "riga",
    "person": PERSON,
    "forms": ["ForcedLabour"],
    "countries": ["LV", "PL"],
}


@pytest.fixture(scope="module")
def case_world(django_db_setup, django_db_blocker, lv_pack_content, tmp_path_factory):
    """tests/conftest.py's world, built once for this module (each test rolls back its own changes)."""
    with shared_case_world(django_db_blocker, lv_pack_content, tmp_path_factory) as world:
        yield world


@pytest.fixture(autouse=True)
def data_keys(case_world):
    return world_keys_file()


class Caller:
    """One member of staff calling the API with their own bearer token."""

    def __init__(self, client, world, user):
        self.client = client
        self.world = world
        self.user = user
        _token, secret = api_token_issue(user=user, name="test integration")
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}

    def get(self, path, params=None):
        return self.client.get(BASE + path, params, **self.headers)

    def post(self, path, body=None):
        data = json.dumps(body if body is not None else {})
        return self.client.post(BASE + path, data, content_type="application/json", **self.headers)


@pytest.fixture
def as_(client, case_world):
    """`as_("social_worker")`: a caller acting as that member of the world's staff."""
    callers = {}

    def caller(name):
        if name not in callers:
            callers[name] = Caller(client, case_world, getattr(case_world, name))
        return callers[name]

    return caller


def open_case(caller, **changes) -> dict:
    if changes.get("population") == "child":
        changes.setdefault("person", CHILD_PERSON)
    response = caller.post("/cases", {**NEW_CASE, **changes})
    assert response.status_code == 201, response.content
    return response.json()


def consent(caller, case_id, *, purpose="identification", to_type="service_provider", categories=("identity",)):
    response = caller.post(
        f"/cases/{case_id}/consents",
        {
            "purpose": purpose,
            "method": "written",
            "given_on": date.today().isoformat(),
            "data_categories": list(categories),
            "recipient_type": to_type,
        },
    )
    assert response.status_code == 201, response.content
    return response.json()


def refer(caller, case_id, *, to="lv-provider-marta", purpose="identification", scope=("identity",)) -> dict:
    # A message goes only with the circumstances.
    message = "Lūdzu sazinieties." if "circumstances" in scope else ""
    response = caller.post(
        f"/cases/{case_id}/referrals",
        {"to_institution": to, "purpose": purpose, "data_scope": list(scope), "message": message},
    )
    assert response.status_code == 201, response.content
    return response.json()


def referred_case(as_, *, scope=("identity",)) -> tuple[dict, dict]:
    """A case of the Riga social service referred to the Marta centre, waiting for its answer."""
    case = open_case(as_("social_worker"))
    consent(as_("social_worker"), case["id"], categories=scope or ("identity",))
    return case, refer(as_("social_worker"), case["id"], scope=scope)


def accepted_case(as_, *, scope=("identity",)) -> dict:
    """A case the Marta centre has accepted, with its specialist commission member assigned."""
    case, referral = referred_case(as_, scope=scope)
    provider = as_("provider_worker")
    assert provider.post(f"/referrals/{referral['id']}/accept").status_code == 200
    world = provider.world
    case_assign(by=world.provider_supervisor, case=Case.objects.get(pk=case["id"]), user=world.commission_member)
    return case


def audit_actions(user) -> list[str]:
    return list(AuditEvent.objects.filter(actor=user).order_by("seq").values_list("action", flat=True))


# --- Opening a case -------------------------------------------------------------------------------------------


def test_opening_a_case_answers_201_with_the_case(as_, case_world):
    body = open_case(as_("social_worker"))
    assert re.fullmatch(r"LV-\d{4}-\d{6}", body["reference"])
    assert body["state"] == "recognised" and body["state_kind"] == "open" and body["state_name"] == "Recognised"
    assert body["recognising_institution"] == "lv-social-service-riga"
    assert body["municipality"] == "riga" and body["countries"] == ["LV", "PL"] and body["forms"] == ["ForcedLabour"]
    assert body["model_version"] == case_world.version.number
    assert body["person"]["identity"]["family_name"] == SYNTHETIC_PERSON.family_name
    assert body["person"]["contacts"]["phone"] == SYNTHETIC_PERSON.phone
    assert body["person"]["citizenship"] == ["UA"] and body["person"]["sex"] == "Feminine"
    assert [p["institution"] for p in body["parties"]] == ["lv-social-service-riga"]
    assert body["access"]["can_edit"] and body["access"]["can_refer"]
    # Showing the person back is a read of personal data like any other.
    assert audit_actions(case_world.social_worker)[-2:] == ["case.opened", "person.viewed"]


def test_a_childs_case_involves_the_orphans_court(as_):
    body = open_case(as_("social_worker"), population="child", nationality="national")
    assert {"lv-orphans-court-riga", "lv-children-rights-inspectorate"} <= {p["institution"] for p in body["parties"]}


@pytest.mark.parametrize(
    ("changes", "status", "field"),
    [
        ({"municipality": "atlantis"}, 400, "municipality"),
        ({"screening": 999_999}, 400, "screening"),
        ({"person": {**PERSON, "birth_date": (date.today() + timedelta(days=1)).isoformat()}}, 400, "birth_date"),
        ({"countries": ["L1"]}, 422, "countries.0"),
        ({"population": "elder"}, 422, "population"),
        ({"forms": ["Gardening"]}, 422, "forms.0"),
        ({"person": {**PERSON, "nickname": "Zz"}}, 422, "person.nickname"),
        ({"person": {**PERSON, "given_name": "Zz\x00"}}, 422, "person.given_name"),
        ({"person": {**PERSON, "address": "x" * 201}}, 422, "person.address"),
    ],
)
def test_opening_refuses_bad_input_naming_the_field(as_, changes, status, field):
    response = as_("social_worker").post("/cases", {**NEW_CASE, **changes})
    assert response.status_code == status, response.content
    body = response.json()
    fields = [body.get("field")] if status == 400 else [error["field"] for error in body["errors"]]
    assert field in fields
    assert not Case.objects.exists()


@pytest.mark.parametrize("name", ["rapporteur", "auditor", "coordinator"])
def test_opening_needs_the_right_to_work_on_cases(as_, name):
    response = as_(name).post("/cases", NEW_CASE)
    assert response.status_code == 403
    assert response.json()["detail"] == "Your role does not allow opening cases."
    assert not Case.objects.exists()


def test_anonymous_and_bad_tokens_are_401(client, case_world):
    assert client.get(f"{BASE}/cases").status_code == 401
    assert client.get(f"{BASE}/inbox", HTTP_AUTHORIZATION="Bearer onrm_nonsense").status_code == 401
    response = client.post(f"{BASE}/cases", json.dumps(NEW_CASE), content_type="application/json")
    assert response.status_code == 401
    assert not Case.objects.exists()


def test_a_signed_in_session_works_too(client, case_world):
    force_login_verified(client, case_world.social_worker)
    assert client.get(f"{BASE}/cases").status_code == 200


# --- Lists ----------------------------------------------------------------------------------------------------


def test_list_is_newest_first_with_a_keyset_cursor(as_):
    worker = as_("social_worker")
    ids = [open_case(worker)["id"] for _ in range(5)]
    seen, cursor = [], None
    while True:
        page = worker.get("/cases", {"limit": 2, **({"cursor": cursor} if cursor else {})}).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(ids))


def test_list_filters(as_):
    worker = as_("social_worker")
    adult = open_case(worker)
    child = open_case(worker, population="child", nationality="national")

    def ids(**params):
        return [item["id"] for item in worker.get("/cases", params).json()["items"]]

    assert ids(population="child") == [child["id"]]
    assert ids(state="recognised") == [child["id"], adult["id"]]
    assert ids(state="closed") == []
    assert ids(state_kind="open") == [child["id"], adult["id"]]
    assert ids(reference=adult["reference"]) == [adult["id"]]
    assert ids(reference=adult["reference"].lower()) == [adult["id"]]


def test_list_shows_only_visible_cases_and_no_personal_data(as_):
    case = open_case(as_("social_worker"))
    assert as_("other_social_worker").get("/cases").json()["items"] == []
    body = as_("social_worker").get("/cases").content.decode()
    assert case["reference"] in body
    assert SYNTHETIC_PERSON.family_name not in body and SYNTHETIC_PERSON.phone not in body


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({"cursor": "2026-13-45T00:00:00+00:00_1"}, 400, "cursor"),
        ({"cursor": "yesterday"}, 422, "cursor"),
        ({"limit": 101}, 422, "limit"),
        ({"limit": 0}, 422, "limit"),
        ({"state_kind": "sleeping"}, 422, "state_kind"),
        ({"reference": "LV%"}, 422, "reference"),
    ],
)
def test_list_refuses_bad_parameters_naming_them(as_, params, status, field):
    response = as_("social_worker").get("/cases", params)
    assert response.status_code == status, response.content
    body = response.json()
    assert field in ([body.get("field")] if status == 400 else [e["field"] for e in body["errors"]])


def test_list_query_count_does_not_grow_with_the_cases(as_):
    worker = as_("social_worker")
    open_case(worker)

    def queries():
        with CaptureQueriesContext(connection) as context:
            assert worker.get("/cases").status_code == 200
        return len(context)

    few = queries()
    for _ in range(6):
        open_case(worker)
    assert queries() == few


@pytest.mark.parametrize("path", ["/cases", "/inbox"])
@pytest.mark.parametrize("name", ["rapporteur", "auditor", "coordinator"])
def test_lists_need_a_role_that_works_with_cases(as_, name, path):
    response = as_(name).get(path)
    assert response.status_code == 403
    assert response.json() == {"detail": "Your role does not allow working with cases.", "field": None}


# --- One case -------------------------------------------------------------------------------------------------


def test_a_case_another_institution_cannot_see_answers_exactly_like_a_missing_one(as_):
    case, referral = referred_case(as_)
    outsider = as_("other_social_worker")
    missing = case["id"] + 1000
    for hidden, absent in [
        (outsider.get(f"/cases/{case['id']}"), outsider.get(f"/cases/{missing}")),
        (outsider.get(f"/cases/{case['id']}/timeline"), outsider.get(f"/cases/{missing}/timeline")),
        (
            outsider.post(f"/cases/{case['id']}/transitions", {"transition": "close"}),
            outsider.post(f"/cases/{missing}/transitions", {"transition": "close"}),
        ),
        (
            outsider.post(f"/referrals/{referral['id']}/withdraw"),
            outsider.post(f"/referrals/{referral['id'] + 1000}/withdraw"),
        ),
    ]:
        assert hidden.status_code == absent.status_code == 404
        assert hidden.content == absent.content == b'{"detail": "Not found."}'


def test_ids_out_of_range_are_refused_not_crashing(as_):
    response = as_("social_worker").get(f"/cases/{2**64}")
    assert response.status_code == 422


def test_identity_and_contacts_only_within_the_scope_and_every_read_audited(as_, case_world):
    case, referral = referred_case(as_, scope=())
    assert as_("provider_worker").post(f"/referrals/{referral['id']}/accept").status_code == 200

    response = as_("provider_worker").get(f"/cases/{case['id']}")
    assert response.status_code == 200
    person = response.json()["person"]
    assert person["identity"] is None and person["contacts"] is None
    assert person["age_band"] == "25-34"  # the structured facts go with every case
    for secret in SYNTHETIC_PERSON.secrets():
        assert secret not in response.content.decode()
    assert "person.viewed" not in audit_actions(case_world.provider_worker)

    before = audit_actions(case_world.social_worker).count("person.viewed")
    shown = as_("social_worker").get(f"/cases/{case['id']}").json()["person"]
    assert shown["identity"]["given_name"] == SYNTHETIC_PERSON.given_name
    assert audit_actions(case_world.social_worker).count("person.viewed") == before + 1
    event = AuditEvent.objects.filter(action="person.viewed").latest("seq")
    assert event.object_id == case["reference"] and event.purpose == "case API"


def test_identity_without_contacts_when_the_consent_covers_only_identity(as_):
    case, referral = referred_case(as_, scope=("identity",))
    as_("provider_worker").post(f"/referrals/{referral['id']}/accept")
    person = as_("provider_worker").get(f"/cases/{case['id']}").json()["person"]
    assert person["identity"]["family_name"] == SYNTHETIC_PERSON.family_name
    assert person["contacts"] is None


def test_case_shows_parties_consents_referrals_deadlines_and_steps(as_):
    case, referral = referred_case(as_)
    body = as_("social_worker").get(f"/cases/{case['id']}").json()
    assert body["state"] == "referred"
    assert [r["id"] for r in body["referrals"]] == [referral["id"]]
    # The sender reads the referral's texts; this one carries no circumstances, so no message either.
    assert body["referrals"][0]["message"] == ""
    assert [c["purpose"] for c in body["consents"]] == ["identification"]
    kinds = {d["kind"]: d for d in body["deadlines"]}
    # A third-country national's reflection period starts when the case is referred.
    assert kinds["reflection_period"]["name"] == "Reflection period"
    assert kinds["referral_response"]["referral"] == referral["id"]
    assert {t["id"] for t in body["access"]["transitions"]} >= {"person_refuses", "person_withdraws"}


def test_timeline_holds_codes_only(as_):
    case = accepted_case(as_)
    response = as_("social_worker").get(f"/cases/{case['id']}/timeline")
    kinds = [event["kind"] for event in response.json()]
    assert kinds[0] == "case.opened"
    assert {"consent.recorded", "referral.sent", "referral.accepted", "transition.performed"} <= set(kinds)
    for secret in [*SYNTHETIC_PERSON.secrets(), "Lūdzu sazinieties."]:
        assert secret not in response.content.decode()


# --- Consent --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "status", "field"),
    [
        ({"purpose": "marketing"}, 400, "purpose"),
        ({"recipient_type": None, "recipient_institution": "lv-nowhere"}, 400, "recipient_institution"),
        ({"given_on": (date.today() + timedelta(days=2)).isoformat()}, 400, "given_on"),
        ({"given_by": "orphans_court"}, 400, "given_by"),
        ({"method": "telepathy"}, 422, "method"),
        ({"data_categories": ["dreams"]}, 422, "data_categories.0"),
    ],
)
def test_consent_refuses_bad_input_naming_the_field(as_, changes, status, field):
    case = open_case(as_("social_worker"))
    body = {
        "purpose": "assistance",
        "method": "oral",
        "given_on": date.today().isoformat(),
        "data_categories": ["identity"],
        "recipient_type": "service_provider",
        **changes,
    }
    response = as_("social_worker").post(f"/cases/{case['id']}/consents", body)
    assert response.status_code == status, response.content
    answer = response.json()
    assert field in ([answer.get("field")] if status == 400 else [e["field"] for e in answer["errors"]])


def test_consent_to_a_named_institution(as_):
    case = open_case(as_("social_worker"))
    response = as_("social_worker").post(
        f"/cases/{case['id']}/consents",
        {
            "purpose": "criminal_proceedings",
            "method": "interpreter",
            "given_on": date.today().isoformat(),
            "data_categories": ["identity", "contacts"],
            "recipient_institution": "lv-state-police",
            "giver_details": "Ukrainian",
        },
    )
    assert response.status_code == 201
    assert response.json()["recipient_institution"] == "lv-state-police"
    assert response.json()["recorded_by_institution"] == "lv-social-service-riga"


# --- Referrals ------------------------------------------------------------------------------------------------


def test_referral_without_consent_is_refused(as_):
    case = open_case(as_("social_worker"))
    response = as_("social_worker").post(
        f"/cases/{case['id']}/referrals", {"to_institution": "lv-provider-marta", "purpose": "identification"}
    )
    assert response.status_code == 400
    assert response.json()["field"] == "consent"
    assert not Referral.objects.exists()


def test_referral_to_an_unknown_institution_names_the_field(as_):
    case = open_case(as_("social_worker"))
    response = as_("social_worker").post(
        f"/cases/{case['id']}/referrals", {"to_institution": "lv-nowhere", "purpose": "identification"}
    )
    assert (response.status_code, response.json()["field"]) == (400, "to_institution")


def test_the_recipient_sees_the_referral_in_the_inbox_and_the_case_only_once_accepted(as_):
    case, referral = referred_case(as_, scope=ALL_DATA)
    provider = as_("provider_worker")
    inbox = provider.get("/inbox")
    assert [r["id"] for r in inbox.json()["referrals"]] == [referral["id"]]
    assert inbox.json()["referrals"][0]["case_reference"] == case["reference"]
    for secret in [*SYNTHETIC_PERSON.secrets(), "Lūdzu sazinieties."]:
        assert secret not in inbox.content.decode()
    assert provider.get(f"/cases/{case['id']}").status_code == 404

    accepted = provider.post(f"/referrals/{referral['id']}/accept")
    assert accepted.status_code == 200
    assert accepted.json()["status"] == "accepted" and accepted.json()["message"] == "Lūdzu sazinieties."
    body = provider.get(f"/cases/{case['id']}").json()
    assert body["state"] == "identification"
    assert "lv-provider-marta" in {p["institution"] for p in body["parties"]}
    assert provider.get("/inbox").json()["referrals"] == []


def test_a_referral_is_answered_once(as_):
    _case, referral = referred_case(as_)
    provider = as_("provider_worker")
    assert provider.post(f"/referrals/{referral['id']}/accept").status_code == 200
    again = provider.post(f"/referrals/{referral['id']}/decline", {"reason": "Nav vietu."})
    assert again.status_code == 400
    assert again.json()["field"] == "status"


def test_only_the_addressee_answers_a_referral(as_):
    _case, referral = referred_case(as_)
    response = as_("social_worker").post(f"/referrals/{referral['id']}/accept")
    assert response.status_code == 403
    assert response.json()["detail"] == "Only the institution a referral is addressed to can answer it."
    # A member of the receiving institution without a receiving role does not even see it.
    assert as_("commission_member").post(f"/referrals/{referral['id']}/accept").status_code == 404
    assert as_("other_social_worker").post(f"/referrals/{referral['id']}/accept").status_code == 404
    assert Referral.objects.get(pk=referral["id"]).status == Referral.Status.SENT


def test_declining_needs_a_reason(as_):
    _case, referral = referred_case(as_)
    provider = as_("provider_worker")
    assert provider.post(f"/referrals/{referral['id']}/decline", {"reason": ""}).json()["field"] == "reason"
    assert provider.post(f"/referrals/{referral['id']}/decline", {}).status_code == 422
    declined = provider.post(f"/referrals/{referral['id']}/decline", {"reason": "Nav brīvu vietu."})
    assert declined.status_code == 200
    # The institution that declined takes no part in the case, so the texts are no longer its to read; the
    # sender reads why.
    assert declined.json()["status"] == "declined" and declined.json()["decline_reason"] is None
    sent = as_("social_worker").get(f"/cases/{_case['id']}").json()["referrals"]
    assert [r["decline_reason"] for r in sent] == ["Nav brīvu vietu."]


def test_the_sender_withdraws_before_an_answer(as_):
    _case, referral = referred_case(as_)
    assert as_("provider_worker").post(f"/referrals/{referral['id']}/withdraw").status_code == 403
    withdrawn = as_("social_worker").post(f"/referrals/{referral['id']}/withdraw")
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    again = as_("social_worker").post(f"/referrals/{referral['id']}/withdraw")
    assert again.status_code == 400 and again.json()["field"] == "status"


def test_a_referrals_message_is_for_the_two_institutions_it_passes_between(as_, case_world):
    case = accepted_case(as_, scope=ALL_DATA)
    consent(
        as_("social_worker"), case["id"], purpose="criminal_proceedings", to_type="state_police", categories=ALL_DATA
    )
    to_police = refer(
        as_("social_worker"), case["id"], to="lv-state-police", purpose="criminal_proceedings", scope=ALL_DATA
    )
    assert as_("police_officer").post(f"/referrals/{to_police['id']}/accept").status_code == 200
    referrals = {r["to_institution"]: r for r in as_("provider_worker").get(f"/cases/{case['id']}").json()["referrals"]}
    assert referrals["lv-provider-marta"]["message"] == "Lūdzu sazinieties."
    assert referrals["lv-state-police"]["message"] is None


def test_a_referrals_message_goes_once_the_recipient_no_longer_sees_the_circumstances(as_, case_world):
    case = accepted_case(as_, scope=ALL_DATA)
    provider = as_("provider_worker")
    [referral] = provider.get(f"/cases/{case['id']}").json()["referrals"]
    assert referral["message"] == "Lūdzu sazinieties."
    # The person withdraws the consent the referral rested on: the Marta centre keeps taking part, seeing nothing.
    withdrawn = Case.objects.get(pk=case["id"]).consents.get()
    consent_withdraw(by=case_world.social_worker, consent=withdrawn)
    body = provider.get(f"/cases/{case['id']}").json()
    assert body["access"]["data_scope"] == []
    assert [r["message"] for r in body["referrals"]] == [None]
    # The sender still sees the circumstances, and reads it.
    assert as_("social_worker").get(f"/cases/{case['id']}").json()["referrals"][0]["message"] == "Lūdzu sazinieties."


# --- Workflow steps -------------------------------------------------------------------------------------------


def _criteria(world) -> list[str]:
    workflow = version_pack(world.version).workflow
    return [item.id for item in workflow.checklist("identification_criteria").items]


def test_the_commission_identifies_with_criteria_reasons_and_a_decision(as_, case_world):
    case = accepted_case(as_, scope=ALL_DATA)
    member = as_("commission_member")
    path = f"/cases/{case['id']}/transitions"

    missing = member.post(path, {"transition": "identify_by_commission", "reason": "Kritēriji izpildīti."})
    assert missing.status_code == 400 and missing.json()["field"] == "checklist"

    document = document_upload(
        by=case_world.provider_worker,
        case=Case.objects.get(pk=case["id"]),
        filename="lemums.pdf",
        content_type="application/pdf",
        content=b"%PDF-1.4 test decision",
    )
    body = {
        "transition": "identify_by_commission",
        "reason": "Kritēriji izpildīti.",
        "checklist": _criteria(case_world),
    }
    no_document = member.post(path, body)
    assert no_document.status_code == 400 and no_document.json()["field"] == "document_id"

    done = member.post(path, {**body, "document_id": document.pk})
    assert done.status_code == 200, done.content
    assert done.json()["from_state"] == "identification" and done.json()["to_state"] == "identified"
    assert done.json()["case"]["state"] == "identified"
    assert member.get(f"/cases/{case['id']}").json()["state"] == "identified"


def test_a_document_of_another_case_is_refused(as_, case_world):
    case = accepted_case(as_)
    other = accepted_case(as_)
    document = document_upload(
        by=case_world.provider_worker,
        case=Case.objects.get(pk=other["id"]),
        filename="lemums.pdf",
        content_type="application/pdf",
        content=b"%PDF-1.4 test decision",
    )
    response = as_("commission_member").post(
        f"/cases/{case['id']}/transitions",
        {
            "transition": "identify_by_commission",
            "reason": "Kritēriji izpildīti.",
            "checklist": _criteria(case_world),
            "document_id": document.pk,
        },
    )
    assert (response.status_code, response.json()["field"]) == (400, "document_id")


@pytest.mark.parametrize(
    ("name", "body", "field"),
    [
        ("social_worker", {"transition": "teleport"}, "transition"),
        ("social_worker", {"transition": "identify_in_proceedings", "reason": "Kriminālprocess."}, "transition"),
        ("provider_worker", {"transition": "grant_service"}, "transition"),
        ("social_worker", {"transition": "person_refuses"}, "reason"),
    ],
)
def test_refused_steps_answer_400_naming_the_field(as_, name, body, field):
    case = accepted_case(as_)
    response = as_(name).post(f"/cases/{case['id']}/transitions", body)
    assert response.status_code == 400, response.content
    assert response.json()["field"] == field
    assert Case.objects.get(pk=case["id"]).state == "identification"


def test_the_person_refusing_help_ends_the_case(as_):
    case = open_case(as_("social_worker"))
    response = as_("social_worker").post(
        f"/cases/{case['id']}/transitions", {"transition": "person_refuses", "reason": "Nevēlas palīdzību."}
    )
    assert response.status_code == 200
    assert response.json()["case"]["state_kind"] == "outcome"
    assert response.json()["case"]["ended_at"] is not None


# --- Inbox ----------------------------------------------------------------------------------------------------


def test_inbox_lists_deadlines_coming_up_on_the_callers_cases(as_):
    case, _referral = referred_case(as_)
    worker = as_("social_worker")
    # The reflection period (30 days) is beyond the inbox's horizon until it comes close.
    assert worker.get("/inbox").json()["deadlines"] == []
    Deadline.objects.filter(case_id=case["id"], kind="reflection_period").update(
        due_at=timezone.now() + timedelta(days=2)
    )
    (item,) = worker.get("/inbox").json()["deadlines"]
    assert item["case_reference"] == case["reference"] and item["name"] == "Reflection period"
    assert as_("other_social_worker").get("/inbox").json()["deadlines"] == []


def test_inbox_marks_overdue_referrals(as_):
    _case, referral = referred_case(as_)
    Referral.objects.filter(pk=referral["id"]).update(due_at=timezone.now() - timedelta(hours=1))
    (item,) = as_("provider_worker").get("/inbox").json()["referrals"]
    assert item["overdue"] is True and item["from_institution"] == "lv-social-service-riga"


# --- The description --------------------------------------------------------------------------------------------

ENDPOINTS = [
    ("post", "/api/v1/cases", 201),
    ("get", "/api/v1/cases", 200),
    ("get", "/api/v1/cases/{case_id}", 200),
    ("get", "/api/v1/cases/{case_id}/timeline", 200),
    ("post", "/api/v1/cases/{case_id}/consents", 201),
    ("post", "/api/v1/cases/{case_id}/referrals", 201),
    ("post", "/api/v1/referrals/{referral_id}/accept", 200),
    ("post", "/api/v1/referrals/{referral_id}/decline", 200),
    ("post", "/api/v1/referrals/{referral_id}/withdraw", 200),
    ("post", "/api/v1/cases/{case_id}/transitions", 200),
    ("get", "/api/v1/inbox", 200),
]
WITH_BODY = {"/api/v1/cases", "/consents", "/referrals", "/decline", "/transitions"}


@pytest.mark.parametrize(("method", "path", "status"), ENDPOINTS)
def test_openapi_describes_every_endpoint_with_its_schemas(method, path, status):
    operation = api.get_openapi_schema()["paths"][path][method]
    answer = operation["responses"][status]["content"]["application/json"]["schema"]
    assert answer, f"{method} {path} has no response schema"
    needs_body = method == "post" and any(path.endswith(end) for end in WITH_BODY)
    assert ("requestBody" in operation) == needs_body
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "path":
            # Cases and referrals are addressed by number: nothing about a person can appear in a URL.
            assert parameter["schema"]["type"] == "integer"
    assert {"BearerTokenAuth": []} in operation["security"]
