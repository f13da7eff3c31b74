"""Opening a case: from scratch, or from a saved screening that pre-fills what it already knows.

A screening passes only codes (its id, the population, the nationality group and the municipality); the person's
data is typed here for the first time, sent by POST only, and stored encrypted by `case_open`.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from opennrm.audit.services import client_ip
from opennrm.cases import selectors
from opennrm.cases.forms.opening import CaseOpenForm
from opennrm.cases.from_screening import ScreeningSummary, prefill_situation, screening_summary
from opennrm.cases.lookups import screening_by_id
from opennrm.cases.models import Case
from opennrm.cases.services.cases import PersonData, case_open
from opennrm.cases.services.reads import person_search_record
from opennrm.cases.views.lists import contact_sentence, other_institutions, published_workflow, require_capability
from opennrm.core.capabilities import Capability
from opennrm.core.errors import ApplicationError, Forbidden, NotFoundOrForbidden

PERSONAL_FIELDS = CaseOpenForm.IDENTITY_FIELDS + CaseOpenForm.CONTACT_FIELDS


def _screening(request, raw, *, population: str | None = None) -> tuple[ScreeningSummary | None, bool]:
    """(the summary of the screening `raw` names, whether a screening was named but cannot be used)."""
    if raw in (None, ""):
        return None, False
    try:
        screening = screening_by_id(int(raw))
    except (ValueError, ApplicationError):
        return None, True
    return screening_summary(screening=screening, population=population), False


def _initial(request) -> tuple[dict, ScreeningSummary | None, bool]:
    """The form's starting values from the address a screening sent the worker to."""
    query = request.GET
    initial = prefill_situation(
        population=query.get("population", ""),
        nationality=query.get("nationality", ""),
        municipality=query.get("municipality", ""),
    )
    summary, unusable = _screening(request, query.get("screening"), population=initial.get("population"))
    if summary is not None:
        initial["screening"] = summary.screening.pk
        initial["forms"] = summary.forms
        if "population" not in initial and summary.population:
            initial["population"] = summary.population
    return initial, summary, unusable


def _tell_of_other_cases(request, *, case: Case, person: PersonData) -> None:
    """Warn, right after opening, when the blind index finds this person in other cases (and whom to contact)."""
    if not (person.given_name.strip() and person.family_name.strip() and person.birth_date):
        return
    found = selectors.person_search(
        user=request.user,
        given_name=person.given_name,
        family_name=person.family_name,
        birth_date=person.birth_date.isoformat(),
    )
    own = [other for other in found.cases if other.pk != case.pk]
    if not (own or found.contact_institutions):
        return
    person_search_record(
        by=request.user, cases=own, contact_institutions=found.contact_institutions, ip_address=client_ip(request)
    )
    if own:
        messages.warning(
            request,
            gettext("You can already open another case for this person: %(references)s.")
            % {"references": ", ".join(other.reference for other in own)},
        )
    for other in other_institutions(user=request.user, institutions=found.contact_institutions):
        messages.warning(request, contact_sentence(other))


@never_cache
@sensitive_post_parameters(*PERSONAL_FIELDS)
@login_required
@require_http_methods(["GET", "POST"])
def case_new(request):
    require_capability(request.user, Capability.CASES_EDIT)
    screening_unusable = False
    if request.method == "POST":
        form = CaseOpenForm(request.POST)
        summary, screening_unusable = _screening(
            request, request.POST.get("screening"), population=request.POST.get("population")
        )
    else:
        initial, summary, screening_unusable = _initial(request)
        form = CaseOpenForm(initial=initial)
    if request.method == "POST" and form.is_valid():
        if screening_unusable:
            form.add_error(None, gettext("The screening this case was to start from cannot be used. Start again."))
        else:
            try:
                case = case_open(
                    by=request.user,
                    screening=summary.screening if summary else None,
                    ip_address=client_ip(request),
                    **form.case_arguments(),
                )
            except NotFoundOrForbidden:
                raise Http404() from None
            except Forbidden as error:
                form.add_error(None, error.message)
            except ApplicationError as error:
                form.add_application_error(error)
            else:
                messages.success(request, gettext("Case %(reference)s is open.") % {"reference": case.reference})
                _tell_of_other_cases(request, case=case, person=form.person_data())
                return redirect("cases:detail", reference=case.reference)
    context = {
        "form": form,
        "summary": summary,
        "screening_unusable": screening_unusable,
        "no_workflow": published_workflow() is None,
    }
    return render(request, "cases/opening/new.html", context, status=400 if form.errors else 200)
