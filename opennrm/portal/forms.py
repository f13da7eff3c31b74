"""Forms of the editor's pages. They shape input; the rules (limits, statuses, file checks) live in the services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from opennrm.directory.forms import AccessibleErrorsMixin
from opennrm.portal.models import EventCategory, Kind, Language, PublicationType, Status
from opennrm.portal.services import CHANGE_NOTE_MAX, SLUG_MAX, SUMMARY_MAX, TITLE_MAX, EventData, PublicationData

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
LANGUAGE_NAMES = {
    Language.LV: _("Latvian"),
    Language.EN: _("English"),
    Language.RU: _("Russian"),
}
LANGUAGE_CHOICES = [(code, LANGUAGE_NAMES[code]) for code in Language.values]
MARKDOWN_HELP = _(
    "Markdown: a blank line starts a new paragraph; ## Heading; **bold**; *italic*; - list item; "
    "[link text](https://example.org). Scripts, styles and images from other sites are removed."
)


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format=DATETIME_FORMAT)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def _datetime_field(label, *, required: bool, help_text="") -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=required,
        help_text=help_text,
        widget=DateTimeLocalInput(),
        input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
    )


class FilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All kinds")), *Kind.choices])
    language = forms.ChoiceField(
        label=_("Language"), required=False, choices=[("", _("All languages")), *LANGUAGE_CHOICES]
    )
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("Any status")), *Status.choices])
    missing = forms.ChoiceField(
        label=_("Missing language version"),
        required=False,
        choices=[("", _("Show all")), *[(code, name) for code, name in LANGUAGE_CHOICES]],
    )


class TextFieldsMixin:
    """Title, summary, body and change note: the text of one language version."""

    def add_text_fields(self) -> None:
        self.fields["title"] = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
        self.fields["summary"] = forms.CharField(
            label=_("Summary"),
            required=False,
            max_length=SUMMARY_MAX,
            widget=forms.Textarea(attrs={"rows": 3}),
            help_text=_("One or two sentences shown in lists, feeds and search results."),
        )
        self.fields["body"] = forms.CharField(
            label=_("Text"), required=False, widget=forms.Textarea(attrs={"rows": 16}), help_text=MARKDOWN_HELP
        )
        self.fields["change_note"] = forms.CharField(
            label=_("What changed"),
            required=False,
            max_length=CHANGE_NOTE_MAX,
            help_text=_("A short note kept in the history of this language version."),
        )


class TranslationForm(AccessibleErrorsMixin, TextFieldsMixin, forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_text_fields()


class EventFieldsMixin:
    def add_event_fields(self) -> None:
        self.fields["starts_at"] = _datetime_field(_("Starts"), required=True)
        self.fields["ends_at"] = _datetime_field(_("Ends"), required=False)
        self.fields["place"] = forms.CharField(label=_("Place"), required=False, max_length=300)
        self.fields["organiser"] = forms.CharField(label=_("Organiser"), required=False, max_length=300)
        self.fields["category"] = forms.ChoiceField(label=_("Category"), choices=EventCategory.choices)
        self.fields["registration_url"] = forms.URLField(
            label=_("Registration link"),
            required=False,
            max_length=500,
            assume_scheme="https",
            help_text=_("A web address where people sign up, if they need to."),
        )

    def event_data(self) -> EventData:
        data = self.cleaned_data
        return EventData(
            starts_at=data["starts_at"],
            ends_at=data.get("ends_at"),
            place=data.get("place", ""),
            organiser=data.get("organiser", ""),
            category=data["category"],
            registration_url=data.get("registration_url", ""),
        )


class PublicationFieldsMixin:
    def add_publication_fields(self) -> None:
        self.fields["published_on"] = forms.DateField(
            label=_("Date of the publication"), widget=DateInput(), input_formats=["%Y-%m-%d"]
        )
        self.fields["publication_type"] = forms.ChoiceField(label=_("Type"), choices=PublicationType.choices)

    def publication_data(self) -> PublicationData:
        return PublicationData(
            published_on=self.cleaned_data["published_on"],
            publication_type=self.cleaned_data["publication_type"],
        )


def _file_language_field() -> forms.ChoiceField:
    return forms.ChoiceField(
        label=_("Language of the file"),
        required=False,
        choices=[("", _("Every language (e.g. a document with all three)")), *LANGUAGE_CHOICES],
    )


def _file_help(max_mb: str) -> str:
    return _("PDF, Word (.docx) or Excel (.xlsx), at most %(size)s MB.") % {"size": max_mb}


class ItemCreateForm(AccessibleErrorsMixin, TextFieldsMixin, EventFieldsMixin, PublicationFieldsMixin, forms.Form):
    """A new item: the first language version, the address, and the details of its kind."""

    def __init__(self, *args, kind: str, max_mb: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.fields["language"] = forms.ChoiceField(
            label=_("Language of this first version"),
            choices=LANGUAGE_CHOICES,
            help_text=_("The other languages are added from the item's page."),
        )
        self.add_text_fields()
        self.fields["slug"] = forms.CharField(
            label=_("Address"),
            required=False,
            max_length=SLUG_MAX,
            help_text=_("The last part of the page's web address; made from the title when left empty."),
        )
        if kind == Kind.EVENT:
            self.add_event_fields()
        elif kind == Kind.PUBLICATION:
            self.add_publication_fields()
            self.fields["file"] = forms.FileField(label=_("File"), required=False, help_text=_file_help(max_mb))
            self.fields["file_language"] = _file_language_field()


class DetailsForm(AccessibleErrorsMixin, EventFieldsMixin, PublicationFieldsMixin, forms.Form):
    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        if kind == Kind.EVENT:
            self.add_event_fields()
        elif kind == Kind.PUBLICATION:
            self.add_publication_fields()


class FileForm(AccessibleErrorsMixin, forms.Form):
    def __init__(self, *args, max_mb: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"] = forms.FileField(label=_("File"), help_text=_file_help(max_mb))
        self.fields["file_language"] = _file_language_field()


class StatusForm(AccessibleErrorsMixin, forms.Form):
    ACTIONS = [
        ("publish", _("Publish now")),
        ("schedule", _("Schedule")),
        ("draft", _("Return to draft")),
        ("archive", _("Archive")),
    ]
    action = forms.ChoiceField(choices=ACTIONS)
    publish_at = _datetime_field(
        _("Publish at"), required=False, help_text=_("Date and time when this version becomes public.")
    )
    change_note = forms.CharField(label=_("Note"), required=False, max_length=CHANGE_NOTE_MAX)

    def clean(self):
        data = super().clean()
        if data.get("action") == "schedule" and not data.get("publish_at"):
            self.add_error("publish_at", _("Give the date and time of publication."))
        return data


class NoteForm(forms.Form):
    change_note = forms.CharField(label=_("Note"), required=False, max_length=CHANGE_NOTE_MAX)
