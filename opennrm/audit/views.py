"""The read-only audit log page for holders of `audit.view`."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from opennrm.audit.selectors import audit_events_page, can_view_audit


class AuditFilterForm(forms.Form):
    action = forms.CharField(
        label=_("Action"),
        help_text=_("The exact action name, for example auth.login or auth.login_failed."),
        required=False,
        max_length=64,
    )
    before = forms.IntegerField(label=_("Older than event number"), required=False, min_value=1)


@login_required
@require_GET
def events(request):
    if not can_view_audit(user=request.user):
        raise PermissionDenied
    form = AuditFilterForm(request.GET or None)
    action, before = None, None
    if form.is_bound and form.is_valid():
        action = form.cleaned_data["action"].strip() or None
        before = form.cleaned_data["before"]
    page = audit_events_page(user=request.user, action=action, before=before)
    context = {"form": form, "page": page, "action": action or "", "before": before}
    if request.htmx and not request.htmx.boosted:
        return render(request, "audit/_events_table.html", context)
    return render(request, "audit/events.html", context)
