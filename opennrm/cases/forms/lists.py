"""Forms of the case lists, the search for a person and emergency access. They shape input; rules live elsewhere."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from opennrm.cases.models import Population
from opennrm.cases.services.cases import BREAK_GLASS_REASON_MIN
from opennrm.core.i18n import localized
from opennrm.directory.forms import AccessibleErrorsMixin
from opennrm.jurisdiction.schema import Workflow

STATE_KINDS = [
    ("open", _("Open")),
    ("outcome", _("Ended with an outcome")),
    ("closed", _("Closed")),
]
PRIVATE_INPUT = {"autocomplete": "off", "spellcheck": "false"}


class CaseFilterForm(AccessibleErrorsMixin, forms.Form):
    reference = forms.CharField(
        label=_("Reference"),
        required=False,
        max_length=24,
        help_text=_("The whole reference or its beginning, for example LV-2026-0000."),
    )
    state = forms.ChoiceField(label=_("State"), required=False)
    kind = forms.ChoiceField(label=_("Open or ended"), required=False)
    population = forms.ChoiceField(label=_("The person is"), required=False)
    # The keyset position from a "Next page" link; never typed in.
    cursor = forms.CharField(required=False, max_length=100, widget=forms.HiddenInput)

    def __init__(self, *args, workflow: Workflow | None, **kwargs):
        super().__init__(*args, **kwargs)
        states = [(state.id, localized(state.name)) for state in workflow.states] if workflow else []
        self.fields["state"].choices = [("", _("Any state")), *states]
        self.fields["kind"].choices = [("", _("Open and ended")), *STATE_KINDS]
        self.fields["population"].choices = [("", _("Adults and children")), *Population.choices]

    def filters(self) -> dict:
        """The arguments of `case_list` for the filters given (the cursor apart)."""
        data = self.cleaned_data
        return {
            "reference": data["reference"].strip() or None,
            "state": data["state"] or None,
            "state_kind": data["kind"] or None,
            "population": data["population"] or None,
        }


class PersonSearchForm(AccessibleErrorsMixin, forms.Form):
    """Exact names and birth date: the blind index matches only all three, written as they were recorded."""

    given_name = forms.CharField(label=_("Given name"), max_length=200, widget=forms.TextInput(attrs=PRIVATE_INPUT))
    family_name = forms.CharField(label=_("Family name"), max_length=200, widget=forms.TextInput(attrs=PRIVATE_INPUT))
    birth_date = forms.DateField(
        label=_("Date of birth"), widget=forms.DateInput(attrs={"type": "date", **PRIVATE_INPUT}, format="%Y-%m-%d")
    )


class BreakGlassForm(AccessibleErrorsMixin, forms.Form):
    reference = forms.CharField(
        label=_("Case reference"),
        max_length=24,
        help_text=_("The exact reference, for example LV-2026-000042."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    reason = forms.CharField(
        label=_("Why you need the case now"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Formatted here, not at import, so that it is translated into the language of the request.
        self.fields["reason"].help_text = gettext(
            "At least %(min)d characters. Describe the emergency: the reason is recorded, the institutions of the "
            "case are told, and every emergency access is reviewed."
        ) % {"min": BREAK_GLASS_REASON_MIN}
