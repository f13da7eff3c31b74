"""`opennrm htcds export [--output FILE] [--force]` / `opennrm htcds import FILE`: case records in IOM's HTCDS 2.0.

The file format is described in docs/htcds.md. An import lists every problem (row and field) and changes nothing
unless the whole file is valid; it exits with status 2 then.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext

from opennrm.core.errors import ApplicationError
from opennrm.stats.htcds import htcds_export, htcds_import

INVALID_INPUT = 2


class Command(BaseCommand):
    help = "Exchange de-identified case records in IOM's Human Trafficking Case Data Standard (HTCDS) 2.0."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{export,import}")
        export = actions.add_parser(
            "export", help="Write the records of cases whose person consented to the exchange, and imported ones."
        )
        export.add_argument("--output", help="the CSV file to write (default: htcds-export-<date>.csv)")
        export.add_argument("--force", action="store_true", help="replace the file if it exists already")
        load = actions.add_parser("import", help="Check an HTCDS CSV file and, if every row is valid, import it.")
        load.add_argument("file", help="the CSV file to read")

    def handle(self, *args, **options) -> None:
        try:
            if options["action"] == "export":
                self._export(options.get("output"), force=options.get("force", False))
            else:
                self._import(options["file"])
        except ApplicationError as error:
            raise CommandError(error.message, returncode=INVALID_INPUT) from None

    def _export(self, output: str | None, *, force: bool = False) -> None:
        path = Path(output) if output else Path(f"htcds-export-{timezone.localdate().isoformat()}.csv")
        report = htcds_export(path=path, force=force)
        if report.consent_purpose is None:
            self.stderr.write(
                gettext(
                    "The pack names no consent purpose for the exchange (statistics.htcds_consent_purpose), "
                    "so no case records were written."
                )
            )
        self.stdout.write(str(report))

    def _import(self, file: str) -> None:
        report = htcds_import(path=Path(file))
        if not report.ok:
            for problem in report.problems:
                self.stderr.write(problem)
            raise CommandError(str(report), returncode=INVALID_INPUT)
        if report.ignored_fields:
            self.stdout.write(
                gettext("Checked but not kept: %(fields)s.") % {"fields": ", ".join(report.ignored_fields)}
            )
        self.stdout.write(str(report))
