"""Readable, translated explanations of an evaluation: the engine returns structure, this turns it into sentences."""

from collections.abc import Mapping, Sequence

from django.utils.translation import gettext, ngettext

from opennrm.core.i18n import localized
from opennrm.screening.engine import MISSING_NOT_ENOUGH, Evaluation, ScreeningInputError


def dimension_names(indicator_set: Mapping, language: str | None = None) -> dict[str, str]:
    """Dimension id → its name in `language` (default: the active language)."""
    return {d["id"]: localized(d.get("name"), language) for d in indicator_set["dimensions"]}


def _lower_first(text: str) -> str:
    # Names are written to start a sentence; inside one they read better in lower case.
    return text[:1].lower() + text[1:]


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def _join(items: Sequence[str], *, alternative: bool) -> str:
    if len(items) == 1:
        return items[0]
    rest = ", ".join(items[:-1])
    if alternative:
        return gettext("%(items)s or %(last)s") % {"items": rest, "last": items[-1]}
    return gettext("%(items)s and %(last)s") % {"items": rest, "last": items[-1]}


def explain_missing(evaluation: Evaluation, dimension_names: Mapping[str, str]) -> list[str]:
    """One sentence per missing group of the rule; what is already established is said in the first only."""
    sentences = []
    for index, missing in enumerate(evaluation.missing):
        gap = _join(
            [_lower_first(dimension_names.get(d, d.replace("_", " "))) for d in missing.group], alternative=True
        )
        established = [_lower_first(dimension_names.get(d, d.replace("_", " "))) for d in missing.established]
        if index == 0 and established:
            values = {"established": _upper_first(_join(established, alternative=False)), "missing": gap}
            if missing.message_key == MISSING_NOT_ENOUGH:
                sentence = (
                    ngettext(
                        "%(established)s is established; some answers point to %(missing)s, but not enough yet.",
                        "%(established)s are established; some answers point to %(missing)s, but not enough yet.",
                        len(established),
                    )
                    % values
                )
            else:
                sentence = (
                    ngettext(
                        "%(established)s is established; nothing yet on %(missing)s.",
                        "%(established)s are established; nothing yet on %(missing)s.",
                        len(established),
                    )
                    % values
                )
        elif missing.message_key == MISSING_NOT_ENOUGH:
            sentence = gettext("Some answers point to %(missing)s, but not enough yet.") % {"missing": gap}
        else:
            sentence = gettext("Nothing yet on %(missing)s.") % {"missing": gap}
        sentences.append(sentence)
    return sentences


def evaluation_payload(evaluation: Evaluation, indicator_set: Mapping, language: str | None = None) -> dict:
    """The command-line / API contract, with the missing pieces explained in the active language."""
    names = dimension_names(indicator_set, language)
    return evaluation.to_dict(missing=explain_missing(evaluation, names))


def input_error_message(error: ScreeningInputError) -> str:
    """The error's message in the active language."""
    code = error.extra.get("code")
    if code == "unknown_indicator":
        return gettext("Unknown indicator '%(indicator)s': set '%(set)s' has no such indicator.") % error.extra
    if code == "invalid_answer":
        return gettext("Invalid answer %(value)s for indicator '%(indicator)s': expected one of %(expected)s.") % {
            **error.extra,
            "expected": "yes, no, unknown",
        }
    if code == "not_a_mapping":
        return gettext("The answers must be a mapping of indicator id to answer.")
    return error.message
