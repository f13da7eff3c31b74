"""The pages for finding work and cases: the case list, the inbox, the search for a person, emergency access,
the coordinator's counts and the audit review queue — who may open each, what it shows, and that no list shows
who the person is."""

import re
from datetime import timedelta
from functools import partial
from urllib.parse import parse_qs, urlparse

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from opennrm.accounts.models import Role
from opennrm.accounts.testing import force_login_verified
from opennrm.audit.models import AuditEvent
from opennrm.cases import selectors
from opennrm.cases.models import BreakGlassAccess, Deadline, Nationality, Population, Referral
from opennrm.cases.services.cases import break_glass_open
from opennrm.cases.services.referrals import referral_send
from opennrm.cases.services.work import task_create
from tests.cases import steps
from tests.cases.conftest import SYNTHETIC_PERSON
from tests.cases.shared_world import shared_case_world, world_keys_file
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

EMERGENCY_REASON = "A child reported in immediate danger at the address in the case; the team is on its way."
JUSTIFICATION = "The Criminal Procedure Law requires the institution to report the suspected crime."


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


def title(html: str) -> str:
    return re.search(r"<title>(.*?)</title>", html, re.S).group(1)


def assert_no_person(html: str) -> None:
    for secret in SYNTHETIC_PERSON.secrets():
        assert secret not in html


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# --- The case list --------------------------------------------------------------------------------------------


class TestCaseList:
    def test_lists_references_and_facts_never_the_person(self, client, case_world):
        case = steps.open_case(case_world)
        response = signed_in(client, case_world.social_worker).get(reverse("cases:list"))
        html = text(response)
        assert response.status_code == 200
        assert reverse("cases:detail", kwargs={"reference": case.reference}) in html
        row = re.search(rf"(?s)<tr>\s*<th scope=\"row\"><a[^>]*>{case.reference}</a>.*?</tr>", html).group(0)
        for shown in ("Recognised", "Adult", "Third-country national", "Riga State City Social Service"):
            assert shown in row
        assert_no_person(html)
        assert "<caption>" in html and 'scope="col"' in html
        assert response["Cache-Control"].count("no-store") == 1

    def test_another_institution_does_not_see_the_case(self, client, case_world):
        case = steps.open_case(case_world)
        html = text(signed_in(client, case_world.other_social_worker).get(reverse("cases:list")))
        assert case.reference not in html
        assert "There is no case you can open yet." in html

    def test_filters(self, client, case_world):
        adult = steps.open_case(case_world)
        child = steps.open_case(case_world, population=Population.CHILD, nationality=Nationality.NATIONAL)
        client = signed_in(client, case_world.social_worker)

        def listed(**query) -> set[str]:
            response = client.get(reverse("cases:list"), query)
            assert response.status_code == 200
            return {ref for ref in (adult.reference, child.reference) if ref in text(response)}

        assert listed() == {adult.reference, child.reference}
        assert listed(population="child") == {child.reference}
        assert listed(state="recognised", kind="open") == {adult.reference, child.reference}
        assert listed(state="closed") == set()
        assert listed(kind="outcome") == set()
        assert listed(reference=child.reference.lower()) == {child.reference}
        assert listed(reference=child.reference[:-1]) >= {child.reference}

    def test_an_unknown_state_is_a_form_error(self, client, case_world):
        response = signed_in(client, case_world.social_worker).get(reverse("cases:list"), {"state": "no_such"})
        assert response.status_code == 400
        assert 'href="#id_state"' in text(response)

    def test_next_page_continues_after_the_cursor(self, client, case_world, monkeypatch):
        monkeypatch.setattr(selectors, "case_list", partial(selectors.case_list, limit=2))
        cases = [steps.open_case(case_world) for _ in range(3)]
        client = signed_in(client, case_world.social_worker)
        first = text(client.get(reverse("cases:list"), {"population": "adult"}))
        assert cases[2].reference in first and cases[1].reference in first and cases[0].reference not in first
        link = re.search(r'href="([^"]+)" rel="next"', first).group(1).replace("&amp;", "&")
        query = parse_qs(urlparse(link).query)
        assert query["population"] == ["adult"] and query["cursor"]
        second = text(client.get(link))
        assert cases[0].reference in second and cases[1].reference not in second
        assert 'rel="next"' not in second and "First page" in second

    def test_a_cursor_not_made_here_is_refused_and_the_first_page_shown(self, client, case_world):
        case = steps.open_case(case_world)
        response = signed_in(client, case_world.social_worker).get(reverse("cases:list"), {"cursor": "x_y"})
        assert response.status_code == 400
        assert "page position in the address is not valid" in text(response)
        assert case.reference in text(response)

    def test_htmx_gets_only_the_results(self, client, case_world):
        case = steps.open_case(case_world)
        response = signed_in(client, case_world.social_worker).get(reverse("cases:list"), HTTP_HX_REQUEST="true")
        assert case.reference in text(response) and "<html" not in text(response)

    def test_the_number_of_queries_does_not_grow_with_the_cases(self, client, case_world):
        client = signed_in(client, case_world.social_worker)
        steps.open_case(case_world)
        client.get(reverse("cases:list"))  # warms the pack cache and the session
        with CaptureQueriesContext(connection) as few:
            client.get(reverse("cases:list"))
        for _ in range(4):
            steps.open_case(case_world)
        with CaptureQueriesContext(connection) as more:
            client.get(reverse("cases:list"))
        assert len(more) == len(few)

    def test_who_may_open_it(self, client, case_world):
        assert client.get(reverse("cases:list"))["Location"].startswith(reverse("accounts:login"))
        for name in ("auditor", "rapporteur", "coordinator"):
            assert signed_in(client, getattr(case_world, name)).get(reverse("cases:list")).status_code == 403


# --- The inbox ------------------------------------------------------------------------------------------------


class TestInbox:
    def test_the_receiving_institution_sees_the_referral_with_its_end(self, client, case_world):
        case = steps.open_case(case_world)
        steps.consent(case_world, case)
        referral = steps.refer(case_world, case)
        html = text(signed_in(client, case_world.provider_worker).get(reverse("cases:inbox")))
        assert reverse("cases:referral", kwargs={"referral_id": referral.pk}) in html
        assert f"Referral of {case.reference}" in html
        assert "Riga State City Social Service" in html and "Identification" in html
        assert timezone.localtime(referral.due_at).strftime("%Y-%m-%d %H:%M") in html
        assert_no_person(html)

    def test_the_sender_and_roles_that_do_not_receive_see_no_referral_section(self, client, case_world):
        case = steps.open_case(case_world)
        steps.consent(case_world, case)
        steps.refer(case_world, case)
        html = text(signed_in(client, case_world.social_worker).get(reverse("cases:inbox")))
        assert f"Referral of {case.reference}" not in html
        # A commission member holds no receiving role: there is nothing for them to answer.
        html = text(signed_in(client, case_world.commission_member).get(reverse("cases:inbox")))
        assert "Referrals to answer" not in html

    def test_deadlines_coming_up_and_tasks(self, client, case_world):
        case = steps.open_case(case_world)
        steps.consent(case_world, case)
        steps.refer(case_world, case)
        # The reflection period (30 days) shows once it is within the inbox's horizon.
        soon = timezone.now() + timedelta(days=3)
        assert Deadline.objects.filter(case=case, kind="reflection_period").update(due_at=soon) == 1
        task_create(by=case_world.social_worker, case=case, title="Book an interpreter", assignee=None)
        task_create(
            by=case_world.social_worker,
            case=case,
            title="Call the shelter",
            assignee=case_world.social_worker,
            due_on=timezone.localdate() - timedelta(days=1),
        )
        html = text(signed_in(client, case_world.social_worker).get(reverse("cases:inbox")))
        deadlines = html[html.index('id="deadlines-heading"') : html.index('id="tasks-heading"')]
        assert "Reflection period" in deadlines and case.reference in deadlines
        assert timezone.localtime(soon).strftime("%Y-%m-%d") in deadlines
        tasks = html[html.index('id="tasks-heading"') :]
        # Which case and when, never what: a title is free text that may name the person.
        assert f"Task on {case.reference}" in tasks and "Overdue" in tasks
        assert reverse("cases:detail", kwargs={"reference": case.reference}) in tasks
        assert tasks.count("Task on ") == 1  # the task given to nobody is not the user's
        assert "Call the shelter" not in html and "Book an interpreter" not in html

    def test_a_supervisor_sees_the_whole_institution(self, client, case_world):
        case = steps.open_case(case_world)
        steps.consent(case_world, case)
        steps.refer(case_world, case)
        Deadline.objects.filter(case=case, kind="reflection_period").update(due_at=timezone.now() + timedelta(days=1))
        html = text(signed_in(client, case_world.social_supervisor).get(reverse("cases:inbox")))
        assert "the deadlines of all the institution's cases" in html
        assert case.reference in html

    def test_who_may_open_it(self, client, case_world):
        assert signed_in(client, case_world.auditor).get(reverse("cases:inbox")).status_code == 403
        assert signed_in(client, case_world.coordinator).get(reverse("cases:inbox")).status_code == 403


# --- Finding a person -----------------------------------------------------------------------------------------

PERSON_QUERY = {
    "given_name": SYNTHETIC_PERSON.given_name,
    "family_name": SYNTHETIC_PERSON.family_name,
    "birth_date": SYNTHETIC_PERSON.birth_date,
}


class TestPersonSearch:
    def test_finds_a_visible_case_and_records_the_search_without_the_name(self, client, case_world):
        case = steps.open_case(case_world)
        response = signed_in(client, case_world.social_worker).post(reverse("cases:search"), PERSON_QUERY)
        html = text(response)
        assert response.status_code == 200
        assert reverse("cases:detail", kwargs={"reference": case.reference}) in html
        assert SYNTHETIC_PERSON.given_name not in title(html)
        event = AuditEvent.objects.get(action="case.person_searched", actor=case_world.social_worker)
        assert event.new_values == {"cases": [case.reference], "other_institutions": []}
        assert SYNTHETIC_PERSON.given_name not in str(event.new_values) + event.purpose

    def test_another_institution_learns_only_whom_to_contact(self, client, case_world):
        case = steps.open_case(case_world)
        html = text(signed_in(client, case_world.other_social_worker).post(reverse("cases:search"), PERSON_QUERY))
        assert case.reference not in html
        assert "Riga State City Social Service" in html
        # The professionals' line comes first: it is the one meant for colleagues.
        assert html.index("+371 20001100") < html.index("+371 20001001")
        assert "has a case for this person that you cannot open" in html

    def test_a_name_in_the_address_searches_nothing(self, client, case_world):
        case = steps.open_case(case_world)
        response = signed_in(client, case_world.social_worker).get(reverse("cases:search"), PERSON_QUERY)
        assert response.status_code == 200
        assert case.reference not in text(response) and 'id="search-results"' not in text(response)
        assert not AuditEvent.objects.filter(action="case.person_searched").exists()

    def test_all_three_are_needed(self, client, case_world):
        query = {**PERSON_QUERY, "birth_date": ""}
        response = signed_in(client, case_world.social_worker).post(reverse("cases:search"), query)
        assert response.status_code == 400
        assert 'href="#id_birth_date"' in text(response)

    def test_nothing_found(self, client, case_world):
        query = {**PERSON_QUERY, "given_name": "Nobodia"}
        html = text(signed_in(client, case_world.social_worker).post(reverse("cases:search"), query))
        assert "No case was found for this name and date of birth." in html

    def test_who_may_search(self, client, case_world):
        assert signed_in(client, case_world.coordinator).post(reverse("cases:search"), PERSON_QUERY).status_code == 403


# --- Emergency access -----------------------------------------------------------------------------------------


class TestBreakGlass:
    def test_a_written_reason_opens_the_case_for_a_while(self, client, case_world):
        case = steps.open_case(case_world)
        client = signed_in(client, case_world.emergency_officer)
        assert client.get(reverse("cases:break_glass")).status_code == 200
        response = client.post(
            reverse("cases:break_glass"), {"reference": case.reference.lower(), "reason": EMERGENCY_REASON}
        )
        assert response["Location"] == reverse("cases:detail", kwargs={"reference": case.reference})
        access = BreakGlassAccess.objects.get(case=case, user=case_world.emergency_officer)
        assert access.reason == EMERGENCY_REASON
        assert any("Emergency access to" in message for message in messages_of(response))
        # Asked again while it runs: the case is already open to them, so nothing new is recorded.
        client.post(reverse("cases:break_glass"), {"reference": case.reference, "reason": EMERGENCY_REASON})
        assert BreakGlassAccess.objects.filter(case=case).count() == 1

    def test_a_short_reason_is_refused_next_to_the_field(self, client, case_world):
        case = steps.open_case(case_world)
        response = signed_in(client, case_world.emergency_officer).post(
            reverse("cases:break_glass"), {"reference": case.reference, "reason": "urgent"}
        )
        assert response.status_code == 400
        assert 'href="#id_reason"' in text(response) and "at least 20 characters" in text(response)
        assert not BreakGlassAccess.objects.exists()

    def test_an_unknown_reference(self, client, case_world):
        response = signed_in(client, case_world.emergency_officer).post(
            reverse("cases:break_glass"), {"reference": "LV-1999-000001", "reason": EMERGENCY_REASON}
        )
        assert response.status_code == 400 and "No case has this reference" in text(response)

    def test_only_for_emergency_roles(self, client, case_world):
        case = steps.open_case(case_world)
        response = signed_in(client, case_world.other_social_worker).post(
            reverse("cases:break_glass"), {"reference": case.reference, "reason": EMERGENCY_REASON}
        )
        assert response.status_code == 403
        assert not BreakGlassAccess.objects.exists()


# --- Oversight ------------------------------------------------------------------------------------------------


class TestOversight:
    def test_counts_only(self, client, case_world):
        case = steps.open_case(case_world)
        steps.consent(case_world, case)
        steps.refer(case_world, case)
        response = signed_in(client, case_world.coordinator).get(reverse("cases:oversight"))
        html = text(response)
        assert response.status_code == 200
        assert "1 open case, by state" in html
        assert re.search(r"<th scope=\"row\">Referred</th><td class=\"number\">1</td>", html)
        assert case.reference not in html
        assert_no_person(html)
        assert reverse("cases:reviews") in html

    def test_only_for_national_oversight(self, client, case_world):
        for name in ("social_worker", "auditor", "rapporteur"):
            assert signed_in(client, getattr(case_world, name)).get(reverse("cases:oversight")).status_code == 403


# --- The audit review queue -----------------------------------------------------------------------------------


def _legal_duty_referral(world) -> Referral:
    case = steps.open_case(world)
    return referral_send(
        by=world.social_worker,
        case=case,
        to_institution=world.institution("lv-state-police"),
        purpose="criminal_proceedings",
        legal_duty_exception="crime_report",
        legal_duty_justification=JUSTIFICATION,
    )


class TestReviews:
    def test_the_coordinator_reviews_an_emergency_access_without_reading_the_reason(self, client, case_world):
        case = steps.open_case(case_world)
        access = break_glass_open(by=case_world.emergency_officer, case=case, reason=EMERGENCY_REASON)
        client = signed_in(client, case_world.coordinator)
        html = text(client.get(reverse("cases:reviews")))
        # Who, when and for how long: the coordinator never sees personal data, and the reason is about the person.
        assert f"Emergency access to {case.reference}" in html
        assert "State Police" in html
        assert EMERGENCY_REASON not in html and "Reason given" not in html
        assert "Nothing here says who the person is" in html
        assert_no_person(html)
        read = AuditEvent.objects.get(action="case.reviews_read", actor=case_world.coordinator)
        assert read.new_values["break_glass"] == [access.pk]
        response = client.post(reverse("cases:break_glass_review", kwargs={"access_id": access.pk}))
        assert response["Location"] == reverse("cases:reviews")
        access.refresh_from_db()
        assert access.reviewed_by == case_world.coordinator
        assert f"Emergency access to {case.reference}" not in text(client.get(reverse("cases:reviews")))

    def test_an_institution_auditor_sees_only_their_institution(self, client, case_world):
        referral = _legal_duty_referral(case_world)
        access = break_glass_open(by=case_world.emergency_officer, case=referral.case, reason=EMERGENCY_REASON)
        client = signed_in(client, case_world.auditor)  # Riga social service, which sent the referral
        html = text(client.get(reverse("cases:reviews")))
        assert f"Referral of {referral.case.reference}" in html and "Reporting a crime" in html
        assert JUSTIFICATION not in html  # audit rights alone: the metadata, not the text
        assert reverse("cases:referral_review", kwargs={"referral_id": referral.pk}) in html
        # The emergency access was the State Police's: not this auditor's to see or review.
        assert f"Emergency access to {referral.case.reference}" not in html
        response = client.post(reverse("cases:break_glass_review", kwargs={"access_id": access.pk}))
        assert response.status_code == 404
        access.refresh_from_db()
        assert access.reviewed_at is None

    def test_a_data_protection_officer_reads_the_texts_of_their_institution(self, client, case_world):
        referral = _legal_duty_referral(case_world)
        officer = UserFactory(
            username="riga.dpo",
            unit=case_world.social_worker.unit,
            roles=[Role.objects.get(code="data_protection_officer")],
        )
        html = text(signed_in(client, officer).get(reverse("cases:reviews")))
        assert JUSTIFICATION in html and "Reporting a crime" in html
        assert "Nothing here says who the person is" not in html
        assert "may say who they are" in html
        assert_no_person(html)
        read = AuditEvent.objects.get(action="case.reviews_read", actor=officer)
        assert read.new_values["referrals"] == [referral.pk]

    def test_reviewing_twice_says_so(self, client, case_world):
        case = steps.open_case(case_world)
        access = break_glass_open(by=case_world.emergency_officer, case=case, reason=EMERGENCY_REASON)
        client = signed_in(client, case_world.coordinator)
        client.post(reverse("cases:break_glass_review", kwargs={"access_id": access.pk}))
        response = client.post(reverse("cases:break_glass_review", kwargs={"access_id": access.pk}))
        assert any("already reviewed" in message for message in messages_of(response))

    def test_only_for_audit_rights(self, client, case_world):
        case = steps.open_case(case_world)
        access = break_glass_open(by=case_world.emergency_officer, case=case, reason=EMERGENCY_REASON)
        client = signed_in(client, case_world.social_supervisor)
        assert client.get(reverse("cases:reviews")).status_code == 403
        response = client.post(reverse("cases:break_glass_review", kwargs={"access_id": access.pk}))
        assert response.status_code == 403
        assert not AuditEvent.objects.filter(action="case.reviews_read").exists()


# --- Navigation -----------------------------------------------------------------------------------------------


class TestNavigation:
    @pytest.mark.parametrize(
        ("name", "links"),
        [
            ("social_worker", {"Inbox", "Cases"}),
            ("coordinator", {"Oversight", "Reviews"}),
            ("auditor", {"Reviews"}),
            ("rapporteur", set()),
        ],
    )
    def test_links_follow_the_capabilities(self, client, case_world, name, links):
        html = text(signed_in(client, getattr(case_world, name)).get(reverse("core:home")))
        nav = re.search(r'(?s)<ul class="nav-links">(.*?)</ul>', html).group(1)
        shown = {label for label in ("Inbox", "Cases", "Oversight", "Reviews") if f">{label}</a>" in nav}
        assert shown == links

    def test_the_current_page_is_marked(self, client, case_world):
        html = text(signed_in(client, case_world.social_worker).get(reverse("cases:inbox")))
        assert f'href="{reverse("cases:inbox")}" aria-current="page"' in html
