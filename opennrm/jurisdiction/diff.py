"""What changed between two versions of a pack, in the shape a reviewer reads the General Model:
sections item by item, and the functional matrix per institution type, then per stage.

Works on stored content documents (plain dicts), so any two versions can be compared; the result is plain
dataclasses that the web page and `opennrm pack diff` both render.
"""

from dataclasses import dataclass, field
from typing import Any, Literal

from django.utils import translation
from django.utils.translation import gettext

from opennrm.core.i18n import localized

Kind = Literal["added", "removed", "changed"]
LIST_SECTIONS = ("stages", "functions", "legal_bases", "roles", "municipalities")
RESERVED_SECTIONS = ("indicator_sets", "statistics")


@dataclass
class FieldChange:
    field: str  # dotted, per language for texts: "description.lv", "contacts[0].phone"
    old: Any
    new: Any


@dataclass
class ItemChange:
    id: str
    kind: Kind
    name: dict  # the item's multilingual name (new one, else old one), for display
    changes: list[FieldChange] = field(default_factory=list)


@dataclass
class SectionDiff:
    section: str
    items: list[ItemChange] = field(default_factory=list)
    order: FieldChange | None = None  # set when items kept their ids but moved (e.g. stages reordered)

    @property
    def is_empty(self) -> bool:
        return not self.items and self.order is None


@dataclass
class StageEntryChange:
    stage: str
    kind: Kind
    stage_name: dict
    changes: list[FieldChange] = field(default_factory=list)


@dataclass
class InstitutionTypeDiff:
    institution_type: str
    kind: Kind
    name: dict
    changes: list[FieldChange] = field(default_factory=list)  # the type's own fields
    stages: list[StageEntryChange] = field(default_factory=list)  # its matrix entries


@dataclass
class PackDiff:
    metadata: list[FieldChange] = field(default_factory=list)
    sections: list[SectionDiff] = field(default_factory=list)
    institution_types: list[InstitutionTypeDiff] = field(default_factory=list)
    # The other sections: the case workflow field by field ("workflow.transitions.refer.to"), or "workflow" when
    # it was added or removed; indicator sets and statistics as a whole.
    reserved: list[FieldChange] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (
            self.metadata or self.reserved or self.institution_types or any(not s.is_empty for s in self.sections)
        )

    def section(self, name: str) -> SectionDiff | None:
        return next((s for s in self.sections if s.section == name), None)

    def institution_type(self, type_id: str) -> InstitutionTypeDiff | None:
        return next((t for t in self.institution_types if t.institution_type == type_id), None)


def _flatten(value: Any, prefix: str, out: dict[str, Any]) -> None:
    if isinstance(value, dict) and value:
        for key in value:
            _flatten(value[key], f"{prefix}.{key}" if prefix else str(key), out)
    elif isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
        for index, item in enumerate(value):
            _flatten(item, f"{prefix}[{index}]", out)
    else:
        out[prefix] = value


def field_changes(old: Any, new: Any, *, skip: tuple[str, ...] = ()) -> list[FieldChange]:
    """Field-level differences of two items; texts per language, lists of scalars as a whole."""
    flat_old: dict[str, Any] = {}
    flat_new: dict[str, Any] = {}
    _flatten(old or {}, "", flat_old)
    _flatten(new or {}, "", flat_new)
    changes = []
    for key in [*flat_old, *(k for k in flat_new if k not in flat_old)]:
        if key.split(".")[0].split("[")[0] in skip:
            continue
        before, after = flat_old.get(key), flat_new.get(key)
        if before != after:
            changes.append(FieldChange(key, before, after))
    return changes


def _by_id(items: Any) -> dict[str, dict]:
    if not isinstance(items, list):
        return {}
    return {item["id"]: item for item in items if isinstance(item, dict) and "id" in item}


def _section_diff(section: str, old_items: Any, new_items: Any) -> SectionDiff:
    old, new = _by_id(old_items), _by_id(new_items)
    diff = SectionDiff(section)
    for item_id in [*new, *(i for i in old if i not in new)]:
        before, after = old.get(item_id), new.get(item_id)
        name = (after or before or {}).get("name") or (after or before or {}).get("title") or {}
        if before is None:
            diff.items.append(ItemChange(item_id, "added", name, field_changes({}, after, skip=("id",))))
        elif after is None:
            diff.items.append(ItemChange(item_id, "removed", name, field_changes(before, {}, skip=("id",))))
        elif changes := field_changes(before, after):
            diff.items.append(ItemChange(item_id, "changed", name, changes))
    common_old = [i for i in old if i in new]
    common_new = [i for i in new if i in old]
    if common_old != common_new:
        diff.order = FieldChange("order", common_old, common_new)
    return diff


def _matrix_by_type(content: dict) -> dict[str, dict[str, dict]]:
    grouped: dict[str, dict[str, dict]] = {}
    for entry in content.get("matrix") or []:
        if isinstance(entry, dict):
            grouped.setdefault(entry.get("institution_type", ""), {})[entry.get("stage", "")] = entry
    return grouped


def _matrix_diff(old: dict, new: dict) -> list[InstitutionTypeDiff]:
    old_types, new_types = _by_id(old.get("institution_types")), _by_id(new.get("institution_types"))
    old_matrix, new_matrix = _matrix_by_type(old), _matrix_by_type(new)
    stage_names = {**_by_id(old.get("stages")), **_by_id(new.get("stages"))}
    new_stage_ids = list(_by_id(new.get("stages")))
    stage_order = [*new_stage_ids, *(s for s in _by_id(old.get("stages")) if s not in new_stage_ids)]
    type_ids = [*new_types, *(t for t in old_types if t not in new_types)]
    type_ids += [t for t in [*new_matrix, *old_matrix] if t not in type_ids]
    result = []
    for type_id in dict.fromkeys(type_ids):
        before, after = old_types.get(type_id), new_types.get(type_id)
        kind: Kind = "added" if before is None else "removed" if after is None else "changed"
        name = (after or before or {}).get("name", {})
        changes = field_changes(before, after, skip=("id",)) if kind == "changed" else []
        entries_old, entries_new = old_matrix.get(type_id, {}), new_matrix.get(type_id, {})
        stage_ids = sorted(
            {*entries_old, *entries_new},
            key=lambda s: stage_order.index(s) if s in stage_order else len(stage_order),
        )
        stages = []
        for stage_id in stage_ids:
            entry_old, entry_new = entries_old.get(stage_id), entries_new.get(stage_id)
            skip = ("institution_type", "stage")
            stage_name = stage_names.get(stage_id, {}).get("name", {})
            if entry_old is None:
                stages.append(StageEntryChange(stage_id, "added", stage_name, field_changes({}, entry_new, skip=skip)))
            elif entry_new is None:
                stages.append(
                    StageEntryChange(stage_id, "removed", stage_name, field_changes(entry_old, {}, skip=skip))
                )
            elif entry_changes := field_changes(entry_old, entry_new, skip=skip):
                stages.append(StageEntryChange(stage_id, "changed", stage_name, entry_changes))
        if kind != "changed" or changes or stages:
            result.append(InstitutionTypeDiff(type_id, kind, name, changes, stages))
    return result


def _keyed(value: Any) -> Any:
    """Lists of items with ids become mappings by id, so that a change is named by the item it belongs to
    ("transitions.refer.to") and inserting an item does not make every later one look changed."""
    if isinstance(value, dict):
        return {key: _keyed(item) for key, item in value.items()}
    if (
        isinstance(value, list)
        and value
        and all(isinstance(item, dict) and isinstance(item.get("id"), str) for item in value)
        and len({item["id"] for item in value}) == len(value)
    ):
        return {item["id"]: _keyed({k: v for k, v in item.items() if k != "id"}) for item in value}
    return value


def _workflow_changes(old: Any, new: Any) -> list[FieldChange]:
    # No workflow is written `workflow: {}` in a pack folder and stored as null: both mean the same.
    if not old or not new:
        return [] if not old and not new else [FieldChange("workflow", old or None, new or None)]
    return [FieldChange(f"workflow.{c.field}", c.old, c.new) for c in field_changes(_keyed(old), _keyed(new))]


def diff_packs(old: dict, new: dict) -> PackDiff:
    """The differences from content `old` to content `new` (stored version documents)."""
    old, new = old or {}, new or {}
    return PackDiff(
        metadata=field_changes(old.get("pack"), new.get("pack")),
        sections=[_section_diff(s, old.get(s), new.get(s)) for s in LIST_SECTIONS],
        institution_types=_matrix_diff(old, new),
        reserved=[
            *_workflow_changes(old.get("workflow"), new.get("workflow")),
            *(FieldChange(s, old.get(s), new.get(s)) for s in RESERVED_SECTIONS if old.get(s) != new.get(s)),
        ],
    )


# --- plain text ---------------------------------------------------------------------------------------

_MARK = {"added": "+", "removed": "-", "changed": "~"}


def _value(value: Any) -> str:
    if value is None:
        return gettext("(none)")
    if isinstance(value, list):
        return "[" + ", ".join(str(item) for item in value) + "]"
    return repr(value) if isinstance(value, str) else str(value)


def _change_lines(changes: list[FieldChange], indent: str) -> list[str]:
    return [f"{indent}{c.field}: {_value(c.old)} → {_value(c.new)}" for c in changes]


def _section_titles() -> dict[str, str]:
    return {
        "stages": gettext("Stages"),
        "functions": gettext("Functions"),
        "legal_bases": gettext("Legal bases"),
        "roles": gettext("Roles"),
        "municipalities": gettext("Municipalities"),
    }


def render_text(diff: PackDiff, language: str = "en") -> str:
    """The diff as readable plain text (for the command line); names shown in `language`."""
    with translation.override(language):
        if diff.is_empty:
            return gettext("No differences.") + "\n"
        lines: list[str] = []
        if diff.metadata:
            lines.append(gettext("Pack"))
            lines += _change_lines(diff.metadata, "  ~ ")
        titles = _section_titles()
        for section in diff.sections:
            if section.is_empty:
                continue
            lines.append(titles[section.section])
            for item in section.items:
                lines.append(f"  {_MARK[item.kind]} {item.id} ({localized(item.name, language)})")
                if item.kind == "changed":
                    lines += _change_lines(item.changes, "      ")
            if section.order is not None:
                lines += _change_lines([section.order], "  ~ ")
        if diff.institution_types:
            lines.append(gettext("Functional matrix, per institution type and stage"))
        for type_diff in diff.institution_types:
            lines.append(
                f"  {_MARK[type_diff.kind]} {localized(type_diff.name, language)} ({type_diff.institution_type})"
            )
            lines += _change_lines(type_diff.changes, "      ")
            for entry in type_diff.stages:
                label = gettext("stage %(stage)s (%(name)s)") % {
                    "stage": entry.stage,
                    "name": localized(entry.stage_name, language),
                }
                lines.append(f"      {_MARK[entry.kind]} {label}")
                lines += _change_lines(entry.changes, "          ")
        if diff.reserved:
            lines.append(gettext("Other sections"))
            for change in diff.reserved:
                # A whole section is named only; a field of the workflow shows its values like any other field.
                if "." in change.field:
                    lines += _change_lines([change], "  ~ ")
                else:
                    lines.append(f"  ~ {change.field}")
        return "\n".join(lines) + "\n"
