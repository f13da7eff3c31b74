"""A referral through the web: what the receiving institution sees before it answers (never who the person is),
and who may accept, decline, withdraw and review it."""

import pytest
from django.urls import reverse

from opennrm.accounts.testing import force_login_verified
from opennrm.audit.models import AuditEvent
from opennrm.cases.models import CaseParty, DataCategory, Nationality, Population, Referral
from opennrm.cases.services.referrals import referral_accept, referral_decline
from tests.cases import steps
from tests.cases.conftest import SYNTHETIC_PERSON

MESSAGE = "Speaks Ukrainian only; an interpreter is needed."


def url(name: str, referral: Referral) -> str:
    return reverse(f"cases:{name}", kwargs={"referral_id": referral.pk})


def signed_in(client, user):
    force_login_verified(client, user)
    return client


def page(response) -> str:
    return response.content.decode()


@pytest.fixture
def world(case_world):
    return case_world


@pytest.fixture
def referral(world) -> Referral:
    """A referral from the Riga social service to the Marta centre, waiting for an answer."""
    case = steps.open_case(world)
    steps.consent(world, case)
    return steps.refer(world, case, message=MESSAGE, urgency=Referral.Urgency.URGENT)


def test_the_receiving_institution_sees_the_referral_but_not_who_the_person_is(client, world, referral):
    response = signed_in(client, world.provider_worker).get(url("referral", referral))

    html = page(response)
    assert response.status_code == 200
    assert f"<title>Referral of case {referral.case.reference} · OpenNRM</title>" in html
    assert "Riga State City Social Service" in html and "Identification" in html and "Urgent" in html
    assert "Third-country national" in html and "Forced labour" in html
    assert MESSAGE in html
    assert "Identity (names, birth date, personal code)" in html  # what acceptance will share
    for secret in SYNTHETIC_PERSON.secrets():
        assert secret not in html
    assert url("referral_accept", referral) in html and url("referral_decline", referral) in html
    # The case itself is not open to the institution before it accepts.
    assert reverse("cases:detail", kwargs={"reference": referral.case.reference}) not in html
    assert not AuditEvent.objects.filter(action="person.viewed").exists()
    # The message may describe the person, so opening the referral is recorded (without the message itself).
    viewed = AuditEvent.objects.get(action="referral.viewed")
    assert viewed.actor == world.provider_worker and viewed.new_values["referral"] == referral.pk
    assert MESSAGE not in str(viewed.new_values)


@pytest.mark.parametrize("who", ["other_social_worker", "police_officer", "coordinator", "auditor"])
def test_others_find_no_referral(client, world, referral, who):
    client = signed_in(client, getattr(world, who))

    assert client.get(url("referral", referral)).status_code == 404
    assert client.get(reverse("cases:referral", kwargs={"referral_id": 999999})).status_code == 404
    assert client.post(url("referral_accept", referral)).status_code == 404


def test_accepting_makes_the_institution_a_party_and_opens_the_case(client, world, referral):
    client = signed_in(client, world.provider_worker)

    response = client.post(url("referral_accept", referral))

    case_page = reverse("cases:detail", kwargs={"reference": referral.case.reference})
    assert response.status_code == 302 and response["Location"] == case_page
    referral.refresh_from_db()
    assert referral.status == Referral.Status.ACCEPTED
    assert CaseParty.objects.filter(case=referral.case, institution=world.institution("lv-provider-marta")).exists()
    assert SYNTHETIC_PERSON.given_name in page(client.get(case_page))


def test_a_referral_is_accepted_once(client, world, referral):
    referral_accept(by=world.provider_supervisor, referral_id=referral.pk)

    response = signed_in(client, world.provider_worker).post(url("referral_accept", referral), follow=True)

    assert response.redirect_chain[0] == (url("referral", referral), 302)
    assert "This referral has already been answered or withdrawn." in page(response)
    assert url("referral_accept", referral) not in page(response)


def test_a_member_without_a_receiving_role_may_not_answer(client, world, referral):
    client = signed_in(client, world.commission_member)

    # Not someone who answers referrals, nor on the case: to them the referral is not there.
    assert client.get(url("referral", referral)).status_code == 404
    assert client.get(url("referral_decline", referral)).status_code == 404
    assert client.post(url("referral_accept", referral)).status_code == 403
    referral.refresh_from_db()
    assert referral.status == Referral.Status.SENT


def test_declining_needs_a_reason_that_the_sender_reads(client, world, referral):
    client = signed_in(client, world.provider_worker)

    form = client.get(url("referral_decline", referral))
    empty = client.post(url("referral_decline", referral), {"reason": ""})
    declined = client.post(url("referral_decline", referral), {"reason": "No place in the shelter this week."})

    assert form.status_code == 200
    assert empty.status_code == 400 and 'id="id_reason-error"' in page(empty)
    assert declined.status_code == 302 and declined["Location"] == reverse("cases:inbox")
    referral.refresh_from_db()
    assert referral.status == Referral.Status.DECLINED
    sender_view = page(
        signed_in(client, world.social_worker).get(
            reverse("cases:detail", kwargs={"reference": referral.case.reference})
        )
    )
    assert "No place in the shelter this week." in sender_view


def joined_by_siva(world, case):
    """SIVA takes part in the case with the person's identity only, through a referral of its own."""
    steps.consent(world, case, purpose="social_rehabilitation", recipient_institution=world.institution("lv-siva"))
    to_siva = steps.refer(
        world, case, to="lv-siva", purpose="social_rehabilitation", data_scope=[DataCategory.IDENTITY]
    )
    referral_accept(by=world.siva_worker, referral_id=to_siva.pk)


def test_a_party_outside_the_referral_does_not_read_what_it_says(client, world):
    case, to_marta = steps.to_identification(world)
    steps.to_service_granted(world, steps.identify(world, case))

    response = signed_in(client, world.siva_worker).get(url("referral", to_marta))

    html = page(response)
    assert response.status_code == 200
    assert "Marta Resource Centre for Women" in html  # what the referral is, but not what it says
    assert steps.MESSAGE not in html and "The written texts of this referral are not shown to you" in html
    assert steps.MESSAGE in page(signed_in(client, world.social_worker).get(url("referral", to_marta)))


def test_why_a_referral_was_declined_is_read_only_between_the_two_institutions(client, world, referral):
    reason = "No place in the shelter this week."
    referral_decline(by=world.provider_worker, referral_id=referral.pk, reason=reason)
    joined_by_siva(world, referral.case)
    case_page = reverse("cases:detail", kwargs={"reference": referral.case.reference})

    siva = signed_in(client, world.siva_worker)
    siva_case, siva_referral = page(siva.get(case_page)), page(siva.get(url("referral", referral)))
    sender = signed_in(client, world.social_worker)
    sender_case, sender_referral = page(sender.get(case_page)), page(sender.get(url("referral", referral)))

    assert "Declined on" in siva_case and reason not in siva_case
    assert "Declined" in siva_referral and reason not in siva_referral
    assert reason in sender_case and reason in sender_referral


def test_the_sender_withdraws_a_waiting_referral(client, world, referral):
    assert signed_in(client, world.provider_worker).post(url("referral_withdraw", referral)).status_code == 404

    response = signed_in(client, world.social_worker).post(url("referral_withdraw", referral))

    assert response.status_code == 302
    assert response["Location"] == reverse("cases:detail", kwargs={"reference": referral.case.reference})
    referral.refresh_from_db()
    assert referral.status == Referral.Status.WITHDRAWN


def test_the_case_page_offers_the_sender_to_withdraw(client, world, referral):
    html = page(
        signed_in(client, world.social_worker).get(
            reverse("cases:detail", kwargs={"reference": referral.case.reference})
        )
    )

    assert url("referral_withdraw", referral) in html
    assert url("referral", referral) in html


def test_an_auditor_reviews_a_referral_sent_under_a_legal_duty(client, world):
    child = steps.open_case(world, population=Population.CHILD, nationality=Nationality.NATIONAL)
    referral = steps.refer(
        world,
        child,
        to="lv-state-police",
        purpose="criminal_proceedings",
        data_scope=[],
        legal_duty_exception="child_in_danger",
        legal_duty_justification="The child was seen being collected by the trafficker.",
    )

    refused = signed_in(client, world.provider_worker).post(url("referral_review", referral))
    response = signed_in(client, world.auditor).post(url("referral_review", referral))

    assert refused.status_code == 404
    assert response.status_code == 302 and response["Location"] == reverse("cases:reviews")
    referral.refresh_from_db()
    assert not referral.needs_review and referral.reviewed_by == world.auditor
    assert signed_in(client, world.auditor).post(url("referral_review", referral)).status_code == 404


def test_answers_are_posted_never_fetched(client, world, referral):
    client = signed_in(client, world.provider_worker)

    for name in ("referral_accept", "referral_withdraw", "referral_review"):
        assert client.get(url(name, referral)).status_code == 405
