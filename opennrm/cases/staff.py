"""Who works where: the staff of an institution, the workers assigned to a case, the institution serving a place.

Services use these to decide whom to tell of something and which institution a workflow effect involves.
"""

from opennrm.accounts.models import User
from opennrm.cases.models import Case
from opennrm.directory.models import Institution


def institution_staff(*, institution, capability: str | None = None, roles: list[str] | None = None) -> list:
    """Active members of an institution holding `capability` (or one of `roles`) in force."""
    members = (
        User.objects.filter(unit__institution=institution, is_active=True)
        .select_related("unit__institution__type")
        .prefetch_related("roles")
        .order_by("pk")
    )
    chosen = []
    for member in members:
        if capability and not member.has_capability(capability):
            continue
        if roles and not {role.code for role in member.active_roles()}.intersection(roles):
            continue
        chosen.append(member)
    return chosen


def case_assignees(*, case: Case) -> list:
    return list(
        User.objects.filter(case_assignments__case=case, case_assignments__ended_at__isnull=True, is_active=True)
        .select_related("unit__institution__type")
        .distinct()
        .order_by("pk")
    )


def responsible_institution(*, type_code: str, municipality):
    """The institution of a type that serves a municipality: the local one, else a regional, else a national one."""
    candidates = Institution.objects.filter(type__code=type_code, is_active=True)
    if municipality is not None:
        for scoped in (
            candidates.filter(municipality=municipality, scope="municipal"),
            candidates.filter(service_area=municipality),
            candidates.filter(municipality=municipality),
        ):
            found = scoped.order_by("code").first()
            if found is not None:
                return found
    return candidates.filter(scope="national").order_by("code").first()
