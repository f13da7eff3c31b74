"""Accessible form fields: help text and errors are tied to the input with aria-describedby."""

from datetime import timedelta

from django import template

register = template.Library()


@register.inclusion_tag("accounts/_field.html")
def form_field(field):
    """`{% form_field form.name %}`: label, help, errors and the input, linked for screen readers."""
    described_by = []
    if field.help_text:
        described_by.append(f"{field.auto_id}_helptext")
    if field.errors:
        described_by.append(f"{field.auto_id}_error")
    attrs = {}
    if described_by:
        attrs["aria-describedby"] = " ".join(described_by)
    if field.errors:
        attrs["aria-invalid"] = "true"
    return {"field": field, "widget": field.as_widget(attrs=attrs)}


@register.filter
def minutes(value) -> int:
    """Whole minutes of a duration (rounded up, so "wait N minutes" is never too short)."""
    if not isinstance(value, timedelta):
        return 0
    return -(-int(value.total_seconds()) // 60)
