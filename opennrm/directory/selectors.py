"""Reading the institution directory, and "who to call" for a situation in a place.

Contact points meant for professionals only are shown to signed-in staff and to nobody else, so every read
that returns contact points takes the reading user (None for public pages).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from opennrm.core.capabilities import Capability
from opennrm.core.errors import ApplicationError, NotFoundOrForbidden
from opennrm.core.i18n import localized
from opennrm.directory.models import ContactPoint, Institution, InstitutionType, Municipality, Unit
from opennrm.jurisdiction.models import ModelVersion
from opennrm.jurisdiction.schema import MatrixEntry, Pack, Stage
from opennrm.jurisdiction.selectors import version_pack, version_published

POPULATIONS = ("adult", "child")
NATIONALITIES = ("national", "eu_citizen", "third_country_national")
POPULATION_LABELS = {"adult": _("Adult (18 or older)"), "child": _("Child (under 18)")}
NATIONALITY_LABELS = {
    "national": _("National of this country"),
    "eu_citizen": _("Citizen of another EU country"),
    "third_country_national": _("Third-country national"),
}
SCOPE_ORDER = {Institution.Scope.MUNICIPAL: 0, Institution.Scope.REGIONAL: 1, Institution.Scope.NATIONAL: 2}
# A responsibility with no institution listed for the place comes after every listed institution.
UNLISTED_RANK = len(SCOPE_ORDER)
VISIBLE_CONTACTS = "visible_contact_points"
ACTIVE_UNITS = "active_units"


# --- the published model ------------------------------------------------------------------------------------


def published_model() -> ModelVersion | None:
    """The model version in force for this installation's pack, or None before the first publication."""
    return version_published()


def content_languages() -> list[str]:
    """The languages directory texts are kept in: the published pack's, else the site's."""
    model = published_model()
    return list(version_pack(model).languages) if model else [code for code, _name in settings.LANGUAGES]


def stage_choices(*, model: ModelVersion | None = None) -> list[tuple[str, str]]:
    """(id, name) of the published model's stages, in process order."""
    model = model or published_model()
    return [(stage.id, localized(stage.name)) for stage in version_pack(model).ordered_stages()] if model else []


def population_choices() -> list[tuple[str, str]]:
    return [(code, str(label)) for code, label in POPULATION_LABELS.items()]


def nationality_choices() -> list[tuple[str, str]]:
    return [(code, str(label)) for code, label in NATIONALITY_LABELS.items()]


# --- municipalities, types, institutions --------------------------------------------------------------------


def municipalities_active() -> QuerySet[Municipality]:
    return Municipality.objects.filter(is_active=True).order_by("code")


def municipality_choices() -> list[tuple[str, str]]:
    """(code, name) of active municipalities, sorted by their name in the active language."""
    return sorted(((m.code, str(m)) for m in municipalities_active()), key=lambda choice: choice[1].casefold())


def institution_types_active() -> QuerySet[InstitutionType]:
    return InstitutionType.objects.filter(is_active=True).order_by("code")


def is_staff_reader(user) -> bool:
    """Signed-in staff may read professionals-only contact points; the public may not."""
    return bool(user is not None and user.is_authenticated and user.is_active)


def contact_points_visible(*, user) -> QuerySet[ContactPoint]:
    """Active contact points the user may read, in display order."""
    points = ContactPoint.objects.filter(is_active=True).order_by("order", "pk")
    if not is_staff_reader(user):
        points = points.filter(audience=ContactPoint.Audience.PUBLIC)
    return points


def _with_contacts(institutions: QuerySet[Institution], *, user) -> QuerySet[Institution]:
    return institutions.select_related("type", "municipality").prefetch_related(
        "service_area",
        Prefetch("contact_points", queryset=contact_points_visible(user=user), to_attr=VISIBLE_CONTACTS),
    )


def _name_matches(text: str) -> Q:
    condition = Q(code__icontains=text)
    for language, _name in settings.LANGUAGES:
        condition |= Q(**{f"names__{language}__icontains": text})
    return condition


def institutions_list(
    *,
    user=None,
    municipality: str | None = None,
    institution_type: str | None = None,
    q: str | None = None,
    after: str | None = None,
    limit: int | None = None,
) -> QuerySet[Institution]:
    """Active institutions, ordered by code, with their visible contact points prefetched.

    `municipality` keeps institutions seated in that municipality or serving it as part of a region; national
    institutions are not repeated under every municipality (who_to_call lists them). `after`: keyset cursor.
    """
    institutions = Institution.objects.filter(is_active=True, type__is_active=True)
    if municipality:
        # Ids first, so each side of the OR uses its own index instead of a scan of the whole table
        # (benchmarks/README.md, "institution list by municipality").
        area_id = Municipality.objects.filter(code=municipality).values_list("pk", flat=True).first()
        if area_id is None:
            return Institution.objects.none()
        served = Institution.service_area.through.objects.filter(municipality_id=area_id).values("institution_id")
        institutions = institutions.filter(Q(municipality_id=area_id) | Q(pk__in=served))
    if institution_type:
        type_id = InstitutionType.objects.filter(code=institution_type).values_list("pk", flat=True).first()
        if type_id is None:
            return Institution.objects.none()
        institutions = institutions.filter(type_id=type_id)
    if q and q.strip():
        institutions = institutions.filter(_name_matches(q.strip()))
    if after:
        institutions = institutions.filter(code__gt=after)
    institutions = _with_contacts(institutions.order_by("code"), user=user)
    return institutions[:limit] if limit is not None else institutions


def access_institution(*, code: str, user=None) -> Institution:
    """One active institution with its active units and the contact points the user may read."""
    institution = (
        _with_contacts(Institution.objects.filter(code=code, is_active=True), user=user)
        .prefetch_related(
            Prefetch("units", queryset=Unit.objects.filter(is_active=True).order_by("code"), to_attr=ACTIVE_UNITS)
        )
        .first()
    )
    if institution is None:
        raise NotFoundOrForbidden()
    return institution


def visible_contact_points(institution: Institution) -> list[ContactPoint]:
    """The contact points prefetched for the reader by the selectors above."""
    return list(getattr(institution, VISIBLE_CONTACTS, []))


def active_units(institution: Institution) -> list[Unit]:
    """The active units prefetched by `access_institution`; disabled units are history, not directory."""
    return list(getattr(institution, ACTIVE_UNITS, []))


# --- who may edit -------------------------------------------------------------------------------------------


def can_edit_directory(*, user) -> bool:
    """Whether the user may change contact points of some institution (which ones: `can_edit_institution`)."""
    return is_staff_reader(user) and (
        user.has_capability(Capability.DIRECTORY_EDIT) or user.has_capability(Capability.DIRECTORY_EDIT_ALL)
    )


def can_edit_institution(*, user, institution: Institution) -> bool:
    """directory.edit keeps the user's own institution's entry; directory.edit_all keeps every entry."""
    if not is_staff_reader(user):
        return False
    if user.has_capability(Capability.DIRECTORY_EDIT_ALL):
        return True
    return (
        user.has_capability(Capability.DIRECTORY_EDIT)
        and user.unit_id is not None
        and user.unit.institution_id == institution.pk
    )


def access_institution_for_edit(*, user, code: str) -> Institution:
    """The institution whose contact points the user may change; another institution answers as missing."""
    institution = Institution.objects.filter(code=code, is_active=True).first()
    if institution is None or not can_edit_institution(user=user, institution=institution):
        raise NotFoundOrForbidden()
    return institution


def access_contact_point_for_edit(*, user, pk: int) -> ContactPoint:
    """An active contact point of an institution the user may edit; otherwise NotFoundOrForbidden."""
    point = ContactPoint.objects.select_related("institution").filter(pk=pk, is_active=True).first()
    if point is None or not can_edit_institution(user=user, institution=point.institution):
        raise NotFoundOrForbidden()
    return point


# --- who to call --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LegalBasisRef:
    id: str
    title: dict[str, str]
    citation: str
    url: str


@dataclass(frozen=True)
class FunctionRef:
    id: str
    name: dict[str, str]


@dataclass(frozen=True)
class Responsibility:
    """What the published model says an institution type does at a stage."""

    institution_type: str
    institution_type_name: dict[str, str]
    level: str
    functions: list[FunctionRef]
    description: dict[str, str]
    legal_bases: list[LegalBasisRef]
    # Contacts the pack gives for the type (e.g. a national hotline), shown when no institution is listed.
    type_contacts: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class WhoToCallEntry:
    """One institution to call; with institution None, a responsibility no listed institution covers here."""

    responsibility: Responsibility
    institution: Institution | None
    contact_points: list[ContactPoint]

    @property
    def scope(self) -> str:
        return self.institution.scope if self.institution else ""


@dataclass(frozen=True)
class Situation:
    municipality: Municipality
    stage: Stage
    population: str
    nationality: str


def _responsibility(pack: Pack, entry: MatrixEntry) -> Responsibility:
    institution_type = pack.institution_type(entry.institution_type)
    functions = []
    for function_id in entry.functions:
        function = pack.function(function_id)
        functions.append(FunctionRef(id=function_id, name=function.name if function else {}))
    legal_bases = []
    for basis_id in entry.legal_basis:
        basis = pack.legal_basis(basis_id)
        legal_bases.append(
            LegalBasisRef(
                id=basis_id,
                title=basis.title if basis else {},
                citation=basis.citation if basis else "",
                url=basis.url if basis else "",
            )
        )
    return Responsibility(
        institution_type=entry.institution_type,
        institution_type_name=institution_type.name if institution_type else {},
        level=institution_type.level if institution_type else "",
        functions=functions,
        description=entry.description,
        legal_bases=legal_bases,
        type_contacts=[contact.model_dump() for contact in institution_type.contacts] if institution_type else [],
    )


def situation_check(
    *, model: ModelVersion | None, municipality: str, stage: str, population: str, nationality: str
) -> Situation:
    """The situation's parts resolved, or ApplicationError naming the first field that is not valid."""
    if model is None:
        raise ApplicationError(gettext("No version of the model has been published yet."), field="stage")
    place = municipalities_active().filter(code=municipality).first()
    if place is None:
        raise ApplicationError(
            gettext("Unknown municipality '%(code)s'.") % {"code": municipality}, field="municipality"
        )
    stage_item = version_pack(model).stage(stage)
    if stage_item is None:
        raise ApplicationError(gettext("Unknown stage '%(code)s'.") % {"code": stage}, field="stage")
    if population not in POPULATIONS:
        raise ApplicationError(
            gettext("Population must be one of: %(choices)s.") % {"choices": ", ".join(POPULATIONS)},
            field="population",
        )
    if nationality not in NATIONALITIES:
        raise ApplicationError(
            gettext("Nationality must be one of: %(choices)s.") % {"choices": ", ".join(NATIONALITIES)},
            field="nationality",
        )
    return Situation(municipality=place, stage=stage_item, population=population, nationality=nationality)


def who_to_call(
    *,
    municipality: str,
    stage: str,
    population: str,
    nationality: str,
    user=None,
    model: ModelVersion | None = None,
) -> list[WhoToCallEntry]:
    """Institutions responsible at `stage` for this person in this municipality, what they do and contacts.

    Municipal institutions of the municipality come first, then regional ones serving it, then national ones;
    within a level, in the order of the stage's entries in the pack's matrix, then by institution code.
    """
    model = model or published_model()
    situation = situation_check(
        model=model, municipality=municipality, stage=stage, population=population, nationality=nationality
    )
    assert model is not None  # situation_check refuses a missing model
    pack = version_pack(model)
    # Not `pack.matrix_for_stage`, which orders by the list of institution types: the pack author orders each
    # stage's matrix entries by who to call first, and in both shipped packs that order differs at every stage.
    entries = [e for e in pack.matrix if e.stage == stage and e.applies(population=population, nationality=nationality)]
    if not entries:
        return []
    position = {entry.institution_type: index for index, entry in enumerate(entries)}
    place = situation.municipality
    served_regionally = Institution.service_area.through.objects.filter(municipality=place).values("institution_id")
    institutions = _with_contacts(
        Institution.objects.filter(is_active=True, type__is_active=True, type__code__in=list(position)).filter(
            Q(scope=Institution.Scope.NATIONAL)
            | Q(scope=Institution.Scope.MUNICIPAL, municipality=place)
            | Q(scope=Institution.Scope.REGIONAL, pk__in=served_regionally)
        ),
        user=user,
    )
    by_type: dict[str, list[Institution]] = {}
    for institution in institutions:
        by_type.setdefault(institution.type.code, []).append(institution)

    ranked: list[tuple[tuple[int, int, str], WhoToCallEntry]] = []
    for entry in entries:
        responsibility = _responsibility(pack, entry)
        type_code = entry.institution_type
        listed = by_type.get(type_code, [])
        for institution in listed:
            rank = (SCOPE_ORDER[institution.scope], position[type_code], institution.code)
            ranked.append((rank, WhoToCallEntry(responsibility, institution, visible_contact_points(institution))))
        if not listed:
            ranked.append(((UNLISTED_RANK, position[type_code], ""), WhoToCallEntry(responsibility, None, [])))
    ranked.sort(key=lambda pair: pair[0])
    return [entry for _rank, entry in ranked]
