"""The read-only audit log page for holders of `audit.view` (own institution) or `audit.view_all`."""

from functools import wraps

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from opennrm.audit.selectors import audit_events_page, can_view_all_audit, can_view_audit
from opennrm.audit.services import audit_log_read, client_ip


class AuditFilterForm(forms.Form):
    action = forms.CharField(
        label=_("Action"),
        help_text=_("The exact action name, for example auth.login or auth.login_failed."),
        required=False,
        max_length=64,
    )
    institution = forms.SlugField(
        label=_("Institution code"),
        help_text=_("The institution's code, as in the address of its page in the directory."),
        required=False,
        max_length=100,
    )
    before = forms.IntegerField(label=_("Older than event number"), required=False, min_value=1)

    def __init__(self, *args, all_institutions: bool, **kwargs):
        super().__init__(*args, **kwargs)
        # Readers of their own institution's events have nothing to choose between.
        if not all_institutions:
            del self.fields["institution"]


def private_no_store(view):
    """The log names people and addresses: no shared or browser cache may keep a copy."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        patch_cache_control(response, private=True, no_store=True)
        return response

    return wrapped


@login_required
@require_GET
@private_no_store
def events(request):
    if not can_view_audit(user=request.user):
        raise PermissionDenied
    all_institutions = can_view_all_audit(user=request.user)
    form = AuditFilterForm(request.GET or None, all_institutions=all_institutions)
    filters = {"action": None, "institution": None, "before": None}
    if form.is_bound and form.is_valid():
        filters = {
            "action": form.cleaned_data["action"].strip() or None,
            "institution": form.cleaned_data.get("institution") or None,
            "before": form.cleaned_data["before"],
        }
    page = audit_events_page(user=request.user, **filters)
    audit_log_read(by=request.user, ip_address=client_ip(request), **filters)
    context = {
        "form": form,
        "page": page,
        "action": filters["action"] or "",
        "institution": filters["institution"] or "",
        "before": filters["before"],
        "all_institutions": all_institutions,
        # The filters the page links keep, so paging stays within them.
        "filter_query": urlencode({k: filters[k] for k in ("action", "institution") if filters[k]}),
    }
    if request.htmx and not request.htmx.boosted:
        return render(request, "audit/_events_table.html", context)
    return render(request, "audit/events.html", context)
