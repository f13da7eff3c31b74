"""Pages for finding work and cases: the case list, the inbox, the search for a person, emergency access,
the coordinator's counts and the audit review queue.

Lists show references and structured facts only; who the person is appears on the case page, after the read
is audited. Every page answers only to staff holding the capability it needs (403 otherwise), and no page is
kept by a browser or proxy cache.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from opennrm.audit.selectors import can_view_audit
from opennrm.audit.services import client_ip
from opennrm.cases import selectors
from opennrm.cases.forms.lists import BreakGlassForm, CaseFilterForm, PersonSearchForm
from opennrm.cases.models import Case
from opennrm.cases.reviews import access_break_glass_for_review, reviews_pending
from opennrm.cases.services.cases import break_glass_open
from opennrm.cases.services.cases import break_glass_review as break_glass_review_service
from opennrm.cases.services.reads import person_search_record, reviews_read
from opennrm.core.capabilities import Capability
from opennrm.core.errors import ApplicationError, Forbidden, NotFoundOrForbidden
from opennrm.core.i18n import localized
from opennrm.directory import selectors as directory
from opennrm.directory.models import ContactPoint
from opennrm.jurisdiction.schema import Workflow
from opennrm.jurisdiction.selectors import version_pack, version_published


def require_capability(user, *capabilities: str) -> None:
    """A page for holders of any of `capabilities`; everyone else signed in is refused (403)."""
    if not any(user.has_capability(capability) for capability in capabilities):
        raise PermissionDenied


def published_workflow() -> Workflow | None:
    """The workflow of the model in force: its names label states and deadlines on lists.

    A case keeps running under the version it started in, but state and deadline ids do not change between
    versions (the pack says so), and reading every case's own version would cost a query per row.
    """
    version = version_published()
    return version_pack(version).workflow if version else None


def _names(items) -> dict[str, dict]:
    return {item.id: item.name for item in items}


def _is_htmx(request) -> bool:
    return bool(getattr(request, "htmx", False)) and not request.htmx.boosted


@dataclass(frozen=True)
class CaseRow:
    case: Case
    state_name: str


def case_rows(cases, workflow: Workflow | None) -> list[CaseRow]:
    names = _names(workflow.states) if workflow else {}
    return [CaseRow(case=case, state_name=localized(names.get(case.state)) or case.state) for case in cases]


# --- The case list ------------------------------------------------------------------------------------------


@never_cache
@login_required
@require_GET
def case_list(request):
    require_capability(request.user, Capability.CASES_VIEW)
    workflow = published_workflow()
    form = CaseFilterForm(request.GET or None, workflow=workflow)
    filters: dict = {}
    cursor = None
    if form.is_bound and form.is_valid():
        filters = form.filters()
        cursor = form.cleaned_data["cursor"] or None
    try:
        page = selectors.case_list(user=request.user, cursor=cursor, **filters)
    except ValueError:
        # The cursor comes from a "Next page" link, not from a field: its error goes above the form.
        form.add_error(None, gettext("The page position in the address is not valid. The first page is shown."))
        cursor = None
        page = selectors.case_list(user=request.user, **filters)
    query = request.GET.copy()
    query.pop("cursor", None)
    first_query = query.urlencode()
    if page.next_cursor:
        query["cursor"] = page.next_cursor
    context = {
        "form": form,
        "rows": case_rows(page.cases, workflow),
        "next_query": query.urlencode() if page.next_cursor else "",
        "first_query": first_query,
        "is_first_page": cursor is None,
        "filtered": any(filters.values()),
        "can_open": request.user.has_capability(Capability.CASES_EDIT),
    }
    status = 400 if form.errors else 200
    if _is_htmx(request):
        # htmx swaps only successful answers; the fragment carries its own error summary.
        return render(request, "cases/lists/_case_results.html", context)
    return render(request, "cases/lists/list.html", context, status=status)


# --- The inbox ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReferralRow:
    referral: object
    purpose_name: str
    is_overdue: bool


@dataclass(frozen=True)
class DeadlineRow:
    deadline: object
    name: str
    is_overdue: bool


@never_cache
@login_required
@require_GET
def inbox(request):
    require_capability(request.user, Capability.CASES_VIEW)
    user = request.user
    workflow = published_workflow()
    waiting = selectors.inbox(user=user)
    now = timezone.now()
    # Only a receiving role answers referrals; others see the deadlines and tasks of their cases.
    receives = any(selectors.can_receive_referrals(user, each) for each in selectors.workflows_in_force())
    purposes = _names(workflow.consent_purposes) if workflow else {}
    deadlines = _names(workflow.deadlines) if workflow else {}
    context = {
        "receives_referrals": receives,
        "referrals": [
            ReferralRow(
                referral=referral,
                purpose_name=localized(purposes.get(referral.purpose)) or referral.purpose,
                is_overdue=referral.due_at < now,
            )
            for referral in waiting.referrals
        ],
        "deadlines": [
            DeadlineRow(
                deadline=deadline,
                name=localized(deadlines.get(deadline.kind)) or deadline.kind,
                is_overdue=deadline.due_at < now,
            )
            for deadline in waiting.deadlines
        ],
        "tasks": waiting.tasks,
        "today": timezone.localdate(),
        "institution_wide": user.has_capability(Capability.CASES_SUPERVISE),
        "horizon_days": selectors.INBOX_HORIZON_DAYS,
        "institution": user.institution,
    }
    return render(request, "cases/lists/inbox.html", context)


# --- Finding a person -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OtherInstitution:
    """An institution with a case the user cannot see, and how to reach its professionals."""

    institution: object
    contact_points: list


def other_institutions(*, user, institutions) -> list[OtherInstitution]:
    """Each institution with the contact points the user may read, those for professionals first."""
    found = []
    for institution in institutions:
        try:
            listed = directory.access_institution(code=institution.code, user=user)
            points = directory.visible_contact_points(listed)
        except NotFoundOrForbidden:
            # No longer in the directory: its name is still worth knowing.
            points = []
        points.sort(key=lambda point: point.audience != ContactPoint.Audience.PROFESSIONALS)
        found.append(OtherInstitution(institution=institution, contact_points=points))
    return found


def contact_sentence(other: OtherInstitution) -> str:
    """One line to reach an institution: its name and its first contact point's phone or e-mail."""
    point = other.contact_points[0] if other.contact_points else None
    name = localized(other.institution.names) or other.institution.code
    if point is None:
        return gettext("Another institution already has a case for this person: contact %(institution)s.") % {
            "institution": name
        }
    reach = ", ".join(value for value in (point.phone, point.email) if value)
    return gettext(
        "Another institution already has a case for this person: contact %(institution)s, %(contact)s (%(reach)s)."
    ) % {"institution": name, "contact": localized(point.labels), "reach": reach}


# The searched name must not reach an error report or a log: it is personal data.
@never_cache
@sensitive_post_parameters("given_name", "family_name", "birth_date")
@login_required
@require_http_methods(["GET", "POST"])
def person_search(request):
    """Search by exact name and birth date. POST only: a name must never be part of an address or a log line."""
    require_capability(request.user, Capability.CASES_VIEW)
    form = PersonSearchForm(request.POST or None)
    context: dict = {"form": form, "searched": False}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        found = selectors.person_search(
            user=request.user,
            given_name=data["given_name"],
            family_name=data["family_name"],
            birth_date=data["birth_date"].isoformat(),
        )
        person_search_record(
            by=request.user,
            cases=found.cases,
            contact_institutions=found.contact_institutions,
            ip_address=client_ip(request),
        )
        context.update(
            searched=True,
            rows=case_rows(found.cases, published_workflow()),
            others=other_institutions(user=request.user, institutions=found.contact_institutions),
        )
    return render(request, "cases/lists/search.html", context, status=400 if form.errors else 200)


# --- Emergency access -----------------------------------------------------------------------------------------


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def break_glass(request):
    require_capability(request.user, Capability.CASES_BREAK_GLASS)
    form = BreakGlassForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        reference = form.cleaned_data["reference"]
        try:
            case = selectors.access_case(user=request.user, reference=reference)
        except NotFoundOrForbidden:
            case = None
        if case is not None:
            messages.info(request, gettext("You can already open this case, so no emergency access was recorded."))
            return redirect("cases:detail", reference=case.reference)
        try:
            case = selectors.case_find_for_break_glass(user=request.user, reference=reference)
            access = break_glass_open(
                by=request.user, case=case, reason=form.cleaned_data["reason"], ip_address=client_ip(request)
            )
        except NotFoundOrForbidden:
            form.add_error("reference", gettext("No case has this reference. Check it and try again."))
        except Forbidden as error:
            form.add_error(None, error.message)
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.warning(
                request,
                gettext(
                    "Emergency access to %(reference)s is open until %(until)s. It is recorded and will be reviewed."
                )
                % {
                    "reference": case.reference,
                    "until": timezone.localtime(access.expires_at).strftime("%Y-%m-%d %H:%M"),
                },
            )
            return redirect("cases:detail", reference=case.reference)
    return render(request, "cases/lists/break_glass.html", {"form": form}, status=400 if form.errors else 200)


# --- Oversight (counts only) ----------------------------------------------------------------------------------


@never_cache
@login_required
@require_GET
def oversight(request):
    require_capability(request.user, Capability.CASES_OVERSEE)
    try:
        counts = selectors.oversight_counts(user=request.user)
    except NotFoundOrForbidden:
        raise Http404() from None
    workflow = published_workflow()
    by_state = dict(counts.cases_by_state)
    states = []
    for state in workflow.states if workflow else []:
        if state.kind == "open":
            states.append((localized(state.name), by_state.pop(state.id, 0)))
    # States of an older version that the model in force no longer has are still counted, under their id.
    states.extend(sorted(by_state.items()))
    type_names = {t.code: str(t) for t in directory.institution_types_active()}
    overdue = sorted(
        ((type_names.get(code, code), number) for code, number in counts.overdue_by_institution_type.items()),
        key=lambda row: row[0].casefold(),
    )
    context = {
        "counts": counts,
        "states": states,
        "overdue_by_type": overdue,
        "can_review": can_view_audit(user=request.user),
    }
    return render(request, "cases/lists/oversight.html", context)


# --- The audit review queue -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LegalDutyRow:
    referral: object
    exception_name: str


@never_cache
@login_required
@require_GET
def reviews(request):
    if not can_view_audit(user=request.user):
        raise PermissionDenied
    queue = reviews_pending(user=request.user)
    # The written reasons describe the person and what happened to them: audit rights alone show who did what and
    # when; the texts need the right to see personal data too.
    texts_visible = selectors.can_read_review_texts(user=request.user)
    # Which cases were flagged, and for some readers why, is a read of case data: it is audited.
    reviews_read(by=request.user, referrals=queue.referrals, accesses=queue.accesses, ip_address=client_ip(request))
    workflow = published_workflow()
    exceptions = _names(workflow.referral.legal_duty_exceptions) if workflow else {}
    context = {
        "queue": queue,
        "legal_duty": [
            LegalDutyRow(
                referral=referral,
                exception_name=localized(exceptions.get(referral.legal_duty_exception))
                or referral.legal_duty_exception,
            )
            for referral in queue.referrals
        ],
        "now": timezone.now(),
        "texts_visible": texts_visible,
    }
    return render(request, "cases/lists/reviews.html", context)


@never_cache
@login_required
@require_POST
def break_glass_review(request, access_id: int):
    if not can_view_audit(user=request.user):
        raise PermissionDenied
    try:
        access = access_break_glass_for_review(user=request.user, access_id=access_id)
    except NotFoundOrForbidden:
        raise Http404() from None
    reference = access.case.reference
    if access.reviewed_at is not None:
        messages.info(
            request, gettext("The emergency access to %(reference)s was already reviewed.") % {"reference": reference}
        )
        return redirect("cases:reviews")
    try:
        break_glass_review_service(by=request.user, access=access, ip_address=client_ip(request))
    except NotFoundOrForbidden:
        raise Http404() from None
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, gettext("The emergency access to %(reference)s is marked as reviewed.") % {"reference": reference}
        )
    return redirect("cases:reviews")
