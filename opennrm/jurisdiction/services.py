"""What can happen to the General Model: load a pack as a draft, edit the draft, publish it.

Published and superseded versions never change: a case records the version it ran under, and what that
version said must stay true for ever. Every edit re-validates the whole document, so a draft is always a
valid pack and publishing cannot fail on content.
"""

import copy
import hashlib
import json
import re
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext

from opennrm.audit.services import audit_record
from opennrm.core.capabilities import Capability
from opennrm.core.errors import ApplicationError, Forbidden
from opennrm.jurisdiction.loader import load_pack_dir
from opennrm.jurisdiction.models import ModelVersion
from opennrm.jurisdiction.reference_sync import reference_data_sync
from opennrm.jurisdiction.schema import Pack
from opennrm.jurisdiction.validation import PackInvalid, format_path, validate_content

OBJECT_TYPE = "jurisdiction.ModelVersion"


def content_hash(content: dict) -> str:
    """SHA-256 of the canonical JSON of a content document."""
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _normalized(pack: Pack) -> dict:
    # Stored with defaults filled in, so two versions compare field by field whatever the author omitted.
    return pack.model_dump(mode="json")


def _require(by, capability: Capability, message: str) -> None:
    # by=None is the command line: whoever runs it already controls the server and its database.
    if by is None:
        return
    has_capability = getattr(by, "has_capability", None)
    if not (has_capability and has_capability(capability)):
        raise Forbidden(message)


def _require_edit(by) -> None:
    _require(by, Capability.MODEL_EDIT, gettext("You may not edit the General Model."))


def _locked_draft(version: ModelVersion) -> ModelVersion:
    draft = ModelVersion.objects.select_for_update().get(pk=version.pk)
    if draft.status != ModelVersion.Status.DRAFT:
        raise ApplicationError(
            gettext(
                "Version %(number)d of pack '%(pack)s' is %(status)s and can no longer change; "
                "start a new draft instead."
            )
            % {"number": draft.number, "pack": draft.pack_code, "status": draft.get_status_display().lower()},
            field="version",
        )
    return draft


def _edit_error(invalid: PackInvalid, prefix: str) -> ApplicationError:
    """The first problem of an edit, with `field` naming the input at fault (e.g. "functions")."""
    problem = next((p for p in invalid.problems if p.path.startswith(prefix)), invalid.problems[0])
    match = re.match(r"^\.?([a-z_]+)", problem.path[len(prefix) :]) if problem.path.startswith(prefix) else None
    field = match.group(1) if match else None
    # Shown next to the field it names; only a problem elsewhere in the pack needs its path to be understood.
    message = problem.reason if field else f"{problem.path}: {problem.reason}"
    return ApplicationError(message, field=field, extra={"problems": [str(p) for p in invalid.problems]})


def _store_edit(
    draft: ModelVersion, content: dict, *, prefix: str, by, section: str, key: dict, old: Any, new: Any
) -> ModelVersion:
    try:
        pack = validate_content(content)
    except PackInvalid as invalid:
        raise _edit_error(invalid, prefix) from None
    draft.content = _normalized(pack)
    draft.content_hash = content_hash(draft.content)
    draft.save(update_fields=["content", "content_hash", "updated_at"])
    audit_record(
        action="model.draft_edit",
        actor=by,
        object_type=OBJECT_TYPE,
        object_id=draft.pk,
        old_values={"version": draft.number, "section": section, **key, "entry": old},
        new_values={"version": draft.number, "section": section, **key, "entry": new},
    )
    return draft


def _upsert(items: list, match, entry: dict, *, after=None) -> tuple[int, dict | None]:
    """Replace the item `match` selects, or insert `entry` after the last item `after` selects (else at the
    end). Returns the index and the old item."""
    for index, item in enumerate(items):
        if match(item):
            items[index] = entry
            return index, item
    positions = [index for index, item in enumerate(items) if after and after(item)]
    index = positions[-1] + 1 if positions else len(items)
    items.insert(index, entry)
    return index, None


def _as_list(value):
    return list(value) if isinstance(value, list | tuple) else value


def pack_load(*, path: Path, by=None, replace_draft: bool = False) -> ModelVersion:
    """Validate the pack folder at `path` and store it as the draft version of its pack."""
    _require_edit(by)
    pack = load_pack_dir(path)
    content = _normalized(pack)
    with transaction.atomic():
        versions = list(ModelVersion.objects.select_for_update().filter(pack_code=pack.code))
        draft = next((v for v in versions if v.status == ModelVersion.Status.DRAFT), None)
        published = next((v for v in versions if v.status == ModelVersion.Status.PUBLISHED), None)
        if draft is not None and not replace_draft:
            raise ApplicationError(
                gettext(
                    "Pack '%(pack)s' already has a draft (version %(number)d); publish it first, "
                    "or replace it with --replace-draft."
                )
                % {"pack": pack.code, "number": draft.number},
                field="replace_draft",
            )
        source = str(path)[-200:]
        if draft is not None:
            old = {"content_hash": draft.content_hash, "source": draft.source}
            draft.content, draft.content_hash, draft.source = content, content_hash(content), source
            draft.based_on = published
            draft.save(update_fields=["content", "content_hash", "source", "based_on", "updated_at"])
            audit_record(
                action="model.draft_edit",
                actor=by,
                object_type=OBJECT_TYPE,
                object_id=draft.pk,
                old_values={"version": draft.number, **old},
                new_values={"version": draft.number, "content_hash": draft.content_hash, "source": source},
            )
            return draft
        number = (ModelVersion.objects.filter(pack_code=pack.code).aggregate(top=Max("number"))["top"] or 0) + 1
        version = ModelVersion.objects.create(
            pack_code=pack.code,
            number=number,
            status=ModelVersion.Status.DRAFT,
            content=content,
            content_hash=content_hash(content),
            source=source,
            based_on=published,
            created_by=by,
        )
        audit_record(
            action="model.draft_create",
            actor=by,
            object_type=OBJECT_TYPE,
            object_id=version.pk,
            new_values={
                "pack": pack.code,
                "version": number,
                "source": source,
                "content_hash": version.content_hash,
                "based_on": published.number if published else None,
            },
        )
        return version


def draft_create(*, pack_code: str, by) -> ModelVersion:
    """Start a new draft of the pack as a copy of its published version."""
    _require_edit(by)
    with transaction.atomic():
        versions = list(ModelVersion.objects.select_for_update().filter(pack_code=pack_code))
        draft = next((v for v in versions if v.status == ModelVersion.Status.DRAFT), None)
        if draft is not None:
            raise ApplicationError(
                gettext("Pack '%(pack)s' already has a draft (version %(number)d).")
                % {"pack": pack_code, "number": draft.number},
                field="pack_code",
            )
        published = next((v for v in versions if v.status == ModelVersion.Status.PUBLISHED), None)
        if published is None:
            raise ApplicationError(
                gettext("Pack '%(pack)s' has no published version to start a draft from.") % {"pack": pack_code},
                field="pack_code",
            )
        version = ModelVersion.objects.create(
            pack_code=pack_code,
            number=max(v.number for v in versions) + 1,
            status=ModelVersion.Status.DRAFT,
            content=copy.deepcopy(published.content),
            content_hash=published.content_hash,
            # Stored data, not interface text: it stays as written whatever language the reader uses.
            source=f"version {published.number}",
            based_on=published,
            created_by=by,
        )
        audit_record(
            action="model.draft_create",
            actor=by,
            object_type=OBJECT_TYPE,
            object_id=version.pk,
            new_values={"pack": pack_code, "version": version.number, "based_on": published.number},
        )
        return version


def draft_matrix_entry_save(
    *,
    version: ModelVersion,
    institution_type: str,
    stage: str,
    functions: list[str],
    description: dict[str, str],
    legal_basis: list[str],
    applies_to: dict | None = None,
    by,
) -> ModelVersion:
    """Add or change what an institution type does at a stage, in a draft."""
    _require_edit(by)
    with transaction.atomic():
        draft = _locked_draft(version)
        content = copy.deepcopy(draft.content)
        entry = {
            "institution_type": institution_type,
            "stage": stage,
            "functions": _as_list(functions),
            "description": description,
            "legal_basis": _as_list(legal_basis),
            "applies_to": applies_to,
        }
        index, old = _upsert(
            content.setdefault("matrix", []),
            lambda e: e.get("institution_type") == institution_type and e.get("stage") == stage,
            entry,
            after=lambda e: e.get("institution_type") == institution_type,
        )
        return _store_edit(
            draft,
            content,
            prefix=format_path(("matrix", index)),
            by=by,
            section="matrix",
            key={"institution_type": institution_type, "stage": stage},
            old=old,
            new=entry,
        )


def draft_matrix_entry_remove(*, version: ModelVersion, institution_type: str, stage: str, by) -> ModelVersion:
    """Remove what an institution type does at a stage from a draft."""
    _require_edit(by)
    with transaction.atomic():
        draft = _locked_draft(version)
        content = copy.deepcopy(draft.content)
        matrix = content.get("matrix", [])
        index = next(
            (
                i
                for i, e in enumerate(matrix)
                if e.get("institution_type") == institution_type and e.get("stage") == stage
            ),
            None,
        )
        if index is None:
            raise ApplicationError(
                gettext("The draft has no entry for institution type '%(type)s' at stage '%(stage)s'.")
                % {"type": institution_type, "stage": stage},
                field="stage",
            )
        old = matrix.pop(index)
        return _store_edit(
            draft,
            content,
            prefix="matrix",
            by=by,
            section="matrix",
            key={"institution_type": institution_type, "stage": stage},
            old=old,
            new=None,
        )


def draft_institution_type_save(
    *,
    version: ModelVersion,
    institution_type: str,
    name: dict,
    description: dict,
    contacts: list[dict],
    by,
    level: str | None = None,
    category: str | None = None,
) -> ModelVersion:
    """Add or change an institution type in a draft; a new type also needs `level` and `category`."""
    _require_edit(by)
    with transaction.atomic():
        draft = _locked_draft(version)
        content = copy.deepcopy(draft.content)
        types = content.setdefault("institution_types", [])
        old = next((t for t in types if t.get("id") == institution_type), None)
        entry = {**(old or {}), "id": institution_type, "name": name, "description": description}
        entry["contacts"] = _as_list(contacts)
        for field, value in (("level", level), ("category", category)):
            if value is not None:
                entry[field] = value
        index, _old = _upsert(types, lambda t: t.get("id") == institution_type, entry)
        return _store_edit(
            draft,
            content,
            prefix=format_path(("institution_types", index)),
            by=by,
            section="institution_types",
            key={"institution_type": institution_type},
            old=old,
            new=entry,
        )


def draft_legal_basis_save(
    *, version: ModelVersion, legal_basis: str, title: dict, citation: str, url: str = "", by
) -> ModelVersion:
    """Add or change a legal basis in a draft."""
    _require_edit(by)
    with transaction.atomic():
        draft = _locked_draft(version)
        content = copy.deepcopy(draft.content)
        entry = {"id": legal_basis, "title": title, "citation": citation, "url": url}
        index, old = _upsert(content.setdefault("legal_bases", []), lambda b: b.get("id") == legal_basis, entry)
        return _store_edit(
            draft,
            content,
            prefix=format_path(("legal_bases", index)),
            by=by,
            section="legal_bases",
            key={"legal_basis": legal_basis},
            old=old,
            new=entry,
        )


def version_publish(*, version: ModelVersion, change_note: str, by) -> ModelVersion:
    """Publish a draft with a change note: it becomes the model in force, the previous one superseded."""
    _require(by, Capability.MODEL_PUBLISH, gettext("You may not publish the General Model."))
    note = (change_note or "").strip()
    if not note:
        raise ApplicationError(gettext("A change note is required: say what changed and why."), field="change_note")
    with transaction.atomic():
        draft = ModelVersion.objects.select_for_update().get(pk=version.pk)
        if draft.status != ModelVersion.Status.DRAFT:
            raise ApplicationError(
                gettext("Version %(number)d of pack '%(pack)s' is not a draft; only a draft can be published.")
                % {"number": draft.number, "pack": draft.pack_code},
                field="version",
            )
        published = (
            ModelVersion.objects.select_for_update()
            .filter(pack_code=draft.pack_code, status=ModelVersion.Status.PUBLISHED)
            .first()
        )
        if draft.based_on_id != (published.pk if published else None):
            raise ApplicationError(
                gettext(
                    "The draft was based on a version that is no longer the published one; "
                    "start a new draft from version %(number)d."
                )
                % {"number": published.number if published else 0},
                field="version",
            )
        pack = validate_content(draft.content)
        now = timezone.now()
        if published is not None:
            published.status = ModelVersion.Status.SUPERSEDED
            published.superseded_at = now
            published.save(update_fields=["status", "superseded_at", "updated_at"])
        draft.status = ModelVersion.Status.PUBLISHED
        draft.published_at = now
        draft.published_by = by
        draft.change_note = note
        draft.save(update_fields=["status", "published_at", "published_by", "change_note", "updated_at"])
        # Reference rows are shared by the whole installation, so only its own pack may rewrite them;
        # publishing another pack (e.g. the generic template) must not disable the roles people hold.
        synced = reference_data_sync(pack=pack) if draft.pack_code == settings.OPENNRM_PACK else None
        audit_record(
            action="model.publish",
            actor=by,
            object_type=OBJECT_TYPE,
            object_id=draft.pk,
            old_values={"published_version": published.number if published else None},
            new_values={
                "published_version": draft.number,
                "change_note": note,
                "content_hash": draft.content_hash,
                "reference_data": synced,
            },
        )
        return draft
