"""Synthetic demo statistics (loaded by `opennrm demo load`, after the demo cases).

Earlier years come from packs/<pack>/demo/htcds_history.csv, synthetic HTCDS records imported like any other file,
so the dashboards have trends to show. Some demo cases get the person's consent to the HTCDS exchange, so that
`opennrm htcds export` has cases to send. Then every fact is rebuilt. Running it again changes nothing.
"""

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from opennrm.cases.models import Assignment, Case, Consent
from opennrm.cases.services.consent import consent_record
from opennrm.core.errors import ApplicationError
from opennrm.stats.dimensions import statistics_definitions
from opennrm.stats.htcds import htcds_import
from opennrm.stats.services.facts import facts_rebuild

HISTORY_FILE = "htcds_history.csv"
# Every other demo case: enough to show the export, and cases without the consent stay out of it.
CONSENT_SHARE = 2
EXCHANGE_RECIPIENT_TYPE = "national_coordinator"


def _exchange_consents(purpose: str) -> int:
    """Record the HTCDS exchange consent on every other demo case that can still take one; returns how many."""
    with_consent = Consent.objects.filter(purpose=purpose).values("case_id")
    cases = Case.objects.filter(erased_at__isnull=True).exclude(pk__in=with_consent).order_by("pk")
    recorded = 0
    for case in cases:
        if case.pk % CONSENT_SHARE:
            continue
        assignment = Assignment.objects.filter(case=case, ended_at__isnull=True).select_related("user").first()
        if assignment is None:
            continue
        try:
            with transaction.atomic():
                consent_record(
                    by=assignment.user,
                    case=case,
                    purpose=purpose,
                    method=Consent.Method.WRITTEN,
                    given_on=timezone.localdate(),
                    given_by=Consent.Giver.LEGAL_REPRESENTATIVE if case.is_child else Consent.Giver.PERSON,
                    giver_details="Demo legal representative (parent)" if case.is_child else "",
                    recipient_type=EXCHANGE_RECIPIENT_TYPE,
                )
        except ApplicationError:
            # A case the assigned worker can no longer change (it ended, say): it simply stays out of the export.
            continue
        recorded += 1
    return recorded


def demo_stats_create() -> str:
    """Import the synthetic history, give some demo cases the exchange consent, rebuild the facts."""
    path = settings.OPENNRM_PACKS_DIR / settings.OPENNRM_PACK / "demo" / HISTORY_FILE
    imported = None
    if path.exists():
        imported = htcds_import(path=path)
        if not imported.ok:
            raise ApplicationError("; ".join(imported.problems[:5]))
    purpose = statistics_definitions().htcds_consent_purpose
    consents = _exchange_consents(purpose) if purpose else 0
    report = facts_rebuild()
    parts = [f"{report.case_facts} case facts, {report.screening_facts} screening facts"]
    if imported is not None:
        parts.append(f"{imported.created + imported.updated + imported.unchanged} historical HTCDS records")
    if consents:
        parts.append(f"{consents} new HTCDS exchange consents")
    return "Demo statistics: " + ", ".join(parts) + "."
