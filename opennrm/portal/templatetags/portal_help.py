"""Template tags of the public help: the emergency numbers every page shows in its header."""

from django import template
from django.db import DatabaseError

register = template.Library()


@register.simple_tag
def emergency_numbers() -> dict:
    """`{% emergency_numbers as emergency %}`: {"numbers": [...], "hotlines": [...]} in the active language."""
    from opennrm.portal.help_finder import header_numbers

    try:
        return header_numbers()
    except DatabaseError:
        # An error page rendered while the database is down still shows the layout; 112 needs no database.
        return {"numbers": [], "hotlines": []}
