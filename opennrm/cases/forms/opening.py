"""The form that opens a case. It shapes input; the rules (valid codes, dates, the workflow) live in the services.

Field names are the service's argument names, so a refusal naming a field lands next to that field.
"""

from __future__ import annotations

import re

# Aliased: a field of the form is called `forms` (the forms of exploitation).
from django import forms as django_forms
from django.utils.translation import gettext_lazy as _

from opennrm.cases.models import AgeBand, ExploitationForm, Nationality, Population, Sex
from opennrm.cases.services.cases import MAX_TEXT, PersonData
from opennrm.directory.forms import AccessibleErrorsMixin
from opennrm.directory.selectors import municipalities_active, municipality_choices

CODE_SEPARATORS = re.compile(r"[\s,;]+")
# Browsers must not offer a person's name or code to the next person who uses the same computer.
PRIVATE_INPUT = {"autocomplete": "off", "spellcheck": "false"}


def split_codes(value: str) -> list[str]:
    """'lv, RU ;en' -> ['lv', 'RU', 'en']: the service checks and normalises each code."""
    return [code for code in CODE_SEPARATORS.split(value or "") if code]


def person_data_from(data: dict) -> PersonData:
    """The person as the services take it, from the cleaned data of a form with the person's fields."""
    return PersonData(
        given_name=data["given_name"],
        family_name=data["family_name"],
        birth_date=data["birth_date"],
        personal_code=data["personal_code"],
        phone=data["phone"],
        email=data["email"],
        address=data["address"],
        sex=data["sex"] or Sex.UNKNOWN,
        age_band=data["age_band"] or AgeBand.UNKNOWN,
        citizenship=split_codes(data["citizenship"]),
        languages=split_codes(data["languages"]),
    )


def _private_text(label, **options) -> django_forms.CharField:
    return django_forms.CharField(
        label=label, required=False, max_length=MAX_TEXT, widget=django_forms.TextInput(attrs=PRIVATE_INPUT), **options
    )


class CaseOpenForm(AccessibleErrorsMixin, django_forms.Form):
    # --- the case
    population = django_forms.ChoiceField(
        label=_("The person is"), choices=Population.choices, widget=django_forms.RadioSelect
    )
    nationality = django_forms.ChoiceField(
        label=_("Nationality group"),
        choices=Nationality.choices,
        widget=django_forms.RadioSelect,
        help_text=_("It decides, among other things, whether a reflection period applies."),
    )
    municipality = django_forms.ChoiceField(
        label=_("Municipality"),
        required=False,
        help_text=_("Where the person is, or where you work with them: it decides which local institutions take part."),
    )
    forms = django_forms.MultipleChoiceField(
        label=_("Forms of exploitation"),
        choices=ExploitationForm.choices,
        required=False,
        widget=django_forms.CheckboxSelectMultiple,
    )
    countries = django_forms.CharField(
        label=_("Countries where the exploitation or recruitment took place"),
        required=False,
        max_length=200,
        help_text=_("Two-letter country codes separated by commas, for example: LV, DE."),
    )
    # --- the person: who they are (encrypted when stored)
    given_name = _private_text(_("Given name"))
    family_name = _private_text(_("Family name"))
    birth_date = django_forms.DateField(
        label=_("Date of birth"),
        required=False,
        widget=django_forms.DateInput(attrs={"type": "date", **PRIVATE_INPUT}, format="%Y-%m-%d"),
        help_text=_("With both names, it lets OpenNRM tell you whether another institution already has a case."),
    )
    personal_code = _private_text(_("Personal code"))
    phone = _private_text(_("Phone"))
    email = django_forms.EmailField(
        label=_("E-mail"), required=False, max_length=MAX_TEXT, widget=django_forms.EmailInput(attrs=PRIVATE_INPUT)
    )
    address = _private_text(_("Address"))
    # --- the person: facts for statistics (not identifying)
    # "Not specified or unknown" is a value of its own, so leaving these out is allowed.
    sex = django_forms.ChoiceField(label=_("Sex"), choices=Sex.choices, initial=Sex.UNKNOWN, required=False)
    age_band = django_forms.ChoiceField(
        label=_("Age"), choices=AgeBand.choices, initial=AgeBand.UNKNOWN, required=False
    )
    citizenship = django_forms.CharField(
        label=_("Citizenship"),
        required=False,
        max_length=100,
        help_text=_(
            "Two-letter country codes separated by commas, for example: UA. Leave it empty if it is not known."
        ),
    )
    languages = django_forms.CharField(
        label=_("Languages the person speaks"),
        required=False,
        max_length=100,
        help_text=_("Language codes separated by commas, for example: ru, uk."),
    )
    # The saved screening the case starts from, if any (its id only: it holds no personal data).
    screening = django_forms.IntegerField(required=False, min_value=1, widget=django_forms.HiddenInput)

    CASE_FIELDS = ("population", "nationality", "municipality", "forms", "countries")
    IDENTITY_FIELDS = ("given_name", "family_name", "birth_date", "personal_code")
    CONTACT_FIELDS = ("phone", "email", "address")
    FACT_FIELDS = ("sex", "age_band", "citizenship", "languages")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].choices = [("", _("Not known")), *municipality_choices()]

    def clean_municipality(self):
        code = self.cleaned_data["municipality"]
        return municipalities_active().filter(code=code).first() if code else None

    def person_data(self) -> PersonData:
        return person_data_from(self.cleaned_data)

    def case_arguments(self) -> dict:
        """The arguments of `case_open` this form gives (the screening is resolved by the view)."""
        data = self.cleaned_data
        return {
            "population": data["population"],
            "nationality": data["nationality"],
            "municipality": data["municipality"],
            "forms": data["forms"],
            "countries": split_codes(data["countries"]),
            "person": self.person_data(),
        }

    def fieldset(self, names: tuple[str, ...]) -> list:
        return [self[name] for name in names]

    @property
    def case_fields(self) -> list:
        return self.fieldset(self.CASE_FIELDS)

    @property
    def identity_fields(self) -> list:
        return self.fieldset(self.IDENTITY_FIELDS)

    @property
    def contact_fields(self) -> list:
        return self.fieldset(self.CONTACT_FIELDS)

    @property
    def fact_fields(self) -> list:
        return self.fieldset(self.FACT_FIELDS)
