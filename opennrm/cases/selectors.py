"""Reading cases: who may see which case, and what of it.

`cases_visible_to(user)` is the only way to list or fetch cases (views and the API never query `Case` directly; a
test enforces it). A case is visible to staff of a party institution who are assigned to it or supervise, and to
someone with a running break-glass access. Everything else answers "not found", exactly as a missing case does.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from opennrm.cases.crypto import blind_index
from opennrm.cases.models import (
    Assignment,
    BreakGlassAccess,
    Case,
    CaseEvent,
    CaseParty,
    Consent,
    DataCategory,
    Deadline,
    Referral,
    Task,
)

# Part of this module's interface: services and views read staff and counts through `selectors`.
from opennrm.cases.oversight import OversightCounts as OversightCounts
from opennrm.cases.oversight import oversight_counts as oversight_counts
from opennrm.cases.reviews import can_read_review_texts as can_read_review_texts
from opennrm.cases.staff import case_assignees as case_assignees
from opennrm.cases.staff import institution_staff as institution_staff
from opennrm.cases.staff import responsible_institution as responsible_institution
from opennrm.cases.workflow import ActorFacts, CaseFacts, available_transitions
from opennrm.core.capabilities import Capability
from opennrm.core.errors import NotFoundOrForbidden
from opennrm.directory.models import Institution
from opennrm.jurisdiction.models import ModelVersion
from opennrm.jurisdiction.schema import Transition, Workflow
from opennrm.jurisdiction.selectors import version_pack

ALL_DATA_CATEGORIES = tuple(DataCategory.values)


def _version_of(case: Case) -> ModelVersion:
    # The version's content is a large JSON document, parsed once and cached by `version_pack`: reading it again
    # for every case would dominate a page's cost. Selectors load the version without it; on a cache miss
    # `version_pack` fetches it.
    if Case.model_version.is_cached(case):
        return case.model_version
    return ModelVersion.objects.defer("content").get(pk=case.model_version_id)


def case_workflow(case: Case) -> Workflow:
    """The workflow of the pack version the case started under (it keeps running under it)."""
    workflow = version_pack(_version_of(case)).workflow
    if workflow is None:
        # A version without a workflow cannot have opened a case; reaching here means the data was altered.
        raise RuntimeError(f"The model version of {case.reference} has no workflow")
    return workflow


def _role_codes(user) -> frozenset[str]:
    return frozenset(role.code for role in user.active_roles())


def cases_visible_to(user) -> QuerySet[Case]:
    """Every case `user` may open: party + assigned (or supervising), or break-glass still running."""
    if not getattr(user, "is_authenticated", False):
        return Case.objects.none()
    # Read once: every `has_capability` call would read the roles again.
    capabilities = user.capabilities()
    if Capability.CASES_VIEW not in capabilities:
        return Case.objects.none()
    visible = Q(pk__in=[])
    institution = user.institution
    if institution is not None:
        party = CaseParty.objects.filter(case=OuterRef("pk"), institution=institution, left_at__isnull=True)
        if Capability.CASES_SUPERVISE in capabilities:
            visible = Q(Exists(party))
        else:
            assigned = Assignment.objects.filter(case=OuterRef("pk"), user=user, ended_at__isnull=True)
            visible = Q(Exists(party)) & Q(Exists(assigned))
    if Capability.CASES_BREAK_GLASS in capabilities:
        emergency = BreakGlassAccess.objects.filter(case=OuterRef("pk"), user=user, expires_at__gt=timezone.now())
        visible |= Q(Exists(emergency))
    return Case.objects.filter(visible)


def case_is_visible(*, user, case: Case) -> bool:
    return cases_visible_to(user).filter(pk=case.pk).exists()


def access_case(*, user, case_id: int | None = None, reference: str | None = None) -> Case:
    """The case if `user` may see it; a missing and a hidden case raise the same NotFoundOrForbidden."""
    cases = (
        cases_visible_to(user)
        .select_related("model_version", "recognising_institution", "municipality", "person")
        .defer("model_version__content")
    )
    if case_id is not None:
        case = cases.filter(pk=case_id).first()
    elif reference:
        case = cases.filter(reference=reference.strip().upper()).first()
    else:
        case = None
    if case is None:
        raise NotFoundOrForbidden()
    return case


def case_find_for_break_glass(*, user, reference: str) -> Case:
    """A case by its exact reference for someone allowed to ask for emergency access; nothing to anyone else."""
    if not user.has_capability(Capability.CASES_BREAK_GLASS):
        raise NotFoundOrForbidden()
    case = (
        Case.objects.select_related("model_version")
        .defer("model_version__content")
        .filter(reference=reference.strip().upper())
        .first()
    )
    if case is None:
        raise NotFoundOrForbidden()
    return case


@dataclass(frozen=True)
class CaseAccess:
    """What one user may do with and see of one case they can open."""

    party: CaseParty | None
    data_scope: frozenset[str]
    can_edit: bool
    can_view_personal_data: bool
    is_break_glass: bool
    transitions: list[Transition] = field(default_factory=list)
    can_refer: bool = False

    def sees(self, category: str) -> bool:
        return self.can_view_personal_data and category in self.data_scope


def party_of(*, case: Case, institution) -> CaseParty | None:
    """The institution's current party row on the case, if it takes part."""
    if institution is None:
        return None
    return CaseParty.objects.filter(case=case, institution=institution, left_at__isnull=True).first()


def party_scope(party: CaseParty | None) -> frozenset[str]:
    """The categories of personal data a party sees: all for the recognising institution, else what it was given."""
    if party is None:
        return frozenset()
    if party.reason == CaseParty.Reason.RECOGNISED:
        return frozenset(ALL_DATA_CATEGORIES)
    return frozenset(party.data_scope)


def acting_party(*, user, case: Case) -> CaseParty | None:
    """The party row `user` works on the case through: their institution's, if they are assigned to the case or
    supervise. None for anyone else, also a colleague who opened the case through break-glass: that access only
    reads, and does not make them act for their institution."""
    party = party_of(case=case, institution=user.institution)
    if party is None:
        return None
    capabilities = user.capabilities()
    if Capability.CASES_VIEW not in capabilities:
        return None
    if Capability.CASES_SUPERVISE in capabilities:
        return party
    assigned = Assignment.objects.filter(case=case, user=user, ended_at__isnull=True).exists()
    return party if assigned else None


def case_access(*, user, case: Case) -> CaseAccess:
    """The user's party row, data scope, edit rights and open transitions on a case they can see."""
    workflow = case_workflow(case)
    institution = user.institution
    capabilities = user.capabilities()
    party = acting_party(user=user, case=case)
    # Seeing a case without acting for a party can only come from break-glass (`cases_visible_to`).
    is_break_glass = party is None
    # Break-glass: the emergency may need everything, and every look at it is audited and reviewed.
    scope = frozenset(ALL_DATA_CATEGORIES) if is_break_glass else party_scope(party)
    roles = _role_codes(user)
    live = case.erased_at is None
    can_edit = not is_break_glass and Capability.CASES_EDIT in capabilities and live
    actor = ActorFacts(
        roles=roles,
        institution_type=institution.type.code if institution else None,
        is_party=can_edit,
    )
    transitions = available_transitions(workflow, case_facts(case), actor) if can_edit else []
    return CaseAccess(
        party=party,
        data_scope=scope,
        can_edit=can_edit,
        can_view_personal_data=Capability.PERSONAL_DATA_VIEW in capabilities and live,
        is_break_glass=is_break_glass,
        transitions=transitions,
        can_refer=can_edit and bool(roles.intersection(workflow.referral.sender_roles)) and case.state_kind == "open",
    )


def task_assignee_choices(*, user, case: Case) -> list:
    """Whom `user` may give a task on the case (as `task_create` allows): themselves and colleagues who already work
    on it (assigned, or heading the unit), or, for a head of unit, who can assign them too, every colleague who
    works with cases."""
    institution = user.institution
    if institution is None:
        return []
    colleagues = institution_staff(institution=institution, capability=Capability.CASES_VIEW)
    if user.has_capability(Capability.CASES_SUPERVISE):
        return colleagues
    assigned = set(
        Assignment.objects.filter(case=case, ended_at__isnull=True, user__in=colleagues).values_list("user", flat=True)
    )
    return [
        colleague
        for colleague in colleagues
        if colleague.pk == user.pk or colleague.pk in assigned or colleague.has_capability(Capability.CASES_SUPERVISE)
    ]


def case_facts(case: Case) -> CaseFacts:
    """The facts the workflow engine judges a case by."""
    person = getattr(case, "person", None)
    filled = set()
    if person is not None:
        if person.sex != "NonSpecifiedUnknown":
            filled.add("sex")
        if person.age_band != "unknown":
            filled.add("age_band")
        if person.citizenship:
            filled.add("citizenship")
        if person.languages:
            filled.add("languages")
        if person.given_name or person.family_name:
            filled.add("identity")
    if case.forms:
        filled.add("forms")
    if case.countries:
        filled.add("countries")
    if case.municipality_id:
        filled.add("municipality")
    purposes = frozenset(Consent.objects.filter(case=case, withdrawn_at__isnull=True).values_list("purpose", flat=True))
    running = dict(Deadline.objects.filter(case=case, status=Deadline.Status.RUNNING).values_list("kind", "used"))
    return CaseFacts(
        state=case.state,
        population=case.population,
        nationality=case.nationality,
        filled_fields=frozenset(filled),
        consented_purposes=purposes,
        running_deadlines=running,
    )


def consents_matching(*, case: Case, purpose: str, recipient) -> QuerySet[Consent]:
    """Valid consents on the case for `purpose` that name the recipient institution or its type."""
    return Consent.objects.filter(case=case, purpose=purpose, withdrawn_at__isnull=True).filter(
        Q(recipient_institution=recipient) | Q(recipient_institution__isnull=True, recipient_type=recipient.type.code)
    )


# --- Lists ---------------------------------------------------------------------------------------------------

CASE_PAGE_SIZE = 50


@dataclass(frozen=True)
class CasePage:
    cases: list[Case]
    next_cursor: str | None


def _cursor(case: Case) -> str:
    return f"{case.opened_at.isoformat()}_{case.pk}"


def _parse_cursor(cursor: str) -> tuple[datetime, int]:
    opened, _, pk = (cursor or "").rpartition("_")
    try:
        opened_at, number = datetime.fromisoformat(opened), int(pk)
    except ValueError as error:
        raise ValueError("cursor") from error
    if opened_at.tzinfo is None:
        # Cursors made here always carry their offset; a naive one was typed by hand.
        raise ValueError("cursor")
    return opened_at, number


def case_list(
    *,
    user,
    state: str | None = None,
    state_kind: str | None = None,
    population: str | None = None,
    reference: str | None = None,
    cursor: str | None = None,
    limit: int = CASE_PAGE_SIZE,
) -> CasePage:
    """A page of visible cases, newest first, continuing after `cursor` (keyset: the cost does not grow with
    the table). Raises ValueError("cursor") for a cursor that was not made here."""
    cases = cases_visible_to(user).select_related("recognising_institution", "municipality")
    if state:
        cases = cases.filter(state=state)
    if state_kind:
        cases = cases.filter(state_kind=state_kind)
    if population:
        cases = cases.filter(population=population)
    if reference:
        cases = cases.filter(reference__startswith=reference.strip().upper())
    if cursor:
        opened_at, pk = _parse_cursor(cursor)
        # The leading `opened_at <= t` lets the database start the index scan at the cursor instead of reading
        # and discarding every newer row: the cost of a page then does not grow with how deep it is.
        cases = cases.filter(
            Q(opened_at__lte=opened_at) & (Q(opened_at__lt=opened_at) | Q(opened_at=opened_at, pk__lt=pk))
        )
    page = list(cases.order_by("-opened_at", "-pk")[: limit + 1])
    next_cursor = _cursor(page[limit - 1]) if len(page) > limit else None
    return CasePage(cases=page[:limit], next_cursor=next_cursor)


def case_timeline(*, case: Case) -> list[CaseEvent]:
    return list(
        CaseEvent.objects.filter(case=case).select_related("actor", "institution").order_by("occurred_at", "pk")
    )


def case_parties(*, case: Case) -> list[CaseParty]:
    return list(
        CaseParty.objects.filter(case=case, left_at__isnull=True)
        .select_related("institution__type")
        .order_by("joined_at", "pk")
    )


def case_referrals(*, case: Case) -> list[Referral]:
    return list(Referral.objects.filter(case=case).select_related("from_institution", "to_institution"))


def case_deadlines(*, case: Case) -> list[Deadline]:
    return list(
        Deadline.objects.filter(case=case)
        .select_related("referral", "responsible_institution")
        .order_by("status", "due_at", "pk")
    )


def case_consents(*, case: Case) -> list[Consent]:
    return list(
        Consent.objects.filter(case=case).select_related(
            "recipient_institution", "recorded_by", "recorded_by_institution"
        )
    )


# --- Referrals and the inbox --------------------------------------------------------------------------------


def workflows_in_force() -> list[Workflow]:
    """The workflows cases may be running under: every published or superseded version's (drafts open no case)."""
    versions = ModelVersion.objects.exclude(status=ModelVersion.Status.DRAFT).defer("content").order_by("pk")
    # `version_pack` caches by id and hash, so the pack content is read from the database only the first time.
    workflows = (version_pack(version).workflow for version in versions)
    return [workflow for workflow in workflows if workflow is not None]


def can_receive_referrals(user, workflow: Workflow) -> bool:
    return bool(_role_codes(user).intersection(workflow.referral.receiving_roles))


def access_referral(*, user, referral_id: int) -> Referral:
    """A referral waiting for an answer to the staff of its recipient who may answer it, and any referral to whoever
    can open its case; otherwise not found."""
    referral = (
        Referral.objects.select_related("case__model_version", "from_institution", "to_institution__type")
        .defer("case__model_version__content")
        .filter(pk=referral_id)
        .first()
    )
    if referral is None or not user.is_authenticated or not user.has_capability(Capability.CASES_VIEW):
        raise NotFoundOrForbidden()
    institution = user.institution
    if (
        referral.to_institution_id == getattr(institution, "pk", None)
        and referral.status == Referral.Status.SENT
        and can_receive_referrals(user, case_workflow(referral.case))
    ):
        # Those who may answer it read it while it waits; once answered, only whoever can open the case does.
        return referral
    if cases_visible_to(user).filter(pk=referral.case_id).exists():
        return referral
    raise NotFoundOrForbidden()


def referral_texts_visible(*, user, referral: Referral) -> bool:
    """Whether `user` may read a referral's free texts (message, legal-duty justification, decline reason).

    The one rule for the pages and the API. The texts say who the person is and what happened to them, so they go
    only to staff of the two institutions the referral passes between who see personal data, and only while their
    institution's part in the case covers the circumstances. Before an answer the recipient is not a party yet: its
    staff with a receiving role read the texts to decide, as long as the referral still waits.
    """
    if not getattr(user, "is_authenticated", False):
        return False
    institution_id = getattr(user.institution, "pk", None)
    if institution_id is None or institution_id not in (referral.from_institution_id, referral.to_institution_id):
        return False
    capabilities = user.capabilities()
    if Capability.PERSONAL_DATA_VIEW not in capabilities or Capability.CASES_VIEW not in capabilities:
        return False
    case = referral.case
    if case.erased_at is not None:
        return False
    if (
        institution_id == referral.to_institution_id
        and referral.status == Referral.Status.SENT
        and can_receive_referrals(user, case_workflow(case))
    ):
        return True
    return DataCategory.CIRCUMSTANCES in party_scope(party_of(case=case, institution=user.institution))


def referrals_incoming(*, user, status: str = Referral.Status.SENT) -> QuerySet[Referral]:
    """Referrals addressed to the user's institution, oldest due first; none for users who cannot answer them."""
    if (
        not user.is_authenticated
        or user.institution is None
        or not user.has_capability(Capability.CASES_VIEW)
        or not any(can_receive_referrals(user, workflow) for workflow in workflows_in_force())
    ):
        return Referral.objects.none()
    return (
        Referral.objects.filter(to_institution=user.institution, status=status)
        .select_related("case", "from_institution")
        .order_by("due_at", "pk")
    )


@dataclass(frozen=True)
class Inbox:
    referrals: list[Referral]
    deadlines: list[Deadline]
    tasks: list[Task]


INBOX_LIMIT = 50
# Deadlines show in the inbox from this many days before they run out.
INBOX_HORIZON_DAYS = 14


def inbox(*, user, limit: int = INBOX_LIMIT) -> Inbox:
    """What is waiting for the user: referrals to answer, deadlines coming up on their cases, their open tasks."""
    visible = cases_visible_to(user)
    horizon = timezone.now() + timezone.timedelta(days=INBOX_HORIZON_DAYS)
    deadlines = (
        Deadline.objects.filter(status=Deadline.Status.RUNNING, due_at__lte=horizon, case__in=visible)
        .exclude(referral__isnull=False)
        .select_related("case")
        .order_by("due_at", "pk")[:limit]
    )
    tasks = (
        Task.objects.filter(assignee=user, done_at__isnull=True, case__in=visible)
        .select_related("case")
        .order_by("due_on", "pk")[:limit]
    )
    return Inbox(
        referrals=list(referrals_incoming(user=user)[:limit]),
        deadlines=list(deadlines),
        tasks=list(tasks),
    )


# --- Finding a person ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonSearch:
    # Cases the user can open for this person.
    cases: list[Case]
    # Institutions with a case for this person that the user cannot see: whom to contact, and nothing else.
    contact_institutions: list


def person_search(*, user, given_name: str, family_name: str, birth_date: str) -> PersonSearch:
    """Cases for an exact name and birth date, through the blind index (the names themselves are encrypted).

    Only for staff who work with cases: to anyone else even "someone has a case for this person" says too much.
    """
    nothing = PersonSearch(cases=[], contact_institutions=[])
    if not getattr(user, "is_authenticated", False) or not user.has_capability(Capability.CASES_VIEW):
        return nothing
    if not ((given_name or "").strip() and (family_name or "").strip() and (birth_date or "").strip()):
        return nothing
    index = blind_index(given_name, family_name, birth_date)
    matching = Case.objects.filter(person__blind_index=index, erased_at__isnull=True)
    visible = list(cases_visible_to(user).filter(person__blind_index=index, erased_at__isnull=True))
    hidden = matching.exclude(pk__in=[case.pk for case in visible])
    institutions = (
        Institution.objects.filter(pk__in=hidden.values("recognising_institution"))
        .exclude(pk=getattr(user.institution, "pk", None))
        .select_related("type")
    )
    return PersonSearch(cases=visible, contact_institutions=list(institutions.order_by("code")))
