"""Referrals (services/referrals.py): consent-gated sending, answers only by the receiving institution's
receiving roles, withdrawal only by the sender, and what each step sets off."""

from datetime import timedelta

import pytest

from opennrm.accounts.models import Role
from opennrm.audit.models import AuditEvent
from opennrm.cases.models import (
    Assignment,
    Case,
    CaseParty,
    Deadline,
    Nationality,
    Notification,
    Population,
    Referral,
)
from opennrm.cases.services.referrals import (
    referral_accept,
    referral_decline,
    referral_review,
    referral_withdraw,
)
from opennrm.cases.services.transitions import case_transition
from opennrm.core.errors import ApplicationError, Forbidden, NotFoundOrForbidden
from tests.cases import steps
from tests.factories import UserFactory

JUSTIFICATION = "The child was found alone at the border station and says she is being moved tonight."


def state(case: Case) -> str:
    return Case.objects.get(pk=case.pk).state


# --- Consent is checked by the server ------------------------------------------------------------------------


def test_a_referral_without_any_consent_is_refused_and_nothing_is_written(case_world):
    case = steps.open_case(case_world)
    with pytest.raises(ApplicationError) as refused:
        steps.refer(case_world, case)
    assert refused.value.field == "consent"
    assert not Referral.objects.exists() and not Deadline.objects.exists()
    assert state(case) == "recognised"


@pytest.mark.parametrize(
    "consent",
    [
        {"purpose": "assistance"},  # another purpose
        {"recipient_type": "siva"},  # another kind of recipient
        {"recipient_institution": "lv-provider-safe-house"},  # another named recipient
        {"categories": ["identity", "contacts"]},  # less data than the referral carries
    ],
    ids=["purpose", "recipient-type", "recipient-institution", "data-scope"],
)
def test_a_consent_that_does_not_cover_the_referral_is_not_enough(case_world, consent):
    case = steps.open_case(case_world)
    if "recipient_institution" in consent:
        consent["recipient_institution"] = case_world.institution(consent["recipient_institution"])
    steps.consent(case_world, case, **consent)
    with pytest.raises(ApplicationError) as refused:
        steps.refer(case_world, case)
    assert refused.value.field == "consent"
    assert not Referral.objects.exists()


def test_a_consent_naming_the_institution_or_its_type_lets_the_referral_carry_what_it_covers(case_world):
    case = steps.open_case(case_world)
    by_name = steps.consent(case_world, case, recipient_institution=case_world.institution("lv-provider-marta"))
    referral = steps.refer(case_world, case, data_scope=["identity", "circumstances"])
    assert (referral.consent, referral.data_scope, referral.needs_review) == (
        by_name,
        ["identity", "circumstances"],
        False,
    )
    by_type = steps.consent(case_world, case, recipient_type="service_provider")
    second = steps.refer(case_world, case, to="lv-provider-safe-house")
    assert second.consent == by_type


def test_unknown_data_categories_and_purposes_are_refused(case_world):
    case = steps.open_case(case_world)
    steps.consent(case_world, case)
    for options, field in [
        ({"data_scope": ["identity", "medical"]}, "data_scope"),
        ({"purpose": "gossip"}, "purpose"),
        ({"urgency": "yesterday"}, "urgency"),
        ({"to": "lv-social-service-riga"}, "to_institution"),
    ]:
        with pytest.raises(ApplicationError) as refused:
            steps.refer(case_world, case, **options)
        assert refused.value.field == field
    assert not Referral.objects.exists()


# --- The legal-duty exception --------------------------------------------------------------------------------


def child_case(world):
    return steps.open_case(world, population=Population.CHILD, nationality=Nationality.NATIONAL)


def test_a_child_in_danger_is_referred_without_consent_with_a_justification_flagged_for_review(case_world):
    case = child_case(case_world)
    referral = steps.refer(
        case_world,
        case,
        to="lv-state-police",
        purpose="criminal_proceedings",
        legal_duty_exception="child_in_danger",
        legal_duty_justification=JUSTIFICATION,
    )
    assert (referral.consent, referral.legal_duty_exception, referral.needs_review) == (None, "child_in_danger", True)
    assert Referral.objects.get().legal_duty_justification == JUSTIFICATION
    audit = AuditEvent.objects.get(action="referral.sent")
    assert audit.new_values["flagged"] is True
    assert audit.new_values["legal_duty_exception"] == "child_in_danger"
    assert JUSTIFICATION not in str(audit.new_values)


def test_the_child_in_danger_duty_does_not_apply_to_an_adult(case_world):
    case = steps.open_case(case_world)
    with pytest.raises(ApplicationError) as refused:
        steps.refer(
            case_world,
            case,
            to="lv-state-police",
            purpose="criminal_proceedings",
            legal_duty_exception="child_in_danger",
            legal_duty_justification=JUSTIFICATION,
        )
    assert refused.value.field == "legal_duty_exception"
    assert not Referral.objects.exists()


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"to": "lv-provider-marta"}, "to_institution"),  # not a recipient type the duty names
        ({"legal_duty_justification": ""}, "legal_duty_justification"),
        ({"legal_duty_justification": "Danger."}, "legal_duty_justification"),
        ({"legal_duty_exception": "because_i_said_so"}, "legal_duty_exception"),
    ],
    ids=["recipient-type", "no-justification", "short-justification", "unknown-duty"],
)
def test_a_legal_duty_referral_is_held_to_the_duty(case_world, options, field):
    case = child_case(case_world)
    arguments = {
        "to": "lv-state-police",
        "purpose": "criminal_proceedings",
        "legal_duty_exception": "child_in_danger",
        "legal_duty_justification": JUSTIFICATION,
    }
    with pytest.raises(ApplicationError) as refused:
        steps.refer(case_world, case, **{**arguments, **options})
    assert refused.value.field == field
    assert not Referral.objects.exists()


def test_someone_with_audit_rights_reviews_a_legal_duty_referral(case_world):
    case = child_case(case_world)
    referral = steps.refer(
        case_world,
        case,
        to="lv-state-police",
        purpose="criminal_proceedings",
        legal_duty_exception="child_in_danger",
        legal_duty_justification=JUSTIFICATION,
    )
    for name in ("police_officer", "social_supervisor"):
        with pytest.raises(NotFoundOrForbidden):
            referral_review(by=case_world.staff[name], referral_id=referral.pk)
    referral_review(by=case_world.auditor, referral_id=referral.pk)
    referral.refresh_from_db()
    assert (referral.needs_review, referral.reviewed_by) == (False, case_world.auditor)
    assert AuditEvent.objects.filter(action="referral.reviewed").count() == 1


@pytest.mark.parametrize(
    ("options", "field"),
    [
        # Reporting a crime passes who the person is and how to reach them, not what happened to them.
        ({"legal_duty_exception": "crime_report"}, "data_scope"),
        # ... and only to criminal proceedings.
        (
            {
                "legal_duty_exception": "crime_report",
                "purpose": "assistance",
                "data_scope": ["identity"],
                "message": "",
            },
            "purpose",
        ),
        # A child in danger goes to the police for proceedings, never for their rehabilitation service.
        ({"purpose": "social_rehabilitation"}, "purpose"),
    ],
    ids=["crime-report-data", "crime-report-purpose", "child-in-danger-purpose"],
)
def test_a_legal_duty_covers_only_its_purposes_and_data(case_world, options, field):
    case = child_case(case_world)
    arguments = {
        "to": "lv-state-police",
        "purpose": "criminal_proceedings",
        "legal_duty_exception": "child_in_danger",
        "legal_duty_justification": JUSTIFICATION,
    }
    with pytest.raises(ApplicationError) as refused:
        steps.refer(case_world, case, **{**arguments, **options})
    assert refused.value.field == field
    assert not Referral.objects.exists()
    # Within them, the same duty lets the referral go.
    referral = steps.refer(
        case_world,
        case,
        **{**arguments, "legal_duty_exception": "crime_report", "data_scope": ["identity", "contacts"], "message": ""},
    )
    assert referral.needs_review


def test_an_institution_passes_on_only_the_data_it_sees_itself(case_world):
    world = case_world
    case, _ = steps.to_identification(world)
    case = steps.to_service_granted(world, steps.identify(world, case))
    # SIVA takes part with the identity only. The person's consent for the police covers everything, yet SIVA cannot
    # open the way to the contacts and circumstances it does not see.
    steps.consent(world, case, purpose="criminal_proceedings", recipient_type="state_police")
    with pytest.raises(ApplicationError) as refused:
        steps.refer(world, case, by=world.siva_worker, to="lv-state-police", purpose="criminal_proceedings")
    assert refused.value.field == "data_scope"
    assert "Contact details" in refused.value.message and "Identity" not in refused.value.message
    referral = steps.refer(
        world,
        case,
        by=world.siva_worker,
        to="lv-state-police",
        purpose="criminal_proceedings",
        data_scope=["identity"],
    )
    assert referral.data_scope == ["identity"]


def test_a_legal_duty_does_not_pass_on_data_the_sender_does_not_see(case_world):
    world = case_world
    case = child_case(world)
    # The Marta centre takes part with the child's identity only (the legal representative's consent).
    steps.consent(world, case, categories=["identity"])
    referral = steps.refer(world, case, data_scope=["identity"])
    referral_accept(by=world.provider_worker, referral_id=referral.pk)
    arguments = {
        "by": world.provider_worker,
        "to": "lv-state-police",
        "purpose": "criminal_proceedings",
        "legal_duty_exception": "child_in_danger",
        "legal_duty_justification": JUSTIFICATION,
    }
    with pytest.raises(ApplicationError) as refused:
        steps.refer(world, case, **arguments, data_scope=["identity", "contacts"], message="")
    assert refused.value.field == "data_scope"
    assert steps.refer(world, case, **arguments, data_scope=["identity"], message="").legal_duty_exception


def test_a_message_goes_only_with_the_circumstances(case_world):
    case = steps.open_case(case_world)
    steps.consent(case_world, case)
    with pytest.raises(ApplicationError) as refused:
        steps.refer(case_world, case, data_scope=["identity", "contacts"], message=steps.MESSAGE)
    assert refused.value.field == "message"
    assert not Referral.objects.exists()
    assert steps.refer(case_world, case, data_scope=["identity", "contacts"], message="  ").message == ""


def test_nobody_reviews_a_referral_they_sent_themselves(case_world):
    world = case_world
    # A case manager of the Riga social service who also reviews the institution's flags.
    both = UserFactory(
        username="social.reviewer",
        unit=world.social_worker.unit,
        roles=[Role.objects.get(code="case_manager"), Role.objects.get(code="data_protection_officer")],
    )
    case = steps.open_case(world, by=both, population=Population.CHILD, nationality=Nationality.NATIONAL)
    referral = steps.refer(
        world,
        case,
        by=both,
        to="lv-state-police",
        purpose="criminal_proceedings",
        legal_duty_exception="child_in_danger",
        legal_duty_justification=JUSTIFICATION,
    )
    with pytest.raises(Forbidden):
        referral_review(by=both, referral_id=referral.pk)
    referral.refresh_from_db()
    assert referral.needs_review and not AuditEvent.objects.filter(action="referral.reviewed").exists()
    referral_review(by=world.auditor, referral_id=referral.pk)


# --- Sending -------------------------------------------------------------------------------------------------


def test_sending_moves_the_case_on_and_starts_the_reflection_period_of_a_third_country_national(case_world):
    case = steps.open_case(case_world)
    steps.consent(case_world, case)
    referral = steps.refer(case_world, case)
    assert state(case) == "referred"
    reflection = Deadline.objects.get(kind="reflection_period")
    assert reflection.status == Deadline.Status.RUNNING
    assert reflection.due_at - reflection.starts_at == timedelta(days=30)
    assert abs(reflection.starts_at - referral.sent_at) < timedelta(seconds=5)
    response = Deadline.objects.get(referral=referral)
    assert (response.kind, response.responsible_institution.code) == ("referral_response", "lv-provider-marta")
    assert referral.due_at - referral.sent_at == timedelta(hours=72) == response.due_at - response.starts_at
    told = Notification.objects.filter(kind="referral.received").values_list("recipient__username", flat=True)
    assert sorted(told) == ["provider.supervisor", "provider.worker"]
    assert AuditEvent.objects.filter(action__in=["referral.sent", "case.transition"]).count() == 2


@pytest.mark.parametrize("nationality", [Nationality.NATIONAL, Nationality.EU_CITIZEN])
def test_no_reflection_period_for_nationals_and_eu_citizens(case_world, nationality):
    case = steps.open_case(case_world, nationality=nationality)
    steps.consent(case_world, case)
    steps.refer(case_world, case)
    assert state(case) == "referred"
    assert not Deadline.objects.filter(kind="reflection_period").exists()


def test_an_urgent_referral_must_be_answered_within_24_hours(case_world):
    case = steps.open_case(case_world)
    steps.consent(case_world, case)
    referral = steps.refer(case_world, case, urgency=Referral.Urgency.URGENT)
    assert referral.due_at - referral.sent_at == timedelta(hours=24)


def test_a_second_referral_leaves_the_state_alone_and_one_per_institution_may_wait(case_world):
    case = steps.open_case(case_world)
    steps.consent(case_world, case)
    steps.refer(case_world, case)
    with pytest.raises(ApplicationError) as twice:
        steps.refer(case_world, case)
    assert twice.value.field == "to_institution"
    steps.refer(case_world, case, to="lv-provider-safe-house")
    assert state(case) == "referred"
    assert Deadline.objects.filter(kind="reflection_period").count() == 1


def test_an_ended_case_and_an_institution_already_taking_part_cannot_be_referred_to(case_world):
    case, _ = steps.to_identification(case_world)
    with pytest.raises(ApplicationError) as party:
        steps.refer(case_world, case)
    assert party.value.field == "to_institution"
    case_transition(by=case_world.social_worker, case=case, transition="person_refuses", reason="Went home.")
    with pytest.raises(ApplicationError) as ended:
        steps.refer(case_world, steps.refresh(case), to="lv-provider-safe-house")
    assert ended.value.field == "case"


@pytest.mark.parametrize("name", ["other_social_worker", "provider_worker", "coordinator"])
def test_only_a_party_may_refer(case_world, name):
    case = steps.open_case(case_world)
    steps.consent(case_world, case)
    with pytest.raises(NotFoundOrForbidden):
        steps.refer(case_world, case, by=case_world.staff[name], to="lv-provider-safe-house")
    assert not Referral.objects.exists()


# --- Answering -----------------------------------------------------------------------------------------------


def sent(world) -> tuple[Case, Referral]:
    case = steps.open_case(world)
    steps.consent(world, case)
    return case, steps.refer(world, case, data_scope=["identity", "circumstances"])


def test_accepting_makes_the_institution_a_party_with_the_referrals_data_and_assigns_the_acceptor(case_world):
    case, referral = sent(case_world)
    referral_accept(by=case_world.provider_worker, referral_id=referral.pk)
    referral.refresh_from_db()
    assert (referral.status, referral.answered_by) == (Referral.Status.ACCEPTED, case_world.provider_worker)
    party = CaseParty.objects.get(case=case, institution__code="lv-provider-marta")
    assert (party.reason, party.data_scope) == (CaseParty.Reason.REFERRAL, ["identity", "circumstances"])
    assert Assignment.objects.filter(case=case, user=case_world.provider_worker, ended_at__isnull=True).exists()
    assert state(case) == "identification"
    assert Deadline.objects.get(referral=referral).status == Deadline.Status.MET
    # The sending side hears of it; the acceptor and other parties do not.
    told = Notification.objects.filter(kind="referral.accepted").values_list("recipient__username", flat=True)
    assert list(told) == ["social.worker"]
    assert AuditEvent.objects.filter(action="referral.accepted").count() == 1


def test_an_answered_referral_cannot_be_accepted_again(case_world):
    case, referral = sent(case_world)
    referral_accept(by=case_world.provider_worker, referral_id=referral.pk)
    with pytest.raises(ApplicationError) as again:
        referral_accept(by=case_world.provider_supervisor, referral_id=referral.pk)
    assert again.value.field == "status"
    assert CaseParty.objects.filter(case=case, institution__code="lv-provider-marta").count() == 1
    assert Assignment.objects.filter(case=case, user__unit__institution__code="lv-provider-marta").count() == 1
    assert AuditEvent.objects.filter(action="referral.accepted").count() == 1


@pytest.mark.parametrize("name", ["siva_worker", "social_worker", "police_officer", "coordinator"])
def test_staff_of_other_institutions_do_not_find_the_referral(case_world, name):
    _, referral = sent(case_world)
    with pytest.raises(NotFoundOrForbidden):
        referral_accept(by=case_world.staff[name], referral_id=referral.pk)
    with pytest.raises(NotFoundOrForbidden):
        referral_decline(by=case_world.staff[name], referral_id=referral.pk, reason="Not for us at all.")
    referral.refresh_from_db()
    assert referral.status == Referral.Status.SENT


def test_members_of_the_receiving_institution_without_a_receiving_role_may_not_answer(case_world):
    _, referral = sent(case_world)
    with pytest.raises(Forbidden):
        referral_accept(by=case_world.commission_member, referral_id=referral.pk)
    with pytest.raises(Forbidden):
        referral_decline(by=case_world.commission_member, referral_id=referral.pk, reason="Not for us at all.")
    referral.refresh_from_db()
    assert referral.status == Referral.Status.SENT


def test_a_missing_referral_answers_like_another_institutions(case_world):
    _, referral = sent(case_world)
    with pytest.raises(NotFoundOrForbidden):
        referral_accept(by=case_world.provider_worker, referral_id=referral.pk + 1000)


def test_declining_needs_a_reason_which_goes_to_the_sender_but_not_into_the_log(case_world):
    case, referral = sent(case_world)
    for blank in ("", "   "):
        with pytest.raises(ApplicationError) as refused:
            referral_decline(by=case_world.provider_worker, referral_id=referral.pk, reason=blank)
        assert refused.value.field == "reason"
    reason = f"No place for {steps.SYNTHETIC_PERSON.full_name} this month."
    referral_decline(by=case_world.provider_supervisor, referral_id=referral.pk, reason=reason)
    referral.refresh_from_db()
    assert (referral.status, referral.decline_reason) == (Referral.Status.DECLINED, reason)
    assert state(case) == "referred"
    assert not CaseParty.objects.filter(case=case, institution__code="lv-provider-marta").exists()
    told = Notification.objects.filter(kind="referral.declined").values_list("recipient__username", flat=True)
    assert list(told) == ["social.worker"]
    assert reason not in steps.logged_text()


def test_the_sender_withdraws_a_referral_before_it_is_answered(case_world):
    case, referral = sent(case_world)
    for name in ("provider_worker", "other_social_worker", "siva_worker"):
        with pytest.raises(NotFoundOrForbidden):
            referral_withdraw(by=case_world.staff[name], referral_id=referral.pk)
    referral_withdraw(by=case_world.social_worker, referral_id=referral.pk)
    referral.refresh_from_db()
    assert referral.status == Referral.Status.WITHDRAWN
    assert Deadline.objects.get(referral=referral).status == Deadline.Status.CANCELLED
    assert AuditEvent.objects.get(action="referral.withdrawn").new_values["cause"] == "sender"
    with pytest.raises(ApplicationError):
        referral_accept(by=case_world.provider_worker, referral_id=referral.pk)


def test_an_answered_referral_cannot_be_withdrawn(case_world):
    _, referral = sent(case_world)
    referral_accept(by=case_world.provider_worker, referral_id=referral.pk)
    with pytest.raises(ApplicationError) as refused:
        referral_withdraw(by=case_world.social_worker, referral_id=referral.pk)
    assert refused.value.field == "status"
    referral.refresh_from_db()
    assert referral.status == Referral.Status.ACCEPTED


def test_only_the_sending_side_hears_the_answer(case_world):
    case, _ = steps.to_identification(case_world)
    steps.consent(case_world, case, purpose="assistance", recipient_type="siva")
    referral = steps.refer(case_world, case, to="lv-siva", purpose="assistance", by=case_world.provider_worker)
    referral_decline(by=case_world.siva_worker, referral_id=referral.pk, reason="Not the right service yet.")
    told = Notification.objects.filter(kind="referral.declined").values_list("recipient__username", flat=True)
    assert list(told) == ["provider.worker"]
