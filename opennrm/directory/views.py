"""Pages of the directory: institutions, "who to call", and contact point upkeep by the institution itself.

Reading needs no sign-in. htmx requests get only the part of the page they replace; every form also works as a
plain GET/POST without JavaScript.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from opennrm.audit.services import client_ip
from opennrm.core.errors import ApplicationError, Forbidden, NotFoundOrForbidden
from opennrm.directory import selectors, services
from opennrm.directory.forms import ContactPointForm, InstitutionFilterForm, PageCursorForm, WhoToCallForm
from opennrm.directory.models import ContactPoint, Institution

PAGE_SIZE = 50
GROUP_HEADINGS = {
    Institution.Scope.MUNICIPAL: _("In the municipality"),
    Institution.Scope.REGIONAL: _("Regional institutions serving the municipality"),
    Institution.Scope.NATIONAL: _("National institutions"),
    "": _("Also responsible at this stage (no office listed in the directory for this place)"),
}


def _is_htmx(request) -> bool:
    return bool(getattr(request, "htmx", False))


@require_GET
def institutions(request):
    form = InstitutionFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    cursor = PageCursorForm(request.GET)
    after = None
    if cursor.is_valid():
        after = cursor.cleaned_data["after"] or None
    else:
        # The cursor comes from a link, not from a field a person fills in: its error goes above the form.
        for error in cursor.errors["after"]:
            form.add_error(
                None, gettext("The page position in the address (after) is not valid. %(reason)s") % {"reason": error}
            )
    page = list(
        selectors.institutions_list(
            user=request.user,
            municipality=filters.get("municipality") or None,
            institution_type=filters.get("type") or None,
            q=filters.get("q") or None,
            after=after,
            limit=PAGE_SIZE + 1,
        )
    )
    next_after = page[PAGE_SIZE - 1].code if len(page) > PAGE_SIZE else None
    next_query = request.GET.copy()
    next_query.pop("after", None)
    first_query = next_query.urlencode()
    if next_after:
        next_query["after"] = next_after
    context = {
        "form": form,
        "institutions": page[:PAGE_SIZE],
        "next_query": next_query.urlencode() if next_after else "",
        "first_query": first_query,
        "is_first_page": not after,
    }
    status = _form_status(request, form)
    if _is_htmx(request):
        return render(request, "directory/_institution_results.html", context, status=status)
    return render(request, "directory/institutions.html", context, status=status)


@require_GET
def institution(request, code: str):
    try:
        found = selectors.access_institution(code=code, user=request.user)
    except NotFoundOrForbidden:
        raise Http404() from None
    return render(
        request,
        "directory/institution.html",
        {
            "institution": found,
            "contact_points": selectors.visible_contact_points(found),
            "units": selectors.active_units(found),
            "can_edit": selectors.can_edit_institution(user=request.user, institution=found),
        },
    )


def _grouped(entries: list[selectors.WhoToCallEntry]) -> list[tuple[str, list[selectors.WhoToCallEntry]]]:
    groups: dict[str, list[selectors.WhoToCallEntry]] = {}
    for entry in entries:
        groups.setdefault(entry.scope, []).append(entry)
    return [(GROUP_HEADINGS[scope], groups[scope]) for scope in GROUP_HEADINGS if scope in groups]


@require_GET
def who_to_call(request):
    model = selectors.published_model()
    form = WhoToCallForm(request.GET or None, model=model)
    # An htmx request replaces only the results, so its form errors are shown there.
    context = {
        "form": form,
        "model": model,
        "groups": None,
        "situation": None,
        "htmx_errors": _is_htmx(request),
    }
    if model is not None and form.is_valid():
        try:
            entries = selectors.who_to_call(user=request.user, model=model, **form.cleaned_data)
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            context["groups"] = _grouped(entries)
            context["situation"] = {
                "municipality": dict(form.fields["municipality"].choices)[form.cleaned_data["municipality"]],
                "stage": dict(form.fields["stage"].choices)[form.cleaned_data["stage"]],
                "population": dict(form.fields["population"].choices)[form.cleaned_data["population"]],
                "nationality": dict(form.fields["nationality"].choices)[form.cleaned_data["nationality"]],
            }
    if _is_htmx(request):
        return render(request, "directory/_who_to_call_results.html", context)
    return render(request, "directory/who_to_call.html", context)


def _form_status(request, form) -> int:
    # htmx swaps only successful responses, so its fragment with the errors must answer 200.
    return 400 if form.errors and not _is_htmx(request) else 200


def _require_directory_edit(user) -> None:
    # Missing the capability is a plain "not allowed"; another institution's entry answers as missing (404).
    if not selectors.can_edit_directory(user=user):
        raise PermissionDenied


def _save(request, *, form: ContactPointForm, institution: Institution, point: ContactPoint | None):
    """Validate and save; the saved contact point, or None with the errors on the form."""
    if not form.is_valid():
        return None
    try:
        return services.contact_point_save(
            institution=institution,
            contact_point=point,
            by=request.user,
            ip_address=client_ip(request),
            **form.service_arguments(),
        )
    except Forbidden:
        raise PermissionDenied from None
    except NotFoundOrForbidden:
        raise Http404() from None
    except ApplicationError as error:
        form.add_application_error(error, form.field_map())
        return None


@login_required
@require_http_methods(["GET", "POST"])
def contact_point_new(request, code: str):
    _require_directory_edit(request.user)
    try:
        owner = selectors.access_institution_for_edit(user=request.user, code=code)
    except NotFoundOrForbidden:
        raise Http404() from None
    languages = selectors.content_languages()
    form = ContactPointForm(request.POST or None, languages=languages, initial={"audience": "public"})
    if request.method == "POST" and _save(request, form=form, institution=owner, point=None):
        messages.success(request, gettext("The contact point was added."))
        target = reverse("directory:institution", kwargs={"code": owner.code})
        return HttpResponseClientRedirect(target) if _is_htmx(request) else redirect(target)
    template = "directory/_contact_point_form.html" if _is_htmx(request) else "directory/contact_point_form.html"
    context = {"form": form, "institution": owner, "point": None, "action": request.path}
    return render(request, template, context, status=_form_status(request, form))


@login_required
@require_http_methods(["GET", "POST"])
def contact_point_edit(request, pk: int):
    _require_directory_edit(request.user)
    try:
        point = selectors.access_contact_point_for_edit(user=request.user, pk=pk)
    except NotFoundOrForbidden:
        raise Http404() from None
    languages = selectors.content_languages()
    form = ContactPointForm(request.POST or None, languages=languages, initial=ContactPointForm.initial_for(point))
    if request.method == "POST":
        saved = _save(request, form=form, institution=point.institution, point=point)
        if saved:
            if _is_htmx(request):
                return render(
                    request,
                    "directory/_contact_point.html",
                    {"point": saved, "institution": saved.institution, "can_edit": True, "just_saved": True},
                )
            messages.success(request, gettext("The contact point was saved."))
            return redirect("directory:institution", code=point.institution.code)
    template = "directory/_contact_point_form.html" if _is_htmx(request) else "directory/contact_point_form.html"
    context = {"form": form, "institution": point.institution, "point": point, "action": request.path}
    return render(request, template, context, status=_form_status(request, form))


@login_required
@require_http_methods(["GET", "POST"])
def contact_point_disable(request, pk: int):
    _require_directory_edit(request.user)
    try:
        point = selectors.access_contact_point_for_edit(user=request.user, pk=pk)
    except NotFoundOrForbidden:
        raise Http404() from None
    if request.method == "GET":
        return render(request, "directory/contact_point_disable.html", {"point": point})
    try:
        services.contact_point_disable(contact_point=point, by=request.user, ip_address=client_ip(request))
    except Forbidden:
        raise PermissionDenied from None
    except NotFoundOrForbidden:
        raise Http404() from None
    messages.success(request, gettext("The contact point was removed from the directory."))
    target = reverse("directory:institution", kwargs={"code": point.institution.code})
    return HttpResponseClientRedirect(target) if _is_htmx(request) else redirect(target)
