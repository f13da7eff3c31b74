"""The consent ledger (services/consent.py): who may consent, to what, and what a withdrawal takes back."""

from datetime import timedelta

import pytest
from django.utils import timezone

from opennrm.audit.models import AuditEvent
from opennrm.cases.models import (
    CaseEvent,
    CaseParty,
    Consent,
    Deadline,
    Nationality,
    Notification,
    Population,
    Referral,
)
from opennrm.cases.selectors import case_access
from opennrm.cases.services.consent import consent_record, consent_withdraw
from opennrm.cases.services.referrals import referral_accept
from opennrm.core.errors import ApplicationError, NotFoundOrForbidden
from tests.cases import steps


def record(world, case, **changes) -> Consent:
    arguments = {
        "by": world.social_worker,
        "case": case,
        "purpose": "identification",
        "method": Consent.Method.WRITTEN,
        "given_on": timezone.localdate(),
        "data_categories": ["identity"],
        "given_by": Consent.Giver.PERSON,
        "recipient_type": "service_provider",
    }
    return consent_record(**{**arguments, **changes})


def test_an_adult_consents_themselves_and_the_ledger_keeps_who_what_whom_and_how(case_world):
    case = steps.open_case(case_world)
    consent = record(
        case_world,
        case,
        method=Consent.Method.INTERPRETER,
        giver_details="Interpreter: Testa Tulks",
        data_categories=["identity", "contacts", "identity"],
    )
    assert consent.data_categories == ["identity", "contacts"]
    assert (consent.recorded_by, consent.recorded_by_institution) == (
        case_world.social_worker,
        case_world.institution("lv-social-service-riga"),
    )
    assert Consent.objects.get().giver_details == "Interpreter: Testa Tulks"
    audit = AuditEvent.objects.get(action="consent.recorded")
    assert audit.new_values["recipient"] == "service_provider"
    assert "Testa Tulks" not in str(audit.new_values)


@pytest.mark.parametrize(
    "giver", [Consent.Giver.LEGAL_REPRESENTATIVE, Consent.Giver.ORPHANS_COURT], ids=["representative", "court"]
)
def test_nobody_else_consents_for_an_adult(case_world, giver):
    case = steps.open_case(case_world)
    with pytest.raises(ApplicationError) as refused:
        record(case_world, case, given_by=giver)
    assert refused.value.field == "given_by"
    assert not Consent.objects.exists()


def test_for_a_child_only_the_legal_representative_or_the_orphans_court_consents(case_world):
    case = steps.open_case(case_world, population=Population.CHILD, nationality=Nationality.NATIONAL)
    with pytest.raises(ApplicationError) as refused:
        record(case_world, case, given_by=Consent.Giver.PERSON)
    assert refused.value.field == "given_by"
    record(case_world, case, given_by=Consent.Giver.LEGAL_REPRESENTATIVE, giver_details="Testa Māte, mother")
    record(case_world, case, given_by=Consent.Giver.ORPHANS_COURT)
    assert Consent.objects.count() == 2


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"purpose": "marketing"}, "purpose"),
        ({"method": "telepathy"}, "method"),
        ({"given_by": "neighbour"}, "given_by"),
        ({"given_on": None}, "given_on"),
        ({"given_on": timezone.localdate() + timedelta(days=3)}, "given_on"),
        ({"recipient_type": ""}, "recipient_institution"),
        ({"recipient_type": "service_provider", "recipient_institution": "marta"}, "recipient_institution"),
        ({"recipient_type": "fortune_tellers"}, "recipient_type"),
        ({"data_categories": ["identity", "bank_account"]}, "data_categories"),
    ],
)
def test_a_consent_with_bad_input_is_not_recorded(case_world, changes, field):
    case = steps.open_case(case_world)
    if changes.get("recipient_institution") == "marta":
        changes["recipient_institution"] = case_world.institution("lv-provider-marta")
    with pytest.raises(ApplicationError) as refused:
        record(case_world, case, **changes)
    assert refused.value.field == field
    assert not Consent.objects.exists()


@pytest.mark.parametrize("name", ["other_social_worker", "provider_worker", "coordinator", "commission_member"])
def test_only_a_party_that_edits_the_case_records_consent(case_world, name):
    case = steps.open_case(case_world)
    with pytest.raises(NotFoundOrForbidden):
        record(case_world, case, by=case_world.staff[name])
    assert not Consent.objects.exists()


def test_withdrawing_a_consent_withdraws_the_referrals_still_waiting_on_it(case_world):
    case = steps.open_case(case_world)
    consent = steps.consent(case_world, case, recipient_type="service_provider")
    waiting = steps.refer(case_world, case, to="lv-provider-safe-house")
    accepted = steps.refer(case_world, case, to="lv-provider-marta")
    referral_accept(by=case_world.provider_worker, referral_id=accepted.pk)
    other = steps.consent(case_world, case, purpose="criminal_proceedings", recipient_type="state_police")
    unrelated = steps.refer(case_world, case, to="lv-state-police", purpose="criminal_proceedings")

    note = f"{steps.SYNTHETIC_PERSON.full_name} changed her mind."
    consent_withdraw(by=case_world.social_worker, consent=consent, note=note)

    consent.refresh_from_db()
    assert consent.withdrawn_at is not None and consent.withdrawn_by == case_world.social_worker
    assert consent.withdrawal_note == note
    statuses = dict(Referral.objects.values_list("pk", "status"))
    assert statuses == {
        waiting.pk: Referral.Status.WITHDRAWN,
        accepted.pk: Referral.Status.ACCEPTED,
        unrelated.pk: Referral.Status.SENT,
    }
    assert Deadline.objects.get(referral=waiting).status == Deadline.Status.CANCELLED
    audit = AuditEvent.objects.get(action="consent.withdrawn")
    assert audit.new_values["referrals_withdrawn"] == 1
    assert note not in str(audit.new_values)
    withdrawn = AuditEvent.objects.get(action="referral.withdrawn")
    assert withdrawn.new_values["cause"] == "consent_withdrawn"
    assert other.withdrawn_at is None


def test_a_withdrawn_consent_cannot_be_withdrawn_again_nor_used(case_world):
    case = steps.open_case(case_world)
    consent = steps.consent(case_world, case)
    consent_withdraw(by=case_world.social_worker, consent=consent)
    with pytest.raises(ApplicationError) as again:
        consent_withdraw(by=case_world.social_worker, consent=consent)
    assert again.value.field == "consent"
    with pytest.raises(ApplicationError) as refused:
        steps.refer(case_world, case)
    assert refused.value.field == "consent"
    assert AuditEvent.objects.filter(action="consent.withdrawn").count() == 1


# --- Who gave it, when, and for what data --------------------------------------------------------------------


@pytest.mark.parametrize(
    "changes",
    [
        {"method": Consent.Method.INTERPRETER},
        {"given_by": Consent.Giver.LEGAL_REPRESENTATIVE},
    ],
    ids=["interpreter", "representative"],
)
def test_a_consent_through_someone_else_names_them(case_world, changes):
    case = steps.open_case(case_world, population=Population.CHILD, nationality=Nationality.NATIONAL)
    arguments = {"given_by": Consent.Giver.LEGAL_REPRESENTATIVE, **changes}
    with pytest.raises(ApplicationError) as refused:
        record(case_world, case, **arguments, giver_details="  ")
    assert refused.value.field == "giver_details"
    assert not Consent.objects.exists()
    record(case_world, case, **arguments, giver_details="Testa Māte, mother; interpreter Demo Tulks, Ukrainian")
    # The orphan's court records its own consent without naming anyone: it is itself the giver.
    record(case_world, case, given_by=Consent.Giver.ORPHANS_COURT)


def test_a_consent_older_than_a_year_before_the_case_is_refused(case_world):
    case = steps.open_case(case_world)
    opened = timezone.localtime(case.opened_at).date()
    with pytest.raises(ApplicationError) as refused:
        record(case_world, case, given_on=opened - timedelta(days=366))
    assert refused.value.field == "given_on"
    assert not Consent.objects.exists()
    assert record(case_world, case, given_on=opened - timedelta(days=300)).given_on == opened - timedelta(days=300)


def test_an_institution_records_consent_only_for_data_it_sees_itself(case_world):
    world = case_world
    case, _ = steps.to_identification(world)
    case = steps.to_service_granted(world, steps.identify(world, case))
    # SIVA takes part with the identity only.
    with pytest.raises(ApplicationError) as refused:
        record(
            world,
            case,
            by=world.siva_worker,
            purpose="criminal_proceedings",
            data_categories=["identity", "contacts", "circumstances"],
            recipient_type="state_police",
        )
    assert refused.value.field == "data_categories"
    assert not Consent.objects.filter(purpose="criminal_proceedings").exists()
    record(world, case, by=world.siva_worker, purpose="criminal_proceedings", recipient_type="state_police")


# --- What a withdrawal takes back from the parties -----------------------------------------------------------


def test_withdrawing_a_consent_narrows_what_the_institutions_it_brought_in_see(case_world):
    world = case_world
    case = steps.open_case(world)
    consent = steps.consent(world, case, recipient_type="service_provider")
    # A second consent names the Marta centre for the identity alone, for another purpose.
    steps.consent(
        world,
        case,
        purpose="assistance",
        categories=["identity"],
        recipient_institution=world.institution("lv-provider-marta"),
    )
    referral = steps.refer(world, case)
    referral_accept(by=world.provider_worker, referral_id=referral.pk)
    party = CaseParty.objects.get(case=case, institution__code="lv-provider-marta")
    assert sorted(party.data_scope) == ["circumstances", "contacts", "identity"]

    consent_withdraw(by=world.social_worker, consent=consent)

    party.refresh_from_db()
    assert party.data_scope == ["identity"]
    assert case_access(user=world.provider_worker, case=case).data_scope == {"identity"}
    event = CaseEvent.objects.get(kind="party.scope_narrowed")
    assert event.details == {
        "institution": "lv-provider-marta",
        "consent": consent.pk,
        "removed": ["contacts", "circumstances"],
        "data_scope": ["identity"],
    }
    audit = AuditEvent.objects.get(action="party.scope_narrowed")
    assert audit.new_values["removed"] == ["contacts", "circumstances"]
    told = Notification.objects.filter(kind="party.scope_narrowed").values_list("recipient__username", flat=True)
    assert list(told) == ["provider.supervisor"]
    # The recognising institution keeps everything.
    assert case_access(user=world.social_worker, case=case).data_scope == {"identity", "contacts", "circumstances"}
