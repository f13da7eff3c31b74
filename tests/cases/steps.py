"""Steps of a case's journey through the Latvian workflow, for tests built on the `case_world` fixture.

Each step calls the real services with the member of staff who performs it in practice. The person is
`SYNTHETIC_PERSON` (tests/cases/conftest.py), so tests can search every stored and logged value for their data.
"""

import json
from datetime import date

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from opennrm.audit.models import AuditEvent
from opennrm.cases.models import Case, CaseEvent, Consent, DataCategory, Nationality, Population, Referral
from opennrm.cases.services.cases import PersonData, case_assign, case_open
from opennrm.cases.services.consent import consent_record
from opennrm.cases.services.referrals import referral_accept, referral_send
from opennrm.cases.services.transitions import case_transition
from opennrm.cases.services.work import document_upload
from opennrm.directory.models import Municipality
from tests.cases.conftest import SYNTHETIC_PERSON

ALL_DATA = [DataCategory.IDENTITY, DataCategory.CONTACTS, DataCategory.CIRCUMSTANCES]
CHECKLIST = [
    "action",
    "means",
    "purpose",
    "member_social_worker",
    "member_psychologist",
    "member_lawyer",
    "member_police_officer",
]
# Free texts that name the person: none of them may reach the audit log or the timeline.
MESSAGE = f"{SYNTHETIC_PERSON.full_name} is staying at {SYNTHETIC_PERSON.address}, phone {SYNTHETIC_PERSON.phone}."
REASON = f"{SYNTHETIC_PERSON.full_name} met every criterion; personal code {SYNTHETIC_PERSON.personal_code}."
PDF = b"%PDF-1.4\n% decision of the commission\n"


def person_data(person=SYNTHETIC_PERSON) -> PersonData:
    return PersonData(
        given_name=person.given_name,
        family_name=person.family_name,
        birth_date=date.fromisoformat(person.birth_date),
        personal_code=person.personal_code,
        phone=person.phone,
        email=person.email,
        address=person.address,
        sex="Feminine",
        age_band="25-34",
        citizenship=["UA"],
        languages=["uk"],
    )


def riga() -> Municipality:
    return Municipality.objects.get(code="riga")


def child_data(person=SYNTHETIC_PERSON) -> PersonData:
    """The synthetic person as a child of fifteen: a child's case is refused for someone born an adult."""
    today = timezone.localdate()
    data = person_data(person)
    data.birth_date = date(today.year - 15, 1, 1)
    data.age_band = "12-17"
    return data


def open_case(world, *, by=None, population=Population.ADULT, nationality=Nationality.THIRD_COUNTRY_NATIONAL):
    return case_open(
        by=by or world.social_worker,
        population=population,
        nationality=nationality,
        person=child_data() if population == Population.CHILD else person_data(),
        municipality=riga(),
        forms=["ForcedLabour"],
        countries=["LV", "UA"],
    )


def consent(world, case: Case, *, purpose="identification", by=None, categories=ALL_DATA, **recipient) -> Consent:
    if not recipient:
        recipient = {"recipient_type": "service_provider"}
    return consent_record(
        by=by or world.social_worker,
        case=case,
        purpose=purpose,
        method=Consent.Method.INTERPRETER,
        given_on=timezone.localdate(),
        data_categories=categories,
        given_by=Consent.Giver.LEGAL_REPRESENTATIVE if case.is_child else Consent.Giver.PERSON,
        giver_details="Interpreter: Testa Tulks, Ukrainian",
        **recipient,
    )


def refer(world, case: Case, *, to="lv-provider-marta", purpose="identification", by=None, **options) -> Referral:
    options.setdefault("data_scope", ALL_DATA)
    # A message tells the circumstances: it goes only with a referral that passes them on.
    options.setdefault("message", MESSAGE if DataCategory.CIRCUMSTANCES in options["data_scope"] else "")
    return referral_send(
        by=by or world.social_worker, case=case, to_institution=world.institution(to), purpose=purpose, **options
    )


def refresh(case: Case) -> Case:
    return Case.objects.select_related("model_version", "municipality", "recognising_institution").get(pk=case.pk)


def to_identification(world) -> tuple[Case, Referral]:
    """An adult third-country national's case, referred to the Marta centre and accepted by its case manager."""
    case = open_case(world)
    consent(world, case)
    referral = refer(world, case)
    referral_accept(by=world.provider_worker, referral_id=referral.pk)
    return refresh(case), referral


def identify(world, case: Case) -> Case:
    """The Marta centre's commission identifies the person: its head assigns a member, who files the decision."""
    case_assign(by=world.provider_supervisor, case=case, user=world.commission_member)
    document = document_upload(
        by=world.commission_member, case=case, filename="decision.pdf", content_type="application/pdf", content=PDF
    )
    case_transition(
        by=world.commission_member,
        case=case,
        transition="identify_by_commission",
        reason=REASON,
        checklist=CHECKLIST,
        document=document,
    )
    return refresh(case)


def to_service_granted(world, case: Case) -> Case:
    """SIVA receives the case with the person's consent and grants the service."""
    consent(world, case, purpose="social_rehabilitation", recipient_institution=world.institution("lv-siva"))
    referral = refer(world, case, to="lv-siva", purpose="social_rehabilitation", data_scope=[DataCategory.IDENTITY])
    referral_accept(by=world.siva_worker, referral_id=referral.pk)
    case_transition(by=world.siva_worker, case=refresh(case), transition="grant_service")
    return refresh(case)


def as_json(rows) -> str:
    return json.dumps(list(rows), cls=DjangoJSONEncoder, ensure_ascii=False)


def logged_text() -> str:
    """Everything the audit log and the timelines hold, as one JSON text to search."""
    audit = AuditEvent.objects.values("action", "object_id", "purpose", "old_values", "new_values")
    events = CaseEvent.objects.values("kind", "details")
    return as_json(audit) + as_json(events)
