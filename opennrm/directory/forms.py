"""Forms of the directory pages. They shape input; the rules live in selectors and services."""

from __future__ import annotations

from django import forms
from django.forms.forms import NON_FIELD_ERRORS
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from opennrm.core.errors import ApplicationError
from opennrm.directory import selectors
from opennrm.directory.models import ContactPoint
from opennrm.directory.templatetags.directory_tags import language_names
from opennrm.jurisdiction.models import ModelVersion


class AccessibleErrorsMixin:
    """Every field with an error points at its message (aria-describedby) and is marked invalid."""

    def add_error(self, field, error):
        super().add_error(field, error)
        for name in self.errors:
            if name == NON_FIELD_ERRORS or name not in self.fields:
                continue
            bound = self[name]
            described_by = [f"{bound.auto_id}-error"]
            if bound.help_text:
                described_by.insert(0, f"{bound.auto_id}_helptext")
            self.fields[name].widget.attrs.update({"aria-describedby": " ".join(described_by), "aria-invalid": "true"})

    def add_application_error(self, error: ApplicationError, field_map: dict[str, str] | None = None) -> None:
        """Show a service's refusal next to the field it names (or above the form when it names none)."""
        name = (field_map or {}).get(error.field or "", error.field)
        self.add_error(name if name in self.fields else None, error.message)


class InstitutionFilterForm(AccessibleErrorsMixin, forms.Form):
    q = forms.CharField(label=_("Name contains"), required=False, max_length=100)
    municipality = forms.ChoiceField(label=_("Municipality"), required=False)
    type = forms.ChoiceField(label=_("Type of institution"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].choices = [
            ("", _("All municipalities")),
            *selectors.municipality_choices(),
        ]
        self.fields["type"].choices = [
            ("", _("All types")),
            *sorted(((t.code, str(t)) for t in selectors.institution_types_active()), key=lambda c: c[1]),
        ]


class PageCursorForm(forms.Form):
    """The keyset cursor of the institution list: an institution code, as the "next page" link gives it."""

    after = forms.SlugField(required=False, max_length=100)


class WhoToCallForm(AccessibleErrorsMixin, forms.Form):
    municipality = forms.ChoiceField(
        label=_("Municipality"), help_text=_("Where the person is, or where you work with them.")
    )
    stage = forms.ChoiceField(label=_("Stage of the process"))
    population = forms.ChoiceField(label=_("The person is"), widget=forms.RadioSelect)
    nationality = forms.ChoiceField(label=_("Citizenship"), widget=forms.RadioSelect)

    def __init__(self, *args, model: ModelVersion | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].choices = [
            ("", _("Choose a municipality")),
            *selectors.municipality_choices(),
        ]
        self.fields["stage"].choices = [("", _("Choose a stage")), *selectors.stage_choices(model=model)]
        self.fields["population"].choices = selectors.population_choices()
        self.fields["nationality"].choices = selectors.nationality_choices()


class ContactPointForm(AccessibleErrorsMixin, forms.Form):
    """Labels and opening hours get one field per language the directory keeps texts in."""

    phone = forms.CharField(label=_("Phone"), required=False, max_length=40, help_text=_("For example +371 20000000."))
    email = forms.EmailField(label=_("E-mail"), required=False, max_length=254)
    languages = forms.CharField(
        label=_("Languages spoken"),
        required=False,
        max_length=100,
        help_text=_("Language codes separated by commas, for example: lv, ru, en."),
    )
    audience = forms.ChoiceField(
        label=_("Who may see it"), choices=ContactPoint.Audience.choices, widget=forms.RadioSelect
    )
    is_round_the_clock = forms.BooleanField(label=_("Answers 24 hours a day, 7 days a week"), required=False)

    def __init__(self, *args, languages: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.text_languages = languages
        for code in languages:
            self.fields[f"label_{code}"] = forms.CharField(
                label=gettext("Name of the contact point (%(language)s)") % {"language": language_names([code])},
                max_length=200,
            )
            self.fields[f"hours_{code}"] = forms.CharField(
                label=gettext("Opening hours (%(language)s)") % {"language": language_names([code])},
                max_length=200,
                required=False,
            )
        # Names first: they say what the contact point is before how to reach it.
        self.order_fields(
            [f"label_{c}" for c in languages]
            + ["phone", "email"]
            + [f"hours_{c}" for c in languages]
            + ["languages", "audience", "is_round_the_clock"]
        )

    @staticmethod
    def initial_for(point: ContactPoint) -> dict:
        initial = {
            "phone": point.phone,
            "email": point.email,
            "languages": ", ".join(point.languages or []),
            "audience": point.audience,
            "is_round_the_clock": point.is_round_the_clock,
        }
        for code, text in (point.labels or {}).items():
            initial[f"label_{code}"] = text
        for code, text in (point.hours or {}).items():
            initial[f"hours_{code}"] = text
        return initial

    def service_arguments(self) -> dict:
        """The cleaned input in the shape `contact_point_save` takes."""
        data = self.cleaned_data
        return {
            "labels": {code: data.get(f"label_{code}", "") for code in self.text_languages},
            "hours": {code: data.get(f"hours_{code}", "") for code in self.text_languages},
            "phone": data.get("phone", ""),
            "email": data.get("email", ""),
            "languages": [
                part.strip() for part in data.get("languages", "").replace(";", ",").split(",") if part.strip()
            ],
            "audience": data.get("audience", ""),
            "is_round_the_clock": data.get("is_round_the_clock", False),
        }

    def field_map(self) -> dict[str, str]:
        """Service field names (e.g. "labels.lv") → form field names (e.g. "label_lv")."""
        mapping = {f"labels.{code}": f"label_{code}" for code in self.text_languages}
        mapping.update({f"hours.{code}": f"hours_{code}" for code in self.text_languages})
        mapping["labels"] = f"label_{self.text_languages[0]}" if self.text_languages else "phone"
        return mapping
