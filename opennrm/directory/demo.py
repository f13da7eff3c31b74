"""Loading the demo directory (packs/<pack>/demo/directory.yaml): synthetic institutions to try OpenNRM.

Institution types and municipalities are not created here: they come from the published pack, so a demo
file that names one the pack does not know is refused, entry and field named, and nothing is written.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Prefetch
from django.utils.translation import gettext
from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError

from opennrm.audit.services import audit_record
from opennrm.core.errors import ApplicationError
from opennrm.directory import services
from opennrm.directory.models import ContactPoint, Institution, InstitutionType, Municipality, Unit
from opennrm.directory.selectors import content_languages

SLUG = r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$"
MAIN_UNIT = "main"
# libyaml's loader when installed: the demo file is large and the pure-Python parser takes about a second.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_RELATED = (
    "service_area",
    "units",
    Prefetch("contact_points", queryset=ContactPoint.objects.order_by("order", "pk")),
)


class _Strict(BaseModel):
    # A misspelt key must not pass silently, as in the pack itself.
    model_config = ConfigDict(extra="forbid")


class DemoUnit(_Strict):
    code: str = Field(pattern=SLUG, max_length=100)
    names: dict[str, str]


class DemoContactPoint(_Strict):
    labels: dict[str, str]
    phone: str = ""
    email: str = ""
    hours: dict[str, str] = Field(default_factory=dict)
    languages: list[str] = Field(default_factory=list)
    audience: Literal["public", "professionals"] = "public"
    round_the_clock: bool = False


class DemoInstitution(_Strict):
    code: str = Field(pattern=SLUG, max_length=100)
    type: str
    scope: Literal["national", "regional", "municipal"]
    municipality: str | None = None
    service_area: list[str] = Field(default_factory=list)
    names: dict[str, str]
    address: str = Field(default="", max_length=300)
    website: str = ""
    units: list[DemoUnit] = Field(default_factory=list)
    contact_points: list[DemoContactPoint] = Field(default_factory=list)


class DemoDirectory(_Strict):
    institutions: list[DemoInstitution]


class DemoDataInvalid(ApplicationError):
    """The demo file is not usable; `problems` lists every reason, each naming the entry and field."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems), field="path")
        self.problems = problems


@dataclass
class DemoSummary:
    institutions_created: int = 0
    institutions_updated: int = 0
    institutions_unchanged: int = 0
    units_created: int = 0
    units_updated: int = 0
    contact_points_created: int = 0
    contact_points_updated: int = 0
    contact_points_removed: int = 0

    @property
    def changed(self) -> bool:
        return any(value for name, value in asdict(self).items() if name != "institutions_unchanged")

    def __str__(self) -> str:
        return (
            f"institutions: {self.institutions_created} created, {self.institutions_updated} updated, "
            f"{self.institutions_unchanged} unchanged; units: {self.units_created} created, "
            f"{self.units_updated} updated; contact points: {self.contact_points_created} created, "
            f"{self.contact_points_updated} updated, {self.contact_points_removed} removed"
        )


def _location(loc: tuple[Any, ...], raw: dict[str, Any]) -> str:
    """("institutions", 3, "names") -> "institutions[3] (its code).names", as the other problems read."""
    text = ""
    for position, part in enumerate(loc):
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
        if position == 1 and loc[0] == "institutions" and isinstance(part, int):
            entries = raw.get("institutions")
            entry = entries[part] if isinstance(entries, list) and part < len(entries) else None
            if isinstance(entry, dict) and entry.get("code"):
                text += f" ({entry['code']})"
    return text


def _parse(path: Path) -> DemoDirectory:
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)  # noqa: S506 - a safe loader
    except OSError as error:
        raise DemoDataInvalid([f"{path}: {error.strerror or error}"]) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{path.name}:{mark.line + 1}" if mark else path.name
        raise DemoDataInvalid([f"{where}: {getattr(error, 'problem', None) or error}"]) from None
    if not isinstance(raw, dict):
        raise DemoDataInvalid(
            [gettext("%(file)s: the file must be a mapping with 'institutions'.") % {"file": path.name}]
        )
    try:
        return DemoDirectory.model_validate(raw)
    except PydanticValidationError as error:
        raise DemoDataInvalid(
            [f"{path.name}: {_location(item['loc'], raw)}: {item['msg']}" for item in error.errors()]
        ) from None


def _text_problems(values: dict[str, str], *, where: str, languages: list[str]) -> list[str]:
    return [
        f"{where}.{language}: " + gettext("missing translation for '%(language)s'") % {"language": language}
        for language in languages
        if not (values.get(language) or "").strip()
    ]


def _check(
    data: DemoDirectory,
    *,
    file: str,
    types: dict[str, InstitutionType],
    places: dict[str, Municipality],
    languages: list[str],
) -> list[str]:
    problems: list[str] = []
    seen: set[str] = set()
    url_check = URLValidator(schemes=["http", "https"])
    for index, item in enumerate(data.institutions):
        where = f"{file}: institutions[{index}] ({item.code})"
        if item.code in seen:
            problems.append(f"{where}.code: " + gettext("duplicate institution code"))
        seen.add(item.code)
        if item.type not in types:
            hint = "" if types else " " + gettext("(no institution types yet: publish the model first)")
            problems.append(
                f"{where}.type: " + gettext("unknown institution type '%(code)s'") % {"code": item.type} + hint
            )
        if item.scope == "municipal" and not item.municipality:
            problems.append(f"{where}.municipality: " + gettext("required for a municipal institution"))
        if item.municipality and item.municipality not in places:
            problems.append(
                f"{where}.municipality: " + gettext("unknown municipality '%(code)s'") % {"code": item.municipality}
            )
        for position, code in enumerate(item.service_area):
            if code not in places:
                problems.append(
                    f"{where}.service_area[{position}]: " + gettext("unknown municipality '%(code)s'") % {"code": code}
                )
        if item.website:
            try:
                url_check(item.website)
            except DjangoValidationError:
                problems.append(f"{where}.website: " + gettext("not a valid http(s) address"))
        problems += _text_problems(item.names, where=f"{where}.names", languages=languages)
        unit_codes = [unit.code for unit in item.units]
        if len(unit_codes) != len(set(unit_codes)):
            problems.append(f"{where}.units: " + gettext("duplicate unit code"))
        for position, unit in enumerate(item.units):
            problems += _text_problems(unit.names, where=f"{where}.units[{position}].names", languages=languages)
        for position, point in enumerate(item.contact_points):
            problems += _contact_point_problems(point, where=f"{where}.contact_points[{position}]", languages=languages)
    return problems


def _contact_point_problems(point: DemoContactPoint, *, where: str, languages: list[str]) -> list[str]:
    # The same rules as a contact point saved through the web page.
    try:
        services.contact_point_clean(
            labels=point.labels,
            phone=point.phone,
            email=point.email,
            hours=point.hours,
            languages=point.languages,
            audience=point.audience,
            is_round_the_clock=point.round_the_clock,
            text_languages=languages,
        )
    except ApplicationError as error:
        return [f"{where}.{error.field}: {error.message}"]
    return []


def _sync_contact_points(
    institution: Institution,
    wanted: list[DemoContactPoint],
    *,
    existing: list[ContactPoint],
    languages: list[str],
    summary: DemoSummary,
) -> None:
    # Replaced position by position, so a second run over the same file finds nothing to change.
    for order, item in enumerate(wanted):
        values = services.contact_point_clean(
            labels=item.labels,
            phone=item.phone,
            email=item.email,
            hours=item.hours,
            languages=item.languages,
            audience=item.audience,
            is_round_the_clock=item.round_the_clock,
            text_languages=languages,
        )
        values.update(order=order, is_active=True, unit=None)
        if order < len(existing):
            point = existing[order]
            if all(getattr(point, name) == value for name, value in values.items()):
                continue
            for name, value in values.items():
                setattr(point, name, value)
            point.save()
            summary.contact_points_updated += 1
        else:
            ContactPoint.objects.create(institution=institution, **values)
            summary.contact_points_created += 1
    surplus = existing[len(wanted) :]
    if surplus:
        ContactPoint.objects.filter(pk__in=[point.pk for point in surplus]).delete()
        summary.contact_points_removed += len(surplus)


def _sync_units(
    institution: Institution, item: DemoInstitution, *, existing_units: list[Unit], summary: DemoSummary
) -> None:
    wanted = {unit.code: unit.names for unit in item.units}
    # Staff accounts hang on units, so every institution has at least its main unit.
    wanted.setdefault(MAIN_UNIT, item.names)
    existing = {unit.code: unit for unit in existing_units}
    for code, unit_names in wanted.items():
        unit = existing.get(code)
        if unit is None:
            Unit.objects.create(institution=institution, code=code, names=unit_names)
            summary.units_created += 1
        elif unit.names != unit_names or not unit.is_active:
            unit.names, unit.is_active = unit_names, True
            unit.save()
            summary.units_updated += 1


def _sync_institution(
    item: DemoInstitution,
    *,
    types: dict[str, InstitutionType],
    places: dict[str, Municipality],
    existing: dict[str, Institution],
    languages: list[str],
    summary: DemoSummary,
) -> None:
    values = {
        "names": item.names,
        "type_id": types[item.type].pk,
        "scope": item.scope,
        "municipality_id": places[item.municipality].pk if item.municipality else None,
        "address": item.address,
        "website": item.website,
        "is_active": True,
    }
    area = {places[code].pk for code in item.service_area}
    institution = existing.get(item.code)
    if institution is None:
        institution = Institution.objects.create(code=item.code, **values)
        institution.service_area.set(area)
        units, points = [], []
        summary.institutions_created += 1
    else:
        changed = [name for name, value in values.items() if getattr(institution, name) != value]
        for name in changed:
            setattr(institution, name, values[name])
        if changed:
            institution.save()
        if {place.pk for place in institution.service_area.all()} != area:
            institution.service_area.set(area)
            changed.append("service_area")
        if changed:
            summary.institutions_updated += 1
        else:
            summary.institutions_unchanged += 1
        units, points = list(institution.units.all()), list(institution.contact_points.all())
    _sync_units(institution, item, existing_units=units, summary=summary)
    _sync_contact_points(institution, item.contact_points, existing=points, languages=languages, summary=summary)


def demo_directory_load(*, path: Path) -> DemoSummary:
    """Create or update the institutions, units and contact points of `path`; a second run changes nothing."""
    path = Path(path)
    data = _parse(path)
    types = {t.code: t for t in InstitutionType.objects.filter(is_active=True)}
    places = {m.code: m for m in Municipality.objects.filter(is_active=True)}
    languages = content_languages()
    problems = _check(data, file=path.name, types=types, places=places, languages=languages)
    if problems:
        raise DemoDataInvalid(problems)
    summary = DemoSummary()
    with transaction.atomic():
        existing = {
            institution.code: institution
            for institution in Institution.objects.filter(
                code__in=[item.code for item in data.institutions]
            ).prefetch_related(*_RELATED)
        }
        for item in data.institutions:
            _sync_institution(item, types=types, places=places, existing=existing, languages=languages, summary=summary)
        if summary.changed:
            audit_record(
                action="directory.demo_load",
                object_type="directory",
                object_id=path.name,
                new_values=asdict(summary),
                purpose="demo data",
            )
    return summary
