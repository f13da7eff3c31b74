"""The editor's pages of the public site: the list, creating items, writing each language version, publishing,
scheduling, archiving, revisions, files, and a preview of a version exactly as the public would see it.

Only staff holding `portal.edit` get in (everyone else signed in is refused with 403); nothing here touches case
data. No page is kept by a browser or proxy cache: a preview shows text that is not public yet.
"""

from __future__ import annotations

import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext, override
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from opennrm.audit.services import client_ip
from opennrm.core.errors import ApplicationError, NotFoundOrForbidden
from opennrm.portal import ical, selectors, services
from opennrm.portal.forms import (
    LANGUAGE_NAMES,
    DetailsForm,
    FileForm,
    FilterForm,
    ItemCreateForm,
    NoteForm,
    StatusForm,
    TranslationForm,
)
from opennrm.portal.models import Kind, Language
from opennrm.portal.rendering import render_markdown
from opennrm.portal.uploads import max_upload_bytes, megabytes, read_upload
from opennrm.portal.views import public

# The editor's list shows the most recently changed items; the filters find the rest.
LIST_LIMIT = 200
# The public pages' templates: a preview is the public page itself, with the version's text.
PUBLIC_TEMPLATES = {
    Kind.NEWS: "portal/public/news_item.html",
    Kind.EVENT: "portal/public/event.html",
    Kind.PUBLICATION: "portal/public/publication.html",
    Kind.PAGE: "portal/public/page.html",
}
NEW_HEADINGS = {
    Kind.NEWS: _("New news item"),
    Kind.EVENT: _("New event"),
    Kind.PUBLICATION: _("New publication"),
    Kind.PAGE: _("New page"),
}
STATUS_DONE = {
    "publish": _("The %(language)s version is published."),
    "schedule": _("The %(language)s version is scheduled."),
    "draft": _("The %(language)s version is a draft again; the public no longer sees it."),
    "archive": _("The %(language)s version is archived."),
}


def editor_page(view):
    """Signed in (else to the sign-in page), holding portal.edit (else 403), never cached."""

    @login_required
    @never_cache
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not selectors.can_edit(request.user):
            raise PermissionDenied
        try:
            return view(request, *args, **kwargs)
        except NotFoundOrForbidden:
            raise Http404() from None

    return wrapped


def _item(request, item_id: int):
    return selectors.access_item(user=request.user, item_id=item_id)


def _language_or_404(language: str) -> str:
    if language not in Language.values:
        raise Http404()
    return language


def _max_mb() -> str:
    return megabytes(max_upload_bytes())


def _status(form) -> int:
    return 400 if form.is_bound and form.errors else 200


# --- The list ------------------------------------------------------------------------------------------------------


@require_GET
@editor_page
def index(request):
    form = FilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    rows = selectors.editor_items(
        user=request.user,
        kind=filters.get("kind") or None,
        language=filters.get("language") or None,
        status=filters.get("status") or None,
        missing=filters.get("missing") or None,
        limit=LIST_LIMIT,
    )
    context = {
        "form": form,
        "rows": rows,
        "truncated": len(rows) >= LIST_LIMIT,
        "limit": LIST_LIMIT,
        "kinds": Kind.choices,
        "language_names": LANGUAGE_NAMES,
        "filtered": any(filters.values()),
        "nav": "portal_editor",
    }
    return render(request, "portal/editor/index.html", context)


# --- Creating an item ----------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@editor_page
def item_new(request, kind: str):
    if kind not in Kind.values:
        raise Http404()
    form = ItemCreateForm(request.POST or None, request.FILES or None, kind=kind, max_mb=_max_mb())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            files = []
            if kind == Kind.PUBLICATION and data.get("file"):
                files.append(
                    services.FileUpload(
                        name=data["file"].name, content=read_upload(data["file"]), language=data["file_language"]
                    )
                )
            item = services.item_create(
                by=request.user,
                kind=kind,
                language=data["language"],
                title=data["title"],
                summary=data["summary"],
                body=data["body"],
                slug=data["slug"],
                change_note=data["change_note"],
                event=form.event_data() if kind == Kind.EVENT else None,
                publication=form.publication_data() if kind == Kind.PUBLICATION else None,
                files=files,
                ip_address=client_ip(request),
            )
        except ApplicationError as error:
            form.add_application_error(error, {"file_language": "file_language"})
        else:
            messages.success(request, gettext("The item was created as a draft."))
            return redirect("portal_editor:item", item_id=item.pk)
    context = {"form": form, "kind": kind, "heading": NEW_HEADINGS[kind], "nav": "portal_editor"}
    return render(request, "portal/editor/item_new.html", context, status=_status(form))


# --- One item ------------------------------------------------------------------------------------------------------


@require_GET
@editor_page
def item(request, item_id: int):
    found = _item(request, item_id)
    translations = selectors.item_translations(found)
    context = {
        "item": found,
        "item_title": selectors.item_title(found, translations),
        "languages": [
            {"code": code, "name": LANGUAGE_NAMES[code], "translation": translations.get(code)}
            for code in Language.values
        ],
        "public_languages": selectors.item_languages(found),
        "files": selectors.item_files(found) if found.kind == Kind.PUBLICATION else [],
        "file_form": FileForm(max_mb=_max_mb()) if found.kind == Kind.PUBLICATION else None,
        "language_names": LANGUAGE_NAMES,
        "nav": "portal_editor",
    }
    return render(request, "portal/editor/item.html", context)


@require_http_methods(["GET", "POST"])
@editor_page
def item_details(request, item_id: int):
    found = _item(request, item_id)
    if found.kind not in (Kind.EVENT, Kind.PUBLICATION):
        raise Http404()
    form = DetailsForm(request.POST or None, kind=found.kind, initial=_details_initial(found))
    if request.method == "POST" and form.is_valid():
        try:
            services.item_details_update(
                by=request.user,
                item=found,
                event=form.event_data() if found.kind == Kind.EVENT else None,
                publication=form.publication_data() if found.kind == Kind.PUBLICATION else None,
                ip_address=client_ip(request),
            )
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, gettext("The details were saved."))
            return redirect("portal_editor:item", item_id=found.pk)
    context = {"item": found, "item_title": selectors.item_title(found), "form": form, "nav": "portal_editor"}
    return render(request, "portal/editor/item_details.html", context, status=_status(form))


def _details_initial(found) -> dict:
    if found.kind == Kind.EVENT and hasattr(found, "event"):
        event = found.event
        return {
            "starts_at": event.starts_at,
            "ends_at": event.ends_at,
            "place": event.place,
            "organiser": event.organiser,
            "category": event.category,
            "registration_url": event.registration_url,
        }
    if found.kind == Kind.PUBLICATION and hasattr(found, "publication"):
        return {
            "published_on": found.publication.published_on,
            "publication_type": found.publication.publication_type,
        }
    return {}


@require_POST
@editor_page
def item_archive(request, item_id: int):
    found = _item(request, item_id)
    form = NoteForm(request.POST)
    note = form.cleaned_data["change_note"] if form.is_valid() else ""
    try:
        services.item_archive(by=request.user, item=found, change_note=note, ip_address=client_ip(request))
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, gettext("The item is archived and no longer public in any language."))
    return redirect("portal_editor:item", item_id=found.pk)


@require_POST
@editor_page
def item_restore(request, item_id: int):
    found = _item(request, item_id)
    try:
        services.item_restore(by=request.user, item=found, ip_address=client_ip(request))
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, gettext("The item is restored. Publish each language version that should be public."))
    return redirect("portal_editor:item", item_id=found.pk)


# --- One language version ------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@editor_page
def translation(request, item_id: int, language: str):
    language = _language_or_404(language)
    found = _item(request, item_id)
    current = selectors.access_translation(user=request.user, item_id=found.pk, language=language)
    initial = {"title": current.title, "summary": current.summary, "body": current.body} if current else {}
    form = TranslationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.translation_save(
                by=request.user,
                item=found,
                language=language,
                title=data["title"],
                summary=data["summary"],
                body=data["body"],
                change_note=data["change_note"],
                ip_address=client_ip(request),
            )
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, gettext("The %(language)s version was saved.") % _named(language))
            return redirect("portal_editor:translation", item_id=found.pk, language=language)
    context = {
        "item": found,
        "item_title": selectors.item_title(found),
        "language": language,
        "language_name": LANGUAGE_NAMES[language],
        "translation": current,
        "form": form,
        "status_form": StatusForm(),
        "is_public": current is not None and selectors.is_visible(current),
        "other_languages": [(code, LANGUAGE_NAMES[code]) for code in Language.values if code != language],
        "nav": "portal_editor",
    }
    return render(request, "portal/editor/translation.html", context, status=_status(form))


def _named(language: str) -> dict:
    return {"language": LANGUAGE_NAMES[language]}


@require_POST
@editor_page
def translation_status(request, item_id: int, language: str):
    language = _language_or_404(language)
    current = selectors.access_translation(user=request.user, item_id=item_id, language=language)
    if current is None:
        raise Http404()
    form = StatusForm(request.POST)
    target = reverse("portal_editor:translation", kwargs={"item_id": item_id, "language": language})
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields and form.fields[field].label else ""
            for error in errors:
                messages.error(request, f"{label}: {error}" if label else error)
        return redirect(target)
    action, note = form.cleaned_data["action"], form.cleaned_data["change_note"]
    arguments = {"by": request.user, "translation": current, "change_note": note, "ip_address": client_ip(request)}
    try:
        if action == "publish":
            services.translation_publish(**arguments)
        elif action == "schedule":
            services.translation_schedule(publish_at=form.cleaned_data["publish_at"], **arguments)
        elif action == "draft":
            services.translation_return_to_draft(**arguments)
        else:
            services.translation_archive(**arguments)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, STATUS_DONE[action] % _named(language))
    return redirect(target)


@require_GET
@editor_page
def preview(request, item_id: int, language: str):
    """The version on the public page's own template, in its language, as it will look once published."""
    language = _language_or_404(language)
    current = selectors.access_translation(user=request.user, item_id=item_id, language=language)
    if current is None:
        raise Http404()
    item = current.item
    # Said in the editor's language, before the page switches to the language of the version.
    back = reverse("portal_editor:translation", kwargs={"item_id": item.pk, "language": language})
    if selectors.is_visible(current):
        notice, level = gettext("Preview: this version is public."), messages.INFO
    else:
        notice = gettext("Preview: this version is not public; only editors can open this page.")
        level = messages.WARNING
    messages.add_message(
        request, level, format_html('{} <a href="{}">{}</a>', notice, back, gettext("Back to editing"))
    )
    if current.published_at is None:
        # The date the public would see if it were published now (not saved).
        current.published_at = timezone.now()
    others = [code for code in selectors.item_languages(item) if code != language]
    with override(language):
        context = {
            "translation": current,
            "item": item,
            "body": render_markdown(current.body),
            "description": current.summary,
            "alternates": [],
            "x_default": None,
            "noindex": True,
            "nav": "",
            "other_languages": public.item_alternates(request, kind=item.kind, slug=item.slug, languages=others),
        }
        if item.kind == Kind.EVENT:
            first, _last = ical.event_days(current)
            context.update(is_over=ical.is_over(current), month=(first.year, first.month))
        elif item.kind == Kind.PUBLICATION:
            context["files"] = public.files_for_readers(item=item, language=language)
        response = render(request, PUBLIC_TEMPLATES[item.kind], context)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@require_GET
@editor_page
def revisions(request, item_id: int, language: str):
    language = _language_or_404(language)
    current = selectors.access_translation(user=request.user, item_id=item_id, language=language)
    if current is None:
        raise Http404()
    context = {
        "item": current.item,
        "item_title": selectors.item_title(current.item),
        "translation": current,
        "language": language,
        "language_name": LANGUAGE_NAMES[language],
        "revisions": selectors.translation_revisions(current),
        "nav": "portal_editor",
    }
    return render(request, "portal/editor/revisions.html", context)


@require_GET
@editor_page
def revision(request, item_id: int, language: str, number: int):
    language = _language_or_404(language)
    current = selectors.access_translation(user=request.user, item_id=item_id, language=language)
    if current is None:
        raise Http404()
    found = selectors.access_revision(translation=current, number=number)
    context = {
        "item": current.item,
        "item_title": selectors.item_title(current.item),
        "translation": current,
        "language": language,
        "language_name": LANGUAGE_NAMES[language],
        "revision": found,
        "is_current_text": (found.title, found.summary, found.body) == (current.title, current.summary, current.body),
        "nav": "portal_editor",
    }
    return render(request, "portal/editor/revision.html", context)


@require_POST
@editor_page
def revision_restore(request, item_id: int, language: str, number: int):
    language = _language_or_404(language)
    current = selectors.access_translation(user=request.user, item_id=item_id, language=language)
    if current is None:
        raise Http404()
    found = selectors.access_revision(translation=current, number=number)
    try:
        services.revision_restore(by=request.user, revision=found, ip_address=client_ip(request))
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, gettext("The text of revision %(number)d is the current text again.") % {"number": number}
        )
    return redirect("portal_editor:translation", item_id=item_id, language=language)


# --- Files of a publication ----------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@editor_page
def file_add(request, item_id: int):
    found = _item(request, item_id)
    if found.kind != Kind.PUBLICATION:
        raise Http404()
    form = FileForm(request.POST or None, request.FILES or None, max_mb=_max_mb())
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            services.publication_file_add(
                by=request.user,
                item=found,
                name=upload.name,
                content=read_upload(upload),
                language=form.cleaned_data["file_language"],
                ip_address=client_ip(request),
            )
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, gettext("The file was added."))
            return redirect("portal_editor:item", item_id=found.pk)
    context = {"item": found, "item_title": selectors.item_title(found), "form": form, "nav": "portal_editor"}
    return render(request, "portal/editor/file_add.html", context, status=_status(form))


@require_GET
@editor_page
def file_download(request, item_id: int, file_id: int):
    found = _item(request, item_id)
    stored = selectors.access_file(user=request.user, item=found, file_id=file_id)
    try:
        handle = stored.file.open("rb")
    except OSError:
        raise Http404() from None
    return FileResponse(handle, as_attachment=True, filename=stored.original_name, content_type=stored.content_type)


@require_POST
@editor_page
def file_remove(request, item_id: int, file_id: int):
    found = _item(request, item_id)
    stored = selectors.access_file(user=request.user, item=found, file_id=file_id)
    services.publication_file_remove(by=request.user, publication_file=stored, ip_address=client_ip(request))
    messages.success(request, gettext("The file “%(name)s” was removed.") % {"name": stored.original_name})
    return redirect("portal_editor:item", item_id=found.pk)
