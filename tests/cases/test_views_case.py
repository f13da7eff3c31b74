"""The case page and the work done on it, through the web: who sees what, what each form does and refuses, and that
every view of a person's data and every download is audited — with no personal data in a title or an address."""

import re
from datetime import timedelta
from urllib.parse import unquote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from opennrm.accounts.models import Role
from opennrm.accounts.testing import force_login_verified
from opennrm.audit.models import AuditEvent
from opennrm.cases.models import (
    Assignment,
    Case,
    Consent,
    DataCategory,
    Deadline,
    Document,
    Nationality,
    Note,
    Population,
    Referral,
    Task,
    TransitionRecord,
)
from opennrm.cases.services.cases import break_glass_open, case_assign, case_open
from opennrm.cases.services.referrals import referral_accept
from opennrm.cases.services.work import document_upload, note_add
from opennrm.screening.models import Screening
from tests.cases import steps
from tests.cases.conftest import SYNTHETIC_PERSON
from tests.factories import UserFactory

NAME = SYNTHETIC_PERSON.given_name
PHONE = SYNTHETIC_PERSON.phone


def url(name: str, case: Case, **kwargs) -> str:
    return reverse(f"cases:{name}", kwargs={"reference": case.reference, **kwargs})


def signed_in(client, user):
    force_login_verified(client, user)
    return client


def page(response) -> str:
    return response.content.decode()


def audited(user, action: str):
    return AuditEvent.objects.filter(actor=user, action=action)


def assert_nothing_personal_in_title_or_addresses(html: str) -> None:
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    addresses = [unquote(a) for a in re.findall(r'(?:href|action|src)="([^"]*)"', html)]
    for secret in SYNTHETIC_PERSON.secrets():
        assert secret not in title
        assert not [a for a in addresses if secret in a], secret


def shared_with_marta(world, categories) -> tuple[Case, Referral]:
    """A case referred to the Marta centre with `categories` of personal data, accepted by its case manager."""
    case = steps.open_case(world)
    steps.consent(world, case, categories=categories)
    referral = steps.refer(world, case, data_scope=categories)
    referral_accept(by=world.provider_worker, referral_id=referral.pk)
    return steps.refresh(case), referral


@pytest.fixture
def world(case_world):
    return case_world


@pytest.fixture
def case(world):
    return steps.open_case(world)


# --- The case page ---------------------------------------------------------------------------------------------


def test_the_case_page_shows_the_case_and_records_that_the_person_was_seen(client, world, case):
    response = signed_in(client, world.social_worker).get(url("detail", case))

    assert response.status_code == 200
    html = page(response)
    assert f"<title>Case {case.reference} · OpenNRM</title>" in html
    assert "Recognised" in html and "Stage of the General Model: Recognition" in html
    assert "Third-country national" in html and "Riga" in html and "Forced labour" in html
    assert "Riga State City Social Service" in html
    assert NAME in html and PHONE in html and SYNTHETIC_PERSON.personal_code in html
    event = audited(world.social_worker, "person.viewed").get()
    assert event.object_id == case.reference and event.purpose == "case page"
    assert_nothing_personal_in_title_or_addresses(html)


@pytest.mark.parametrize("who", ["other_social_worker", "provider_worker", "coordinator", "rapporteur", "auditor"])
def test_a_case_the_user_may_not_see_answers_exactly_like_a_missing_one(client, world, case, who):
    client = signed_in(client, getattr(world, who))
    hidden = client.get(url("detail", case))
    missing = client.get(reverse("cases:detail", kwargs={"reference": "LV-2000-999999"}))

    assert hidden.status_code == missing.status_code == 404
    assert [t.name for t in hidden.templates][:1] == [t.name for t in missing.templates][:1]
    assert NAME not in page(hidden)
    assert not AuditEvent.objects.filter(action="person.viewed").exists()


def test_signing_in_comes_first(client, case):
    response = client.get(url("detail", case))

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_party_whose_scope_has_no_personal_data_sees_the_facts_only_and_nothing_is_audited(client, world):
    case, _referral = shared_with_marta(world, [])

    response = signed_in(client, world.provider_worker).get(url("detail", case))

    html = page(response)
    assert response.status_code == 200
    assert NAME not in html and PHONE not in html and SYNTHETIC_PERSON.address not in html
    assert "does not see who the person is" in html
    assert "Female" in html  # the facts that identify no one go to every party
    assert not audited(world.provider_worker, "person.viewed").exists()
    assert 'id="notes"' not in html and 'id="documents"' not in html


def test_a_party_sees_the_categories_its_referral_shares_and_no_more(client, world):
    case, _referral = shared_with_marta(world, [DataCategory.CONTACTS])

    html = page(signed_in(client, world.provider_worker).get(url("detail", case)))

    assert PHONE in html and SYNTHETIC_PERSON.email in html
    assert NAME not in html and SYNTHETIC_PERSON.personal_code not in html
    assert audited(world.provider_worker, "person.viewed").count() == 1


def test_deadlines_show_their_end_dates_and_the_timeline_tells_what_happened(client, world):
    case, _referral = steps.to_identification(world)
    reflection = Deadline.objects.get(case=case, kind="reflection_period")
    Deadline.objects.create(
        case=case,
        kind="follow_up_consultations",
        starts_at=timezone.now(),
        due_at=timezone.now() + timedelta(days=730),
        quota=5,
        used=2,
    )

    html = page(signed_in(client, world.social_worker).get(url("detail", case)))

    ends = date_format(timezone.localtime(reflection.due_at), "DATE_FORMAT")
    assert f"Reflection period ends on {ends}" in html
    assert "2 of 5 used" in html
    assert "Referral sent to Marta Resource Centre for Women (Identification)" in html
    assert "Referral accepted by Marta Resource Centre for Women" in html
    assert "Step: Start identification" in html
    assert html.index("Case opened") < html.index("Referral sent to") < html.index("Step: Start identification")


def test_dates_follow_the_language_of_the_page(client, world):
    case, _referral = steps.to_identification(world)
    due = Deadline.objects.get(case=case, kind="reflection_period").due_at

    html = page(signed_in(client, world.social_worker).get(url("detail", case).replace("/en/", "/lv/", 1)))

    with translation.override("lv"):
        expected = date_format(timezone.localtime(due), "DATE_FORMAT")
    with translation.override("en"):
        assert expected != date_format(timezone.localtime(due), "DATE_FORMAT")
    assert expected in html


def test_emergency_access_shows_a_banner_and_is_recorded_as_such(client, world, case):
    break_glass_open(by=world.emergency_officer, case=case, reason="The person is in danger tonight and must be found.")

    response = signed_in(client, world.emergency_officer).get(url("detail", case))

    html = page(response)
    assert response.status_code == 200
    assert "Emergency access" in html and "will be reviewed" in html
    assert NAME in html
    assert audited(world.emergency_officer, "person.viewed").get().purpose == "case page, emergency access"
    assert url("consent_new", case) not in html  # reading only: nothing to change


def test_emergency_access_by_an_unassigned_colleague_of_a_party_only_reads(client, world, case):
    """The State Police take part in the case; a colleague not assigned to it opens it in an emergency. That is
    emergency access like any other: the banner, the audit purpose, and nothing to change."""
    steps.consent(
        world, case, purpose="criminal_proceedings", recipient_institution=world.institution("lv-state-police")
    )
    referral = steps.refer(world, case, to="lv-state-police", purpose="criminal_proceedings")
    referral_accept(by=world.police_officer, referral_id=referral.pk)
    on_call = UserFactory(
        username="police.on.call",
        unit=world.police_officer.unit,
        roles=[Role.objects.get(code="police_officer"), Role.objects.get(code="emergency_access")],
    )
    break_glass_open(by=on_call, case=case, reason="The person is in danger tonight and must be found.")
    client = signed_in(client, on_call)

    html = page(client.get(url("detail", case)))

    assert "Emergency access" in html and "you opened it in an emergency" in html
    assert audited(on_call, "person.viewed").get().purpose == "case page, emergency access"
    for name in ("consent_new", "referral_new", "note_new", "task_new", "document_new"):
        assert url(name, case) not in html, name
    assert "/steps/" not in html  # no step of the workflow is offered
    assert client.get(url("consent_new", case)).status_code == 403
    assert client.post(url("note_new", case), {"body": "Found at the station."}).status_code == 403
    assert not Note.objects.filter(case=case).exists()


def test_the_steps_a_user_may_take_lead_to_their_forms(client, world):
    case, _referral = steps.to_identification(world)
    case_assign(by=world.provider_supervisor, case=case, user=world.commission_member)

    html = page(signed_in(client, world.commission_member).get(url("detail", case)))

    assert url("transition", case, transition="identify_by_commission") in html
    assert url("transition", case, transition="not_identified") in html
    assert url("transition", case, transition="grant_service") not in html


def test_a_case_from_a_screening_suggests_where_to_refer(client, world):
    screening = Screening.objects.create(
        pack_code="lv",
        model_version=world.version,
        set_ids=["labour"],
        answers={},
        outcome=Screening.Outcome.INDICATIVE,
        institution_type="municipal_social_service",
        municipality="riga",
        screened_on=timezone.localdate(),
    )
    case = case_open(
        by=world.social_worker,
        population=Population.ADULT,
        nationality=Nationality.THIRD_COUNTRY_NATIONAL,
        person=steps.person_data(),
        municipality=steps.riga(),
        screening=screening,
    )
    client = signed_in(client, world.social_worker)

    html = page(client.get(url("detail", case)))

    assert "Suggested recipients" in html
    suggested = re.findall(r'href="[^"]*/referrals/new/\?to=([^"]+)"', html)
    assert suggested and "lv-social-service-riga" not in suggested
    form = page(client.get(url("referral_new", case) + f"?to={suggested[0]}"))
    assert f'<option value="{suggested[0]}" selected>' in form


# --- The person's data -----------------------------------------------------------------------------------------


def test_correcting_the_person_shows_the_data_after_auditing_it_and_saves_it(client, world, case):
    client = signed_in(client, world.social_worker)

    form = client.get(url("person_edit", case))

    assert form.status_code == 200 and f'value="{NAME}"' in page(form)
    assert audited(world.social_worker, "person.viewed").get().purpose == "correcting the person's data"
    response = client.post(
        url("person_edit", case),
        {
            "given_name": "Xyzzia",
            "family_name": SYNTHETIC_PERSON.family_name,
            "birth_date": "1999-09-09",
            "sex": "Feminine",
            "age_band": "25-34",
            "citizenship": "UA, MD",
            "languages": "uk ru",
        },
    )
    assert response.status_code == 302 and response["Location"] == url("detail", case)
    case.person.refresh_from_db()
    assert case.person.given_name == "Xyzzia" and case.person.citizenship == ["UA", "MD"]
    assert case.person.phone == ""  # the form writes every field: an emptied field is emptied


def test_a_future_birth_date_is_refused_next_to_its_field(client, world, case):
    response = signed_in(client, world.social_worker).post(
        url("person_edit", case), {"birth_date": "2999-01-01", "sex": "Feminine", "age_band": "25-34"}
    )

    html = page(response)
    assert response.status_code == 400
    assert 'id="id_birth_date-error"' in html and "cannot be in the future" in html
    assert 'href="#id_birth_date"' in html  # the error summary links to the field


def test_a_party_that_does_not_see_the_identity_cannot_rewrite_it(client, world):
    case, _referral = shared_with_marta(world, [DataCategory.CONTACTS])

    client = signed_in(client, world.provider_worker)

    assert client.get(url("person_edit", case)).status_code == 403
    assert client.post(url("person_edit", case), {"sex": "Feminine", "age_band": "25-34"}).status_code == 403


# --- Consent ---------------------------------------------------------------------------------------------------


def consent_post(**changes) -> dict:
    data = {
        "purpose": "assistance",
        "data_categories": ["identity", "contacts"],
        "recipient_institution": "lv-provider-marta",
        "method": "written",
        "given_by": "person",
        "given_on": timezone.localdate().isoformat(),
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_recording_a_consent(client, world, case):
    client = signed_in(client, world.social_worker)

    form = page(client.get(url("consent_new", case)))
    response = client.post(url("consent_new", case), consent_post())

    assert "<optgroup" in form and "<legend>Which personal data may be passed on" in form
    assert response.status_code == 302 and response["Location"] == url("detail", case)
    consent = Consent.objects.get(case=case)
    assert consent.purpose == "assistance" and consent.recipient_institution.code == "lv-provider-marta"
    assert consent.data_categories == ["identity", "contacts"]


def test_a_consent_without_purpose_is_refused_on_its_field(client, world, case):
    response = signed_in(client, world.social_worker).post(url("consent_new", case), consent_post(purpose=None))

    assert response.status_code == 400
    assert 'id="id_purpose-error"' in page(response)
    assert not Consent.objects.exists()


def test_the_service_refusal_of_a_consent_without_recipient_shows_on_the_recipient_field(client, world, case):
    response = signed_in(client, world.social_worker).post(
        url("consent_new", case), consent_post(recipient_institution="")
    )

    html = page(response)
    assert response.status_code == 400
    assert 'id="id_recipient_institution-error"' in html
    assert "Name either the institution or the kind of institution" in html


def test_a_child_consents_through_a_representative_only(client, world):
    child = steps.open_case(world, population=Population.CHILD, nationality=Nationality.NATIONAL)
    client = signed_in(client, world.social_worker)

    form = page(client.get(url("consent_new", child)))
    refused = client.post(url("consent_new", child), consent_post(given_by="person"))
    unnamed = client.post(url("consent_new", child), consent_post(given_by="legal_representative"))
    accepted = client.post(
        url("consent_new", child),
        consent_post(given_by="legal_representative", giver_details="Testa Persona, the child's mother"),
    )

    assert 'value="legal_representative"' in form and 'value="orphans_court"' in form
    assert "Needed for a legal representative (their name and capacity)" in form
    assert 'name="given_by" value="person"' not in form
    assert refused.status_code == 400 and 'id="id_given_by-error"' in page(refused)
    # Who the representative is must be written down.
    assert unnamed.status_code == 400 and 'id="id_giver_details-error"' in page(unnamed)
    assert accepted.status_code == 302


def test_withdrawing_a_consent(client, world, case):
    consent = steps.consent(world, case)
    client = signed_in(client, world.social_worker)

    assert client.get(url("consent_withdraw", case, consent_id=consent.pk)).status_code == 200
    response = client.post(url("consent_withdraw", case, consent_id=consent.pk), {"note": "Said so on the phone."})

    assert response.status_code == 302
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None
    assert client.get(url("consent_withdraw", case, consent_id=consent.pk)).status_code == 302
    assert client.get(url("consent_withdraw", case, consent_id=999999)).status_code == 404


# --- Referral --------------------------------------------------------------------------------------------------


def referral_post(**changes) -> dict:
    data = {
        "to_institution": "lv-provider-marta",
        "purpose": "identification",
        "urgency": "normal",
        "message": "Needs a safe place.",
        "data_scope": ["identity", "contacts", "circumstances"],
        "legal_duty_exception": "",
    }
    data.update(changes)
    return data


def test_a_referral_without_consent_is_refused_with_a_clear_message(client, world, case):
    client = signed_in(client, world.social_worker)

    form = page(client.get(url("referral_new", case)))
    response = client.post(url("referral_new", case), referral_post())

    assert "<optgroup" in form
    assert 'value="lv-social-service-riga"' not in form  # not to one's own institution
    html = page(response)
    assert response.status_code == 400
    assert "There is no valid consent of the person for this purpose, this recipient and this data." in html
    assert url("consent_new", case) in html
    assert not Referral.objects.exists()


def test_a_referral_with_consent_is_sent(client, world, case):
    steps.consent(world, case)

    response = signed_in(client, world.social_worker).post(url("referral_new", case), referral_post())

    assert response.status_code == 302 and response["Location"] == url("detail", case)
    referral = Referral.objects.get(case=case)
    assert referral.to_institution.code == "lv-provider-marta" and referral.status == Referral.Status.SENT
    assert steps.refresh(case).state == "referred"


def test_a_message_goes_only_with_the_circumstances(client, world, case):
    steps.consent(world, case)
    client = signed_in(client, world.social_worker)

    form = page(client.get(url("referral_new", case)))
    refused = client.post(url("referral_new", case), referral_post(data_scope=["identity", "contacts"]))

    # The form says so before it is sent, and who reads the message.
    assert "A message is part of the circumstances of the case" in form
    assert "who see the circumstances read it" in form
    assert "the parties to the case read it" not in form
    assert refused.status_code == 400 and 'id="id_message-error"' in page(refused)
    assert not Referral.objects.exists()


def test_a_referral_under_a_legal_duty_needs_its_justification(client, world):
    child = steps.open_case(world, population=Population.CHILD, nationality=Nationality.NATIONAL)
    client = signed_in(client, world.social_worker)
    without_consent = referral_post(
        to_institution="lv-state-police", purpose="criminal_proceedings", legal_duty_exception="child_in_danger"
    )

    form = page(client.get(url("referral_new", child)))
    short = client.post(url("referral_new", child), {**without_consent, "legal_duty_justification": "Danger."})
    sent = client.post(
        url("referral_new", child),
        {**without_consent, "legal_duty_justification": "The child was seen being collected by the trafficker."},
    )

    assert 'value="child_in_danger"' in form
    assert short.status_code == 400 and 'id="id_legal_duty_justification-error"' in page(short)
    assert sent.status_code == 302
    assert Referral.objects.get(case=child).needs_review


def test_someone_who_may_not_refer_is_not_offered_the_form(client, world, case):
    break_glass_open(by=world.emergency_officer, case=case, reason="The person is in danger tonight and must be found.")

    assert signed_in(client, world.emergency_officer).get(url("referral_new", case)).status_code == 403


# --- A step of the workflow ------------------------------------------------------------------------------------


@pytest.fixture
def identifying(world):
    """A case being identified at the Marta centre, with a commission member assigned to it."""
    case, _referral = steps.to_identification(world)
    case_assign(by=world.provider_supervisor, case=case, user=world.commission_member)
    return case


def step_post(**changes) -> dict:
    data = {"checklist": steps.CHECKLIST, "reason": "Every criterion is met."}
    data.update(changes)
    return data


def test_a_step_shows_its_help_and_checklist(client, world, identifying):
    response = signed_in(client, world.commission_member).get(
        url("transition", identifying, transition="identify_by_commission")
    )

    html = page(response)
    assert response.status_code == 200
    assert "Tick every criterion, give the reasons and attach the commission" in html
    assert "<legend>Criteria of the specialist commission" in html
    assert html.count('name="checklist"') == len(steps.CHECKLIST)
    # The commission attaches its decision on the step itself.
    assert 'type="file"' in html and 'name="document"' in html
    assert "Ask a colleague who works on the case to attach it" not in html


def test_a_commission_member_identifies_with_the_decision_a_colleague_attached(client, world, identifying):
    decision = document_upload(
        by=world.provider_worker,
        case=identifying,
        filename="decision.pdf",
        content_type="application/pdf",
        content=steps.PDF,
    )
    client = signed_in(client, world.commission_member)
    address = url("transition", identifying, transition="identify_by_commission")

    incomplete = client.post(address, step_post(checklist=["action"], attached=str(decision.pk)))
    done = client.post(address, step_post(attached=str(decision.pk)))

    assert incomplete.status_code == 400
    assert 'id="id_checklist-error"' in page(incomplete) and "Every criterion of the checklist" in page(incomplete)
    assert done.status_code == 302
    record = TransitionRecord.objects.get(case=identifying, transition="identify_by_commission")
    assert record.document_id == decision.pk
    assert steps.refresh(identifying).state == "identified"


@pytest.fixture
def commission_case_manager(world):
    """A case manager of the Marta centre who also sits on its commission (so may attach the decision too)."""
    user = UserFactory(
        username="marta.both",
        unit=world.provider_worker.unit,
        roles=[Role.objects.get(code="case_manager"), Role.objects.get(code="specialist_commission_member")],
    )
    return user


def test_the_decision_uploaded_with_a_step_is_kept_only_if_the_step_is_performed(
    client, world, identifying, commission_case_manager
):
    case_assign(by=world.provider_supervisor, case=identifying, user=commission_case_manager)
    client = signed_in(client, commission_case_manager)
    address = url("transition", identifying, transition="identify_by_commission")

    def decision():
        return SimpleUploadedFile("decision.pdf", steps.PDF, content_type="application/pdf")

    missing = client.post(address, step_post())
    refused = client.post(address, step_post(checklist=["action"], document=decision()))
    done = client.post(address, step_post(document=decision()))

    assert missing.status_code == 400 and 'id="id_document-error"' in page(missing)
    assert refused.status_code == 400
    assert done.status_code == 302
    document = Document.objects.get(case=identifying)
    assert TransitionRecord.objects.get(case=identifying, transition="identify_by_commission").document == document


def test_a_new_decision_and_the_step_go_through_one_service(
    client, world, identifying, commission_case_manager, monkeypatch
):
    """The upload and the step are one service call, which locks the case before writing anything: the view holds
    no transaction of its own (two writers taking the locks in different orders could deadlock)."""
    from opennrm.cases.views import case as case_views

    calls = []
    service = case_views.case_transition_with_document

    def recording(**arguments):
        calls.append(arguments)
        return service(**arguments)

    monkeypatch.setattr(case_views, "case_transition_with_document", recording)
    case_assign(by=world.provider_supervisor, case=identifying, user=commission_case_manager)
    decision = SimpleUploadedFile("decision.pdf", steps.PDF, content_type="application/pdf")

    response = signed_in(client, commission_case_manager).post(
        url("transition", identifying, transition="identify_by_commission"), step_post(document=decision)
    )

    assert response.status_code == 302
    [call] = calls
    assert call["transition"] == "identify_by_commission" and call["document"] is None
    assert call["filename"] == "decision.pdf" and call["content"] == steps.PDF
    assert call["content_type"] == "application/pdf"
    record = TransitionRecord.objects.get(case=identifying, transition="identify_by_commission")
    assert record.document == Document.objects.get(case=identifying)


def test_offering_the_attached_documents_is_a_recorded_read(client, world, identifying):
    client = signed_in(client, world.commission_member)
    address = url("transition", identifying, transition="identify_by_commission")

    client.get(address)
    assert not audited(world.commission_member, "person.viewed").exists()  # nothing listed, nothing read
    document_upload(
        by=world.provider_worker,
        case=identifying,
        filename=f"{NAME}-decision.pdf",
        content_type="application/pdf",
        content=steps.PDF,
    )
    html = page(client.get(address))

    # A file name may name the person: listing it is a read of the circumstances, recorded like the case page.
    assert f"{NAME}-decision.pdf" in html
    assert audited(world.commission_member, "person.viewed").get().purpose == "choosing the decision document"


def test_outside_the_circumstances_a_step_offers_no_document_and_says_why(client, world):
    case, _referral = shared_with_marta(world, [DataCategory.IDENTITY])
    case_assign(by=world.provider_supervisor, case=case, user=world.commission_member)
    document_upload(
        by=world.social_worker, case=case, filename=f"{NAME}.pdf", content_type="application/pdf", content=steps.PDF
    )

    html = page(
        signed_in(client, world.commission_member).get(url("transition", case, transition="identify_by_commission"))
    )

    assert NAME not in html
    assert 'name="document"' not in html and 'name="attached"' not in html
    assert "which your institution does not see, so it cannot record this step" in html
    assert "you can then choose it here" not in html
    assert not audited(world.commission_member, "person.viewed").exists()


def test_a_step_that_needs_reasons_refuses_without_them(client, world, case):
    client = signed_in(client, world.social_worker)
    address = url("transition", case, transition="person_refuses")

    refused = client.post(address, {"reason": ""})
    done = client.post(address, {"reason": "Does not want help now."})

    assert refused.status_code == 400 and "Give the reasons for this step." in page(refused)
    assert done.status_code == 302 and steps.refresh(case).state == "refused"


def test_a_step_outside_the_users_reach_is_refused(client, world, case):
    client = signed_in(client, world.social_worker)

    assert client.get(url("transition", case, transition="identify_by_commission")).status_code == 403
    assert client.get(url("transition", case, transition="no_such_step")).status_code == 404
    assert client.get(url("transition", case, transition="refer")).status_code == 404  # automatic only


# --- Notes, tasks, documents -----------------------------------------------------------------------------------


def test_a_note_is_added_and_shown_to_parties_that_see_the_circumstances(client, world, case):
    client = signed_in(client, world.social_worker)

    empty = client.post(url("note_new", case), {"body": ""})
    added = client.post(url("note_new", case), {"body": "Met at the bus station."})

    assert empty.status_code == 400 and 'id="id_body-error"' in page(empty)
    assert added.status_code == 302
    assert Note.objects.get(case=case).body == "Met at the bus station."
    assert "Met at the bus station." in page(client.get(url("detail", case)))


def test_tasks_are_created_and_done(client, world, case):
    client = signed_in(client, world.social_worker)

    created = client.post(url("task_new", case), {"title": "Find an interpreter", "assignee": "", "due_on": ""})
    task = Task.objects.get(case=case)
    wrong_method = client.get(url("task_done", case, task_id=task.pk))
    done = client.post(url("task_done", case, task_id=task.pk))

    assert created.status_code == 302
    assert wrong_method.status_code == 405
    assert done.status_code == 302
    task.refresh_from_db()
    assert task.done_at is not None
    assert client.post(url("task_done", case, task_id=999999)).status_code == 404


@pytest.fixture
def riga_colleague(world):
    """A case manager of the Riga social service who is not assigned to the case."""
    return UserFactory(
        username="riga.second", unit=world.social_worker.unit, roles=[Role.objects.get(code="case_manager")]
    )


def test_a_task_goes_only_to_a_colleague_already_on_the_case(client, world, case, riga_colleague):
    client = signed_in(client, world.social_worker)

    form = page(client.get(url("task_new", case)))
    refused = client.post(url("task_new", case), {"title": "Call back", "assignee": str(riga_colleague.pk)})

    # Themselves, and the head of unit who sees every case of the institution; not a colleague off the case.
    assert f'value="{world.social_worker.pk}"' in form and f'value="{world.social_supervisor.pk}"' in form
    assert f'value="{riga_colleague.pk}"' not in form
    assert "a colleague who already works on the case" in form
    assert refused.status_code == 400 and 'id="id_assignee-error"' in page(refused)
    assert not Task.objects.exists()
    assert not Assignment.objects.filter(case=case, user=riga_colleague).exists()


def test_a_supervisor_gives_a_task_to_any_colleague_who_is_then_assigned(client, world, case, riga_colleague):
    client = signed_in(client, world.social_supervisor)

    form = page(client.get(url("task_new", case)))
    response = client.post(url("task_new", case), {"title": "Call back", "assignee": str(riga_colleague.pk)})

    assert f'value="{riga_colleague.pk}"' in form
    assert response.status_code == 302
    assert Task.objects.get(case=case).assignee == riga_colleague
    assert Assignment.objects.filter(case=case, user=riga_colleague, ended_at__isnull=True).exists()
    # The same assignment as on the assignment page: on the timeline and in the audit log.
    assert audited(world.social_supervisor, "case.assigned").get().new_values["user"] == riga_colleague.username


def test_a_document_is_attached_and_its_type_and_size_are_checked(client, world, case, settings):
    client = signed_in(client, world.social_worker)

    attached = client.post(
        url("document_new", case), {"file": SimpleUploadedFile("form.txt", b"Signed form.", content_type="text/plain")}
    )
    wrong_type = client.post(
        url("document_new", case),
        {"file": SimpleUploadedFile("tool.exe", b"MZ...", content_type="application/x-msdownload")},
    )
    settings.OPENNRM_DOCUMENT_MAX_BYTES = 1024 * 1024
    too_large = client.post(
        url("document_new", case),
        {"file": SimpleUploadedFile("big.txt", b"x" * (1024 * 1024 + 1), content_type="text/plain")},
    )

    assert attached.status_code == 302
    assert Document.objects.get(case=case).filename == "form.txt"
    assert wrong_type.status_code == 400
    assert 'id="id_file-error"' in page(wrong_type) and "Files of this type cannot be attached" in page(wrong_type)
    assert too_large.status_code == 400 and "The file is too large (at most 1 MB)." in page(too_large)
    assert Document.objects.filter(case=case).count() == 1


def test_a_download_is_audited_and_always_an_attachment(client, world, case):
    document = document_upload(
        by=world.social_worker, case=case, filename="statement.pdf", content_type="application/pdf", content=steps.PDF
    )

    response = signed_in(client, world.social_worker).get(url("document_download", case, document_id=document.pk))

    assert response.status_code == 200
    assert response.content == steps.PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="statement.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    event = audited(world.social_worker, "document.downloaded").get()
    assert event.new_values["document"] == document.pk


def test_a_party_outside_the_circumstances_cannot_download(client, world):
    case, _referral = shared_with_marta(world, [DataCategory.IDENTITY])
    document = document_upload(
        by=world.social_worker, case=case, filename="statement.pdf", content_type="application/pdf", content=steps.PDF
    )

    response = signed_in(client, world.provider_worker).get(url("document_download", case, document_id=document.pk))

    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="document.downloaded").exists()


# --- Assignment ------------------------------------------------------------------------------------------------


def test_a_supervisor_assigns_a_colleague(client, world, case, riga_colleague):
    colleague = riga_colleague
    client = signed_in(client, world.social_supervisor)

    form = page(client.get(url("assign", case)))
    response = client.post(url("assign", case), {"user": str(colleague.pk)})

    assert f'value="{colleague.pk}"' in form and f'value="{world.social_worker.pk}"' not in form  # already assigned
    assert response.status_code == 302
    assert Assignment.objects.filter(case=case, user=colleague, ended_at__isnull=True).exists()


def test_only_supervisors_assign(client, world, case):
    assert signed_in(client, world.social_worker).get(url("assign", case)).status_code == 403


# --- No personal data in titles or addresses -------------------------------------------------------------------


def test_no_page_of_the_case_puts_the_person_in_its_title_or_an_address(client, world):
    case, _referral = steps.to_identification(world)
    note_add(by=world.social_worker, case=case, body=f"{SYNTHETIC_PERSON.full_name} called.")
    document_upload(
        by=world.social_worker,
        case=case,
        filename=f"{NAME}.pdf",
        content_type="application/pdf",
        content=steps.PDF,
    )
    consent = Consent.objects.filter(case=case).first()
    client = signed_in(client, world.social_worker)
    addresses = [
        url("detail", case),
        url("person_edit", case),
        url("consent_new", case),
        url("consent_withdraw", case, consent_id=consent.pk),
        url("referral_new", case),
        url("note_new", case),
        url("task_new", case),
        url("document_new", case),
        url("transition", case, transition="person_refuses"),
    ]
    for address in addresses:
        response = client.get(address)
        assert response.status_code == 200, address
        assert_nothing_personal_in_title_or_addresses(page(response))
