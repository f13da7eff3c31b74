from django import template

from opennrm.core.i18n import localized

register = template.Library()


@register.filter
def loc(value, language=None):
    """`{{ institution.name|loc }}`: the text of a multilingual value in the active language."""
    return localized(value, language)
