"""`opennrm pack validate|load|diff|publish|list`: jurisdiction packs from the command line.

Exit codes: 0 success, 1 a refused request (e.g. a draft already exists), 2 an invalid pack or invalid input.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from opennrm.core.errors import ApplicationError
from opennrm.core.i18n import localized
from opennrm.jurisdiction.diff import diff_packs, render_text
from opennrm.jurisdiction.loader import PackInvalid, load_pack_dir
from opennrm.jurisdiction.models import ModelVersion
from opennrm.jurisdiction.services import pack_load, version_publish

INVALID_INPUT = 2


class Command(BaseCommand):
    help = "Validate, load, compare, publish and list versions of a jurisdiction pack."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="{validate,load,diff,publish,list}")

        validate = actions.add_parser("validate", help="Check a pack folder and list every problem.")
        validate.add_argument("directory", help="the pack folder, e.g. packs/lv")

        load = actions.add_parser("load", help="Validate a pack folder and store it as a new draft version.")
        load.add_argument("directory", help="the pack folder, e.g. packs/lv")
        load.add_argument("--replace-draft", action="store_true", help="replace the content of the existing draft")

        diff = actions.add_parser("diff", help="Show what changed between two versions of a pack.")
        diff.add_argument("old", type=int, help="the older version number")
        diff.add_argument("new", type=int, help="the newer version number")
        diff.add_argument("--pack", default=None, help="pack code (default: this installation's pack)")
        diff.add_argument("--language", default="en", help="language of names in the output (default: en)")

        publish = actions.add_parser("publish", help="Publish a draft version with a change note.")
        publish.add_argument("number", type=int, help="the draft's version number")
        publish.add_argument("--note", required=True, help="the change note: what changed and why")
        publish.add_argument("--pack", default=None, help="pack code (default: this installation's pack)")

        listing = actions.add_parser("list", help="List the versions of a pack.")
        listing.add_argument("--pack", default=None, help="pack code (default: this installation's pack)")

    def handle(self, *args, action, **options):
        try:
            getattr(self, f"_{action}")(**options)
        except PackInvalid as invalid:
            for problem in invalid.problems:
                self.stderr.write(str(problem))
            count = len(invalid.problems)
            message = ngettext(
                "The pack is invalid (%(count)d problem); nothing was stored.",
                "The pack is invalid (%(count)d problems); nothing was stored.",
                count,
            ) % {"count": count}
            raise CommandError(message, returncode=INVALID_INPUT) from None
        except ApplicationError as error:
            raise CommandError(error.message) from None

    def _validate(self, *, directory: str, **_options) -> None:
        pack = load_pack_dir(Path(directory))
        summary = gettext(
            "OK: pack '%(pack)s' (%(name)s): %(stages)d stages, %(functions)d functions, "
            "%(types)d institution types, %(entries)d matrix entries, %(bases)d legal bases, "
            "%(roles)d roles, %(municipalities)d municipalities, %(sets)d indicator sets with %(indicators)d "
            "indicators; languages %(languages)s"
        )
        self.stdout.write(
            summary
            % {
                "pack": pack.code,
                "name": localized(pack.pack.name),
                "stages": len(pack.stages),
                "functions": len(pack.functions),
                "types": len(pack.institution_types),
                "entries": len(pack.matrix),
                "bases": len(pack.legal_bases),
                "roles": len(pack.roles),
                "municipalities": len(pack.municipalities),
                "sets": len(pack.indicator_sets),
                "indicators": sum(len(s.indicators) for s in pack.indicator_sets),
                "languages": ", ".join(pack.languages),
            }
        )

    def _load(self, *, directory: str, replace_draft: bool, **_options) -> None:
        version = pack_load(path=Path(directory), replace_draft=replace_draft)
        self.stdout.write(
            gettext("Stored pack '%(pack)s' as draft version %(number)d.")
            % {"pack": version.pack_code, "number": version.number}
        )

    def _version(self, pack_code: str, number: int) -> ModelVersion:
        version = ModelVersion.objects.filter(pack_code=pack_code, number=number).first()
        if version is None:
            known = ", ".join(
                str(n)
                for n in ModelVersion.objects.filter(pack_code=pack_code)
                .order_by("number")
                .values_list("number", flat=True)
            )
            raise CommandError(
                gettext("Pack '%(pack)s' has no version %(number)d (versions: %(known)s).")
                % {"pack": pack_code, "number": number, "known": known or gettext("none")},
                returncode=INVALID_INPUT,
            )
        return version

    def _diff(self, *, old: int, new: int, pack: str | None, language: str, **_options) -> None:
        pack_code = pack or settings.OPENNRM_PACK
        languages = [code for code, _name in settings.LANGUAGES]
        if language not in languages:
            raise CommandError(
                gettext("--language: unknown language '%(language)s' (available: %(available)s).")
                % {"language": language, "available": ", ".join(languages)},
                returncode=INVALID_INPUT,
            )
        before, after = self._version(pack_code, old), self._version(pack_code, new)
        self.stdout.write(
            gettext("Pack '%(pack)s': version %(old)d → version %(new)d")
            % {"pack": pack_code, "old": before.number, "new": after.number}
        )
        self.stdout.write(render_text(diff_packs(before.content, after.content), language=language), ending="")

    def _publish(self, *, number: int, note: str, pack: str | None, **_options) -> None:
        version = version_publish(
            version=self._version(pack or settings.OPENNRM_PACK, number), change_note=note, by=None
        )
        self.stdout.write(
            gettext("Published version %(number)d of pack '%(pack)s'.")
            % {"number": version.number, "pack": version.pack_code}
        )

    def _list(self, *, pack: str | None, **_options) -> None:
        pack_code = pack or settings.OPENNRM_PACK
        versions = ModelVersion.objects.filter(pack_code=pack_code).order_by("number")
        if not versions:
            self.stdout.write(gettext("Pack '%(pack)s' has no versions.") % {"pack": pack_code})
            return

        def when(moment) -> str:
            return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else "-"

        headings = (gettext("version"), gettext("status"), gettext("created"), gettext("published"))
        self.stdout.write(
            f"{headings[0]:>7}  {headings[1]:<10}  {headings[2]:<16}  {headings[3]:<16}  "
            f"{gettext('superseded'):<16}  {gettext('note')}"
        )
        for version in versions:
            note = " ".join(version.change_note.split())
            self.stdout.write(
                f"{version.number:>7}  {version.status:<10}  {when(version.created_at):<16}  "
                f"{when(version.published_at):<16}  {when(version.superseded_at):<16}  "
                f"{note[:60] + ('…' if len(note) > 60 else '')}"
            )
