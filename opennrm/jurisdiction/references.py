"""Reading raw pack data for cross-reference checks: paths, the items of a section, and unknown or duplicate ids.

The checks run on plain data that may be malformed anywhere, so every helper here skips what it cannot read
instead of failing: the schema check already reports the bad shape, and one run should list every problem.
"""

from typing import Any

from django.utils.translation import gettext

Path = tuple[str | int, ...]
Issues = list[tuple[Path, str]]


def format_path(path: Path) -> str:
    """("matrix", 3, "institution_type") -> "matrix[3].institution_type"."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def items(content: Any, section: str) -> list[tuple[int, dict]]:
    """The mappings listed under `section` of `content`, with their positions."""
    value = content.get(section) if isinstance(content, dict) else None
    if not isinstance(value, list):
        return []
    return [(index, item) for index, item in enumerate(value) if isinstance(item, dict)]


def known_ids(content: Any, section: str) -> set[str] | None:
    """The ids a section defines, or None when the section is absent or malformed (then none are checked)."""
    if not isinstance(content, dict) or not isinstance(content.get(section), list):
        return None
    return {item["id"] for _index, item in items(content, section) if isinstance(item.get("id"), str)}


def duplicates(listed: list[tuple[int, dict]], path: Path) -> Issues:
    issues, seen = [], {}
    for index, item in listed:
        ident = item.get("id")
        if not isinstance(ident, str):
            continue
        if ident in seen:
            issues.append(
                (
                    (*path, index, "id"),
                    gettext("duplicate id '%(id)s' (already used by %(other)s)")
                    % {"id": ident, "other": format_path((*path, seen[ident]))},
                )
            )
        else:
            seen[ident] = index
    return issues


def unknown_refs(item: Any, path: Path, field: str, known: set[str] | None, message: str, many: bool) -> Issues:
    """`message` (with an `%(id)s` placeholder) for every id in `item[field]` that is not in `known`."""
    if known is None or not isinstance(item, dict) or field not in item:
        return []
    value = item[field]
    if not many:
        if isinstance(value, str) and value not in known:
            return [((*path, field), message % {"id": value})]
        return []
    if not isinstance(value, list):
        return []
    return [
        ((*path, field, index), message % {"id": ref})
        for index, ref in enumerate(value)
        if isinstance(ref, str) and ref not in known
    ]
