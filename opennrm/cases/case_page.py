"""What the case page shows: the case's state and stage, its parties, deadlines, consents, referrals and timeline,
and the notes, tasks and documents of the work on it.

Who may open the case at all is decided before, by `selectors.access_case`; which personal data a party sees, by
`selectors.case_access`. The reads of notes, tasks and documents live here until the selectors module has them.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext

from opennrm.cases.models import (
    Case,
    CaseParty,
    Consent,
    DataCategory,
    Document,
    ExploitationForm,
    Nationality,
    Note,
    Population,
    Referral,
    Task,
)
from opennrm.cases.selectors import (
    CaseAccess,
    case_assignees,
    case_consents,
    case_deadlines,
    case_parties,
    case_referrals,
    case_timeline,
    case_workflow,
    party_scope,
    referral_texts_visible,
)
from opennrm.cases.wording import (
    Names,
    TimelineEntry,
    deadline_line,
    event_by,
    event_text,
    iso_date,
    label,
    scope_labels,
    when,
)
from opennrm.core.capabilities import Capability
from opennrm.core.errors import ApplicationError, NotFoundOrForbidden
from opennrm.core.i18n import localized
from opennrm.directory import selectors as directory
from opennrm.jurisdiction.selectors import version_pack

# The stage of the General Model whose institutions take a referral (as on the screening result).
REFERRAL_STAGE = "referral"


def sort_key(text: str) -> str:
    """Alphabetical order that puts "Ādaži" next to "Adaži", not after "Z"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# --- Reads of the work on one case ---------------------------------------------------------------------------


def case_notes(*, case: Case) -> list[Note]:
    return list(Note.objects.filter(case=case).select_related("author", "institution").order_by("-created_at", "-pk"))


def case_tasks(*, case: Case, institution) -> list[Task]:
    """The tasks the institution set itself on the case: open ones first, soonest due first."""
    if institution is None:
        return []
    return list(
        Task.objects.filter(case=case, institution=institution)
        .select_related("assignee", "done_by")
        .order_by("done_at", "due_on", "pk")
    )


def case_documents(*, case: Case) -> list[Document]:
    # The content stays in the database until someone downloads it.
    return list(
        Document.objects.filter(case=case)
        .defer("content")
        .select_related("uploaded_by", "institution")
        .order_by("-created_at", "-pk")
    )


def access_document(*, case: Case, document_id: int) -> Document:
    document = Document.objects.select_related("case").filter(case=case, pk=document_id).first()
    if document is None:
        raise NotFoundOrForbidden()
    return document


def access_task(*, case: Case, task_id: int) -> Task:
    task = (
        Task.objects.select_related("case__model_version")
        .defer("case__model_version__content")
        .filter(case=case, pk=task_id)
        .first()
    )
    if task is None:
        raise NotFoundOrForbidden()
    return task


# --- The whole page ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReferralLine:
    referral: Referral
    purpose: str
    status: str
    due: str
    answer: str
    # Why the recipient declined, for those who may read the referral's texts; empty for everyone else.
    decline_reason: str
    can_withdraw: bool


def _referral_line(referral: Referral, names: Names, *, user, case: Case, can_edit: bool) -> ReferralLine:
    own = user.institution
    # The page's case, already read with its model version: the rule on the texts would read it again per referral.
    referral.case = case
    answer = ""
    answered = when(referral.answered_at)
    if referral.status == Referral.Status.ACCEPTED:
        answer = gettext("Accepted on %(date)s") % {"date": answered}
    elif referral.status == Referral.Status.DECLINED:
        answer = gettext("Declined on %(date)s") % {"date": answered}
    elif referral.status == Referral.Status.WITHDRAWN:
        answer = gettext("Withdrawn on %(date)s") % {"date": answered}
    return ReferralLine(
        referral=referral,
        purpose=names.purpose(referral.purpose),
        status=label(Referral.Status.choices, referral.status),
        due=when(referral.due_at, with_time=True),
        answer=answer,
        decline_reason=referral.decline_reason
        if referral.status == Referral.Status.DECLINED and referral_texts_visible(user=user, referral=referral)
        else "",
        can_withdraw=can_edit
        and own is not None
        and referral.from_institution_id == own.pk
        and referral.status == Referral.Status.SENT,
    )


@dataclass(frozen=True)
class ConsentLine:
    consent: Consent
    purpose: str
    categories: list[str]
    recipient: str


@dataclass(frozen=True)
class PartyLine:
    party: CaseParty
    reason: str
    scope: list[str]


def suggested_recipients(*, case: Case, user, exclude: set[int]) -> list:
    """Who takes a referral for this person where the case is, as the screening suggested (nothing is stored)."""
    if case.municipality is None:
        return []
    try:
        entries = directory.who_to_call(
            municipality=case.municipality.code,
            stage=REFERRAL_STAGE,
            population=case.population,
            nationality=case.nationality,
            user=user,
            model=case.model_version,
        )
    except ApplicationError:
        return []
    return [entry for entry in entries if entry.institution is not None and entry.institution.pk not in exclude]


def case_page(*, user, case: Case, access: CaseAccess) -> dict:
    """Everything the case page shows, gathered in a fixed number of queries (and a few for each declined referral:
    whether the reader may read why, by the one rule on referral texts)."""
    workflow = case_workflow(case)
    pack = version_pack(case.model_version)
    state = workflow.state(case.state)
    stage = pack.stage(state.stage) if state and state.stage else None
    now = timezone.now()
    own = user.institution
    parties = case_parties(case=case)
    referrals = case_referrals(case=case)
    consents = case_consents(case=case)
    names = Names(workflow=workflow)
    names.institutions[case.recognising_institution.code] = str(case.recognising_institution)
    for party in parties:
        names.institutions[party.institution.code] = str(party.institution)
    for referral in referrals:
        for institution in (referral.from_institution, referral.to_institution):
            names.institutions[institution.code] = str(institution)
    types = {t.code: str(t) for t in directory.institution_types_active()}
    for consent in consents:
        if consent.recipient_institution is not None:
            names.institutions[consent.recipient_institution.code] = str(consent.recipient_institution)
    names.institutions = {**types, **names.institutions}
    assignees = case_assignees(case=case)
    names.users = {u.pk: u.get_full_name() or u.get_username() for u in assignees}
    sees_circumstances = access.sees(DataCategory.CIRCUMSTANCES)
    person = getattr(case, "person", None)
    # Suggestions leave out the institutions already taking part, and the user's own.
    not_suggested = {party.institution_id for party in parties} | ({own.pk} if own else set())
    return {
        "case": case,
        "access": access,
        "can_assign": access.can_edit and user.has_capability(Capability.CASES_SUPERVISE),
        "state_name": localized(state.name) if state else case.state,
        "state_description": localized(state.description) if state else "",
        "stage_name": localized(stage.name) if stage else "",
        "population": label(Population.choices, case.population),
        "nationality": label(Nationality.choices, case.nationality),
        "forms": [label(ExploitationForm.choices, form) for form in case.forms],
        "person": person,
        "birth_date": iso_date(person.birth_date) if person is not None else None,
        "sees_identity": access.sees(DataCategory.IDENTITY),
        "sees_contacts": access.sees(DataCategory.CONTACTS),
        "sees_circumstances": sees_circumstances,
        "parties": [
            PartyLine(
                party=party,
                reason=label(CaseParty.Reason.choices, party.reason),
                scope=scope_labels(party_scope(party)),
            )
            for party in parties
        ],
        "assignees": [u for u in assignees if own is not None and u.institution and u.institution.pk == own.pk],
        # Running periods first: they are what the reader may have to act on.
        "deadlines": sorted(
            (deadline_line(d, workflow, now) for d in case_deadlines(case=case)),
            key=lambda line: (not line.is_running, line.deadline.due_at),
        ),
        "consents": [
            ConsentLine(
                consent=consent,
                purpose=names.purpose(consent.purpose),
                categories=scope_labels(consent.data_categories),
                recipient=str(consent.recipient_institution)
                if consent.recipient_institution
                else types.get(consent.recipient_type, consent.recipient_type),
            )
            for consent in consents
        ],
        "referrals": [_referral_line(r, names, user=user, case=case, can_edit=access.can_edit) for r in referrals],
        "timeline": [
            TimelineEntry(occurred_at=event.occurred_at, text=event_text(event, names), by=event_by(event))
            for event in case_timeline(case=case)
        ],
        "tasks": case_tasks(case=case, institution=own) if access.party is not None else [],
        "notes": case_notes(case=case) if sees_circumstances else [],
        "documents": case_documents(case=case) if sees_circumstances else [],
        "suggestions": suggested_recipients(case=case, user=user, exclude=not_suggested)
        if case.screening_id and access.can_refer
        else [],
    }
