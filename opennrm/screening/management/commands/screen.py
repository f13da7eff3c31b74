"""`opennrm screen sets|indicators|evaluate`: the recognition screening from the command line.

JSON on stdout for integrators and tests (`--format json`), or readable text (`--format text`).
Exit codes: 0 success, 2 invalid input (unknown pack or set, unreadable answers, unknown indicator, bad answer).
"""

import json
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext

from opennrm.core.errors import ApplicationError
from opennrm.core.i18n import localized
from opennrm.screening.engine import ScreeningInputError, evaluate
from opennrm.screening.explain import evaluation_payload, input_error_message
from opennrm.screening.sets import indicator_rows, pack_sets, set_summary

INVALID_INPUT = 2
FORMATS = ("json", "text")


class Command(BaseCommand):
    help = "List indicator sets and their indicators, and evaluate answers to a set."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="{sets,indicators,evaluate}")

        def common(sub):
            sub.add_argument(
                "--pack", default=None, help="a pack code or a pack folder (default: this installation's pack)"
            )
            sub.add_argument(
                "--format", dest="output_format", choices=FORMATS, default="json", help="output format (default: json)"
            )
            sub.add_argument(
                "--language", default="en", help="language of questions and names in the output (default: en)"
            )

        common(actions.add_parser("sets", help="List the indicator sets of a pack."))
        indicators = actions.add_parser("indicators", help="List the indicators of one set.")
        common(indicators)
        indicators.add_argument("--set", required=True, dest="set_id", help="the set's id")
        evaluation = actions.add_parser("evaluate", help="Evaluate answers to one set.")
        common(evaluation)
        evaluation.add_argument("--set", required=True, dest="set_id", help="the set's id")
        evaluation.add_argument(
            "--population",
            choices=("adult", "child"),
            default=None,
            help="the person's age group: a child is judged by the set's child rule, when it has one",
        )
        evaluation.add_argument(
            "--answers",
            required=True,
            help='a JSON file {"answers": {"<indicator id>": "yes"|"no"|"unknown"}}, or - for standard input',
        )

    def handle(self, *args, action, **options):
        # Errors are phrased inside the override too, so they come in the language asked for (English by default).
        with translation.override(self._language(options["language"])):
            try:
                getattr(self, f"_{action}")(**options)
            except ScreeningInputError as error:
                raise CommandError(input_error_message(error), returncode=INVALID_INPUT) from None
            except ApplicationError as error:
                raise CommandError(error.message, returncode=INVALID_INPUT) from None

    @staticmethod
    def _language(language: str) -> str:
        available = [code for code, _name in settings.LANGUAGES]
        if language not in available:
            raise CommandError(
                gettext("--language: unknown language '%(language)s' (available: %(available)s).")
                % {"language": language, "available": ", ".join(available)},
                returncode=INVALID_INPUT,
            )
        return language

    def _emit(self, data, text: str, output_format: str) -> None:
        if output_format == "json":
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
        else:
            self.stdout.write(text, ending="" if text.endswith("\n") else "\n")

    def _sets(self, *, pack, output_format, **_options) -> None:
        source = pack_sets(pack)
        data = [set_summary(s) for s in source.sets]
        lines = [
            f"{s['id']}  [{s['population']}; {', '.join(s['forms'])}; {s['context']}]  {localized(s['title'])}"
            for s in source.sets
        ]
        if not lines:
            lines = [gettext("Pack '%(pack)s' has no indicator sets.") % {"pack": source.code}]
        self._emit(data, "\n".join(lines), output_format)

    def _indicators(self, *, pack, output_format, set_id, language, **_options) -> None:
        indicator_set = pack_sets(pack).get(set_id)
        rows = indicator_rows(indicator_set, language)
        names = {d["id"]: localized(d["name"], language) for d in indicator_set["dimensions"]}
        lines = []
        for dimension in indicator_set["dimensions"]:
            lines.append(names[dimension["id"]])
            lines += [
                f"  {row['id']} ({row['strength']}): {row['question']}"
                for row in rows
                if row["dimension"] == dimension["id"]
            ]
        self._emit(rows, "\n".join(lines), output_format)

    def _evaluate(self, *, pack, output_format, set_id, answers, language, population=None, **_options) -> None:
        indicator_set = pack_sets(pack).get(set_id)
        evaluation = evaluate(indicator_set, read_answers(answers), population=population)
        if output_format == "json":
            # The JSON contract is English whatever --language says, so integrators can rely on it.
            with translation.override("en"):
                payload = evaluation_payload(evaluation, indicator_set, "en")
            self._emit(payload, "", output_format)
            return
        payload = evaluation_payload(evaluation, indicator_set, language)
        names = {d["id"]: localized(d["name"], language) for d in indicator_set["dimensions"]}
        lines = [gettext("Outcome: %(outcome)s") % {"outcome": evaluation.outcome}]
        for result in evaluation.dimensions:
            state = gettext("present") if result.present else gettext("not present")
            lines.append(
                gettext("%(name)s: %(state)s (strong %(strong)d, medium %(medium)d, weak %(weak)d)")
                % {
                    "name": names[result.id],
                    "state": state,
                    "strong": result.strong,
                    "medium": result.medium,
                    "weak": result.weak,
                }
            )
            if result.indicators:
                lines.append("  " + ", ".join(result.indicators))
        lines += [f"- {sentence}" for sentence in payload["missing"]]
        self._emit(payload, "\n".join(lines), output_format)


def read_answers(name: str) -> dict:
    """The answers mapping of an answers file, or CommandError (exit 2) saying what is wrong with the file."""
    try:
        text = sys.stdin.read() if name == "-" else Path(name).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CommandError(
            gettext("--answers: cannot read '%(file)s': %(reason)s")
            % {"file": name, "reason": getattr(error, "strerror", None) or error},
            returncode=INVALID_INPUT,
        ) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise CommandError(
            gettext("--answers: '%(file)s' is not valid JSON (line %(line)d, column %(column)d: %(reason)s).")
            % {"file": name, "line": error.lineno, "column": error.colno, "reason": error.msg},
            returncode=INVALID_INPUT,
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("answers"), dict):
        raise CommandError(
            gettext(
                "--answers: '%(file)s' must be a JSON object with an \"answers\" object, "
                'e.g. {"answers": {"indicator_id": "yes"}}.'
            )
            % {"file": name},
            returncode=INVALID_INPUT,
        )
    return data["answers"]
