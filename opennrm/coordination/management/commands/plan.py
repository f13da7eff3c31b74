"""`opennrm plan import|template|export`: the action plan as a file (docs/action-plan-import.md).

Exit codes: 0 success, 1 a refused request (unknown user or plan, no permission), 2 an invalid file (every problem
is printed, one a line, and nothing is imported).
"""

from pathlib import Path

import yaml
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext

from opennrm.accounts.models import User
from opennrm.coordination.importing import MAX_FILE_BYTES, PlanImportError
from opennrm.coordination.models import ActionPlan
from opennrm.coordination.selectors import plan_snapshot
from opennrm.coordination.services import plan_import
from opennrm.coordination.templates_xlsx import plan_template_xlsx, plan_workbook
from opennrm.core.errors import ApplicationError

INVALID_INPUT = 2
EXAMPLE = Path(__file__).resolve().parents[4] / "docs" / "examples" / "action-plan-2025-2027.yaml"


def plan_yaml(snapshot: dict) -> str:
    document = {"format": "opennrm-action-plan/1", **snapshot}
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=100)


class Command(BaseCommand):
    help = "Import an action plan from YAML or the XLSX template, write the template, or export a plan."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="{import,template,export}")
        importing = actions.add_parser("import", help="Import a plan (or a new version of it) from a file.")
        importing.add_argument("file", help="a .yaml file or a filled-in .xlsx template")
        importing.add_argument("--note", default="", help="change note (required when the plan exists already)")
        importing.add_argument("--by", default=None, help="username of the coordinator the import is recorded for")

        template = actions.add_parser("template", help="Write the empty XLSX template or the example YAML.")
        template.add_argument("--format", choices=["xlsx", "yaml"], default="xlsx")
        template.add_argument("--output", default=None, help="file to write (default: plan-template.<format>)")

        export = actions.add_parser("export", help="Write a plan in the import format (to edit and re-import).")
        export.add_argument("code", help="the plan's code")
        export.add_argument("--format", choices=["xlsx", "yaml"], default="yaml")
        export.add_argument("--output", default=None, help="file to write (default: <code>.<format>)")

    def handle(self, *args, action, **options):
        try:
            getattr(self, f"_{action}")(**options)
        except PlanImportError as error:
            for problem in error.problems:
                self.stderr.write(problem)
            raise CommandError(error.message, returncode=INVALID_INPUT) from None
        except ApplicationError as error:
            raise CommandError(error.message) from None

    def _import(self, *, file: str, note: str, by: str | None, **_options) -> None:
        path = Path(file)
        if not path.is_file():
            raise CommandError(gettext("No such file: %(path)s") % {"path": file}, returncode=INVALID_INPUT)
        # Refused before it is read into memory.
        if path.stat().st_size > MAX_FILE_BYTES:
            raise CommandError(
                gettext("The file is too large (at most %(mb)d MB).") % {"mb": MAX_FILE_BYTES // (1024 * 1024)},
                returncode=INVALID_INPUT,
            )
        user = None
        if by:
            user = User.objects.filter(username=by, is_active=True).first()
            if user is None:
                raise CommandError(gettext("No active user %(username)s.") % {"username": by})
        result = plan_import(content=path.read_bytes(), filename=path.name, by=user, change_note=note)
        plan = result.plan
        if not result.changed:
            self.stdout.write(
                gettext("Plan %(code)s: the file matches version %(version)d; nothing changed.")
                % {"code": plan.code, "version": plan.current_version}
            )
            return
        self.stdout.write(
            gettext(
                "Plan %(code)s version %(version)d: %(goals)d goals and %(measures)d measures added, "
                "%(updated)d measures updated, %(cancelled)d cancelled, %(periods)d reporting periods added."
            )
            % {
                "code": plan.code,
                "version": plan.current_version,
                "goals": result.goals_added,
                "measures": result.measures_added,
                "updated": result.measures_updated,
                "cancelled": len(result.measures_cancelled),
                "periods": result.periods_added,
            }
        )

    def _write(self, output: str, content: bytes) -> None:
        Path(output).write_bytes(content)
        self.stdout.write(gettext("Written: %(path)s") % {"path": output})

    def _template(self, *, format: str, output: str | None, **_options) -> None:
        output = output or f"plan-template.{format}"
        if format == "xlsx":
            self._write(output, plan_template_xlsx())
        elif EXAMPLE.is_file():
            self._write(output, EXAMPLE.read_bytes())
        else:
            # An installed package has no docs folder; the example lives in the source repository.
            raise CommandError(gettext("The example plan is not installed here: %(path)s") % {"path": EXAMPLE})

    def _export(self, *, code: str, format: str, output: str | None, **_options) -> None:
        plan = ActionPlan.objects.filter(code=code).first()
        if plan is None:
            raise CommandError(gettext("No plan with the code %(code)s.") % {"code": code})
        snapshot = plan_snapshot(plan)
        output = output or f"{code}.{format}"
        content = plan_workbook(snapshot) if format == "xlsx" else plan_yaml(snapshot).encode()
        self._write(output, content)
