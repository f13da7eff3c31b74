"""Where to get help: a municipality and a situation → the institutions, contact points and helplines to call.

The answer is the directory's own "who to call" (`opennrm.directory.selectors.who_to_call`) read as a member of
the public (no professionals-only contacts), narrowed to the institution types the pack lists for the situation.
The situations, the emergency numbers and the helpline types are the pack's (`opennrm.portal.self_check`).
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.core.cache import cache
from django.db.models import Case, IntegerField, Value, When
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from opennrm.core.errors import ApplicationError
from opennrm.core.i18n import localized
from opennrm.directory import selectors as directory
from opennrm.directory.forms import AccessibleErrorsMixin
from opennrm.directory.models import ContactPoint, Institution
from opennrm.portal.self_check import PublicHelp, Situation, public_help

# The header shows these on every page: kept for a minute rather than read on every request. A changed helpline
# number appears within that minute.
HEADER_CACHE_SECONDS = 60
HEADER_CACHE_KEY = "portal.help.header.{language}"

GROUP_HEADINGS = {
    Institution.Scope.MUNICIPAL: _("In your municipality"),
    Institution.Scope.REGIONAL: _("In your region"),
    Institution.Scope.NATIONAL: _("Nationwide"),
    "": _("They can also help (no office of theirs is listed for this municipality)"),
}


@dataclass(frozen=True)
class HelpGroup:
    heading: str
    entries: list[directory.WhoToCallEntry]


@dataclass(frozen=True)
class HelpAnswer:
    situation: Situation
    municipality_name: str
    groups: list[HelpGroup]

    @property
    def count(self) -> int:
        return sum(len(group.entries) for group in self.groups)


def situation_choices(help: PublicHelp) -> list[tuple[str, str]]:
    return [(situation.id, localized(situation.name)) for situation in help.situations]


class HelpFinderForm(AccessibleErrorsMixin, forms.Form):
    municipality = forms.ChoiceField(label=_("Where are you? (municipality)"))
    situation = forms.ChoiceField(label=_("What is your situation?"), widget=forms.RadioSelect)

    def __init__(self, *args, help: PublicHelp, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].choices = [("", _("Choose a municipality")), *directory.municipality_choices()]
        self.fields["situation"].choices = situation_choices(help)


def help_for(*, help: PublicHelp, municipality: str, situation: str) -> HelpAnswer:
    """Who to contact in a municipality for a situation, nearest first; ApplicationError names a field it cannot
    use."""
    chosen = help.situation(situation)
    if chosen is None:
        raise ApplicationError(gettext("Unknown situation '%(code)s'.") % {"code": situation}, field="situation")
    entries = directory.who_to_call(
        municipality=municipality,
        stage=chosen.stage,
        population=chosen.population,
        nationality=chosen.nationality,
        user=None,
        model=help.version,
    )
    wanted = {type_id: position for position, type_id in enumerate(chosen.institution_types)}
    kept = [e for e in entries if e.responsibility.institution_type in wanted]
    # Nearest first, then in the order the pack lists whom to contact for this situation.
    kept.sort(
        key=lambda e: (
            directory.SCOPE_ORDER.get(e.scope, directory.UNLISTED_RANK),
            wanted[e.responsibility.institution_type],
            e.institution.code if e.institution else "",
        )
    )
    groups = []
    for scope, heading in GROUP_HEADINGS.items():
        in_scope = [e for e in kept if e.scope == scope]
        if in_scope:
            groups.append(HelpGroup(heading=str(heading), entries=in_scope))
    names = dict(directory.municipality_choices())
    return HelpAnswer(situation=chosen, municipality_name=names.get(municipality, municipality), groups=groups)


def hotlines(*, help: PublicHelp | None) -> list[ContactPoint]:
    """The national helplines: round-the-clock public contact points of national institutions of the pack's
    helpline types, in the order of those types."""
    if help is None or not help.hotline_types:
        return []
    order = Case(
        *[When(institution__type__code=code, then=Value(i)) for i, code in enumerate(help.hotline_types)],
        output_field=IntegerField(),
    )
    return list(
        directory.contact_points_visible(user=None)
        .filter(
            is_round_the_clock=True,
            institution__is_active=True,
            institution__scope=Institution.Scope.NATIONAL,
            institution__type__code__in=help.hotline_types,
        )
        .select_related("institution")
        .order_by(order, "institution__code", "order", "pk")
    )


def header_numbers() -> dict:
    """What the header of every page shows: the emergency numbers and the national helplines, in the active
    language, as plain values; empty lists before a model with a self-check section is published."""
    key = HEADER_CACHE_KEY.format(language=get_language() or "")
    found = cache.get(key)
    if found is None:
        help = public_help()
        found = {
            "numbers": [
                {"number": e.number, "label": localized(e.label)} for e in (help.emergency_numbers if help else ())
            ],
            "hotlines": [
                {"label": localized(point.labels), "phone": point.phone, "institution": str(point.institution)}
                for point in hotlines(help=help)
                if point.phone
            ],
        }
        cache.set(key, found, HEADER_CACHE_SECONDS)
    return found


def header_numbers_forget() -> None:
    """Drop the header's cached numbers in every language (tests, and after a change that must show at once)."""
    cache.delete_many([HEADER_CACHE_KEY.format(language=code) for code, _name in settings.LANGUAGES])
