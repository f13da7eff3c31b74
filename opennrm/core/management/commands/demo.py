"""`opennrm demo load`: the demo directory, demo users and demo cases — synthetic, for trying OpenNRM out, never for
production."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from opennrm.accounts.demo import demo_users_create
from opennrm.cases.demo import demo_cases_create
from opennrm.coordination.demo import demo_coordination_create
from opennrm.core.errors import ApplicationError
from opennrm.directory.demo import demo_directory_load
from opennrm.portal.demo import demo_portal_create
from opennrm.stats.demo import demo_stats_create


class Command(BaseCommand):
    help = (
        "Load the demo directory (packs/<pack>/demo/directory.yaml), the demo users and a few dozen synthetic cases "
        "in every state of the workflow, and print the logins."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["load"])
        parser.add_argument("--pack", default=settings.OPENNRM_PACK)

    def handle(self, *args, action: str, pack: str, **options):
        if not settings.OPENNRM_ALLOW_DEMO:
            raise CommandError(
                "Demo data is refused here: OPENNRM_ALLOWED_HOSTS is set, which marks a production system, and the "
                "demo accounts' passwords are public. On a test system, set OPENNRM_ALLOW_DEMO=1."
            )
        path = settings.OPENNRM_PACKS_DIR / pack / "demo" / "directory.yaml"
        if not path.exists():
            raise CommandError(f"Pack '{pack}' has no demo directory ({path}).")
        try:
            summary = demo_directory_load(path=path)
            logins = demo_users_create()
            cases = demo_cases_create()
            # After the cases: the statistics of earlier years, the action plan, the public site's content.
            statistics = demo_stats_create()
            coordination = demo_coordination_create()
            portal = demo_portal_create()
        except ApplicationError as error:
            raise CommandError(error.message) from None
        self.stdout.write(f"Demo directory: {summary}")
        self.stdout.write("")
        self.stdout.write(f"Demo cases: {cases} ({cases.created} new)")
        for app_summary in (statistics, coordination, portal):
            if app_summary:
                self.stdout.write(app_summary)
        self.stdout.write("")
        self.stdout.write("Demo logins (synthetic accounts, for trying OpenNRM only):")
        width = max(len(login.username) for login in logins)
        for login in logins:
            roles = ", ".join(login.roles)
            self.stdout.write(f"  {login.username:<{width}} password: {login.password}   {roles} — {login.institution}")
            if login.totp_key:
                self.stdout.write(
                    f"  {'':<{width}} demo two-factor key (add to an authenticator app): {login.totp_key}"
                )
