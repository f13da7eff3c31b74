"""The screening tool over JSON (mounted at /api/v1/screening/): the same contract as `opennrm screen`.

Sets come from the published model. Domain errors (unknown set or indicator) answer 400 naming the field;
malformed bodies and invalid answer values answer 422 naming the field (opennrm.api.errors).
"""

from __future__ import annotations

import datetime
from typing import Annotated, Literal

from django.utils import translation
from django.utils.translation import gettext
from ninja import Path, Router, Schema
from ninja.responses import Status
from pydantic import ConfigDict, Field

from opennrm.api.auth import api_auth
from opennrm.audit.services import client_ip
from opennrm.core.errors import ApplicationError
from opennrm.core.i18n import localized
from opennrm.screening import selectors, services
from opennrm.screening.explain import evaluation_payload
from opennrm.screening.sets import indicator_rows, set_summary

router = Router(tags=["screening"], auth=api_auth)

SetId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=100)]
Answer = Literal["yes", "no", "unknown"]
# A set has tens of indicators; a body with thousands of keys is a mistake or an attack, not a screening.
MAX_ANSWERS = 500


class ErrorOut(Schema):
    detail: str
    field: str | None = None


class SetOut(Schema):
    id: str
    title: str
    population: Literal["adult", "child", "any"]
    forms: list[str]
    context: str


class IndicatorOut(Schema):
    id: str
    dimension: str
    strength: Literal["strong", "medium", "weak"]
    question: str


class DimensionOut(Schema):
    present: bool
    strong: int
    medium: int
    weak: int
    indicators: list[str]


class EvaluationOut(Schema):
    set: str
    outcome: Literal["indicative", "partial", "none"]
    dimensions: dict[str, DimensionOut]
    missing: list[str]


class EvaluateIn(Schema):
    # An unknown key is refused, not dropped: a client must not believe a name or a note was kept.
    model_config = ConfigDict(extra="forbid")

    set: SetId
    answers: dict[SetId, Answer] = Field(default_factory=dict, max_length=MAX_ANSWERS)
    population: Literal["adult", "child"] | None = Field(
        default=None, description="A child is judged by the set's child rule, when it has one."
    )


class SaveIn(Schema):
    model_config = ConfigDict(extra="forbid")

    answers: dict[SetId, dict[SetId, Answer]] = Field(
        description="{set id: {indicator id: yes | no | unknown}}; one entry per set asked.",
        min_length=1,
        max_length=20,
    )
    population: Literal["adult", "child"] | None = Field(
        default=None, description="A child is judged by the sets' child rules, when they have them."
    )


class ScreeningOut(Schema):
    id: int
    sets: list[str]
    outcome: Literal["indicative", "partial", "none"]
    model_version: int
    institution_type: str
    municipality: str
    screened_on: datetime.date


class SetPath(Schema):
    set_id: SetId


def _model():
    model = selectors.published_model()
    if model is None:
        raise ApplicationError(gettext("No version of the model has been published yet."), field="set")
    return model


@router.get("/sets", response=list[SetOut], summary="Indicator sets of the published model")
def list_sets(request):
    return [
        SetOut(**set_summary(selectors.set_content(s)), title=localized(s.title))
        for s in selectors.indicator_sets(model=_model())
    ]


@router.get(
    "/sets/{set_id}/indicators",
    response={200: list[IndicatorOut], 400: ErrorOut},
    summary="The indicators of one set, with their questions",
)
def list_indicators(request, path: Path[SetPath]):
    indicator_set = selectors.access_set(model=_model(), set_id=path.set_id)
    return indicator_rows(selectors.set_content(indicator_set))


@router.post(
    "/evaluate",
    response={200: EvaluationOut, 400: ErrorOut},
    summary="What answers to one set indicate, and why",
)
def evaluate(request, payload: EvaluateIn):
    indicator_set = selectors.access_set(model=_model(), set_id=payload.set)
    evaluation = selectors.evaluate_set(
        indicator_set=indicator_set, answers=payload.answers, population=payload.population
    )
    # The same contract as `opennrm screen evaluate --format json`: the explanation in English, whatever the
    # request's language, so integrators can rely on it.
    with translation.override("en"):
        return evaluation_payload(evaluation, selectors.set_content(indicator_set), "en")


@router.post(
    "/screenings",
    response={201: ScreeningOut, 400: ErrorOut, 403: ErrorOut},
    summary="Save a screening (anonymous: no personal data is accepted)",
)
def save_screening(request, payload: SaveIn):
    model = _model()
    screening = services.screening_save(
        by=request.auth,
        model=model,
        answers=payload.answers,
        population=payload.population,
        ip_address=client_ip(request),
    )
    return Status(
        201,
        ScreeningOut(
            id=screening.pk,
            sets=screening.set_ids,
            outcome=screening.outcome,
            model_version=model.number,
            institution_type=screening.institution_type,
            municipality=screening.municipality,
            screened_on=screening.screened_on,
        ),
    )
