"""`opennrm stats rebuild|report|eurostat|publish`: the statistics from the command line.

`rebuild` recreates the de-identified facts from the cases and screenings; `report` writes the annual report;
`eurostat` writes the tables of Eurostat's data collection as CSV; `publish` publishes a year's release to the
public site in the name of a user who may publish (audited as that user).
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from opennrm.accounts.models import User
from opennrm.core.errors import ApplicationError
from opennrm.stats.report import FORMATS, LANGUAGES, report_filename, report_render


def _year(text: str) -> int:
    try:
        year = int(text)
    except ValueError:
        raise CommandError(f"--year: '{text}' is not a year; give four digits, e.g. 2024.") from None
    if not 1900 <= year <= 2200:
        raise CommandError(f"--year: {year} is out of range; give a year between 1900 and 2200.")
    return year


class Command(BaseCommand):
    help = "Rebuild the statistical facts, write the annual report or Eurostat's tables, or publish a release."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{rebuild,report,eurostat,publish}")
        actions.add_parser("rebuild", help="Delete and recreate the facts of every case and screening.")
        report = actions.add_parser("report", help="Write the annual report of a year.")
        report.add_argument("--year", required=True, help="The reference year, e.g. 2024.")
        report.add_argument("--lang", required=True, choices=LANGUAGES, help="Language of the report.")
        report.add_argument("--format", required=True, choices=FORMATS, help="File format.")
        report.add_argument(
            "--output", help="Where to write it (default: opennrm-annual-report-<year>-<lang>.<format> here)."
        )
        eurostat = actions.add_parser("eurostat", help="Write Eurostat's tables of a year as CSV files.")
        eurostat.add_argument("--year", required=True, help="The reference year, e.g. 2024.")
        eurostat.add_argument("--output-dir", default=".", help="Directory for the files (default: here).")
        publish = actions.add_parser("publish", help="Publish a year's release to the public site.")
        publish.add_argument("--year", required=True, help="The reference year, e.g. 2024.")
        publish.add_argument("--by", required=True, help="Sign-in name of the user who publishes (stats.publish).")

    def handle(self, *args, action: str, **options) -> None:
        try:
            getattr(self, f"_{action}")(**options)
        except ApplicationError as error:
            raise CommandError(f"{error.field}: {error.message}" if error.field else error.message) from None

    def _rebuild(self, **options) -> None:
        from opennrm.stats.services.facts import facts_rebuild

        self.stdout.write(f"Rebuilt: {facts_rebuild()}.")

    def _report(self, *, year: str, lang: str, format: str, output: str | None, **options) -> None:
        number = _year(year)
        target = Path(output) if output else Path(report_filename(number, lang, format))
        if target.is_dir():
            target = target / report_filename(number, lang, format)
        if not target.parent.exists():
            raise CommandError(f"--output: the directory {target.parent} does not exist.")
        content = report_render(year=number, language=lang, format=format)
        try:
            target.write_bytes(content)
        except OSError as error:
            raise CommandError(f"--output: cannot write {target}: {error.strerror}.") from None
        self.stdout.write(f"Wrote the {format.upper()} report of {number} ({lang}) to {target}.")

    def _eurostat(self, *, year: str, output_dir: str, **options) -> None:
        from opennrm.stats.eurostat import eurostat_write

        number = _year(year)
        directory = Path(output_dir)
        if directory.exists() and not directory.is_dir():
            raise CommandError(f"--output-dir: {directory} is a file, not a directory.")
        try:
            directory.mkdir(parents=True, exist_ok=True)
            paths = eurostat_write(year=number, directory=directory)
        except OSError as error:
            raise CommandError(f"--output-dir: cannot write to {directory}: {error.strerror}.") from None
        self.stdout.write(f"Wrote {len(paths)} Eurostat file(s) for {number}:")
        for path in paths:
            self.stdout.write(f"  {path}")

    def _publish(self, *, year: str, by: str, **options) -> None:
        from opennrm.stats.services.release import release_publish

        number = _year(year)
        user = User.objects.filter(username=by, is_active=True).first()
        if user is None:
            raise CommandError(f"--by: there is no active user '{by}'.")
        published = release_publish(year=number, by=user)
        self.stdout.write(
            f"Published the release {published.year_from}–{published.year} as {by} (release {published.pk})."
        )
