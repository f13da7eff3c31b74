"""`opennrm setup`: bring a database to a working state — migrations, translations, the jurisdiction pack.

Idempotent: on an installation that already has a published model it only applies new migrations.
"""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from opennrm.core.errors import ApplicationError
from opennrm.jurisdiction.loader import PackInvalid
from opennrm.jurisdiction.selectors import version_draft, version_published
from opennrm.jurisdiction.services import pack_load, version_publish


class Command(BaseCommand):
    help = "Migrate the database, compile translations and publish the jurisdiction pack if none is published."

    def add_arguments(self, parser):
        parser.add_argument("--pack", default=settings.OPENNRM_PACK, help="Pack code (a folder in packs/).")
        parser.add_argument(
            "--demo", action="store_true", help="Also load the demo directory, demo users and demo cases."
        )

    def handle(self, *args, pack: str, demo: bool, verbosity: int, **options):
        call_command("migrate", interactive=False, verbosity=0)
        call_command("compile_translations", verbosity=0, stdout=self.stdout if verbosity > 1 else None)
        if version_published(pack_code=pack) is None:
            self._publish_initial_version(pack)
        else:
            self.stdout.write(f"Pack '{pack}' already has a published version; left as it is.")
        if demo:
            call_command("demo", "load", pack=pack, stdout=self.stdout)

    def _publish_initial_version(self, pack: str) -> None:
        path = settings.OPENNRM_PACKS_DIR / pack
        if not path.is_dir():
            raise CommandError(f"No pack folder {path}: set OPENNRM_PACKS_DIR or --pack to an existing pack.")
        try:
            draft = version_draft(pack_code=pack) or pack_load(path=path)
            version = version_publish(version=draft, change_note=f"Initial version loaded from packs/{pack}.", by=None)
        except PackInvalid as invalid:
            raise CommandError("\n".join(str(problem) for problem in invalid.problems)) from None
        except ApplicationError as error:
            raise CommandError(error.message) from None
        self.stdout.write(f"Published version {version.number} of pack '{pack}'.")
