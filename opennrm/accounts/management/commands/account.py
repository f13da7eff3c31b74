"""`opennrm account reset-password|reset-two-factor USERNAME`: the operator's way in when no administrator can help.

For example, the only administrator of an institution lost their phone. Both actions are audited as done by the
system (no signed-in user), like every other command-line change.
"""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from opennrm.accounts.models import User
from opennrm.accounts.services import user_password_reset, user_two_factor_reset
from opennrm.core.errors import ApplicationError


class Command(BaseCommand):
    help = "Reset a user's password (a temporary one is printed) or remove their authenticators."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{reset-password,reset-two-factor}")
        for name, text in [
            ("reset-password", "Print a one-time temporary password that must be changed at the next sign-in."),
            ("reset-two-factor", "Remove the user's authenticators; they set up a new one at the next sign-in."),
        ]:
            actions.add_parser(name, help=text).add_argument("username", help="The user's sign-in name.")

    def handle(self, *args, action: str, username: str, **options) -> None:
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
