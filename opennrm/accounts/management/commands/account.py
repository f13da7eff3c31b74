"""`opennrm account create|reset-password|reset-two-factor`: the operator's tools for staff accounts.

`create` makes the first accounts of an installation (an institution's administrator, the national coordinator);
the resets are the way in when no administrator can help, e.g. the only administrator of an institution lost their
phone. Every action is audited as done by the system (no signed-in user), like every other command-line change.
"""

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from opennrm.accounts.models import Role, User
from opennrm.accounts.services import user_create, user_password_reset, user_two_factor_reset
from opennrm.core.errors import ApplicationError
from opennrm.directory.models import Unit


class Command(BaseCommand):
    help = "Reset a user's password (a temporary one is printed) or remove their authenticators."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(
            dest="action", required=True, metavar="{create,reset-password,reset-two-factor}"
        )
        create = actions.add_parser(
            "create", help="Create a member of staff and print a temporary password, to be changed at first sign-in."
        )
        create.add_argument("username", help="The sign-in name.")
        create.add_argument("--institution", required=True, help="Institution code, as in the directory.")
        create.add_argument("--unit", default="main", help="Unit code within the institution (default: main).")
        create.add_argument("--roles", required=True, help="Comma-separated role ids of the published pack.")
        create.add_argument("--email", default="")
        create.add_argument("--first-name", default="")
        create.add_argument("--last-name", default="")
        for name, text in [
            ("reset-password", "Print a one-time temporary password that must be changed at the next sign-in."),
            ("reset-two-factor", "Remove the user's authenticators; they set up a new one at the next sign-in."),
        ]:
            actions.add_parser(name, help=text).add_argument("username", help="The user's sign-in name.")

    def handle(self, *args, action: str, username: str, **options) -> None:
        if action == "create":
            self.stdout.write(self._create(username, **options))
            return
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"There is no user '{username}'.")
        try:
            if action == "reset-password":
                self.stdout.write(user_password_reset(user=user, by=None))
            else:
                removed = user_two_factor_reset(user=user, by=None)
                self.stdout.write(f"Removed {removed} authenticator(s) of '{username}'.")
        except ApplicationError as error:
            raise CommandError(error.message) from None

    def _create(self, username: str, *, institution: str, unit: str, roles: str, **options) -> str:
        unit_row = Unit.objects.filter(institution__code=institution, code=unit).select_related("institution").first()
        if unit_row is None:
            raise CommandError(f"There is no unit '{unit}' in an institution '{institution}'.")
        codes = [code.strip() for code in roles.split(",") if code.strip()]
        found = {role.code: role for role in Role.objects.filter(code__in=codes, is_active=True)}
        if unknown := [code for code in codes if code not in found]:
            raise CommandError(f"Unknown role(s): {', '.join(unknown)}.")
        try:
            # One transaction: the account never exists without its temporary password.
            with transaction.atomic():
                user = user_create(
                    username=username,
                    email=options["email"],
                    first_name=options["first_name"],
                    last_name=options["last_name"],
                    unit=unit_row,
                    roles=[found[code] for code in codes],
                )
                return user_password_reset(user=user, by=None)
        except ApplicationError as error:
            raise CommandError(f"{error.field}: {error.message}" if error.field else error.message) from None
