"""The statistics definitions in force: the dimensions facts are counted by, their categories and the publication rules.

They come from the `statistics` section of the pack (docs/pack-format.md); a pack without one gets the defaults
below (the CTDC age bands, the HTCDS sex and form values, no regions), so facts can always be kept. Everything
here is a code; `Category.label(language)` gives the name in a language.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from opennrm.cases.models import ExploitationForm, Sex
from opennrm.core.i18n import localized
from opennrm.jurisdiction.models import ModelVersion
from opennrm.jurisdiction.schema import (
    EurostatMapping,
    Pack,
    Publication,
    RegisteredVictims,
    Statistics,
)
from opennrm.jurisdiction.selectors import version_pack

UNKNOWN = "unknown"
# Codes a fact uses for "not known" where the contract gives the empty string (no type, no decision yet).
NO_TYPE = ""
NO_ROUTE = ""
CHILD_AGE_LIMIT = 18

# IOM's Counter Trafficking Data Collaborative bins, the default when a pack defines none.
CTDC_AGE_BANDS = ((0, 8), (9, 17), (18, 20), (21, 23), (24, 26), (27, 29), (30, 38), (39, 47), (48, None))
OUTCOMES = ("identified", "not_identified", "in_progress", "refused", "withdrawn")
CITIZENSHIP_GROUPS = ("national", "other_eu", "non_eu", "unknown")
EU_MEMBERS = frozenset("AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK".split())
DEFAULT_THRESHOLD = 5
# Dimension ids, in the order reports list them.
DIMENSIONS = (
    "sex",
    "age_band",
    "citizenship_group",
    "form",
    "recognising_type",
    "region",
    "outcome",
    "identification_route",
    "service",
)

_DEFAULT_LABELS: dict[str, Promise] = {
    "national": _("Nationals"),
    "other_eu": _("Citizens of other EU countries"),
    "non_eu": _("Citizens of non-EU countries"),
    "unknown": _("Unknown"),
    "identified": _("Identified as a victim"),
    "not_identified": _("Not identified"),
    "in_progress": _("Not decided yet"),
    "refused": _("Help refused by the person"),
    "withdrawn": _("Withdrawn"),
}
_DEFAULT_NOTE = _(
    "Registered victims are both identified victims of trafficking and presumed victims whose case has not been "
    "decided yet or who refused help or withdrew their consent, as Eurostat's definition requires."
)


@dataclass(frozen=True)
class Category:
    code: str
    # The pack's names by language; None for a built-in category, which has a translated `fallback`.
    names: Mapping[str, str] | None = field(default=None, compare=False)
    fallback: str | Promise = field(default="", compare=False)

    def label(self, language: str | None = None) -> str:
        """The name in `language` (default: the active one)."""
        if self.names:
            return localized(self.names, language)
        if self.fallback:
            if language:
                with translation.override(language):
                    return str(self.fallback)
            return str(self.fallback)
        return self.code


@dataclass(frozen=True)
class AgeBandCategory(Category):
    min_age: int = 0
    max_age: int | None = None

    def contains(self, low: int, high: int | None) -> bool:
        """Whether every age from `low` to `high` (None: no upper end) falls in this band."""
        if low < self.min_age:
            return False
        if self.max_age is None:
            return True
        return high is not None and high <= self.max_age


@dataclass(frozen=True)
class Dimension:
    id: str
    categories: tuple[Category, ...]

    @property
    def codes(self) -> list[str]:
        return [c.code for c in self.categories]

    def category(self, code: str) -> Category | None:
        return next((c for c in self.categories if c.code == code), None)

    def label(self, code: str, language: str | None = None) -> str:
        category = self.category(code)
        return category.label(language) if category else code


@dataclass(frozen=True)
class StatisticsDefinitions:
    """The statistics section in force, ready for facts and reports to use."""

    pack_code: str
    threshold: int
    dimensions: Mapping[str, Dimension]
    publication: Publication
    eurostat: EurostatMapping
    national_countries: frozenset[str]
    eu_countries: frozenset[str]
    # Outcome rules: steps that make a case identified; current state -> outcome.
    identified_transitions: frozenset[str]
    outcome_states: Mapping[str, str]
    # Route rules: step -> route; institution type -> route (for steps no route names).
    route_transitions: Mapping[str, str]
    route_institution_types: Mapping[str, str]
    # Step -> service ids it shows were received.
    service_transitions: Mapping[str, tuple[str, ...]]
    # Municipality (pack id) -> region id.
    municipality_regions: Mapping[str, str]
    # The consent purpose that lets a case go out in HTCDS; None: no case does.
    htcds_consent_purpose: str | None = None
    # The kind of institution an HTCDS exchange goes to; a consent naming another kind does not cover it.
    htcds_recipient_type: str | None = None

    def dimension(self, dimension_id: str) -> Dimension:
        return self.dimensions[dimension_id]

    def label(self, dimension_id: str, code: str, language: str | None = None) -> str:
        return self.dimensions[dimension_id].label(code, language)

    @property
    def age_bands(self) -> list[AgeBandCategory]:
        return [c for c in self.dimensions["age_band"].categories if isinstance(c, AgeBandCategory)]

    def age_band_for_age(self, age: int) -> str:
        return self.age_band_for_range(age, age)

    def age_band_for_range(self, low: int, high: int | None) -> str:
        """The band that holds every age from `low` to `high`, or "unknown" when the range straddles bands."""
        band = next((b for b in self.age_bands if b.contains(low, high)), None)
        return band.code if band else UNKNOWN

    def region_for(self, municipality: str | None) -> str:
        return self.municipality_regions.get(municipality or "", UNKNOWN)

    def citizenship_for(self, countries: Iterable[str]) -> tuple[str, str]:
        """(country, group) for a person's citizenships: the country's own first, then an EU one, then any."""
        codes = [c for c in countries if isinstance(c, str) and len(c) == 2 and c.isalpha()]
        codes = [c.upper() for c in codes]
        for code in codes:
            if code in self.national_countries:
                return code, "national"
        for code in codes:
            if code in self.eu_countries:
                return code, "other_eu"
        if codes:
            return codes[0], "non_eu"
        return "ZZ", "unknown"

    def route_for(self, transition: str, institution_type: str | None) -> str:
        if transition in self.route_transitions:
            return self.route_transitions[transition]
        return self.route_institution_types.get(institution_type or "", NO_ROUTE)

    @property
    def registered_victims(self) -> RegisteredVictims:
        return self.publication.registered_victims


# --- building them ---------------------------------------------------------------------------------------------


def _categories(items: Iterable[Any]) -> tuple[Category, ...]:
    return tuple(Category(code=item.id, names=dict(item.name)) for item in items)


def _age_band_label(low: int, high: int | None) -> str:
    return f"{low}+" if high is None else f"{low}–{high}"


def _unknown(code: str = UNKNOWN) -> Category:
    return Category(code=code, fallback=_DEFAULT_LABELS["unknown"])


def _recognising_types(pack: Pack | None) -> tuple[Category, ...]:
    types = tuple(Category(code=t.id, names=dict(t.name)) for t in pack.institution_types) if pack else ()
    return (*types, _unknown(NO_TYPE))


def _from_pack(pack: Pack, section: Statistics) -> StatisticsDefinitions:
    dims = section.dimensions
    age_bands = tuple(
        AgeBandCategory(
            code=b.id,
            names=dict(b.name) if b.name else None,
            fallback=_age_band_label(b.min, b.max),
            min_age=b.min,
            max_age=b.max,
        )
        for b in dims.age_band
    )
    routes = _categories(dims.identification_route)
    dimensions = {
        "sex": Dimension("sex", _categories(dims.sex)),
        "age_band": Dimension("age_band", (*age_bands, _unknown())),
        "citizenship_group": Dimension("citizenship_group", _categories(dims.citizenship_group)),
        "form": Dimension("form", _categories(dims.form)),
        "recognising_type": Dimension("recognising_type", _recognising_types(pack)),
        "region": Dimension("region", (*_categories(dims.region), _unknown())),
        "outcome": Dimension("outcome", _categories(dims.outcome)),
        "identification_route": Dimension(
            "identification_route", (*routes, Category(code=NO_ROUTE, fallback=_("No decision yet")))
        ),
        "service": Dimension("service", _categories(dims.service)),
    }
    services: dict[str, tuple[str, ...]] = {}
    for service in dims.service:
        for transition in service.transitions:
            services[transition] = (*services.get(transition, ()), service.id)
    return StatisticsDefinitions(
        pack_code=pack.code,
        threshold=section.threshold,
        dimensions=dimensions,
        publication=section.publication,
        eurostat=section.eurostat,
        national_countries=frozenset(section.citizenship.national),
        eu_countries=frozenset(section.citizenship.eu),
        identified_transitions=frozenset(
            t for outcome in dims.outcome if outcome.id == "identified" for t in outcome.transitions
        ),
        outcome_states={state: outcome.id for outcome in dims.outcome for state in outcome.states},
        route_transitions={t: route.id for route in dims.identification_route for t in route.transitions},
        route_institution_types={t: route.id for route in dims.identification_route for t in route.institution_types},
        service_transitions=services,
        municipality_regions={m: region.id for region in dims.region for m in region.municipalities},
        htcds_consent_purpose=section.htcds_consent_purpose,
        htcds_recipient_type=section.htcds_recipient_type,
    )


def _defaults(pack: Pack | None) -> StatisticsDefinitions:
    """For a pack without a statistics section: the CTDC bands, HTCDS values, and outcomes read off state ids."""
    workflow = pack.workflow if pack else None
    identified = frozenset(t.id for t in workflow.transitions if t.to == "identified") if workflow else frozenset()
    age_bands = tuple(
        AgeBandCategory(code=_age_band_code(low, high), fallback=_age_band_label(low, high), min_age=low, max_age=high)
        for low, high in CTDC_AGE_BANDS
    )
    national = frozenset([pack.pack.country]) if pack and pack.pack.country else frozenset()
    dimensions = {
        "sex": Dimension("sex", tuple(Category(code=v, fallback=label) for v, label in Sex.choices)),
        "age_band": Dimension("age_band", (*age_bands, _unknown())),
        "citizenship_group": Dimension(
            "citizenship_group", tuple(Category(code=g, fallback=_DEFAULT_LABELS[g]) for g in CITIZENSHIP_GROUPS)
        ),
        "form": Dimension("form", tuple(Category(code=v, fallback=label) for v, label in ExploitationForm.choices)),
        "recognising_type": Dimension("recognising_type", _recognising_types(pack)),
        "region": Dimension("region", (_unknown(),)),
        "outcome": Dimension("outcome", tuple(Category(code=o, fallback=_DEFAULT_LABELS[o]) for o in OUTCOMES)),
        "identification_route": Dimension(
            "identification_route", (Category(code=NO_ROUTE, fallback=_("No decision yet")),)
        ),
        "service": Dimension("service", ()),
    }
    return StatisticsDefinitions(
        pack_code=pack.code if pack else settings.OPENNRM_PACK,
        threshold=DEFAULT_THRESHOLD,
        dimensions=dimensions,
        publication=Publication(
            registered_victims=RegisteredVictims(
                outcomes=["identified", "in_progress", "refused", "withdrawn"], note={"en": str(_DEFAULT_NOTE)}
            )
        ),
        eurostat=EurostatMapping(),
        national_countries=national,
        eu_countries=EU_MEMBERS,
        identified_transitions=identified,
        outcome_states={state: state for state in ("not_identified", "refused", "withdrawn")},
        route_transitions={},
        route_institution_types={},
        service_transitions={},
        municipality_regions={},
    )


def _age_band_code(low: int, high: int | None) -> str:
    return f"{low}+" if high is None else f"{low}-{high}"


def definitions_of_pack(pack: Pack | None) -> StatisticsDefinitions:
    if pack is not None and pack.statistics is not None:
        return _from_pack(pack, pack.statistics)
    return _defaults(pack)


_CACHE: dict[tuple[int, str], StatisticsDefinitions] = {}
_CACHE_SIZE = 8


def statistics_definitions(pack_content: Mapping | Pack | None = None) -> StatisticsDefinitions:
    """The definitions of `pack_content` (a pack or its stored content), or of the pack version in force."""
    if isinstance(pack_content, Pack):
        return definitions_of_pack(pack_content)
    if pack_content is not None:
        return definitions_of_pack(Pack.model_validate(pack_content))
    # Only the key is read first: the content is large and usually cached already.
    version = (
        ModelVersion.objects.filter(pack_code=settings.OPENNRM_PACK, status=ModelVersion.Status.PUBLISHED)
        .only("pk", "content_hash")
        .first()
    )
    if version is None:
        return _defaults(None)
    key = (version.pk, version.content_hash)
    definitions = _CACHE.get(key)
    if definitions is None:
        version.refresh_from_db(fields=["content", "pack_code", "number", "status"])
        definitions = definitions_of_pack(version_pack(version))
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = definitions
    return definitions
