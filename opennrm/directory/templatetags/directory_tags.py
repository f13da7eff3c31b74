from django import template
from django.utils.translation import get_language_info

register = template.Library()


@register.filter
def language_names(codes) -> str:
    """`{{ point.languages|language_names }}`: "Latvian, Russian" in the active language."""
    names = []
    for code in codes or []:
        try:
            names.append(str(get_language_info(code)["name_translated"]))
        except KeyError:
            names.append(str(code))
    return ", ".join(names)


@register.filter
def tel_href(phone: str) -> str:
    """The number as a tel: address: digits and a leading +, since spaces are not allowed in one."""
    phone = phone or ""
    return ("+" if phone.strip().startswith("+") else "") + "".join(c for c in phone if c.isdigit())
