"""Where indicator sets come from: the published version of a pack, or a pack folder.

The sets are handed out as plain dicts (the shape of the pack content), which is what the engine takes.
"""

import re
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError
from django.utils.translation import gettext

from opennrm.core.errors import ApplicationError
from opennrm.core.i18n import localized
from opennrm.jurisdiction.loader import PackInvalid, load_pack_dir
from opennrm.jurisdiction.schema import ID_PATTERN
from opennrm.jurisdiction.selectors import version_published

_FOLDER_CACHE: dict[tuple, "PackSets"] = {}
_FOLDER_CACHE_SIZE = 8


class UnknownPack(ApplicationError):
    """No pack by that code or in that folder (or the folder is not a valid pack)."""


class UnknownSet(ApplicationError):
    """The pack has no indicator set with that id."""


@dataclass(frozen=True)
class PackSets:
    """The indicator sets of one pack, and where they were read from."""

    code: str
    languages: tuple[str, ...]
    sets: tuple[dict, ...]
    source: str  # "version 3" or the folder's path

    def ids(self) -> list[str]:
        return [s["id"] for s in self.sets]

    def get(self, set_id: str) -> dict:
        """The set with this id, or UnknownSet naming the sets there are."""
        found = next((s for s in self.sets if s["id"] == set_id), None)
        if found is None:
            raise UnknownSet(
                gettext("Unknown indicator set '%(set)s' (available: %(available)s).")
                % {"set": set_id, "available": ", ".join(self.ids()) or gettext("none")},
                field="set",
            )
        return found


def pack_sets(pack: str | Path | None = None) -> PackSets:
    """The sets of a pack code (its published version, else the folder OPENNRM_PACKS_DIR/<code>) or of a pack
    folder; default: this installation's pack."""
    argument = str(pack or settings.OPENNRM_PACK)
    if re.fullmatch(ID_PATTERN, argument):
        published = _published(argument)
        if published is not None:
            return published
        folder = Path(settings.OPENNRM_PACKS_DIR) / argument
        if folder.is_dir():
            return _from_folder(folder)
    folder = Path(argument)
    if folder.is_dir():
        return _from_folder(folder)
    raise UnknownPack(
        gettext("Unknown pack '%(pack)s': no published version and no pack folder by that name.") % {"pack": argument},
        field="pack",
    )


def _published(code: str) -> PackSets | None:
    try:
        version = version_published(pack_code=code)
    except DatabaseError:
        # No database yet (a fresh checkout running the command line): the folder is the only source.
        return None
    if version is None:
        return None
    content = version.content
    return PackSets(
        code=code,
        languages=tuple(content["pack"]["languages"]),
        sets=tuple(content.get("indicator_sets") or ()),
        source=gettext("version %(number)d") % {"number": version.number},
    )


def _from_folder(folder: Path) -> PackSets:
    # Reading and validating a folder costs far more than a request should; reuse it until a file changes.
    files = sorted(folder.glob("*.yaml"))
    key = (str(folder.resolve()), tuple((f.name, f.stat().st_mtime_ns, f.stat().st_size) for f in files))
    cached = _FOLDER_CACHE.get(key)
    if cached is not None:
        return cached
    try:
        pack = load_pack_dir(folder)
    except PackInvalid as invalid:
        first = invalid.problems[0] if invalid.problems else ""
        raise UnknownPack(
            gettext("'%(folder)s' is not a valid pack: %(problem)s") % {"folder": folder, "problem": first},
            field="pack",
        ) from None
    content = pack.model_dump(mode="json")
    result = PackSets(
        code=pack.code,
        languages=tuple(pack.languages),
        sets=tuple(content["indicator_sets"]),
        source=str(folder),
    )
    if len(_FOLDER_CACHE) >= _FOLDER_CACHE_SIZE:
        _FOLDER_CACHE.pop(next(iter(_FOLDER_CACHE)))
    _FOLDER_CACHE[key] = result
    return result


def set_summary(indicator_set: dict) -> dict:
    """What `opennrm screen sets` lists for one set."""
    return {
        "id": indicator_set["id"],
        "population": indicator_set["population"],
        "forms": list(indicator_set["forms"]),
        "context": indicator_set["context"],
    }


def indicator_rows(indicator_set: dict, language: str | None = None) -> list[dict]:
    """What `opennrm screen indicators` lists: each indicator with its question in `language`, in set order."""
    return [
        {
            "id": indicator["id"],
            "dimension": indicator["dimension"],
            "strength": indicator["strength"],
            "question": localized(indicator["question"], language),
        }
        for indicator in indicator_set["indicators"]
    ]
