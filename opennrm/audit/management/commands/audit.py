"""`opennrm audit verify`: check that no audit event was altered or removed."""

import sys

from django.core.management.base import BaseCommand, CommandParser

from opennrm.audit.verify import audit_verify


class Command(BaseCommand):
    help = "Work with the audit log. `verify` checks the hash chain and exits with 1 if it is broken."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{verify}")
        actions.add_parser("verify", help="Check every event's hash and link; print the first broken one.")

    def handle(self, *args, **options) -> None:
        result = audit_verify()
        self.stdout.write(result.message)
        if not result.ok:
            # Exit code 1 without Django's "CommandError:" prefix: scripts and monitoring read the line as is.
            sys.exit(1)
