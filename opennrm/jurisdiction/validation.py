"""Validation of a whole pack: shape (the pydantic schema) plus the cross-references the schema cannot see.

The checks run on plain data, so the same code serves a folder of YAML files (the loader adds file and line)
and a version stored in the database (`validate_content`). Cross-reference checks are tolerant of malformed
data, so one run lists every problem rather than stopping at the first.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.translation import gettext, ngettext
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from opennrm.core.capabilities import Capability
from opennrm.core.errors import ApplicationError
from opennrm.jurisdiction.references import (
    Path,
    duplicates,
    format_path,
    items,
    known_ids,
    unknown_refs,
)
from opennrm.jurisdiction.schema import (
    COUNTRY_PATTERN,
    ID_PATTERN,
    SECTIONS,
    WEB_ADDRESS_PATTERN,
    Pack,
    iter_texts,
    nested_model,
)
from opennrm.jurisdiction.statistics_validation import statistics_issues
from opennrm.jurisdiction.workflow_validation import workflow_issues

__all__ = ["PackInvalid", "Path", "Problem", "check_content", "format_path", "validate_content"]


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with a pack, located as precisely as the source allows."""

    file: str
    line: int
    path: str
    reason: str

    def __str__(self) -> str:
        location = f"{self.file}:{self.line}: " if self.file and self.line else f"{self.file}: " if self.file else ""
        return f"{location}{self.path}: {self.reason}" if self.path else f"{location}{self.reason}"


class PackInvalid(ApplicationError):
    """The pack was refused; `problems` lists every problem found, sorted by file and line."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems)
        first = self.problems[0] if self.problems else None
        message = ngettext(
            "The pack is invalid (%(count)d problem): %(first)s",
            "The pack is invalid (%(count)d problems), the first: %(first)s",
            len(self.problems),
        ) % {"count": len(self.problems), "first": str(first) if first else ""}
        super().__init__(message, field=first.path if first else None)

    def __str__(self) -> str:
        return "\n".join(str(problem) for problem in self.problems)


def supported_languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


# Apps that serve a pack section of their own (the public self-check) check it beyond its shape; each check takes
# the pack content and returns (path, reason) pairs like the checks here. Registered in the app's `ready()`.
_SECTION_CHECKS: list[Callable[[dict], list[tuple[Path, str]]]] = []


def section_check_register(check: Callable[[dict], list[tuple[Path, str]]]) -> None:
    if check not in _SECTION_CHECKS:
        _SECTION_CHECKS.append(check)


def check_content(content: Any) -> tuple[Pack | None, list[tuple[Path, str]]]:
    """The pack built from `content` (None if invalid) and every problem as (path, reason)."""
    if not isinstance(content, dict):
        return None, [((), gettext("a pack must be a mapping of sections"))]
    issues: list[tuple[Path, str]] = []
    pack = None
    try:
        pack = Pack.model_validate(content)
    except ValidationError as error:
        issues.extend(_schema_issues(error))
    issues.extend(cross_reference_issues(content))
    for check in _SECTION_CHECKS:
        issues.extend(check(content))
    return (pack if not issues else None), issues


def validate_content(content: dict) -> Pack:
    """The pack in a stored content document, or PackInvalid listing every problem (without lines)."""
    pack, issues = check_content(content)
    if pack is None:
        raise PackInvalid([Problem("", 0, format_path(path), reason) for path, reason in issues])
    return pack


# --- schema errors -----------------------------------------------------------------------------------------


def _model_at(path: Path) -> type[BaseModel] | None:
    """The schema model that the mapping at `path` should match (used to list the allowed fields)."""
    model: type[BaseModel] | None = Pack
    expect_index = False
    for part in path:
        if expect_index:
            expect_index = False
            if isinstance(part, int):
                continue
        field = _field(model, part) if model is not None and isinstance(part, str) else None
        if field is None:
            return None
        model, expect_index = nested_model(field.annotation)
    return model


def _keys(model: type[BaseModel]) -> list[str]:
    """The keys an author writes for a model's fields (a transition's `from`, not `from_states`)."""
    return [field.alias or name for name, field in model.model_fields.items()]


def _field(model: type[BaseModel], key: str) -> FieldInfo | None:
    return next(
        (field for name, field in model.model_fields.items() if key in (name, field.alias)),
        None,
    )


def _schema_issues(error: ValidationError) -> list[tuple[Path, str]]:
    issues = []
    for item in error.errors(include_url=False):
        path = tuple(part for part in item["loc"] if isinstance(part, str | int))
        issues.append((path, _schema_reason(item, path)))
    return issues


def _schema_reason(item: dict, path: Path) -> str:
    kind, ctx, value = item["type"], item.get("ctx") or {}, item.get("input")
    if kind == "missing":
        return gettext("required section is missing") if len(path) == 1 else gettext("required field is missing")
    if kind == "extra_forbidden":
        if len(path) == 1:
            return gettext("unknown section (allowed: %(allowed)s)") % {"allowed": ", ".join(SECTIONS)}
        model = _model_at(path[:-1])
        if model is None:
            return gettext("unknown field")
        return gettext("unknown field (allowed: %(allowed)s)") % {"allowed": ", ".join(_keys(model))}
    if kind == "string_pattern_mismatch" and ctx.get("pattern") == ID_PATTERN:
        return gettext(
            "%(value)r is not a valid id: use lower-case letters, digits and '_', starting with a letter"
        ) % {"value": value}
    if kind == "string_pattern_mismatch" and ctx.get("pattern") == COUNTRY_PATTERN:
        return gettext("%(value)r is not an ISO 3166-1 alpha-2 country code (two capital letters)") % {"value": value}
    if kind == "string_pattern_mismatch" and ctx.get("pattern") == WEB_ADDRESS_PATTERN:
        return gettext("%(value)r is not a web address: it must start with https:// or http://") % {"value": value}
    if kind == "literal_error":
        return gettext("%(value)r is not allowed; expected %(expected)s") % {
            "value": value,
            "expected": ctx.get("expected", ""),
        }
    if kind == "too_short":
        if isinstance(value, list):
            return gettext("must list at least one item")
        return gettext("must not be empty")
    simple = {
        "list_type": gettext("must be a list"),
        "dict_type": gettext("must be a mapping (key: value)"),
        "model_type": gettext("must be a mapping (key: value)"),
        "model_attributes_type": gettext("must be a mapping (key: value)"),
        "string_type": gettext("must be text"),
    }
    if kind in simple:
        return simple[kind]
    return item["msg"][:1].lower() + item["msg"][1:]


# --- cross-references ---------------------------------------------------------------------------------


def _duplicate_ids(content: dict) -> list[tuple[Path, str]]:
    issues = []
    for section in ("legal_bases", "stages", "functions", "institution_types", "roles", "municipalities"):
        issues += duplicates(items(content, section), (section,))
    return issues


def _matrix_issues(content: dict) -> list[tuple[Path, str]]:
    types = known_ids(content, "institution_types")
    stages = known_ids(content, "stages")
    functions = known_ids(content, "functions")
    # legal_bases is optional: an absent section defines no ids, so every reference to one is unknown.
    bases = known_ids(content, "legal_bases") if "legal_bases" in content else set()
    issues = []
    pairs: dict[tuple, int] = {}
    for index, entry in items(content, "matrix"):
        path: Path = ("matrix", index)
        issues += unknown_refs(
            entry, path, "institution_type", types, gettext("unknown institution type '%(id)s'"), False
        )
        issues += unknown_refs(entry, path, "stage", stages, gettext("unknown stage '%(id)s'"), False)
        issues += unknown_refs(entry, path, "functions", functions, gettext("unknown function '%(id)s'"), True)
        issues += unknown_refs(entry, path, "legal_basis", bases, gettext("unknown legal basis '%(id)s'"), True)
        pair = (entry.get("institution_type"), entry.get("stage"))
        if not all(isinstance(part, str) for part in pair):
            continue
        if pair in pairs:
            issues.append(
                (
                    path,
                    gettext(
                        "duplicate entry for institution type '%(type)s' and stage '%(stage)s' (already at %(other)s)"
                    )
                    % {"type": pair[0], "stage": pair[1], "other": format_path(("matrix", pairs[pair]))},
                )
            )
        else:
            pairs[pair] = index
    return issues


def _role_issues(content: dict) -> list[tuple[Path, str]]:
    known_capabilities = {capability.value for capability in Capability}
    types = known_ids(content, "institution_types")
    issues = []
    for index, role in items(content, "roles"):
        path: Path = ("roles", index)
        issues += unknown_refs(
            role, path, "capabilities", known_capabilities, gettext("unknown capability '%(id)s'"), True
        )
        issues += unknown_refs(
            role, path, "institution_types", types, gettext("unknown institution type '%(id)s'"), True
        )
    return issues


def _indicator_set_issues(content: dict) -> list[tuple[Path, str]]:
    issues = duplicates(items(content, "indicator_sets"), ("indicator_sets",))
    for set_index, indicator_set in items(content, "indicator_sets"):
        path: Path = ("indicator_sets", set_index)
        dimensions = items(indicator_set, "dimensions")
        indicators = items(indicator_set, "indicators")
        issues += duplicates(dimensions, (*path, "dimensions"))
        issues += duplicates(indicators, (*path, "indicators"))
        known = known_ids(indicator_set, "dimensions")
        for index, indicator in indicators:
            issues += unknown_refs(
                indicator,
                (*path, "indicators", index),
                "dimension",
                known,
                gettext("unknown dimension '%(id)s'"),
                False,
            )
        used = {indicator.get("dimension") for _index, indicator in indicators}
        for index, dimension in dimensions:
            ident = dimension.get("id")
            if isinstance(ident, str) and ident not in used:
                issues.append(
                    (
                        (*path, "dimensions", index),
                        gettext("dimension '%(id)s' has no indicators") % {"id": ident},
                    )
                )
        for rule_name in ("rule", "child_rule"):
            issues += _rule_issues(indicator_set.get(rule_name), (*path, rule_name), known)
    return issues


def _rule_issues(rule: Any, path: Path, known: set[str] | None) -> list[tuple[Path, str]]:
    if not isinstance(rule, dict):
        return []
    issues = []
    thresholds = rule.get("present")
    for index, threshold in enumerate(thresholds if isinstance(thresholds, list) else []):
        if not isinstance(threshold, dict):
            continue
        counts = [threshold.get(key, 0) for key in ("strong", "medium")]
        if all(isinstance(count, int) and count <= 0 for count in counts):
            # The ILO method: weak indicators, alone or with nothing, never establish a dimension.
            issues.append(
                (
                    (*path, "present", index),
                    gettext(
                        "a threshold must require at least one strong or medium answer "
                        "(weak indicators alone never make a dimension present)"
                    ),
                )
            )
    groups = rule.get("indicative")
    for index, group in enumerate(groups if isinstance(groups, list) else []):
        if not isinstance(group, list):
            continue
        if not group:
            issues.append(((*path, "indicative", index), gettext("must list at least one dimension")))
        if known is None:
            continue
        issues += [
            ((*path, "indicative", index, position), gettext("unknown dimension '%(id)s'") % {"id": ref})
            for position, ref in enumerate(group)
            if isinstance(ref, str) and ref not in known
        ]
    return issues


def _declared_languages(content: dict) -> tuple[list[str], list[tuple[Path, str]]]:
    meta = content.get("pack")
    languages = meta.get("languages") if isinstance(meta, dict) else None
    if not isinstance(languages, list):
        return [], []
    supported = supported_languages()
    issues, declared = [], []
    for index, language in enumerate(languages):
        if not isinstance(language, str):
            continue
        path: Path = ("pack", "languages", index)
        if language not in supported:
            issues.append(
                (
                    path,
                    gettext("language '%(language)s' has no user interface (available: %(available)s)")
                    % {"language": language, "available": ", ".join(supported)},
                )
            )
        elif language in declared:
            issues.append((path, gettext("language '%(language)s' is listed twice") % {"language": language}))
        else:
            declared.append(language)
    return declared, issues


def _translation_issues(content: dict, languages: list[str]) -> list[tuple[Path, str]]:
    if not languages:
        return []
    issues = []
    for path, text in iter_texts(Pack, content):
        if not isinstance(text, dict):
            continue
        for language in languages:
            value = text.get(language)
            if value is None or (isinstance(value, str) and not value.strip()):
                issues.append((path, gettext("missing translation for '%(language)s'") % {"language": language}))
        for language in text:
            if language not in languages:
                issues.append(
                    (
                        (*path, language),
                        gettext("language '%(language)s' is not declared by the pack (declared: %(declared)s)")
                        % {"language": language, "declared": ", ".join(languages)},
                    )
                )
    return issues


def cross_reference_issues(content: dict) -> list[tuple[Path, str]]:
    """What the schema cannot see: unknown or duplicate ids, unknown capabilities, missing translations,
    indicator sets whose indicators or rule name dimensions the set does not have, a case workflow that
    names what does not exist or cannot run (workflow_validation.py), and statistics categories that leave a
    fact without a place (statistics_validation.py)."""
    languages, issues = _declared_languages(content)
    issues += _duplicate_ids(content)
    issues += _matrix_issues(content)
    issues += _role_issues(content)
    issues += _indicator_set_issues(content)
    issues += workflow_issues(content)
    issues += statistics_issues(content)
    issues += _translation_issues(content, languages)
    return issues
