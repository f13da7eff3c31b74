"""The working group: its members, and its meetings (agenda, documents, attendance, minutes).

The decisions register and the public page are in views/decisions.py."""

from __future__ import annotations

import unicodedata

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from opennrm.coordination import selectors, services
from opennrm.coordination.forms import (
    AttendanceForm,
    GroupForm,
    MeetingDocumentForm,
    MeetingForm,
    MembershipEditForm,
    MembershipForm,
    MinutesForm,
)
from opennrm.coordination.models import Meeting
from opennrm.coordination.views.common import (
    completable_tasks,
    form_status,
    page,
    require_manager,
    require_reader,
    visible,
)
from opennrm.core.errors import ApplicationError

NAV = "meetings"


def _group_or_404():
    group = selectors.working_group_current()
    if group is None:
        raise Http404()
    return group


def form_page(request, *, access, form, heading, back_url, status=None, multipart=False):
    name, kwargs = back_url if isinstance(back_url, tuple) else (back_url, None)
    context = {"form": form, "heading": heading, "back_url": reverse(name, kwargs=kwargs), "multipart": multipart}
    return page(
        request,
        "coordination/group/form.html",
        context,
        access=access,
        nav=NAV,
        status=status if status is not None else form_status(form),
    )


# --- The group and its members -----------------------------------------------------------------------------------


@never_cache
@login_required
@require_GET
def members(request):
    access = require_reader(request.user)
    group = selectors.working_group_current()
    context = {
        "group": group,
        "current": selectors.memberships_current(group=group) if group else [],
        "all_memberships": selectors.memberships_all(group=group) if group else [],
        "today": timezone.localdate(),
    }
    return page(request, "coordination/group/members.html", context, access=access, nav=NAV)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def group_edit(request):
    """Set up the working group (its name and the act that established it), or change them."""
    access = require_manager(request.user)
    group = selectors.working_group_current()
    form = GroupForm(request.POST or None, initial=GroupForm.initial_for(group))
    if group is not None:
        # The code names the group in links and files; once set it stays.
        form.fields["code"].disabled = True
    if form.is_bound and form.is_valid():
        try:
            if group is None:
                services.working_group_create(by=request.user, **form.values())
            else:
                values = form.values()
                values.pop("code")
                services.working_group_update(group=group, by=request.user, **values)
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, gettext("The working group was saved."))
            return redirect("coordination:members")
    heading = gettext("Set up the working group") if group is None else gettext("Edit the working group")
    return form_page(request, access=access, form=form, heading=heading, back_url="coordination:members")


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def membership_new(request):
    access = require_manager(request.user)
    group = _group_or_404()
    form = MembershipForm(request.POST or None, initial={"since": timezone.localdate()})
    if form.is_bound and form.is_valid():
        try:
            services.membership_create(group=group, by=request.user, **form.cleaned_data)
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, gettext("The institution was added to the working group."))
            return redirect("coordination:members")
    return form_page(
        request, access=access, form=form, heading=gettext("Add a member institution"), back_url="coordination:members"
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def membership_edit(request, membership_id: int):
    access = require_manager(request.user)
    with visible():
        membership = selectors.access_membership(user=request.user, membership_id=membership_id)
    form = MembershipEditForm(request.POST or None, initial=MembershipEditForm.initial_for(membership))
    if membership.until is not None:
        form.fields["until"].disabled = True
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            ending = {} if membership.until is not None else {"until": data["until"]}
            services.membership_update(
                membership=membership,
                by=request.user,
                delegate_name=data["delegate_name"],
                substitute_name=data["substitute_name"],
                **ending,
            )
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, gettext("The membership was saved."))
            return redirect("coordination:members")
    heading = gettext("Membership of %(institution)s") % {"institution": membership.institution}
    return form_page(request, access=access, form=form, heading=heading, back_url="coordination:members")


# --- Meetings ----------------------------------------------------------------------------------------------------


@never_cache
@login_required
@require_GET
def meetings(request):
    access = require_reader(request.user)
    group = selectors.working_group_current()
    context = {
        "group": group,
        "upcoming": selectors.meetings_visible(user=request.user, group=group, upcoming=True) if group else [],
        "past": selectors.meetings_visible(user=request.user, group=group, upcoming=False) if group else [],
    }
    return page(request, "coordination/group/meetings.html", context, access=access, nav=NAV)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def meeting_new(request):
    access = require_manager(request.user)
    group = _group_or_404()
    form = MeetingForm(request.POST or None)
    if form.is_bound and form.is_valid():
        try:
            created = services.meeting_create(group=group, by=request.user, **form.values())
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, gettext("The meeting was scheduled and the members were told."))
            return redirect("coordination:meeting", meeting_id=created.pk)
    return form_page(
        request, access=access, form=form, heading=gettext("Schedule a meeting"), back_url="coordination:meetings"
    )


def meeting_or_404(request, meeting_id: int):
    with visible():
        return selectors.access_meeting(user=request.user, meeting_id=meeting_id)


@never_cache
@login_required
@require_GET
def meeting(request, meeting_id: int):
    access = require_reader(request.user)
    item = meeting_or_404(request, meeting_id)
    taken_place = item.status != Meeting.Status.CANCELLED and item.starts_at <= timezone.now()
    context = {
        "meeting": item,
        "records": selectors.can_see_meeting_records(user=request.user, meeting=item),
        "documents": selectors.meeting_documents(user=request.user, meeting=item),
        "attendance": selectors.meeting_attendance(user=request.user, meeting=item),
        "decisions": selectors.decisions_visible(user=request.user, meeting=item),
        "taken_place": taken_place,
        "can_cancel": access.manage and item.status == Meeting.Status.PLANNED,
        "completable": completable_tasks(request.user),
        "today": timezone.localdate(),
    }
    return page(request, "coordination/group/meeting.html", context, access=access, nav=NAV)


def back_to(meeting_id: int) -> tuple[str, dict]:
    return "coordination:meeting", {"meeting_id": meeting_id}


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def meeting_edit(request, meeting_id: int):
    access = require_manager(request.user)
    item = meeting_or_404(request, meeting_id)
    form = MeetingForm(request.POST or None, initial=MeetingForm.initial_for(item))
    if form.is_bound and form.is_valid():
        try:
            services.meeting_update(meeting=item, by=request.user, **form.values())
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, gettext("The meeting was saved."))
            return redirect("coordination:meeting", meeting_id=item.pk)
    return form_page(request, access=access, form=form, heading=gettext("Edit the meeting"), back_url=back_to(item.pk))


@login_required
@require_POST
def meeting_cancel(request, meeting_id: int):
    require_manager(request.user)
    item = meeting_or_404(request, meeting_id)
    try:
        services.meeting_cancel(meeting=item, by=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, gettext("The meeting was cancelled and the members were told."))
    return redirect("coordination:meeting", meeting_id=item.pk)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def meeting_minutes(request, meeting_id: int):
    access = require_manager(request.user)
    item = meeting_or_404(request, meeting_id)
    form = MinutesForm(request.POST or None, initial={"minutes": item.minutes})
    if form.is_bound and form.is_valid():
        try:
            services.meeting_minutes_record(meeting=item, by=request.user, minutes=form.cleaned_data["minutes"])
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, gettext("The minutes were saved."))
            return redirect("coordination:meeting", meeting_id=item.pk)
    return form_page(
        request, access=access, form=form, heading=gettext("Minutes of the meeting"), back_url=back_to(item.pk)
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def meeting_attendance(request, meeting_id: int):
    access = require_manager(request.user)
    item = meeting_or_404(request, meeting_id)
    rows = selectors.meeting_attendance(user=request.user, meeting=item)
    form = AttendanceForm(request.POST or None, rows=rows)
    if form.is_bound and form.is_valid():
        try:
            services.attendance_record(meeting=item, by=request.user, entries=form.entries())
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, gettext("The attendance was saved."))
            return redirect("coordination:meeting", meeting_id=item.pk)
    context = {"form": form, "meeting": item}
    return page(
        request, "coordination/group/attendance.html", context, access=access, nav=NAV, status=form_status(form)
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def meeting_document_new(request, meeting_id: int):
    access = require_manager(request.user)
    item = meeting_or_404(request, meeting_id)
    form = MeetingDocumentForm(request.POST or None, request.FILES or None)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        upload = data.get("file")
        try:
            if upload:
                services.meeting_document_add(
                    meeting=item,
                    by=request.user,
                    title=data["title"],
                    filename=upload.name,
                    content_type=upload.content_type or "",
                    content=upload.read(),
                )
            else:
                services.meeting_document_add(meeting=item, by=request.user, title=data["title"], url=data["url"])
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, gettext("The document was added."))
            return redirect("coordination:meeting", meeting_id=item.pk)
    return form_page(
        request,
        access=access,
        form=form,
        heading=gettext("Add a document"),
        back_url=back_to(item.pk),
        multipart=True,
    )


@never_cache
@login_required
@require_GET
def meeting_document(request, document_id: int):
    """A file of a meeting, for the working group only; always downloaded, never shown inline."""
    require_reader(request.user)
    with visible():
        document = selectors.access_meeting_document(user=request.user, document_id=document_id)
    if document.is_link:
        raise Http404()
    response = HttpResponse(bytes(document.content or b""), content_type=document.content_type)
    response["Content-Disposition"] = f'attachment; filename="{_ascii_filename(document.filename)}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _ascii_filename(name: str) -> str:
    # Latin letters with diacritics become plain ones; anything a header cannot carry becomes "_".
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "".join(c if c.isalnum() or c in "._- " else "_" for c in plain) or "document"
