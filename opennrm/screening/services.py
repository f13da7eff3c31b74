"""Saving a screening: anonymous by design, optional, and audited."""

from __future__ import annotations

import datetime
from collections.abc import Mapping

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from opennrm.audit.services import audit_record
from opennrm.core.errors import ApplicationError, Forbidden
from opennrm.jurisdiction.models import ModelVersion
from opennrm.screening import selectors
from opennrm.screening.engine import combine
from opennrm.screening.models import Screening
from opennrm.stats.services.facts import screening_fact_refresh


def screening_save(
    *,
    by,
    model: ModelVersion,
    answers: Mapping[str, Mapping[str, str]],
    population: str | None = None,
    save_key: str | None = None,
    screened_on: datetime.date | None = None,
    ip_address: str | None = None,
) -> Screening:
    """Store the sets, answers and outcome with the kind and place of the worker's institution, and audit it."""
    if by is None or not by.is_authenticated or not by.is_active:
        raise Forbidden(gettext("Sign in to save a screening."))
    if model.status == ModelVersion.Status.DRAFT:
        raise ApplicationError(gettext("Screenings are saved against a published model only."), field="model")
    if not isinstance(answers, Mapping) or not answers:
        raise ApplicationError(gettext("Answer at least one indicator set."), field="answers")
    evaluations = []
    clean: dict[str, dict[str, str]] = {}
    for set_id, set_answers in answers.items():
        indicator_set = selectors.access_set(model=model, set_id=set_id)
        # The outcome is worked out again here: a saved row never takes a caller's word for it.
        evaluations.append(
            selectors.evaluate_set(indicator_set=indicator_set, answers=set_answers, population=population)
        )
        clean[indicator_set.id] = dict(set_answers)
    if not any(value in ("yes", "no") for set_answers in answers.values() for value in dict(set_answers).values()):
        # A screening with nothing but "don't know" says nothing, and would only swell the statistics.
        raise ApplicationError(gettext("Answer at least one question with yes or no before saving."), field="answers")
    institution = by.institution
    already_saved = ApplicationError(gettext("This screening has already been saved."), field="state")
    if save_key is not None and Screening.objects.filter(save_key=save_key).exists():
        raise already_saved
    try:
        with transaction.atomic():
            screening = Screening.objects.create(
                pack_code=model.pack_code,
                model_version=model,
                set_ids=list(clean),
                answers=clean,
                outcome=combine(evaluations),
                # The worker's institution's kind and place, never the worker: statistics, not surveillance.
                institution_type=institution.type.code if institution is not None else "",
                municipality=(
                    institution.municipality.code if institution is not None and institution.municipality else ""
                ),
                screened_on=screened_on or timezone.localdate(),
                save_key=save_key,
            )
            audit_record(
                action="screening.save",
                actor=by,
                object_type="screening",
                object_id=screening.pk,
                new_values={"sets": screening.set_ids, "outcome": screening.outcome, "model_version": model.number},
                purpose="recognition screening",
                ip_address=ip_address,
            )
            screening_fact_refresh(screening=screening)
    except IntegrityError:
        # The same screening saved twice at the same moment: the unique key lets one through.
        raise already_saved from None
    return screening
