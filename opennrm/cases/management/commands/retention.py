"""`opennrm retention run [--dry-run]`: erase personal data of cases past the pack's retention period."""

from django.core.management.base import BaseCommand, CommandParser

from opennrm.cases.services.retention import retention_run


class Command(BaseCommand):
    help = "Apply the pack's retention rule: erase personal data of cases that ended longer ago than it allows."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{run}")
        run = actions.add_parser("run", help="Erase what is due (or only list it with --dry-run).")
        run.add_argument("--dry-run", action="store_true", help="List the cases that would be erased; change nothing.")

    def handle(self, *args, **options) -> None:
        report = retention_run(dry_run=options["dry_run"])
        if options["dry_run"]:
            self.stdout.write(f"{len(report.due)} case(s) due for erasure")
            for reference in report.due:
                self.stdout.write(f"  {reference}")
        else:
            self.stdout.write(f"{len(report.erased)} case(s) erased")
