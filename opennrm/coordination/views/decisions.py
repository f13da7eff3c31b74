"""The decisions register with the tasks it gives to institutions (tracked to done), and the public page of the
working group (member institutions and meeting dates only)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from opennrm.coordination import selectors, services
from opennrm.coordination.forms import DecisionForm, DecisionTaskForm, TaskDoneForm
from opennrm.coordination.views.common import completable_tasks, page, require_manager, require_reader, visible
from opennrm.coordination.views.group import NAV, back_to, form_page, meeting_or_404
from opennrm.core.errors import ApplicationError

# --- Decisions ---------------------------------------------------------------------------------------------------


@never_cache
@login_required
@require_GET
def decisions(request):
    access = require_reader(request.user)
    open_only = request.GET.get("tasks") == "open"
    context = {
        "decisions": selectors.decisions_visible(user=request.user),
        "open_tasks": selectors.decision_tasks_visible(user=request.user, open_only=True),
        "open_only": open_only,
        "today": timezone.localdate(),
        "completable": completable_tasks(request.user),
    }
    return page(request, "coordination/group/decisions.html", context, access=access, nav=NAV)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def decision_new(request, meeting_id: int):
    access = require_manager(request.user)
    item = meeting_or_404(request, meeting_id)
    form = DecisionForm(request.POST or None)
    if form.is_bound and form.is_valid():
        try:
            services.decision_record(
                meeting=item,
                by=request.user,
                text=form.cleaned_data["text"],
                number=form.cleaned_data["number"],
                tasks=form.tasks(),
            )
        except ApplicationError as error:
            form.add_application_error(error, {"owner_institution": "task_owner", "deadline": "task_deadline"})
        else:
            messages.success(request, gettext("The decision was entered in the register and the members were told."))
            return redirect("coordination:meeting", meeting_id=item.pk)
    return form_page(request, access=access, form=form, heading=gettext("Record a decision"), back_url=back_to(item.pk))


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def decision_task_new(request, decision_id: int):
    access = require_manager(request.user)
    with visible():
        decision = selectors.access_decision(user=request.user, decision_id=decision_id)
    form = DecisionTaskForm(request.POST or None)
    if form.is_bound and form.is_valid():
        try:
            services.decision_task_add(decision=decision, by=request.user, **form.cleaned_data)
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, gettext("The task was added and the institution was told."))
            return redirect("coordination:decisions")
    heading = gettext("Add a task to decision %(number)s") % {"number": decision.number}
    return form_page(request, access=access, form=form, heading=heading, back_url="coordination:decisions")


@login_required
@require_POST
def task_done(request, task_id: int):
    require_reader(request.user)
    with visible():
        task = selectors.access_decision_task(user=request.user, task_id=task_id)
    if not selectors.can_complete_task(user=request.user, task=task):
        raise PermissionDenied
    form = TaskDoneForm(request.POST)
    if form.is_valid():
        try:
            with visible():
                services.decision_task_done(task=task, by=request.user, note=form.cleaned_data["note"])
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, gettext("The task was marked done."))
    else:
        messages.error(request, gettext("The note is too long (at most 5000 characters)."))
    return redirect("coordination:decisions")


# --- Public ------------------------------------------------------------------------------------------------------


@require_GET
def public_working_group(request):
    """Who sits in the working group and when it meets; open to everyone, without agendas or minutes."""
    return render(
        request, "coordination/group/public.html", {"group": selectors.public_working_group(), "nav": "public_group"}
    )
