"""The General Model over the API (mounted at /api/v1/model/): versions, their content, and differences.

Content is returned whole, with its multilingual texts as {"lv": …, "en": …}: a client picks its language.
Visibility is the web's: published and superseded versions for every caller, drafts with model.view_drafts.
"""

from datetime import datetime
from typing import Any, Literal

from django.conf import settings
from django.utils.translation import gettext
from ninja import Router, Schema
from ninja.errors import HttpError

from opennrm.api.auth import api_auth
from opennrm.jurisdiction import selectors
from opennrm.jurisdiction.diff import PackDiff, diff_packs
from opennrm.jurisdiction.models import ModelVersion

router = Router(tags=["model"], auth=api_auth)

Kind = Literal["added", "removed", "changed"]


class VersionOut(Schema):
    pack_code: str
    number: int
    status: Literal["draft", "published", "superseded"]
    content_hash: str
    based_on: int | None
    change_note: str
    created_at: datetime
    published_at: datetime | None
    superseded_at: datetime | None

    @staticmethod
    def resolve_based_on(obj: ModelVersion) -> int | None:
        return obj.based_on.number if obj.based_on_id else None


class VersionDetailOut(VersionOut):
    content: dict[str, Any]


class FieldChangeOut(Schema):
    field: str
    old: Any = None
    new: Any = None


class ItemChangeOut(Schema):
    id: str
    kind: Kind
    name: dict[str, str]
    changes: list[FieldChangeOut]


class SectionDiffOut(Schema):
    section: str
    items: list[ItemChangeOut]
    order: FieldChangeOut | None = None


class StageEntryChangeOut(Schema):
    stage: str
    kind: Kind
    stage_name: dict[str, str]
    changes: list[FieldChangeOut]


class InstitutionTypeDiffOut(Schema):
    institution_type: str
    kind: Kind
    name: dict[str, str]
    changes: list[FieldChangeOut]
    stages: list[StageEntryChangeOut]


class DiffOut(Schema):
    pack_code: str
    old_number: int
    new_number: int
    is_empty: bool
    metadata: list[FieldChangeOut]
    sections: list[SectionDiffOut]
    institution_types: list[InstitutionTypeDiffOut]
    reserved: list[FieldChangeOut]


def _pack_code() -> str:
    return settings.OPENNRM_PACK


def _version(request, number: int) -> ModelVersion:
    # Raises NotFoundOrForbidden, which the API answers with 404 whether the version is missing or hidden.
    return selectors.access_version(user=request.auth, pack_code=_pack_code(), number=number)


@router.get("/versions", response=list[VersionOut], summary="Versions of the model the caller may see")
def versions(request):
    return selectors.versions_visible_to(user=request.auth, pack_code=_pack_code()).select_related("based_on")


@router.get("/published", response=VersionDetailOut, summary="The version in force, with its content")
def published(request):
    version = selectors.version_published(pack_code=_pack_code())
    if version is None:
        raise HttpError(404, gettext("No version of the model has been published yet."))
    return version


@router.get("/versions/{number}", response=VersionDetailOut, summary="One version, with its content")
def version_detail(request, number: int):
    return _version(request, number)


def _diff_out(diff: PackDiff, *, old: ModelVersion, new: ModelVersion) -> dict:
    return {
        "pack_code": new.pack_code,
        "old_number": old.number,
        "new_number": new.number,
        "is_empty": diff.is_empty,
        "metadata": diff.metadata,
        "sections": [s for s in diff.sections if not s.is_empty],
        "institution_types": diff.institution_types,
        "reserved": diff.reserved,
    }


@router.get(
    "/versions/{number}/diff",
    response=DiffOut,
    summary="What changed from version `against` (default: the published one) to this version",
)
def version_diff(request, number: int, against: int | None = None):
    new = _version(request, number)
    if against is None:
        old = selectors.version_published(pack_code=_pack_code())
        if old is None:
            raise HttpError(404, gettext("No version of the model has been published yet."))
    else:
        old = _version(request, against)
    return _diff_out(diff_packs(old.content, new.content), old=old, new=new)
