"""Things a request about a case names by code or id in other apps: a municipality, an institution, a screening, a
document of the case.

A code that names nothing is the caller's mistake, not a hidden case, so it is refused as bad input naming the
field (400), never as "not found" (404), which the API keeps for cases and referrals the caller may not see.
"""

from django.utils.translation import gettext

from opennrm.cases.models import Case, Document
from opennrm.core.errors import ApplicationError
from opennrm.directory.models import Institution, Municipality
from opennrm.screening.models import Screening


def municipality_by_code(code: str | None, *, field: str = "municipality") -> Municipality | None:
    """The active municipality with this code; None when no code is given."""
    if not code:
        return None
    municipality = Municipality.objects.filter(code=code, is_active=True).first()
    if municipality is None:
        raise ApplicationError(gettext("There is no municipality with this code."), field=field)
    return municipality


def institution_by_code(code: str | None, *, field: str) -> Institution | None:
    """The active institution with this code (with its type); None when no code is given."""
    if not code:
        return None
    institution = Institution.objects.select_related("type").filter(code=code, is_active=True).first()
    if institution is None:
        raise ApplicationError(gettext("There is no institution with this code in the directory."), field=field)
    return institution


def screening_by_id(screening_id: int | None, *, field: str = "screening") -> Screening | None:
    """A saved screening (it holds no personal data, so any member of staff may start a case from it)."""
    if screening_id is None:
        return None
    screening = Screening.objects.filter(pk=screening_id).first()
    if screening is None:
        raise ApplicationError(gettext("There is no saved screening with this number."), field=field)
    return screening


def document_of_case(case: Case, document_id: int | None, *, field: str = "document_id") -> Document | None:
    """A document attached to this case (the caller has already been allowed to see the case)."""
    if document_id is None:
        return None
    document = Document.objects.filter(case=case, pk=document_id).defer("content").first()
    if document is None:
        raise ApplicationError(gettext("Choose a document attached to this case."), field=field)
    return document
