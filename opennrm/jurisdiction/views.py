"""Pages of the General Model: the public, read-only document of any readable version, and the coordinator's
draft editor (edit → compare → publish). Views only translate HTTP to selectors and services and back."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext
from django.views.decorators.http import require_POST

from opennrm.core.capabilities import Capability
from opennrm.core.errors import ApplicationError, Forbidden, NotFoundOrForbidden
from opennrm.jurisdiction import selectors, services
from opennrm.jurisdiction.diagram import pathway_svg
from opennrm.jurisdiction.diff import diff_packs
from opennrm.jurisdiction.forms import (
    InstitutionTypeForm,
    LegalBasisForm,
    MatrixEntryForm,
    PublishForm,
)
from opennrm.jurisdiction.models import ModelVersion
from opennrm.jurisdiction.presentation import CATEGORY_LABELS, Links, diff_view, entry_view, model_context


def _readable_version(request, number: int | None) -> ModelVersion:
    if number is None:
        version = selectors.version_published(pack_code=settings.OPENNRM_PACK)
        if version is None:
            raise Http404
        return version
    try:
        return selectors.access_version(user=request.user, pack_code=settings.OPENNRM_PACK, number=number)
    except NotFoundOrForbidden as error:
        raise Http404 from error


# ---- public pages ---------------------------------------------------------------------------------------


def overview(request, number: int | None = None):
    if number is None and selectors.version_published(pack_code=settings.OPENNRM_PACK) is None:
        return render(request, "jurisdiction/not_published.html", {"nav": "model"})
    context = model_context(_readable_version(request, number), Links(number))
    context["diagram"] = mark_safe(pathway_svg(context["pack"], get_language()))  # noqa: S308 - escaped by the builder
    return render(request, "jurisdiction/overview.html", context)


def stage_detail(request, stage_id: str, number: int | None = None):
    context = model_context(_readable_version(request, number), Links(number))
    current = next((s for s in context["stages"] if s["stage"].id == stage_id), None)
    if current is None:
        raise Http404
    index = context["stages"].index(current)
    context.update(
        current=current,
        number_in_order=index + 1,
        previous=context["stages"][index - 1] if index > 0 else None,
        next=context["stages"][index + 1] if index + 1 < len(context["stages"]) else None,
    )
    return render(request, "jurisdiction/stage.html", context)


def institution_type_detail(request, type_id: str, number: int | None = None):
    context = model_context(_readable_version(request, number), Links(number))
    current = next((t for t in context["types"] if t["type"].id == type_id), None)
    if current is None:
        raise Http404
    context["current"] = current
    context["category"] = CATEGORY_LABELS.get(current["type"].category, "")
    return render(request, "jurisdiction/institution_type.html", context)


def print_document(request, number: int | None = None):
    context = model_context(_readable_version(request, number), Links(number))
    context["diagram"] = mark_safe(pathway_svg(context["pack"], get_language()))  # noqa: S308 - escaped by the builder
    return render(request, "jurisdiction/print.html", context)


def pathway(request, number: int | None = None):
    version = _readable_version(request, number)
    svg = pathway_svg(selectors.version_pack(version), get_language())
    return HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")


def version_list(request):
    versions = selectors.versions_visible_to(user=request.user, pack_code=settings.OPENNRM_PACK)
    return render(request, "jurisdiction/versions.html", {"versions": versions, "nav": "model"})


# ---- the draft editor -----------------------------------------------------------------------------------


def _can(user, capability: Capability) -> bool:
    return user.is_authenticated and user.has_capability(capability)


def _draft(request, number: int, *, capability: Capability | None = None) -> ModelVersion:
    """The draft numbered `number`: 404 if the user may not see it, 403 if they see it but may not act."""
    version = _readable_version(request, number)
    if not version.is_editable:
        raise Http404
    if capability is not None and not _can(request.user, capability):
        raise PermissionDenied
    return version


def _save(form, service, **kwargs) -> bool:
    """Runs a service with the form's input; a refusal becomes an error on the form, the rest HTTP errors."""
    try:
        service(**kwargs)
    except NotFoundOrForbidden as error:
        raise Http404 from error
    except Forbidden as error:
        raise PermissionDenied(error.message) from error
    except ApplicationError as error:
        form.add_service_error(error)
        return False
    return True


def _editor_context(version: ModelVersion, user) -> dict:
    return {
        "version": version,
        "nav": "editor",
        "can_edit": _can(user, Capability.MODEL_EDIT),
        "can_publish": _can(user, Capability.MODEL_PUBLISH),
        "draft_url": reverse("jurisdiction:draft", args=[version.number]),
    }


@login_required
def editor(request):
    if not (_can(request.user, Capability.MODEL_EDIT) or _can(request.user, Capability.MODEL_VIEW_DRAFTS)):
        raise PermissionDenied
    pack_code = settings.OPENNRM_PACK
    return render(
        request,
        "jurisdiction/editor/landing.html",
        {
            "draft": selectors.version_draft(pack_code=pack_code),
            "published": selectors.version_published(pack_code=pack_code),
            "can_edit": _can(request.user, Capability.MODEL_EDIT),
            "nav": "editor",
        },
    )


@login_required
@require_POST
def draft_create(request):
    if not _can(request.user, Capability.MODEL_EDIT):
        raise PermissionDenied
    try:
        version = services.draft_create(pack_code=settings.OPENNRM_PACK, by=request.user)
    except Forbidden as error:
        raise PermissionDenied(error.message) from error
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("jurisdiction:editor")
    messages.success(request, gettext("A new draft was started from the published version."))
    return redirect("jurisdiction:draft", number=version.number)


@login_required
def draft_detail(request, number: int):
    version = _draft(request, number)
    context = _editor_context(version, request.user)
    model = model_context(version, Links(number))
    context.update(types=model["types"], pack=model["pack"])
    return render(request, "jurisdiction/editor/draft.html", context)


def _entry_urls(number: int, type_id: str, stage_id: str) -> dict:
    args = [number, type_id, stage_id]
    return {
        "edit_url": reverse("jurisdiction:entry_edit", args=args),
        "row_url": reverse("jurisdiction:entry_row", args=args),
        "remove_url": reverse("jurisdiction:entry_remove", args=args),
    }


def _render_row(request, version: ModelVersion, type_id: str, stage_id: str):
    pack = selectors.version_pack(version)
    entry = pack.matrix_entry(type_id, stage_id)
    if entry is None:
        raise Http404
    context = _editor_context(version, request.user)
    context.update(
        item=entry_view(pack, entry, Links(version.number)), **_entry_urls(version.number, type_id, stage_id)
    )
    return render(request, "jurisdiction/editor/_entry.html", context)


@login_required
def entry_row(request, number: int, type_id: str, stage_id: str):
    return _render_row(request, _draft(request, number), type_id, stage_id)


@login_required
def entry_edit(request, number: int, type_id: str, stage_id: str):
    version = _draft(request, number, capability=Capability.MODEL_EDIT)
    pack = selectors.version_pack(version)
    entry = pack.matrix_entry(type_id, stage_id)
    if entry is None:
        raise Http404
    form = MatrixEntryForm(request.POST or None, pack=pack, entry=entry)
    if request.method == "POST" and form.is_valid():
        if _save(form, services.draft_matrix_entry_save, version=version, by=request.user, **form.service_kwargs()):
            version.refresh_from_db()
            if request.htmx:
                return _render_row(request, version, type_id, stage_id)
            messages.success(request, gettext("The entry was saved."))
            return redirect(f"{reverse('jurisdiction:draft', args=[number])}#entry-{type_id}-{stage_id}")
    context = _editor_context(version, request.user)
    context.update(form=form, item=entry_view(pack, entry, Links(number)), **_entry_urls(number, type_id, stage_id))
    template = "jurisdiction/editor/_entry_form.html" if request.htmx else "jurisdiction/editor/entry_form.html"
    return render(request, template, context)


@login_required
def entry_add(request, number: int):
    version = _draft(request, number, capability=Capability.MODEL_EDIT)
    pack = selectors.version_pack(version)
    form = MatrixEntryForm(request.POST or None, pack=pack)
    if request.method == "POST" and form.is_valid():
        kwargs = form.service_kwargs()
        if _save(form, services.draft_matrix_entry_save, version=version, by=request.user, **kwargs):
            messages.success(request, gettext("The entry was added."))
            anchor = f"entry-{kwargs['institution_type']}-{kwargs['stage']}"
            return redirect(f"{reverse('jurisdiction:draft', args=[number])}#{anchor}")
    context = _editor_context(version, request.user)
    context["form"] = form
    return render(request, "jurisdiction/editor/entry_add.html", context)


@login_required
def entry_remove(request, number: int, type_id: str, stage_id: str):
    version = _draft(request, number, capability=Capability.MODEL_EDIT)
    pack = selectors.version_pack(version)
    entry = pack.matrix_entry(type_id, stage_id)
    if entry is None:
        raise Http404
    if request.method == "POST":
        try:
            services.draft_matrix_entry_remove(
                version=version, institution_type=type_id, stage=stage_id, by=request.user
            )
        except NotFoundOrForbidden as error:
            raise Http404 from error
        except Forbidden as error:
            raise PermissionDenied(error.message) from error
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, gettext("The entry was removed."))
        return redirect("jurisdiction:draft", number=number)
    context = _editor_context(version, request.user)
    context["item"] = entry_view(pack, entry, Links(number))
    return render(request, "jurisdiction/editor/entry_remove.html", context)


@login_required
def institution_type_edit(request, number: int, type_id: str):
    version = _draft(request, number, capability=Capability.MODEL_EDIT)
    pack = selectors.version_pack(version)
    institution_type = pack.institution_type(type_id)
    if institution_type is None:
        raise Http404
    form = InstitutionTypeForm(request.POST or None, pack=pack, institution_type=institution_type)
    if request.method == "POST" and form.is_valid():
        if _save(
            form,
            services.draft_institution_type_save,
            version=version,
            by=request.user,
            **form.service_kwargs(),
        ):
            messages.success(request, gettext("The institution type was saved."))
            return redirect(f"{reverse('jurisdiction:draft', args=[number])}#type-{type_id}")
    context = _editor_context(version, request.user)
    context.update(form=form, institution_type=institution_type)
    return render(request, "jurisdiction/editor/institution_type_form.html", context)


@login_required
def legal_basis_edit(request, number: int, basis_id: str | None = None):
    version = _draft(request, number, capability=Capability.MODEL_EDIT)
    pack = selectors.version_pack(version)
    legal_basis = pack.legal_basis(basis_id) if basis_id else None
    if basis_id and legal_basis is None:
        raise Http404
    form = LegalBasisForm(request.POST or None, pack=pack, legal_basis=legal_basis)
    if request.method == "POST" and form.is_valid():
        if _save(form, services.draft_legal_basis_save, version=version, by=request.user, **form.service_kwargs()):
            messages.success(request, gettext("The legal basis was saved."))
            return redirect(f"{reverse('jurisdiction:draft', args=[number])}#legal-bases")
    context = _editor_context(version, request.user)
    context.update(form=form, legal_basis=legal_basis)
    return render(request, "jurisdiction/editor/legal_basis_form.html", context)


def version_diff(request, number: int):
    """What changed between version `number` and `?against=` (default: the published version)."""
    version = _readable_version(request, number)
    against_raw = request.GET.get("against", "")
    if against_raw:
        if not against_raw.isdigit() or len(against_raw) > 9:  # a version number, not a 5000-digit string
            raise Http404
        other = _readable_version(request, int(against_raw))
    else:
        other = selectors.version_published(pack_code=settings.OPENNRM_PACK)
    context = _editor_context(version, request.user) if version.is_editable else {"nav": "model"}
    context.update(version=version, other=other)
    if other is not None:
        context["diff"] = diff_view(diff_packs(other.content, version.content))
    return render(request, "jurisdiction/diff.html", context)


@login_required
def publish(request, number: int):
    version = _draft(request, number, capability=Capability.MODEL_PUBLISH)
    form = PublishForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.version_publish(version=version, change_note=form.cleaned_data["change_note"], by=request.user)
        except NotFoundOrForbidden as error:
            raise Http404 from error
        except Forbidden as error:
            raise PermissionDenied(error.message) from error
        except ApplicationError as error:
            form.add_error("change_note" if error.field == "change_note" else None, error.message)
        else:
            messages.success(
                request,
                gettext("Version %(number)s is published and is now the model in force.") % {"number": number},
            )
            return redirect("jurisdiction:overview")
    published = selectors.version_published(pack_code=settings.OPENNRM_PACK)
    context = _editor_context(version, request.user)
    context.update(form=form, published=published)
    if published is not None:
        context["diff"] = diff_view(diff_packs(published.content, version.content))
    return render(request, "jurisdiction/editor/publish.html", context)
