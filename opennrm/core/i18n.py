"""Helpers for text kept in several languages, as packs and reference data keep it: {"lv": ..., "en": ...}."""

from collections.abc import Mapping

from django.conf import settings
from django.utils import translation

FALLBACK_LANGUAGE = "en"


def localized(value: Mapping[str, str] | str | None, language: str | None = None) -> str:
    """The text in `language` (default: the active one), falling back to English, then to any language."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    language = (language or translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
    for candidate in (language, FALLBACK_LANGUAGE, settings.LANGUAGE_CODE):
        if value.get(candidate):
            return value[candidate]
    return next((text for text in value.values() if text), "")
