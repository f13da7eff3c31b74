"""The directory over JSON: institutions, municipalities and "who to call" (mounted at /api/v1/directory/).

Domain errors raised here (unknown municipality or stage, a missing institution) become responses in the
API's exception handlers (opennrm.api.api), which name the field at fault.
"""

from __future__ import annotations

from typing import Annotated, Literal

from ninja import Path, Query, Router, Schema
from pydantic import AfterValidator, Field

from opennrm.api.auth import api_auth
from opennrm.core.i18n import localized
from opennrm.directory import selectors
from opennrm.directory.models import ContactPoint, Institution

router = Router(tags=["directory"], auth=api_auth)

# Codes are slugs in the database; anything else (a NUL byte, a megabyte of text) is refused before a query.
CODE_PATTERN = r"^[-a-zA-Z0-9_]+$"
MAX_CODE = 100


def _printable(value: str | None) -> str | None:
    if value is not None and any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise ValueError("must not contain control characters")
    return value


Code = Annotated[str, Field(pattern=CODE_PATTERN, max_length=MAX_CODE)]
SearchText = Annotated[str, Field(max_length=100), AfterValidator(_printable)]


class ErrorOut(Schema):
    detail: str
    field: str | None = None


class MunicipalityOut(Schema):
    code: str
    name: str
    names: dict[str, str]
    kind: str


class ContactPointOut(Schema):
    label: str
    labels: dict[str, str]
    phone: str
    email: str
    hours: dict[str, str]
    languages: list[str]
    audience: Literal["public", "professionals"]
    round_the_clock: bool


class InstitutionOut(Schema):
    code: str
    name: str
    names: dict[str, str]
    type: str
    type_name: str
    scope: Literal["national", "regional", "municipal"]
    municipality: str | None
    service_area: list[str]
    address: str
    website: str
    contact_points: list[ContactPointOut]


class InstitutionPage(Schema):
    items: list[InstitutionOut]
    next_after: str | None = Field(description="Pass as `after` to get the next page; null on the last page.")


class FunctionOut(Schema):
    id: str
    name: str


class LegalBasisOut(Schema):
    id: str
    title: str
    citation: str
    url: str


class WhoToCallEntryOut(Schema):
    institution: InstitutionOut | None = Field(
        description="Null when no institution of this type is listed for the municipality."
    )
    institution_type: str
    institution_type_name: str
    functions: list[FunctionOut]
    description: str
    legal_bases: list[LegalBasisOut]


class WhoToCallOut(Schema):
    municipality: str
    stage: str
    population: Literal["adult", "child"]
    nationality: Literal["national", "eu_citizen", "third_country_national"]
    model_version: int
    entries: list[WhoToCallEntryOut]


class InstitutionFilters(Schema):
    municipality: Code | None = Field(None, description="Seated in, or serving as a region, this municipality.")
    type: Code | None = Field(None, description="Institution type id from the published model.")
    q: SearchText | None = Field(None, description="Text contained in the name (any language).")
    after: Code | None = Field(None, description="Keyset cursor: the `next_after` of the previous page.")
    limit: int = Field(50, ge=1, le=200)


class InstitutionPath(Schema):
    code: Code


class SituationQuery(Schema):
    municipality: Code
    stage: Code
    population: Literal["adult", "child"]
    nationality: Literal["national", "eu_citizen", "third_country_national"]


def _contact_point_out(point: ContactPoint) -> ContactPointOut:
    return ContactPointOut(
        label=localized(point.labels),
        labels=point.labels or {},
        phone=point.phone,
        email=point.email,
        hours=point.hours or {},
        languages=point.languages or [],
        audience=point.audience,
        round_the_clock=point.is_round_the_clock,
    )


def _institution_out(institution: Institution) -> InstitutionOut:
    # Relies on the selectors' prefetching: no query per institution.
    return InstitutionOut(
        code=institution.code,
        name=localized(institution.names),
        names=institution.names or {},
        type=institution.type.code,
        type_name=localized(institution.type.names),
        scope=institution.scope,
        municipality=institution.municipality.code if institution.municipality else None,
        service_area=sorted(place.code for place in institution.service_area.all()),
        address=institution.address,
        website=institution.website,
        contact_points=[_contact_point_out(p) for p in selectors.visible_contact_points(institution)],
    )


@router.get("/institutions", response=InstitutionPage, summary="List institutions")
def list_institutions(request, filters: Query[InstitutionFilters]):
    page = list(
        selectors.institutions_list(
            user=request.user,
            municipality=filters.municipality,
            institution_type=filters.type,
            q=filters.q,
            after=filters.after,
            limit=filters.limit + 1,
        )
    )
    has_more = len(page) > filters.limit
    page = page[: filters.limit]
    return InstitutionPage(items=[_institution_out(i) for i in page], next_after=page[-1].code if has_more else None)


@router.get("/institutions/{code}", response={200: InstitutionOut, 404: ErrorOut}, summary="One institution")
def get_institution(request, path: Path[InstitutionPath]):
    return _institution_out(selectors.access_institution(code=path.code, user=request.user))


@router.get("/municipalities", response=list[MunicipalityOut], summary="Municipalities")
def list_municipalities(request):
    return [
        MunicipalityOut(code=m.code, name=localized(m.names), names=m.names or {}, kind=m.kind)
        for m in selectors.municipalities_active()
    ]


@router.get(
    "/who-to-call",
    response={200: WhoToCallOut, 400: ErrorOut},
    summary="Who to call for a situation in a municipality",
)
def get_who_to_call(request, situation: Query[SituationQuery]):
    model = selectors.published_model()
    entries = selectors.who_to_call(user=request.user, model=model, **situation.model_dump())
    return WhoToCallOut(
        **situation.model_dump(),
        model_version=model.number if model else 0,
        entries=[
            WhoToCallEntryOut(
                institution=_institution_out(entry.institution) if entry.institution else None,
                institution_type=entry.responsibility.institution_type,
                institution_type_name=localized(entry.responsibility.institution_type_name),
                functions=[FunctionOut(id=f.id, name=localized(f.name)) for f in entry.responsibility.functions],
                description=localized(entry.responsibility.description),
                legal_bases=[
                    LegalBasisOut(id=b.id, title=localized(b.title), citation=b.citation, url=b.url)
                    for b in entry.responsibility.legal_bases
                ],
            )
            for entry in entries
        ],
    )
