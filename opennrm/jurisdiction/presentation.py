"""How a version of the General Model is shown: display-ready views of a pack and of a diff between two.

Pure presentation — no queries and no permission decisions; the views in `views.py` pass the results to templates.
"""

from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from opennrm.jurisdiction import selectors
from opennrm.jurisdiction.forms import LANGUAGE_NAMES, NATIONALITY_LABELS, POPULATION_LABELS
from opennrm.jurisdiction.models import ModelVersion

CATEGORY_LABELS = {
    "first_contact": _("First contact"),
    "service_provider": _("Service providers"),
    "law_enforcement": _("Law enforcement"),
    "child_protection": _("Child protection"),
    "coordination": _("Coordination"),
    "oversight": _("Oversight"),
    "other": _("Other institutions"),
}
LEVEL_LABELS = {"national": _("National"), "regional": _("Regional"), "municipal": _("Municipal")}
CHANGE_LABELS = {"added": _("added"), "removed": _("removed"), "changed": _("changed")}
SECTION_TITLES = {
    "stages": _("Stages"),
    "functions": _("Functions"),
    "legal_bases": _("Legal bases"),
    "roles": _("Roles"),
    "municipalities": _("Municipalities"),
}


class Links:
    """Addresses within one version: the unnumbered ones for the model in force, numbered ones otherwise."""

    def __init__(self, number: int | None) -> None:
        self.number = number

    def url(self, name: str, *args) -> str:
        if self.number is None:
            return reverse(f"jurisdiction:{name}", args=args)
        return reverse(f"jurisdiction:version_{name}", args=(self.number, *args))

    @property
    def overview(self) -> str:
        return self.url("overview")

    @property
    def print(self) -> str:
        return self.url("print")

    @property
    def pathway(self) -> str:
        return self.url("pathway")


@dataclass
class EntryView:
    entry: object
    institution_type: object
    stage: object
    type_url: str
    stage_url: str
    functions: list = field(default_factory=list)
    legal_bases: list = field(default_factory=list)
    applies: str = ""

    @property
    def anchor(self) -> str:
        return f"entry-{self.entry.institution_type}-{self.entry.stage}"


def applies_to_text(entry) -> str:
    if entry.applies_to is None:
        return gettext("Everyone")
    people = ", ".join(str(POPULATION_LABELS[p]) for p in entry.applies_to.population or [])
    nationalities = ", ".join(str(NATIONALITY_LABELS[n]) for n in entry.applies_to.nationality or [])
    return gettext("%(people)s; %(nationalities)s") % {
        "people": people or gettext("Adults and children"),
        "nationalities": nationalities or gettext("Any nationality"),
    }


def entry_view(pack, entry, links: Links) -> EntryView:
    return EntryView(
        entry=entry,
        institution_type=pack.institution_type(entry.institution_type),
        stage=pack.stage(entry.stage),
        type_url=links.url("institution_type", entry.institution_type),
        stage_url=links.url("stage", entry.stage),
        functions=[f for f in (pack.function(fid) for fid in entry.functions) if f is not None],
        legal_bases=[b for b in (pack.legal_basis(bid) for bid in entry.legal_basis) if b is not None],
        applies=applies_to_text(entry),
    )


def model_context(version: ModelVersion, links: Links) -> dict:
    """Everything a page of the model document shows, resolved from ids to the objects they name."""
    pack = selectors.version_pack(version)
    stages = [
        {
            "stage": s,
            "url": links.url("stage", s.id),
            "entries": [entry_view(pack, e, links) for e in pack.matrix_for_stage(s.id)],
        }
        for s in pack.ordered_stages()
    ]
    types = [
        {
            "type": t,
            "url": links.url("institution_type", t.id),
            "level": LEVEL_LABELS.get(t.level, t.level),
            "entries": [entry_view(pack, e, links) for e in pack.matrix_for_type(t.id)],
        }
        for t in pack.institution_types
    ]
    categories = [
        {"label": label, "types": [t for t in types if t["type"].category == key]}
        for key, label in CATEGORY_LABELS.items()
    ]
    return {
        "version": version,
        "pack": pack,
        "meta": pack.pack,
        "links": links,
        "stages": stages,
        "types": types,
        "categories": [c for c in categories if c["types"]],
        "nav": "model",
    }


def _display(value) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return ""
    if isinstance(value, list):
        return ", ".join(_display(item) for item in value)
    if isinstance(value, dict):
        return "; ".join(f"{key}: {_display(item)}" for key, item in value.items())
    return str(value)


FIELD_LABELS = {
    "name": _("Name"),
    "title": _("Title"),
    "description": _("Description"),
    "functions": _("Functions"),
    "legal_basis": _("Legal basis"),
    "applies_to": _("Applies to"),
    "population": _("Population"),
    "nationality": _("Nationality"),
    "citation": _("Citation"),
    "url": _("Address on the web"),
    "contacts": _("Contacts"),
    "label": _("Label"),
    "phone": _("Phone"),
    "email": _("E-mail"),
    "website": _("Website"),
    "hours": _("Opening hours"),
    "level": _("Level"),
    "category": _("Category"),
    "capabilities": _("Capabilities"),
    "institution_types": _("Institution types"),
    "kind": _("Kind"),
    "languages": _("Languages"),
    "edition": _("Edition"),
    "country": _("Country"),
}


def field_label(path: str) -> str:
    """A diff's dotted field path in words: "description.lv" → "Description (Latvian)", "contacts[1].phone" →
    "Contacts 2: Phone". Unknown parts are shown as they are, so nothing is ever hidden."""
    words = []
    for part in path.split("."):
        name, _bracket, index = part.partition("[")
        if name in LANGUAGE_NAMES and words:
            words[-1] = f"{words[-1]} ({LANGUAGE_NAMES[name]})"
            continue
        label = str(FIELD_LABELS.get(name, name))
        words.append(f"{label} {int(index.rstrip(']')) + 1}" if index.rstrip("]").isdigit() else label)
    return ": ".join(words)


def _changes(changes) -> list[dict]:
    return [
        {"field": c.field, "label": field_label(c.field), "old": _display(c.old), "new": _display(c.new)}
        for c in changes
    ]


def diff_view(diff) -> dict:
    """A PackDiff with every value turned into display text and every kind into words."""
    return {
        "is_empty": diff.is_empty,
        "metadata": _changes(diff.metadata),
        "reserved": _changes(diff.reserved),
        "types": [
            {
                "name": t.name,
                "kind_label": CHANGE_LABELS[t.kind],
                "kind": t.kind,
                "changes": _changes(t.changes),
                "stages": [
                    {
                        "name": s.stage_name or s.stage,
                        "kind": s.kind,
                        "kind_label": CHANGE_LABELS[s.kind],
                        "changes": _changes(s.changes),
                    }
                    for s in t.stages
                ],
            }
            for t in diff.institution_types
        ],
        "sections": [
            {
                "title": SECTION_TITLES.get(section.section, section.section),
                "order": _changes([section.order]) if section.order else [],
                "items": [
                    {
                        "id": i.id,
                        "name": i.name,
                        "kind": i.kind,
                        "kind_label": CHANGE_LABELS[i.kind],
                        "changes": _changes(i.changes),
                    }
                    for i in section.items
                ],
            }
            for section in diff.sections
            if not section.is_empty
        ],
    }
