"""Reading versions of the General Model: which exist, which a user may see, and the pack inside each."""

from django.conf import settings
from django.db.models import QuerySet

from opennrm.core.capabilities import Capability
from opennrm.core.errors import NotFoundOrForbidden
from opennrm.jurisdiction.models import ModelVersion
from opennrm.jurisdiction.schema import Pack

_PACK_CACHE: dict[tuple[int, str], Pack] = {}
_PACK_CACHE_SIZE = 16


def _code(pack_code: str | None) -> str:
    return pack_code or settings.OPENNRM_PACK


def can_view_drafts(user) -> bool:
    has_capability = getattr(user, "has_capability", None)
    return bool(has_capability and has_capability(Capability.MODEL_VIEW_DRAFTS))


def version_published(*, pack_code: str | None = None) -> ModelVersion | None:
    """The version in force for the pack (default: this installation's pack), or None before the first."""
    return ModelVersion.objects.filter(pack_code=_code(pack_code), status=ModelVersion.Status.PUBLISHED).first()


def version_published_id(*, pack_code: str | None = None) -> int | None:
    """The key of the version in force, without loading its content (about 1 MB of JSON); None before the first."""
    return (
        ModelVersion.objects.filter(pack_code=_code(pack_code), status=ModelVersion.Status.PUBLISHED)
        .values_list("pk", flat=True)
        .first()
    )


def version_draft(*, pack_code: str | None = None) -> ModelVersion | None:
    """The one draft of the pack being prepared, if any."""
    return ModelVersion.objects.filter(pack_code=_code(pack_code), status=ModelVersion.Status.DRAFT).first()


def versions_visible_to(*, user, pack_code: str | None = None) -> QuerySet[ModelVersion]:
    """Newest first: published and superseded versions for everyone, drafts only with model.view_drafts."""
    versions = ModelVersion.objects.filter(pack_code=_code(pack_code)).select_related("published_by")
    if not can_view_drafts(user):
        versions = versions.exclude(status=ModelVersion.Status.DRAFT)
    return versions.order_by("-number")


def access_version(*, user, pack_code: str | None, number: int) -> ModelVersion:
    """The version `number` of the pack if `user` may see it; a missing and a hidden draft answer the same."""
    version = versions_visible_to(user=user, pack_code=pack_code).filter(number=number).first()
    if version is None:
        raise NotFoundOrForbidden()
    return version


def version_pack(version: ModelVersion) -> Pack:
    """The parsed pack of a stored version (validated when stored, so only the shape is rebuilt)."""
    key = (version.pk, version.content_hash)
    pack = _PACK_CACHE.get(key)
    if pack is None:
        pack = Pack.model_validate(version.content)
        if len(_PACK_CACHE) >= _PACK_CACHE_SIZE:
            _PACK_CACHE.pop(next(iter(_PACK_CACHE)))
        _PACK_CACHE[key] = pack
    return pack
