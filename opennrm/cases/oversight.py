"""Country-wide counts of cases and referrals for national oversight: numbers only, never a case or a person."""

from dataclasses import dataclass

from django.db.models import Count
from django.utils import timezone

from opennrm.cases.models import BreakGlassAccess, Case, Referral
from opennrm.core.capabilities import Capability
from opennrm.core.errors import NotFoundOrForbidden


@dataclass(frozen=True)
class OversightCounts:
    open_cases: int
    cases_by_state: dict[str, int]
    referrals_waiting: int
    referrals_overdue: int
    overdue_by_institution_type: dict[str, int]
    legal_duty_to_review: int
    break_glass_to_review: int


def oversight_counts(*, user) -> OversightCounts:
    """Country-wide counts for the national coordinator; no case, reference or person is ever part of it."""
    if not user.has_capability(Capability.CASES_OVERSEE):
        raise NotFoundOrForbidden()
    now = timezone.now()
    by_state = dict(
        Case.objects.filter(state_kind="open").values_list("state").annotate(n=Count("pk")).values_list("state", "n")
    )
    waiting = Referral.objects.filter(status=Referral.Status.SENT)
    overdue = waiting.filter(due_at__lt=now)
    overdue_by_type = dict(
        overdue.values_list("to_institution__type__code")
        .annotate(n=Count("pk"))
        .values_list("to_institution__type__code", "n")
    )
    return OversightCounts(
        open_cases=sum(by_state.values()),
        cases_by_state=by_state,
        referrals_waiting=waiting.count(),
        referrals_overdue=overdue.count(),
        overdue_by_institution_type=overdue_by_type,
        legal_duty_to_review=Referral.objects.filter(needs_review=True, reviewed_at__isnull=True).count(),
        break_glass_to_review=BreakGlassAccess.objects.filter(reviewed_at__isnull=True).count(),
    )
