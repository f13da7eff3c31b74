"""Checks of single values, shared by the services (one ApplicationError) and the plan importer (every problem).

Each `clean_*` returns the cleaned value or raises `ValueProblem` with a sentence about the value; the caller adds
where the value came from (a form field, an API field, a sheet and row).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext

from opennrm.coordination.models import INDICATOR_DECIMALS, INDICATOR_DIGITS

CODE_MAX = 32
TEXT_MAX = 4000
NARRATIVE_MAX = 10000
EVIDENCE_LINKS_MAX = 20
URL_MAX = 500
_url_validator = URLValidator(schemes=["http", "https"])


class ValueProblem(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def clean_texts(value, *, required: bool = True, max_length: int = TEXT_MAX) -> dict[str, str]:
    """A text in several languages: {"lv": ..., "en": ..., "ru": ...}; a plain string is the default language's."""
    if value is None or value == "":
        value = {}
    if isinstance(value, str):
        value = {settings.LANGUAGE_CODE: value}
    if not isinstance(value, dict):
        raise ValueProblem(gettext("give the text per language, e.g. lv, en and ru"))
    known = languages()
    unknown = sorted(str(key) for key in value if key not in known)
    if unknown:
        raise ValueProblem(
            gettext("unknown language %(unknown)s (use %(known)s)")
            % {"unknown": ", ".join(unknown), "known": ", ".join(known)}
        )
    cleaned = {}
    for language in known:
        text = value.get(language)
        if text is None:
            continue
        if not isinstance(text, str | int | float):
            raise ValueProblem(gettext("the %(language)s text is not text") % {"language": language})
        text = str(text).strip()
        if len(text) > max_length:
            raise ValueProblem(
                gettext("the %(language)s text is too long (at most %(max)d characters)")
                % {"language": language, "max": max_length}
            )
        if text:
            cleaned[language] = text
    if required and not cleaned:
        raise ValueProblem(gettext("write the text in at least one language"))
    return cleaned


def clean_string(value, *, required: bool = False, max_length: int) -> str:
    if value is None:
        value = ""
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise ValueProblem(gettext("this is not text"))
    text = str(value).strip()
    if required and not text:
        raise ValueProblem(gettext("this is required"))
    if len(text) > max_length:
        raise ValueProblem(gettext("this is too long (at most %(max)d characters)") % {"max": max_length})
    return text


def clean_code(value) -> str:
    code = clean_string(value, required=True, max_length=CODE_MAX)
    if any(character.isspace() for character in code):
        raise ValueProblem(gettext("a code cannot contain spaces"))
    return code


def clean_date(value, *, required: bool = True) -> date | None:
    if value is None or value == "":
        if required:
            raise ValueProblem(gettext("a date is required (YYYY-MM-DD)"))
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValueProblem(gettext("'%(value)s' is not a date (YYYY-MM-DD)") % {"value": value}) from None


def clean_number(value) -> Decimal | None:
    """An indicator value: a number, or nothing. A decimal comma is accepted (Latvian spreadsheets write 2,5)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueProblem(gettext("'%(value)s' is not a number") % {"value": value})
    text = str(value).strip().replace(" ", "").replace("\u00a0", "")
    if "," in text and "." not in text:
        text = text.replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueProblem(gettext("'%(value)s' is not a number") % {"value": value}) from None
    if not number.is_finite():
        raise ValueProblem(gettext("'%(value)s' is not a number") % {"value": value})
    number = number.quantize(Decimal(1).scaleb(-INDICATOR_DECIMALS)) if number.as_tuple().exponent < -2 else number
    if abs(number) >= Decimal(10) ** (INDICATOR_DIGITS - INDICATOR_DECIMALS):
        raise ValueProblem(gettext("'%(value)s' is too large") % {"value": value})
    return number


def clean_bool(value) -> bool:
    if isinstance(value, bool):
        return value
    if value is None or value == "":
        return False
    text = str(value).strip().casefold()
    if text in {"yes", "true", "1", "jā", "ja", "да"}:
        return True
    if text in {"no", "false", "0", "nē", "ne", "нет"}:
        return False
    raise ValueProblem(gettext("'%(value)s' is not yes or no") % {"value": value})


def clean_url(value) -> str:
    url = clean_string(value, required=True, max_length=URL_MAX)
    try:
        _url_validator(url)
    except ValidationError:
        raise ValueProblem(gettext("'%(value)s' is not a web address (http:// or https://)") % {"value": url}) from None
    return url


def clean_evidence_links(values) -> list[str]:
    """Links to evidence (a published report, a news item): http(s) addresses, each once."""
    if values is None or values == "":
        return []
    if isinstance(values, str):
        values = [part for part in values.replace(",", "\n").splitlines()]
    if not isinstance(values, list | tuple):
        raise ValueProblem(gettext("give the links as a list"))
    links: list[str] = []
    for number, value in enumerate(values, start=1):
        if value is None or not str(value).strip():
            continue
        try:
            url = clean_url(value)
        except ValueProblem as problem:
            raise ValueProblem(
                gettext("link %(number)d: %(problem)s") % {"number": number, "problem": problem.message}
            ) from None
        if url not in links:
            links.append(url)
    if len(links) > EVIDENCE_LINKS_MAX:
        raise ValueProblem(gettext("at most %(max)d links") % {"max": EVIDENCE_LINKS_MAX})
    return links
