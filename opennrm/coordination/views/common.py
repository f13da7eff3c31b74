"""What every coordination page shares: who may open it, and how a refusal answers.

A page for readers answers 403 to a signed-in user without any coordination capability; an object the user may not
see answers 404, exactly as one that does not exist (the selectors' `NotFoundOrForbidden`).
"""

from __future__ import annotations

from contextlib import contextmanager

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render

from opennrm.coordination import selectors
from opennrm.coordination.selectors import CoordinationAccess, coordination_access
from opennrm.core.errors import Forbidden, NotFoundOrForbidden


def require_reader(user) -> CoordinationAccess:
    access = coordination_access(user)
    if not access.read:
        raise PermissionDenied
    return access


def require_manager(user) -> CoordinationAccess:
    access = coordination_access(user)
    if not access.manage:
        raise PermissionDenied
    return access


def require_reporter(user) -> CoordinationAccess:
    access = coordination_access(user)
    if not access.report:
        raise PermissionDenied
    return access


def require_meetings(user) -> CoordinationAccess:
    access = coordination_access(user)
    if not access.meetings:
        raise PermissionDenied
    return access


@contextmanager
def visible():
    """Turn the selectors' and services' refusals into the page's answer: 404 for unseen, 403 for not allowed."""
    try:
        yield
    except NotFoundOrForbidden:
        raise Http404() from None
    except Forbidden:
        raise PermissionDenied from None


def page(request, template: str, context: dict, *, access: CoordinationAccess, nav: str = "coordination", status=None):
    """Render a coordination page with what the section's navigation needs."""
    return render(request, template, {"access": access, "nav": nav, **context}, status=status)


def form_status(form) -> int:
    # A refused form answers 400, so that tests, scripts and browsers all see the refusal.
    return 400 if form.is_bound and form.errors else 200


def completable_tasks(user) -> set[int]:
    """Ids of the open tasks this user may mark done: `selectors.can_complete_task` for a whole list, in one query
    (every open task for the coordinator, the own institution's for a working-group member)."""
    access = coordination_access(user)
    if not access.manage and not (access.meetings and access.institution is not None):
        return set()
    institution = None if access.manage else access.institution
    return {task.pk for task in selectors.decision_tasks_visible(user=user, institution=institution, open_only=True)}
