"""Audit events of reads that are not one case's person data: a search by name, and the audit review queue.

Each records who looked, when and at what (ids and counts only): the searched name and the justifications read
are personal data and stay out of the log.
"""

from django.db import transaction

from opennrm.audit.services import audit_record
from opennrm.cases.models import BreakGlassAccess, Case, Referral
from opennrm.cases.reviews import can_read_review_texts
from opennrm.core.capabilities import Capability
from opennrm.core.errors import NotFoundOrForbidden

# Stored as data, not shown as interface text, so they are kept in one language.
SEARCH_PURPOSE = "finding a person's case"
REVIEW_PURPOSE = "audit review"


def person_search_record(*, by, cases: list[Case], contact_institutions: list, ip_address: str | None = None) -> None:
    """Record that `by` searched for a person by name and birth date, and which cases the search showed."""
    if not by.has_capability(Capability.CASES_VIEW):
        raise NotFoundOrForbidden()
    with transaction.atomic():
        audit_record(
            action="case.person_searched",
            actor=by,
            object_type="case",
            purpose=SEARCH_PURPOSE,
            new_values={
                "cases": [case.reference for case in cases],
                "other_institutions": [institution.code for institution in contact_institutions],
            },
            ip_address=ip_address,
        )


def reviews_read(
    *, by, referrals: list[Referral], accesses: list[BreakGlassAccess], ip_address: str | None = None
) -> None:
    """Record that `by` was shown these legal-duty referrals and emergency accesses, and whether with their written
    justifications (only reviewers who may see personal data read those: `can_read_review_texts`)."""
    if not (by.has_capability(Capability.AUDIT_VIEW) or by.has_capability(Capability.AUDIT_VIEW_ALL)):
        raise NotFoundOrForbidden()
    with transaction.atomic():
        audit_record(
            action="case.reviews_read",
            actor=by,
            object_type="review_queue",
            purpose=REVIEW_PURPOSE,
            new_values={
                "referrals": [referral.pk for referral in referrals],
                "break_glass": [access.pk for access in accesses],
                "texts": can_read_review_texts(user=by),
            },
            ip_address=ip_address,
        )


def referral_read(*, by, referral: Referral, ip_address: str | None = None) -> None:
    """Record that `by` opened a referral: its message and answers are free text that may describe the person."""
    with transaction.atomic():
        audit_record(
            action="referral.viewed",
            actor=by,
            object_type="case",
            object_id=referral.case.reference,
            purpose="referral review",
            new_values={"case": referral.case.reference, "referral": referral.pk},
            ip_address=ip_address,
        )
