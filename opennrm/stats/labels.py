"""Names for the codes of a release, in the active language.

Releases hold codes only, so one stored release reads in every language. Categories the pack defines are named
by the pack (opennrm.stats.dimensions); the dimensions the release adds (age group, answers to referrals, Eurostat's
groups) and the titles of the tables are named here.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from opennrm.screening.models import Screening
from opennrm.stats.dimensions import StatisticsDefinitions, statistics_definitions
from opennrm.stats.disclosure import SECONDARY_DISPLAY
from opennrm.stats.privacy import DpStatement

# Dimensions of a release that are a pack dimension under another name: all are kinds of institution.
_PACK_DIMENSION = {
    "sex": "sex",
    "age_band": "age_band",
    "citizenship_group": "citizenship_group",
    "form": "form",
    "recognising_type": "recognising_type",
    "from_type": "recognising_type",
    "to_type": "recognising_type",
    "institution_type": "recognising_type",
    "region": "region",
    "outcome": "outcome",
    "identification_route": "identification_route",
    "service": "service",
}

_DIMENSIONS: dict[str, Promise] = {
    "year": _("Year"),
    "sex": _("Sex"),
    "age_band": _("Age band"),
    "age_group": _("Child or adult"),
    "citizenship_group": _("Citizenship"),
    "form": _("Form of exploitation"),
    "recognising_type": _("Recognising institution"),
    "from_type": _("Referred by"),
    "to_type": _("Referred to"),
    "institution_type": _("Institution"),
    "region": _("Region"),
    "outcome": _("Outcome"),
    "identification_route": _("Route of identification"),
    "referral_answer": _("Answer to the referral"),
    "screening_outcome": _("Screening outcome"),
    "service": _("Service"),
    "eurostat_sex": _("Sex (Eurostat)"),
    "eurostat_citizenship": _("Citizenship (Eurostat)"),
    "eurostat_form": _("Form of exploitation (Eurostat)"),
}

_CATEGORIES: dict[str, dict[str, Promise]] = {
    "age_group": {"under_18": _("Under 18"), "adult": _("18 or older"), "unknown": _("Unknown")},
    "referral_answer": {
        "on_time": _("Answered in time"),
        "overdue": _("Overdue"),
        "unanswered": _("Not answered yet"),
    },
    "screening_outcome": dict(Screening.Outcome.choices),
    "eurostat_sex": {"F": _("Female"), "M": _("Male"), "UNK": _("Other or unknown")},
    "eurostat_citizenship": {
        "NAT": _("Citizens of the reporting country"),
        "EU27_2020_FOR": _("Citizens of other EU countries"),
        "NEU27_2020_FOR": _("Citizens of non-EU countries"),
        "UNK": _("Unknown"),
    },
    "eurostat_form": {
        "SEX_EXP": _("Sexual exploitation"),
        "LAB_EXP": _("Labour exploitation"),
        "OTH": _("Other forms of exploitation"),
        "UNK": _("Unknown"),
    },
}

_TITLES: dict[str, Promise] = {
    "victims_by_year_sex": _("Registered victims by year and sex"),
    "victims_by_age_sex": _("Registered victims by age band and sex"),
    "victims_by_age_group_sex": _("Registered victims, children and adults, by sex"),
    "victims_by_citizenship_sex": _("Registered victims by citizenship and sex"),
    "victims_by_form_sex": _("Registered victims by form of exploitation and sex"),
    "victims_by_year_form": _("Registered victims by year and form of exploitation"),
    "recognising_by_year": _("Recognised persons by recognising institution and year"),
    "outcomes_by_route": _("Recognised persons by route and outcome of identification"),
    "pathway": _("Referrals by sending and receiving institution"),
    "referral_response": _("Referrals by receiving institution and answer"),
    "screenings_by_type_outcome": _("Saved screenings by institution and outcome"),
    "eurostat_victims_by_age_sex": _("Eurostat: registered victims by age and sex"),
    "eurostat_victims_by_citizenship_sex": _("Eurostat: registered victims by citizenship and sex"),
    "eurostat_victims_by_form_sex": _("Eurostat: registered victims by form of exploitation and sex"),
    "time_to_identification": _("Days from recognition to identification"),
    "time_to_service": _("Days from recognition to the first service"),
    "referral_response_time": _("Hours from sending a referral to its answer"),
}

_STATISTICS: dict[str, Promise] = {
    "n": _("Persons"),
    "q1": _("Lower quartile"),
    "median": _("Median"),
    "q3": _("Upper quartile"),
}

_UNITS: dict[str, Promise] = {"days": _("days"), "hours": _("hours")}


def dimension_label(dimension: str) -> str:
    """The name of a dimension of a release; the id itself if it is not one."""
    label = _DIMENSIONS.get(dimension)
    return str(label) if label is not None else dimension


def category_label(dimension: str, code: str, *, definitions: StatisticsDefinitions | None = None) -> str:
    """The name of `code` in `dimension`, in the active language (years and unknown codes are shown as they are).

    Pass `definitions` (statistics_definitions()) when naming many codes: each call without it reads the pack
    version in force.
    """
    built_in = _CATEGORIES.get(dimension)
    if built_in is not None:
        label = built_in.get(code)
        return str(label) if label is not None else code
    pack_dimension = _PACK_DIMENSION.get(dimension)
    if pack_dimension is not None:
        found = (definitions or statistics_definitions()).dimensions.get(pack_dimension)
        category = found.category(code) if found is not None else None
        if category is not None:
            return category.label()
        if code in ("unknown", ""):
            return gettext("Unknown")
    return code


def category_labels(dimension: str, codes: list[str]) -> list[str]:
    """The names of several codes of one dimension, reading the pack once."""
    definitions = statistics_definitions() if dimension in _PACK_DIMENSION else None
    return [category_label(dimension, code, definitions=definitions) for code in codes]


def table_title(table_id: str) -> str:
    label = _TITLES.get(table_id)
    return str(label) if label is not None else table_id


def statistic_label(statistic: str) -> str:
    """Column names of a table of durations: "n", "q1", "median", "q3"."""
    label = _STATISTICS.get(statistic)
    return str(label) if label is not None else statistic


def unit_label(unit: str) -> str:
    label = _UNITS.get(unit)
    return str(label) if label is not None else unit


def table_note(note: str) -> str:
    """The reader's note for a table's `note` code ("" for none)."""
    if note == "multi_valued":
        return gettext(
            "A person exploited in more than one form is counted under each of them, so the totals are larger "
            "than the number of persons."
        )
    return ""


def suppression_note(threshold: int) -> str:
    """How to read hidden cells, for every table of a release."""
    return gettext(
        "Numbers of fewer than %(threshold)d persons are shown as “< %(threshold)d”. Cells shown as “%(mark)s” "
        "are hidden as well, so that the small numbers cannot be worked out from the totals or from the other "
        "tables of the same release."
    ) % {"threshold": threshold, "mark": SECONDARY_DISPLAY}


def dp_note(statement: DpStatement) -> str:
    """What the noise of a differentially private release means, in one paragraph."""
    return ngettext(
        "Random noise was added to every number (differential privacy, discrete Laplace mechanism, privacy "
        "budget ε = %(epsilon)s for the whole release, noise scale %(scale)s). A published number is within "
        "%(margin)d person of the count before noise in 95%% of cases; totals add the noise of their cells.",
        "Random noise was added to every number (differential privacy, discrete Laplace mechanism, privacy "
        "budget ε = %(epsilon)s for the whole release, noise scale %(scale)s). A published number is within "
        "%(margin)d persons of the count before noise in 95%% of cases; totals add the noise of their cells.",
        statement.margin_95,
    ) % {
        "epsilon": f"{statement.epsilon:g}",
        "scale": f"{statement.scale:g}",
        "margin": statement.margin_95,
    }
