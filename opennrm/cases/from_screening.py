"""From a screening to a case: what a saved screening pre-fills in a new case.

A screening holds no personal data, and neither does anything here: the new-case form is pre-filled from the
screening's indicator sets and from the situation the worker described (population, nationality, municipality),
which travel as codes. The institutions to refer to are worked out again from the case when its page is shown
(`case_page.suggested_recipients`), so nothing about the person is kept before the case is opened.
"""

from __future__ import annotations

from dataclasses import dataclass

from opennrm.cases.models import ExploitationForm, Nationality, Population
from opennrm.jurisdiction.schema import IndicatorSet
from opennrm.jurisdiction.selectors import version_pack
from opennrm.screening.models import Screening
from opennrm.screening.selectors import OUTCOME_LABELS

# The pack's forms of exploitation (indicator sets' `forms`) as HTCDS 2.0 values; labour of a child is child labour.
SCREENING_FORMS = {
    "labour": ExploitationForm.FORCED_LABOUR,
    "sexual": ExploitationForm.SEXUAL_EXPLOITATION,
    "sham_marriage": ExploitationForm.FORCED_MARRIAGE,
    "forced_criminality": ExploitationForm.FORCED_CRIMINALITY,
    "begging": ExploitationForm.FORCED_BEGGING,
    "domestic_servitude": ExploitationForm.SERVITUDE,
    "other": ExploitationForm.OTHER,
}


def exploitation_forms(sets: list[IndicatorSet], *, population: str | None = None) -> list[str]:
    """The HTCDS forms of exploitation the sets screen for, in the order the sets list them.

    Labour counts as child labour in a set written for children, and in a set for any age when the person
    is a child.
    """
    forms: list[str] = []
    for indicator_set in sets:
        for form in indicator_set.forms:
            value = SCREENING_FORMS.get(form)
            is_child = indicator_set.population == "child" or (
                indicator_set.population == "any" and population == Population.CHILD
            )
            if form == "labour" and is_child:
                value = ExploitationForm.CHILD_LABOUR
            if value is not None and value not in forms:
                forms.append(value)
    return forms


@dataclass(frozen=True)
class ScreeningSummary:
    """What the new-case page says about the screening it starts from."""

    screening: Screening
    outcome_label: str
    set_titles: list[dict]
    forms: list[str]
    # The population the sets were written for, when they all agree (else None: the worker chooses).
    population: str | None


def screening_summary(*, screening: Screening, population: str | None = None) -> ScreeningSummary:
    """The screening's outcome, sets and forms of exploitation, as a new case is pre-filled with them."""
    pack = version_pack(screening.model_version)
    sets = [s for s in (pack.indicator_set(set_id) for set_id in screening.set_ids) if s is not None]
    populations = {s.population for s in sets} - {"any"}
    own_population = populations.pop() if len(populations) == 1 else None
    return ScreeningSummary(
        screening=screening,
        outcome_label=str(OUTCOME_LABELS.get(screening.outcome, "")),
        set_titles=[s.title for s in sets],
        forms=exploitation_forms(sets, population=population or own_population),
        population=own_population,
    )


def prefill_situation(*, population: str, nationality: str, municipality: str) -> dict[str, str]:
    """The situation codes a screening passes on, each kept only if it is a value a case can take."""
    initial = {}
    if population in Population.values:
        initial["population"] = population
    if nationality in Nationality.values:
        initial["nationality"] = nationality
    if municipality:
        initial["municipality"] = municipality
    return initial
