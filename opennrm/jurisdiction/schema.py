"""The jurisdiction pack schema: what a pack may contain, as docs/pack-format.md explains it to authors.

These models check shape only (fields, types, enums, id syntax). Whether ids refer to something that exists,
and whether every text has every declared language, is checked in `validation.py`, which needs the whole pack.
This module has no Django imports, so a pack can be checked anywhere.
"""

from collections.abc import Iterator
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

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
    "self_check",
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


# --- The case workflow (docs/pack-format.md, "workflow") ---------------------------------------------------------

StateKind = Literal["open", "outcome", "closed"]
# What a transition is set off by: a person acting on the case, a referral being sent or accepted, or `opennrm tick`
# when a deadline runs out (the deadline names the transition in `on_expiry`).
Trigger = Literal["manual", "referral_sent", "referral_accepted", "deadline_expired"]
# Fields of a case a transition may require to be filled in first (the code knows these names).
CaseField = Literal["sex", "age_band", "citizenship", "forms", "countries", "languages", "municipality", "identity"]
ConsentMethod = Literal["written", "oral", "interpreter"]
ConsentGiver = Literal["person", "legal_representative", "orphans_court"]
Notify = Literal["assigned", "parties", "supervisors"]


class Condition(Strict):
    """Whom a rule concerns; omitted fields match everyone (same meaning as a matrix entry's `applies_to`)."""

    population: list[Population] | None = Field(default=None, min_length=1)
    nationality: list[Nationality] | None = Field(default=None, min_length=1)

    def matches(self, *, population: str, nationality: str) -> bool:
        if self.population and population not in self.population:
            return False
        if self.nationality and nationality not in self.nationality:
            return False
        return True


class CaseState(Strict):
    id: Id
    name: Text
    description: Text
    # open: work goes on; outcome: ended with a reason (not identified, refused, withdrawn); closed: done.
    kind: StateKind = "open"
    # The General Model stage the state belongs to, so a case page can show where in the process it is.
    stage: Id | None = None


class Actor(Strict):
    """Who may perform a transition: a member holding one of `roles` in an institution of one of `institution_types`
    (empty: any institution) that is a party to the case."""

    roles: list[Id] = Field(min_length=1)
    institution_types: list[Id] = Field(default_factory=list)


class Effect(Strict):
    """What happens when a transition is performed, if `when` matches the person (omitted: always)."""

    when: Condition | None = None
    start_deadline: Id | None = None
    stop_deadline: Id | None = None
    # One use of a deadline's quota (e.g. one of five follow-up consultations).
    use_quota: Id | None = None
    # Institution types made parties to the case (found by the case's municipality in the directory).
    involve: list[Id] = Field(default_factory=list)
    notify: list[Notify] = Field(default_factory=list)


class Transition(Strict):
    # Stored versions keep the key authors write (`from`), so a stored workflow reads and compares like the YAML.
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, serialize_by_alias=True)

    id: Id
    name: Text
    # Shown to the person performing it: what it means and what it needs.
    help: OptionalText = None
    from_states: list[Id] = Field(alias="from", min_length=1)
    to: Id
    trigger: Trigger = "manual"
    by: list[Actor] = Field(default_factory=list)
    # Available only for these persons (e.g. the reflection period for third-country nationals).
    when: Condition | None = None
    # Preconditions, all checked by the server.
    requires_consent: Id | None = None
    requires_fields: list[CaseField] = Field(default_factory=list)
    requires_reason: bool = False
    requires_checklist: Id | None = None
    requires_document: bool = False
    effects: list[Effect] = Field(default_factory=list)
    legal_basis: list[Id] = Field(default_factory=list)


class Deadline(Strict):
    id: Id
    name: Text
    description: Text
    # The period: days, or hours for short ones (a referral's answer). `urgent_hours` replaces it for urgent ones.
    days: int | None = Field(default=None, gt=0)
    hours: int | None = Field(default=None, gt=0)
    urgent_hours: int | None = Field(default=None, gt=0)
    # How many times something may be used within the period (e.g. 5 consultations in 2 years); none: no quota.
    quota: int | None = Field(default=None, gt=0)
    # Reminders go to the assigned workers this many days before the end (0: none).
    remind_days_before: int = Field(default=0, ge=0)
    # When it runs out: tell the supervisors of the institution responsible, and/or perform this transition.
    escalate: bool = False
    on_expiry: Id | None = None
    applies_to: Condition | None = None
    legal_basis: list[Id] = Field(default_factory=list)


class ConsentPurpose(Strict):
    id: Id
    name: Text
    description: Text


# The categories of personal data a party, a consent or a referral covers (the cases app's DataCategory).
DataCategoryId = Literal["identity", "contacts", "circumstances"]


class LegalDutyException(Strict):
    """When the law obliges an institution to pass information on without consent (e.g. a child in danger).

    A referral under it needs a written justification, is audited and is flagged for review.
    """

    id: Id
    name: Text
    description: Text
    applies_to: Condition | None = None
    recipient_types: list[Id] = Field(min_length=1)
    legal_basis: list[Id] = Field(min_length=1)
    # What the law's duty covers: the referral purposes it may be used for and the data it may carry. Absent: the
    # duty does not narrow them (any referral purpose; any data the sender itself sees).
    purposes: Annotated[list[Id], Field(min_length=1)] | None = None
    data_scope: list[DataCategoryId] | None = None


class ReferralRules(Strict):
    # The deadline that measures the receiving institution's answer (hours, shorter when urgent).
    response_deadline: Id
    # Who may send (any party institution) and who in the receiving institution may accept or decline.
    sender_roles: list[Id] = Field(min_length=1)
    receiving_roles: list[Id] = Field(min_length=1)
    purposes: list[Id] = Field(min_length=1)
    legal_duty_exceptions: list[LegalDutyException] = Field(default_factory=list)


class ChecklistItem(Strict):
    id: Id
    text: Text


class Checklist(Strict):
    id: Id
    name: Text
    description: Text
    items: list[ChecklistItem] = Field(min_length=1)


class ChildRules(Strict):
    # Made parties to every child's case when it is opened (found by the case's municipality).
    involve: list[Id] = Field(default_factory=list)
    # What those institutions may see of the child without a consent: the law puts them beside the child.
    data_scope: list[DataCategoryId] = Field(default_factory=list)
    # Who may consent for a child.
    consent_by: list[ConsentGiver] = Field(min_length=1)


class Retention(Strict):
    # Personal data of a closed or ended case is erased this many days after it closed; de-identified facts stay.
    days_after_closure: int = Field(gt=0)
    legal_basis: list[Id] = Field(default_factory=list)


class Workflow(Strict):
    # Case references: "<prefix>-<year>-<six digits>", e.g. LV-2026-000042.
    reference_prefix: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2,6}$")]
    initial_state: Id
    states: list[CaseState] = Field(min_length=1)
    transitions: list[Transition] = Field(min_length=1)
    deadlines: list[Deadline] = Field(default_factory=list)
    consent_purposes: list[ConsentPurpose] = Field(min_length=1)
    checklists: list[Checklist] = Field(default_factory=list)
    referral: ReferralRules
    child: ChildRules
    retention: Retention
    # Hours that break-glass access lasts before it must be asked for again.
    break_glass_hours: int = Field(default=12, gt=0)

    def state(self, state_id: str) -> CaseState | None:
        return next((s for s in self.states if s.id == state_id), None)

    def transition(self, transition_id: str) -> Transition | None:
        return next((t for t in self.transitions if t.id == transition_id), None)

    def deadline(self, deadline_id: str) -> Deadline | None:
        return next((d for d in self.deadlines if d.id == deadline_id), None)

    def consent_purpose(self, purpose_id: str) -> ConsentPurpose | None:
        return next((p for p in self.consent_purposes if p.id == purpose_id), None)

    def checklist(self, checklist_id: str) -> Checklist | None:
        return next((c for c in self.checklists if c.id == checklist_id), None)

    def legal_duty_exception(self, exception_id: str) -> LegalDutyException | None:
        return next((e for e in self.referral.legal_duty_exceptions if e.id == exception_id), None)


# --- Statistics (docs/pack-format.md, "statistics") ------------------------------------------------------------

# Age bands are named by their bounds, like the cases' own bands: "0-8", "48+".
AGE_BAND_PATTERN = r"^\d{1,3}(-\d{1,3}|\+)$"
Country = Annotated[str, StringConstraints(pattern=COUNTRY_PATTERN)]
# The outcomes a case can have in the statistics; the code derives them, the pack says which states and steps
# count as which.
OutcomeId = Literal["identified", "not_identified", "in_progress", "refused", "withdrawn"]
CitizenshipGroupId = Literal["national", "other_eu", "non_eu", "unknown"]


class StatisticsCategory(Strict):
    # Checked against the values the code knows (HTCDS sex and form values) in statistics_validation.py.
    id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    name: Text


class AgeBandCategory(Strict):
    id: Annotated[str, StringConstraints(pattern=AGE_BAND_PATTERN)]
    # Whole years, both ends included; no `max`: and older.
    min: int = Field(ge=0, le=150)
    max: int | None = Field(default=None, ge=0, le=150)
    # Without a name the band is shown by its bounds ("0–8", "48+").
    name: OptionalText = None


class CitizenshipGroupCategory(Strict):
    id: CitizenshipGroupId
    name: Text


class RegionCategory(Strict):
    id: Id
    name: Text
    # Pack municipality ids; a municipality belongs to at most one region.
    municipalities: list[Id] = Field(default_factory=list)


class OutcomeCategory(Strict):
    id: OutcomeId
    name: Text
    # A case that ever went through one of these steps has this outcome (used for `identified`).
    transitions: list[Id] = Field(default_factory=list)
    # Otherwise a case whose current state is one of these has it (`in_progress` needs neither: it is the rest).
    states: list[Id] = Field(default_factory=list)


class IdentificationRouteCategory(Strict):
    id: Id
    name: Text
    # The route of a decision: the step taken, or else the kind of institution that took it.
    transitions: list[Id] = Field(default_factory=list)
    institution_types: list[Id] = Field(default_factory=list)


class ServiceCategory(Strict):
    id: Id
    name: Text
    # A case received the service when it went through one of these steps.
    transitions: list[Id] = Field(min_length=1)


class StatisticsDimensions(Strict):
    sex: list[StatisticsCategory] = Field(min_length=1)
    age_band: list[AgeBandCategory] = Field(min_length=1)
    citizenship_group: list[CitizenshipGroupCategory] = Field(min_length=1)
    form: list[StatisticsCategory] = Field(min_length=1)
    region: list[RegionCategory] = Field(default_factory=list)
    outcome: list[OutcomeCategory] = Field(min_length=1)
    identification_route: list[IdentificationRouteCategory] = Field(default_factory=list)
    service: list[ServiceCategory] = Field(default_factory=list)


class CitizenshipRules(Strict):
    # The country's own citizens (empty for a template pack), and the EU member states.
    national: list[Country] = Field(default_factory=list)
    eu: list[Country] = Field(default_factory=list)


class DifferentialPrivacy(Strict):
    enabled: bool = False
    # The privacy budget of one public release, shared by all its tables.
    epsilon: float = Field(default=1.0, gt=0, le=10)


class RegisteredVictims(Strict):
    # Which outcomes count as a registered victim (Eurostat: identified and presumed victims).
    outcomes: list[OutcomeId] = Field(min_length=1)
    note: Text


class Publication(Strict):
    # Table ids of a release shown on the public site and in the public API.
    public_tables: list[Id] = Field(default_factory=list)
    differential_privacy: DifferentialPrivacy = Field(default_factory=DifferentialPrivacy)
    registered_victims: RegisteredVictims


class EurostatCode(Strict):
    code: Annotated[str, StringConstraints(min_length=1, max_length=32)]
    # Category ids of the dimension that Eurostat counts under `code`.
    categories: list[str] = Field(min_length=1)


class EurostatMapping(Strict):
    # Citizenship group id -> Eurostat citizenship code.
    citizenship: list[EurostatCode] = Field(default_factory=list)
    sex: list[EurostatCode] = Field(default_factory=list)
    form: list[EurostatCode] = Field(default_factory=list)


MIN_STATISTICS_THRESHOLD = 3


class Statistics(Strict):
    # Cells counting fewer people than this are not published (primary suppression).
    threshold: int = Field(ge=1, le=100)
    dimensions: StatisticsDimensions
    citizenship: CitizenshipRules = Field(default_factory=CitizenshipRules)
    publication: Publication
    eurostat: EurostatMapping = Field(default_factory=EurostatMapping)
    # The workflow's consent purpose that lets a case's de-identified record go out in HTCDS (`opennrm htcds export`).
    htcds_consent_purpose: Id | None = None
    # The institution type that receives the HTCDS exchange: a consent limited to another type does not cover it.
    htcds_recipient_type: Id | None = None

    @field_validator("threshold")
    @classmethod
    def _threshold_hides_individuals(cls, value: int) -> int:
        # Below 3 a shown cell of 2 lets each of the two people work out the other.
        if value < MIN_STATISTICS_THRESHOLD:
            raise ValueError(
                f"the threshold must be at least {MIN_STATISTICS_THRESHOLD}: smaller cells would describe individuals"
            )
        return value


class Pack(Strict):
    pack: PackMeta
    legal_bases: list[LegalBasis] = Field(default_factory=list)
    stages: list[Stage]
    functions: list[Function]
    institution_types: list[InstitutionType]
    matrix: list[MatrixEntry]
    roles: list[Role]
    municipalities: list[Municipality] = Field(default_factory=list)
    # Without a workflow the pack describes the model but cases cannot be opened under it.
    workflow: Workflow | None = None
    indicator_sets: list[IndicatorSet] = Field(default_factory=list)
    # Without statistics definitions the statistics use built-in defaults (opennrm/stats/dimensions.py).
    statistics: Statistics | None = None
    # The public self-check and help finder: its shape and references are checked by the app that serves it
    # (opennrm.portal.self_check, registered with `section_check_register`), so the model stays free of it.
    self_check: dict[str, Any] = Field(default_factory=dict)

    @field_validator("workflow", "statistics", mode="before")
    @classmethod
    def _empty_section_is_none(cls, value: Any) -> Any:
        # `workflow: {}` is how a pack says "no case workflow yet"; `statistics: {}` likewise.
        return None if value == {} else value

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
        return next((e for e in self.matrix if e.institution_type == institution_type and e.stage == stage), None)

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
