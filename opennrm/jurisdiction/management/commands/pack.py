"""`opennrm pack validate|load|diff|publish|list`: jurisdiction packs from the command line.

Exit codes: 0 success, 1 a refused request (e.g. a draft already exists), 2 an invalid pack or invalid input.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

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
        actions = parser.add_subparsers(
            dest="action", required=True, metavar="{validate,load,diff,publish,list}"
        )

        validate = actions.add_parser("validate", help="Check a pack folder and list every problem.")
        validate.add_argument("directory", help="the pack folder, e.g. packs/lv")

        load = actions.add_parser("load", help="Validate a pack folder and store it as a new draft version.")
        load.add_argument("directory", help="the pack folder, e.g. packs/lv")
        load.add_argument(
            "--replace-draft", action="store_true", help="replace the content of the existing draft"
        )

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
            raise CommandError(
                f"the pack is invalid ({len(invalid.problems)} problem(s)); nothing was stored",
                returncode=INVALID_INPUT,
            ) from None
        except ApplicationError as error:
            raise CommandError(error.message) from None

    def _validate(self, *, directory: str, **_options) -> None:
        pack = load_pack_dir(Path(directory))
        self.stdout.write(
            f"OK: pack '{pack.code}' ({localized(pack.pack.name, 'en')}): "
            f"{len(pack.stages)} stages, {len(pack.functions)} functions, "
            f"{len(pack.institution_types)} institution types, {len(pack.matrix)} matrix entries, "
            f"{len(pack.legal_bases)} legal bases, {len(pack.roles)} roles, "
            f"{len(pack.municipalities)} municipalities; languages {', '.join(pack.languages)}"
        )

    def _load(self, *, directory: str, replace_draft: bool, **_options) -> None:
        version = pack_load(path=Path(directory), replace_draft=replace_draft)
        self.stdout.write(f"Stored pack '{version.pack_code}' as draft version {version.number}.")

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
                f"pack '{pack_code}' has no version {number} (versions: {known or 'none'})",
                returncode=INVALID_INPUT,
            )
        return version

    def _diff(self, *, old: int, new: int, pack: str | None, language: str, **_options) -> None:
        pack_code = pack or settings.OPENNRM_PACK
        languages = [code for code, _name in settings.LANGUAGES]
        if language not in languages:
            raise CommandError(
                f"--language: unknown language '{language}' (available: {', '.join(languages)})",
                returncode=INVALID_INPUT,
            )
        before, after = self._version(pack_code, old), self._version(pack_code, new)
        self.stdout.write(f"Pack '{pack_code}': version {before.number} → version {after.number}")
        self.stdout.write(
            render_text(diff_packs(before.content, after.content), language=language), ending=""
        )

    def _publish(self, *, number: int, note: str, pack: str | None, **_options) -> None:
        version = version_publish(
            version=self._version(pack or settings.OPENNRM_PACK, number), change_note=note, by=None
        )
        self.stdout.write(f"Published version {version.number} of pack '{version.pack_code}'.")

    def _list(self, *, pack: str | None, **_options) -> None:
        pack_code = pack or settings.OPENNRM_PACK
        versions = ModelVersion.objects.filter(pack_code=pack_code).order_by("number")
        if not versions:
            self.stdout.write(f"Pack '{pack_code}' has no versions.")
            return

        def when(moment) -> str:
            return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else "-"

        self.stdout.write(
            f"{'version':>7}  {'status':<10}  {'created':<16}  {'published':<16}  {'superseded':<16}  note"
        )
        for version in versions:
            note = " ".join(version.change_note.split())
            self.stdout.write(
                f"{version.number:>7}  {version.status:<10}  {when(version.created_at):<16}  "
                f"{when(version.published_at):<16}  {when(version.superseded_at):<16}  "
                f"{note[:60] + ('…' if len(note) > 60 else '')}"
            )
