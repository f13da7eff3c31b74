"""`opennrm tick`: reminders, escalations, expiring periods and e-mail. Run it every few minutes (admin guide)."""

import sys

from django.core.management.base import BaseCommand

from opennrm.cases.services.tick import MAX_ATTEMPTS, tick
from opennrm.coordination.services import coordination_tick


class Command(BaseCommand):
    help = (
        "Send deadline reminders, escalate overdue referrals, end periods that have run out (performing the "
        "transition the pack names), remind institutions of action-plan reports due or overdue, and deliver queued "
        "e-mail. Safe to run as often as wanted."
    )

    def handle(self, *args, **options) -> None:
        report = tick()
        self.stdout.write(
            f"reminders: {report.reminders}, escalations: {report.escalations}, expired: {report.expired}, "
            f"transitions: {report.transitions}, e-mails sent: {report.sent}, not sent: {report.failed}, "
            f"given up after {MAX_ATTEMPTS} attempts: {report.undeliverable}"
        )
        plan = coordination_tick()
        self.stdout.write(
            f"action plan reminders: {plan.reminders}, e-mails sent: {plan.sent}, not sent: {plan.failed}, "
            f"given up after {MAX_ATTEMPTS} attempts: {plan.undeliverable}"
        )
        problems = [*report.problems, *plan.problems]
        for problem in problems:
            self.stderr.write(problem)
        if problems:
            sys.exit(1)
