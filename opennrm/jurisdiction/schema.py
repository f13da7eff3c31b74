"""The jurisdiction pack schema: what a pack may contain, as docs/pack-format.md explains it to authors.

These models check shape only (fields, types, enums, id syntax). Whether ids refer to something that exists,
and whether every text has every declared language, is checked in `validation.py`, which needs the whole pack.
This module has no Django imports, so a pack can be checked anywhere.
"""

from collections.abc import Iterator
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

ID_PATTERN = r"^[a-z][a-z0-9_]*$"
COUNTRY_PATTERN = r"^[A-Z]{2}$"
# Links from a pack end up in public pages' href attributes: only web addresses, never `javascript:` and the like.
WEB_ADDRESS_PATTERN = r"^(https?://[^\s<>\"']+)?$"

SECTIONS = (
    "pack",
    "legal_bases",
    "stages",
    "functions",
    "institution_types",
    "matrix",
    "roles",
    "municipalities",
    "workflow",
    "indicator_sets",
    "statistics",
)


class _TextMarker:
    """Marks a field as multilingual text, so that translation checks can find every such field."""

    def __repr__(self) -> str:
        return "Text"


TEXT = _TextMarker()

Id = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
WebAddress = Annotated[str, StringConstraints(pattern=WEB_ADDRESS_PATTERN, max_length=500)]
# Shown to people: language code -> text. Completeness per declared language is checked in validation.
Text = Annotated[dict[str, str], TEXT]
OptionalText = Annotated[dict[str, str] | None, TEXT]

Level = Literal["national", "regional", "municipal"]
Category = Literal[
    "first_contact",
    "service_provider",
    "law_enforcement",
    "child_protection",
    "coordination",
    "oversight",
    "other",
]
Population = Literal["adult", "child"]
Nationality = Literal["national", "eu_citizen", "third_country_national"]
MunicipalityKind = Literal["state_city", "municipality", "region"]


class Strict(BaseModel):
    # A typo in a key must not pass silently; a loaded pack is read-only.
    model_config = ConfigDict(extra="forbid", frozen=True)


class PackMeta(Strict):
    id: Id
    name: Text
    country: Annotated[str, StringConstraints(pattern=COUNTRY_PATTERN)] | None
    languages: list[str] = Field(min_length=1)
    description: Text
    edition: str = ""

    @property
    def default_language(self) -> str:
        return self.languages[0]


class LegalBasis(Strict):
    id: Id
    title: Text
    citation: str = Field(min_length=1)
    url: WebAddress = ""


class Stage(Strict):
    id: Id
    name: Text
    description: Text


class Function(Strict):
    id: Id
    name: Text
    description: Text


class Contact(Strict):
    label: Text
    phone: str = ""
    email: str = ""
    website: WebAddress = ""
    hours: OptionalText = None


class InstitutionType(Strict):
    id: Id
    name: Text
    description: Text
    level: Level
    category: Category
    contacts: list[Contact] = Field(default_factory=list)


class AppliesTo(Strict):
    # Omitted means everyone; an empty list would mean no one, which is never what an author meant.
    population: list[Population] | None = Field(default=None, min_length=1)
    nationality: list[Nationality] | None = Field(default=None, min_length=1)


class MatrixEntry(Strict):
    institution_type: Id
    stage: Id
    functions: list[Id] = Field(min_length=1)
    description: Text
    legal_basis: list[Id] = Field(default_factory=list)
    applies_to: AppliesTo | None = None

    def applies(self, *, population: str | None = None, nationality: str | None = None) -> bool:
        """Whether this entry concerns a person of this population and nationality (None: don't filter)."""
        if self.applies_to is None:
            return True
        if population and self.applies_to.population and population not in self.applies_to.population:
            return False
        if nationality and self.applies_to.nationality and nationality not in self.applies_to.nationality:
            return False
        return True


class Role(Strict):
    id: Id
    name: Text
    description: Text
    # Checked against opennrm.core.capabilities in validation, so the message can name the unknown id.
    capabilities: list[str] = Field(default_factory=list)
    # Institution types whose staff may hold the role; empty means any.
    institution_types: list[Id] = Field(default_factory=list)


class Municipality(Strict):
    id: Id
    name: Text
    kind: MunicipalityKind


Strength = Literal["strong", "medium", "weak"]
ScreeningPopulation = Literal["adult", "child", "any"]
ExploitationForm = Literal[
    "labour", "sexual", "sham_marriage", "forced_criminality", "begging", "domestic_servitude", "other"
]
ScreeningContext = Literal["general", "forced_return", "sham_marriage", "forced_criminality"]


class Indicator(Strict):
    id: Id
    dimension: Id
    strength: Strength
    question: Text
    help: OptionalText = None
    # Indicators of different sets that ask the same thing share a concept, so a combined screening
    # ("not sure which form") asks it once.
    concept: Id | None = None
    source: str = Field(min_length=1)


class Dimension(Strict):
    id: Id
    name: Text


class PresenceThreshold(Strict):
    """At least this many `yes` answers of each strength in one dimension; all counts must be met together."""

    strong: int = Field(default=0, ge=0)
    medium: int = Field(default=0, ge=0)
    weak: int = Field(default=0, ge=0)
    medium_or_weak: int = Field(default=0, ge=0)


class ScreeningRule(Strict):
    # A dimension is present when any one threshold is met.
    present: list[PresenceThreshold] = Field(min_length=1)
    # Indicative when every group has at least one present dimension (an AND of ORs).
    indicative: list[list[Id]] = Field(min_length=1)


class IndicatorSet(Strict):
    id: Id
    title: Text
    help: Text
    population: ScreeningPopulation
    forms: list[ExploitationForm] = Field(min_length=1)
    context: ScreeningContext
    source: str = Field(min_length=1)
    dimensions: list[Dimension] = Field(min_length=1)
    rule: ScreeningRule
    # For a set used with adults and children alike (population "any"): the rule when the person is a child,
    # for whom the means of trafficking are not required. Without it, `rule` applies to everyone.
    child_rule: ScreeningRule | None = None
    indicators: list[Indicator] = Field(min_length=1)


class Pack(Strict):
    pack: PackMeta
    legal_bases: list[LegalBasis] = Field(default_factory=list)
    stages: list[Stage]
    functions: list[Function]
    institution_types: list[InstitutionType]
    matrix: list[MatrixEntry]
    roles: list[Role]
    municipalities: list[Municipality] = Field(default_factory=list)
    # Reserved for later parts of the system; kept as data so that packs can already carry them.
    workflow: dict[str, Any] = Field(default_factory=dict)
    indicator_sets: list[IndicatorSet] = Field(default_factory=list)
    statistics: dict[str, Any] = Field(default_factory=dict)

    @property
    def code(self) -> str:
        return self.pack.id

    @property
    def languages(self) -> list[str]:
        return self.pack.languages

    def ordered_stages(self) -> list[Stage]:
        """Stages in process order (the order the pack lists them in)."""
        return list(self.stages)

    def stage(self, stage_id: str) -> Stage | None:
        return next((s for s in self.stages if s.id == stage_id), None)

    def function(self, function_id: str) -> Function | None:
        return next((f for f in self.functions if f.id == function_id), None)

    def institution_type(self, type_id: str) -> InstitutionType | None:
        return next((t for t in self.institution_types if t.id == type_id), None)

    def legal_basis(self, basis_id: str) -> LegalBasis | None:
        return next((b for b in self.legal_bases if b.id == basis_id), None)

    def role(self, role_id: str) -> Role | None:
        return next((r for r in self.roles if r.id == role_id), None)

    def municipality(self, municipality_id: str) -> Municipality | None:
        return next((m for m in self.municipalities if m.id == municipality_id), None)

    def indicator_set(self, set_id: str) -> IndicatorSet | None:
        return next((s for s in self.indicator_sets if s.id == set_id), None)

    def matrix_entry(self, institution_type: str, stage: str) -> MatrixEntry | None:
        return next(
            (e for e in self.matrix if e.institution_type == institution_type and e.stage == stage), None
        )

    def matrix_for_type(self, institution_type: str) -> list[MatrixEntry]:
        """The entries of one institution type, in process order of their stages."""
        order = {s.id: i for i, s in enumerate(self.stages)}
        entries = [e for e in self.matrix if e.institution_type == institution_type]
        return sorted(entries, key=lambda e: order.get(e.stage, len(order)))

    def matrix_for_stage(self, stage: str) -> list[MatrixEntry]:
        """The entries of one stage, in the order the pack lists institution types."""
        order = {t.id: i for i, t in enumerate(self.institution_types)}
        entries = [e for e in self.matrix if e.stage == stage]
        return sorted(entries, key=lambda e: order.get(e.institution_type, len(order)))


def is_text_field(model: type[BaseModel], name: str) -> bool:
    return any(item is TEXT for item in model.model_fields[name].metadata)


def nested_model(annotation: Any) -> tuple[type[BaseModel] | None, bool]:
    """For a field annotation, the pack model it holds (if any) and whether it holds a list of them."""
    args = getattr(annotation, "__args__", ())
    origin = getattr(annotation, "__origin__", None)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, False
    if origin is list and args:
        inner, _ = nested_model(args[0])
        return inner, True
    for arg in args:  # X | None
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg, False
        if getattr(arg, "__origin__", None) is list:
            return nested_model(arg)
    return None, False


def iter_texts(model: type[BaseModel], data: Any, path: tuple = ()) -> Iterator[tuple[tuple, Any]]:
    """Every multilingual text in raw pack data shaped like `model`, with its path; tolerant of bad shapes."""
    if not isinstance(data, dict):
        return
    for name in model.model_fields:
        if name not in data:
            continue
        value = data[name]
        if is_text_field(model, name):
            if value is not None:
                yield (*path, name), value
            continue
        inner, is_list = nested_model(model.model_fields[name].annotation)
        if inner is None:
            continue
        if is_list and isinstance(value, list):
            for index, item in enumerate(value):
                yield from iter_texts(inner, item, (*path, name, index))
        elif not is_list:
            yield from iter_texts(inner, value, (*path, name))
