"""`opennrm token issue|list|revoke`: API tokens for integrations, managed by the server's operator."""

from argparse import ArgumentTypeError
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from opennrm.accounts.models import ApiToken, User
from opennrm.accounts.services import (
    TOKEN_DEFAULT_DAYS,
    TOKEN_MAX_DAYS,
    TOKEN_SCHEME,
    api_token_issue,
    api_token_revoke,
)
from opennrm.core.errors import ApplicationError


def _positive_days(value: str) -> int:
    try:
        days = int(value)
    except ValueError:
        days = 0
    if not 1 <= days <= TOKEN_MAX_DAYS:
        raise ArgumentTypeError(f"--days must be a whole number from 1 to {TOKEN_MAX_DAYS}, not '{value}'")
    return days


class Command(BaseCommand):
    help = "Issue, list and revoke API tokens. A token acts with the roles of the user it is issued for."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{issue,list,revoke}")
        issue = actions.add_parser("issue", help="Issue a token and print it (once; it cannot be shown again).")
        issue.add_argument("--user", required=True, help="User name the token acts as.")
        issue.add_argument("--name", default="command line", help="What the token is for.")
        issue.add_argument(
            "--days",
            type=_positive_days,
            default=TOKEN_DEFAULT_DAYS,
            help=f"Valid for this many days, at most {TOKEN_MAX_DAYS} (default: {TOKEN_DEFAULT_DAYS}).",
        )
        listing = actions.add_parser("list", help="List a user's tokens (never the secrets).")
        listing.add_argument("--user", required=True, help="User name.")
        revoke = actions.add_parser("revoke", help="Revoke the token whose prefix is given.")
        revoke.add_argument("prefix", help=f"The token's prefix: the part after '{TOKEN_SCHEME}_', e.g. 1a2b3c4d.")

    def handle(self, *args, **options) -> None:
        getattr(self, f"_{options['action']}")(options)

    @staticmethod
    def _user(username: str) -> User:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"--user: there is no user '{username}'.")
        return user

    def _issue(self, options) -> None:
        user = self._user(options["user"])
        expires_at = timezone.now() + timedelta(days=options["days"])
        try:
            _token, secret = api_token_issue(user=user, name=options["name"], expires_at=expires_at)
        except ApplicationError as error:
            raise CommandError(f"--{error.field or 'user'}: {error.message}") from error
        self.stdout.write(secret)

    def _list(self, options) -> None:
        user = self._user(options["user"])
        now = timezone.now()

        def when(moment) -> str:
            return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}" if moment else "never"

        for token in ApiToken.objects.filter(user=user).order_by("created_at"):
            if token.revoked_at:
                status = f"revoked {when(token.revoked_at)}"
            elif token.expires_at and token.expires_at <= now:
                status = "expired"
            else:
                status = "active"
            self.stdout.write(
                f"{token.prefix}\t{token.name}\tcreated {when(token.created_at)}\t"
                f"expires {when(token.expires_at)}\tlast used {when(token.last_used_at)}\t{status}"
            )

    def _revoke(self, options) -> None:
        prefix = options["prefix"].strip()
        if prefix.startswith(f"{TOKEN_SCHEME}_"):
            # Pasting the whole token, or its start, works too.
            prefix = prefix[len(TOKEN_SCHEME) + 1 :].split("_", 1)[0]
        matches = list(ApiToken.objects.filter(prefix=prefix)[:2])
        if not matches:
            raise CommandError(f"prefix: no token starts with '{prefix}'.")
        if len(matches) > 1:
            raise CommandError(f"prefix: more than one token has the prefix '{prefix}'; revoke cannot choose.")
        token = matches[0]
        if token.revoked_at is not None:
            self.stdout.write(f"Token {token.prefix} ({token.name}) was already revoked.")
            return
        api_token_revoke(token=token, by=None)
        self.stdout.write(f"Token {token.prefix} ({token.name}) of {token.user.get_username()} is revoked.")
