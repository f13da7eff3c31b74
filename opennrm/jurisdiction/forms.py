"""Forms of the coordinator's draft editor. They collect input; the services decide whether it is acceptable.

Multilingual texts get one labelled field per language the pack declares (`description_lv`, …),
so each textarea has its own label and error, and a screen reader announces which language it is for.
"""

import re

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from opennrm.core.errors import ApplicationError
from opennrm.core.i18n import localized
from opennrm.jurisdiction.schema import ID_PATTERN

LANGUAGE_NAMES = {"lv": _("Latvian"), "en": _("English"), "ru": _("Russian")}
POPULATION_LABELS = {"adult": _("Adults"), "child": _("Children")}
NATIONALITY_LABELS = {
    "national": _("Nationals"),
    "eu_citizen": _("Citizens of other EU countries"),
    "third_country_national": _("Third-country nationals"),
}


def language_name(code: str) -> str:
    return str(LANGUAGE_NAMES.get(code, code))


class ServiceErrorsMixin:
    """Places an error raised by a service next to the field it names, else at the top of the form."""

    def add_service_error(self, error: ApplicationError) -> None:
        name = self.field_for_path(error.field) if error.field else None
        self.add_error(name, error.message)

    def field_for_path(self, path: str) -> str | None:
        # Services report pack paths ("matrix[4].description.ru", "contacts[0].email"); the form names
        # its fields after them ("description_ru", "contact_0_email").
        parts = [p for p in re.split(r"[.\[\]]+", path) if p]
        while parts and parts[0] in {"matrix", "institution_types", "legal_bases"}:
            parts = parts[2:] if len(parts) > 1 and parts[1].isdigit() else parts[1:]
        if parts[:1] == ["contacts"]:
            parts[0] = "contact"
        if parts[:1] == ["applies_to"]:
            parts = parts[1:]
        for length in range(len(parts), 0, -1):
            candidate = "_".join(parts[:length])
            if candidate in self.fields:
                return candidate
            prefixed = [name for name in self.fields if name.startswith(f"{candidate}_")]
            if prefixed:
                return prefixed[0]
        return None


def _text_fields(
    form: forms.Form,
    *,
    name: str,
    label: str,
    languages: list[str],
    textarea: bool,
    initial: dict | None,
    required: bool = True,
) -> None:
    for code in languages:
        widget = forms.Textarea(attrs={"rows": 3}) if textarea else forms.TextInput()
        form.fields[f"{name}_{code}"] = forms.CharField(
            label=label % {"language": language_name(code)},
            required=required,
            widget=widget,
            initial=(initial or {}).get(code, ""),
        )
        form.fields[f"{name}_{code}"].widget.attrs["lang"] = code


def _collect(form: forms.Form, name: str, languages: list[str]) -> dict[str, str]:
    return {code: form.cleaned_data.get(f"{name}_{code}", "").strip() for code in languages}


class MatrixEntryForm(ServiceErrorsMixin, forms.Form):
    """What one institution type does at one stage. Without `entry`, the pair is chosen (a new entry)."""

    def __init__(self, *args, pack, entry=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.pack = pack
        self.entry = entry
        if entry is None:
            self.fields["institution_type"] = forms.ChoiceField(
                label=_("Institution type"),
                choices=[("", _("Choose an institution type"))]
                + [(t.id, localized(t.name)) for t in pack.institution_types],
            )
            self.fields["stage"] = forms.ChoiceField(
                label=_("Stage"),
                choices=[("", _("Choose a stage"))] + [(s.id, localized(s.name)) for s in pack.stages],
            )
        self.fields["functions"] = forms.MultipleChoiceField(
            label=_("Functions"),
            choices=[(f.id, localized(f.name)) for f in pack.functions],
            widget=forms.CheckboxSelectMultiple,
            initial=list(entry.functions) if entry else [],
            error_messages={"required": _("Choose at least one function.")},
        )
        _text_fields(
            self,
            name="description",
            label=gettext("What it does at this stage, in %(language)s"),
            languages=pack.languages,
            textarea=True,
            initial=entry.description if entry else None,
        )
        self.fields["legal_basis"] = forms.MultipleChoiceField(
            label=_("Legal basis"),
            required=False,
            choices=[(b.id, f"{localized(b.title)} ({b.citation})") for b in pack.legal_bases],
            widget=forms.CheckboxSelectMultiple,
            initial=list(entry.legal_basis) if entry else [],
        )
        applies_to = entry.applies_to if entry else None
        self.fields["population"] = forms.MultipleChoiceField(
            label=_("Applies to these people"),
            help_text=_("Leave every box empty if the entry applies to adults and children alike."),
            required=False,
            choices=list(POPULATION_LABELS.items()),
            widget=forms.CheckboxSelectMultiple,
            initial=list(applies_to.population or []) if applies_to else [],
        )
        self.fields["nationality"] = forms.MultipleChoiceField(
            label=_("Applies to these nationalities"),
            help_text=_("Leave every box empty if the entry applies whatever the person's nationality."),
            required=False,
            choices=list(NATIONALITY_LABELS.items()),
            widget=forms.CheckboxSelectMultiple,
            initial=list(applies_to.nationality or []) if applies_to else [],
        )

    def clean(self):
        cleaned = super().clean()
        if self.entry is None and cleaned.get("institution_type") and cleaned.get("stage"):
            if self.pack.matrix_entry(cleaned["institution_type"], cleaned["stage"]) is not None:
                self.add_error(
                    "stage",
                    gettext("This institution type already has an entry for this stage. Edit that entry instead."),
                )
        return cleaned

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        applies_to = {key: data[key] for key in ("population", "nationality") if data.get(key)}
        return {
            "institution_type": data["institution_type"] if self.entry is None else self.entry.institution_type,
            "stage": data["stage"] if self.entry is None else self.entry.stage,
            "functions": list(data["functions"]),
            "description": _collect(self, "description", self.pack.languages),
            "legal_basis": list(data["legal_basis"]),
            "applies_to": applies_to or None,
        }


class InstitutionTypeForm(ServiceErrorsMixin, forms.Form):
    """Names, description and contacts of one institution type; one empty contact row adds a contact."""

    CONTACT_FIELDS = ("phone", "email", "website")

    def __init__(self, *args, pack, institution_type, **kwargs):
        super().__init__(*args, **kwargs)
        self.pack = pack
        self.institution_type = institution_type
        languages = pack.languages
        _text_fields(
            self,
            name="name",
            label=gettext("Name in %(language)s"),
            languages=languages,
            textarea=False,
            initial=institution_type.name,
        )
        _text_fields(
            self,
            name="description",
            label=gettext("Description in %(language)s"),
            languages=languages,
            textarea=True,
            initial=institution_type.description,
        )
        contacts = list(institution_type.contacts)
        self.contact_count = len(contacts) + 1
        for index in range(self.contact_count):
            contact = contacts[index] if index < len(contacts) else None
            prefix = f"contact_{index}"
            _text_fields(
                self,
                name=f"{prefix}_label",
                label=gettext("Label in %(language)s"),
                languages=languages,
                textarea=False,
                required=False,
                initial=contact.label if contact else None,
            )
            self.fields[f"{prefix}_phone"] = forms.CharField(
                label=_("Phone"),
                required=False,
                max_length=40,
                initial=contact.phone if contact else "",
                widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
            )
            self.fields[f"{prefix}_email"] = forms.EmailField(
                label=_("E-mail"), required=False, initial=contact.email if contact else ""
            )
            self.fields[f"{prefix}_website"] = forms.URLField(
                label=_("Website"),
                required=False,
                assume_scheme="https",
                initial=contact.website if contact else "",
            )
            _text_fields(
                self,
                name=f"{prefix}_hours",
                label=gettext("Opening hours in %(language)s"),
                languages=languages,
                textarea=False,
                required=False,
                initial=(contact.hours or {}) if contact else None,
            )

    def contact_groups(self) -> list[tuple[int, list]]:
        """The bound fields of each contact, for rendering one fieldset per contact."""
        return [
            (index + 1, [self[name] for name in self.fields if name.startswith(f"contact_{index}_")])
            for index in range(self.contact_count)
        ]

    def main_fields(self) -> list:
        return [self[name] for name in self.fields if not name.startswith("contact_")]

    def _contacts(self) -> list[dict]:
        contacts = []
        languages = self.pack.languages
        for index in range(self.contact_count):
            prefix = f"contact_{index}"
            label = _collect(self, f"{prefix}_label", languages)
            hours = _collect(self, f"{prefix}_hours", languages)
            values = {key: self.cleaned_data.get(f"{prefix}_{key}", "").strip() for key in self.CONTACT_FIELDS}
            if not any(label.values()) and not any(hours.values()) and not any(values.values()):
                continue  # an empty row: no contact (or a contact removed by clearing it)
            contact = {"label": label, **values}
            if any(hours.values()):
                contact["hours"] = hours
            contacts.append(contact)
        return contacts

    def clean(self):
        cleaned = super().clean()
        for index in range(self.contact_count):
            prefix = f"contact_{index}"
            used = any(cleaned.get(name) for name in self.fields if name.startswith(f"{prefix}_"))
            for code in self.pack.languages:
                if used and not cleaned.get(f"{prefix}_label_{code}") and f"{prefix}_label_{code}" not in self.errors:
                    self.add_error(f"{prefix}_label_{code}", gettext("Enter the contact's label in every language."))
        return cleaned

    def service_kwargs(self) -> dict:
        languages = self.pack.languages
        return {
            "institution_type": self.institution_type.id,
            "name": _collect(self, "name", languages),
            "description": _collect(self, "description", languages),
            "contacts": self._contacts(),
        }


class LegalBasisForm(ServiceErrorsMixin, forms.Form):
    """A law or regulation the matrix cites. Without `legal_basis`, a new one with a new id."""

    def __init__(self, *args, pack, legal_basis=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.pack = pack
        self.legal_basis = legal_basis
        if legal_basis is None:
            self.fields["legal_basis"] = forms.RegexField(
                label=_("Identifier"),
                regex=ID_PATTERN,
                max_length=64,
                help_text=_("Lower-case letters, digits and underscores, starting with a letter, e.g. labour_law."),
                error_messages={
                    "invalid": _("Use lower-case letters, digits and underscores, starting with a letter.")
                },
            )
        _text_fields(
            self,
            name="title",
            label=gettext("Title in %(language)s"),
            languages=pack.languages,
            textarea=False,
            initial=legal_basis.title if legal_basis else None,
        )
        self.fields["citation"] = forms.CharField(
            label=_("Citation"),
            max_length=300,
            help_text=_("For example: Cabinet Regulation No. 344 of 16 July 2019."),
            initial=legal_basis.citation if legal_basis else "",
        )
        self.fields["url"] = forms.URLField(
            label=_("Web address of the text"),
            required=False,
            assume_scheme="https",
            initial=legal_basis.url if legal_basis else "",
        )

    def clean_legal_basis(self):
        value = self.cleaned_data["legal_basis"]
        if self.pack.legal_basis(value) is not None:
            raise forms.ValidationError(gettext("A legal basis with this identifier already exists."))
        return value

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "legal_basis": data["legal_basis"] if self.legal_basis is None else self.legal_basis.id,
            "title": _collect(self, "title", self.pack.languages),
            "citation": data["citation"].strip(),
            "url": data.get("url") or "",
        }


class PublishForm(forms.Form):
    change_note = forms.CharField(
        label=_("Change note"),
        help_text=_("Say what changed and why. Everyone who reads the model sees this note."),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        error_messages={"required": _("Write a change note before publishing.")},
    )
    confirm = forms.BooleanField(
        label=_("I have checked the differences and want to publish this version as the model in force."),
        error_messages={"required": _("Confirm that you want to publish this version.")},
    )
