"""Reading cases: who may see which case, and what of it.

`cases_visible_to(user)` is the only way to list or fetch cases (views and the API never query `Case` directly; a
test enforces it). A case is visible to staff of a party institution who are assigned to it or supervise, and to
someone with a running break-glass access. Everything else answers "not found", exactly as a missing case does.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

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
from opennrm.cases.workflow import ActorFacts, CaseFacts, available_transitions
from opennrm.core.capabilities import Capability
from opennrm.core.errors import NotFoundOrForbidden
from opennrm.jurisdiction.schema import Transition, Workflow
from opennrm.jurisdiction.selectors import version_pack

ALL_DATA_CATEGORIES = tuple(DataCategory.values)


def case_workflow(case: Case) -> Workflow:
    """The workflow of the pack version the case started under (it keeps running under it)."""
    workflow = version_pack(case.model_version).workflow
    if workflow is None:
        # A version without a workflow cannot have opened a case; reaching here means the data was altered.
        raise RuntimeError(f"The model version of {case.reference} has no workflow")
    return workflow


def _role_codes(user) -> frozenset[str]:
    return frozenset(role.code for role in user.active_roles())


def cases_visible_to(user) -> QuerySet[Case]:
    """Every case `user` may open: party + assigned (or supervising), or break-glass still running."""
    if not getattr(user, "is_authenticated", False) or not user.has_capability(Capability.CASES_VIEW):
        return Case.objects.none()
    institution = user.institution
    party = CaseParty.objects.filter(case=OuterRef("pk"), institution=institution, left_at__isnull=True)
    if user.has_capability(Capability.CASES_SUPERVISE):
        visible = Q(Exists(party))
    else:
        assigned = Assignment.objects.filter(case=OuterRef("pk"), user=user, ended_at__isnull=True)
        visible = Q(Exists(party)) & Q(Exists(assigned))
    if user.has_capability(Capability.CASES_BREAK_GLASS):
        emergency = BreakGlassAccess.objects.filter(case=OuterRef("pk"), user=user, expires_at__gt=timezone.now())
        visible |= Q(Exists(emergency))
    return Case.objects.filter(visible)


def access_case(*, user, case_id: int | None = None, reference: str | None = None) -> Case:
    """The case if `user` may see it; a missing and a hidden case raise the same NotFoundOrForbidden."""
    cases = cases_visible_to(user).select_related("model_version", "recognising_institution", "municipality", "person")
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
    case = Case.objects.select_related("model_version").filter(reference=reference.strip().upper()).first()
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


def case_access(*, user, case: Case) -> CaseAccess:
    """The user's party row, data scope, edit rights and open transitions on a case they can see."""
    workflow = case_workflow(case)
    institution = user.institution
    party = CaseParty.objects.filter(case=case, institution=institution, left_at__isnull=True).first()
    is_break_glass = party is None
    if party is None:
        scope = frozenset(ALL_DATA_CATEGORIES)  # break-glass: the emergency may need everything
    elif party.reason == CaseParty.Reason.RECOGNISED:
        scope = frozenset(ALL_DATA_CATEGORIES)
    else:
        scope = frozenset(party.data_scope)
    roles = _role_codes(user)
    can_edit = party is not None and user.has_capability(Capability.CASES_EDIT) and case.erased_at is None
    actor = ActorFacts(
        roles=roles, institution_type=institution.type.code if institution else None, is_party=party is not None
    )
    transitions = available_transitions(workflow, case_facts(case), actor) if case.erased_at is None else []
    return CaseAccess(
        party=party,
        data_scope=scope,
        can_edit=can_edit,
        can_view_personal_data=user.has_capability(Capability.PERSONAL_DATA_VIEW) and case.erased_at is None,
        is_break_glass=is_break_glass,
        transitions=transitions,
        can_refer=can_edit and bool(roles.intersection(workflow.referral.sender_roles)) and case.state_kind == "open",
    )


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
    opened, _, pk = cursor.rpartition("_")
    try:
        return datetime.fromisoformat(opened), int(pk)
    except ValueError as error:
        raise ValueError("cursor") from error


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
        cases = cases.filter(Q(opened_at__lt=opened_at) | Q(opened_at=opened_at, pk__lt=pk))
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
    return list(Deadline.objects.filter(case=case).select_related("referral").order_by("status", "due_at", "pk"))


def case_consents(*, case: Case) -> list[Consent]:
    return list(Consent.objects.filter(case=case).select_related("recipient_institution", "recorded_by"))


# --- Referrals and the inbox --------------------------------------------------------------------------------


def can_receive_referrals(user, workflow: Workflow) -> bool:
    return bool(_role_codes(user).intersection(workflow.referral.receiving_roles))


def access_referral(*, user, referral_id: int) -> Referral:
    """A referral its receiving institution's staff or a party of its case may see; otherwise not found."""
    referral = (
        Referral.objects.select_related("case__model_version", "from_institution", "to_institution__type")
        .filter(pk=referral_id)
        .first()
    )
    if referral is None or not user.is_authenticated or not user.has_capability(Capability.CASES_VIEW):
        raise NotFoundOrForbidden()
    institution = user.institution
    if referral.to_institution_id == getattr(institution, "pk", None):
        return referral
    if cases_visible_to(user).filter(pk=referral.case_id).exists():
        return referral
    raise NotFoundOrForbidden()


def referrals_incoming(*, user, status: str = Referral.Status.SENT) -> QuerySet[Referral]:
    """Referrals addressed to the user's institution, oldest due first; none for users who cannot answer them."""
    if not user.is_authenticated or not user.has_capability(Capability.CASES_VIEW) or user.institution is None:
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


# --- Oversight (counts only) --------------------------------------------------------------------------------


@dataclass(frozen=True)
class OversightCounts:
    open_cases: int
    cases_by_state: dict[str, int]
    referrals_waiting: int
    referrals_overdue: int
    overdue_by_institution_type: dict[str, int]
    legal_duty_to_review: int
    break_glass_to_review: int


def oversight_counts(*, user) -> OversightCounts:
    """Country-wide counts for the national coordinator; no case, reference or person is ever part of it."""
    if not user.has_capability(Capability.CASES_OVERSEE):
        raise NotFoundOrForbidden()
    from django.db.models import Count

    now = timezone.now()
    by_state = dict(
        Case.objects.filter(state_kind="open").values_list("state").annotate(n=Count("pk")).values_list("state", "n")
    )
    waiting = Referral.objects.filter(status=Referral.Status.SENT)
    overdue = waiting.filter(due_at__lt=now)
    overdue_by_type = dict(
        overdue.values_list("to_institution__type__code")
        .annotate(n=Count("pk"))
        .values_list("to_institution__type__code", "n")
    )
    return OversightCounts(
        open_cases=sum(by_state.values()),
        cases_by_state=by_state,
        referrals_waiting=waiting.count(),
        referrals_overdue=overdue.count(),
        overdue_by_institution_type=overdue_by_type,
        legal_duty_to_review=Referral.objects.filter(needs_review=True, reviewed_at__isnull=True).count(),
        break_glass_to_review=BreakGlassAccess.objects.filter(reviewed_at__isnull=True).count(),
    )


# --- Finding a person ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonSearch:
    # Cases the user can open for this person.
    cases: list[Case]
    # Institutions with a case for this person that the user cannot see: whom to contact, and nothing else.
    contact_institutions: list


def person_search(*, user, given_name: str, family_name: str, birth_date: str) -> PersonSearch:
    """Cases for an exact name and birth date, through the blind index (the names themselves are encrypted)."""
    from opennrm.cases.crypto import blind_index
    from opennrm.directory.models import Institution

    if not (given_name.strip() and family_name.strip() and birth_date.strip()):
        return PersonSearch(cases=[], contact_institutions=[])
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


# --- Staff to tell ------------------------------------------------------------------------------------------


def institution_staff(*, institution, capability: str | None = None, roles: list[str] | None = None) -> list:
    """Active members of an institution holding `capability` (or one of `roles`) in force."""
    from opennrm.accounts.models import User

    members = (
        User.objects.filter(unit__institution=institution, is_active=True)
        .select_related("unit__institution__type")
        .prefetch_related("roles")
        .order_by("pk")
    )
    chosen = []
    for member in members:
        if capability and not member.has_capability(capability):
            continue
        if roles and not {role.code for role in member.active_roles()}.intersection(roles):
            continue
        chosen.append(member)
    return chosen


def case_assignees(*, case: Case) -> list:
    from opennrm.accounts.models import User

    return list(
        User.objects.filter(case_assignments__case=case, case_assignments__ended_at__isnull=True, is_active=True)
        .distinct()
        .order_by("pk")
    )


def responsible_institution(*, type_code: str, municipality):
    """The institution of a type that serves a municipality: the local one, else a regional, else a national one."""
    from opennrm.directory.models import Institution

    candidates = Institution.objects.filter(type__code=type_code, is_active=True)
    if municipality is not None:
        for scoped in (
            candidates.filter(municipality=municipality, scope="municipal"),
            candidates.filter(service_area=municipality),
            candidates.filter(municipality=municipality),
        ):
            found = scoped.order_by("code").first()
            if found is not None:
                return found
    return candidates.filter(scope="national").order_by("code").first()
