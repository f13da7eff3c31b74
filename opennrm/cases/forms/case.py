"""Forms of the work done on one case. They shape input; the services decide what the rules allow and say why not.

Choices that depend on the case (consent purposes, checklist items, legal-duty exceptions) come from the workflow
of the pack version the case started under, so a form never offers what the case's rules do not know.
"""

from __future__ import annotations

from datetime import date

from django import forms
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from opennrm.cases.case_page import sort_key
from opennrm.cases.forms.opening import person_data_from
from opennrm.cases.models import AgeBand, Consent, DataCategory, Person, Referral, Sex
from opennrm.cases.services.cases import PersonData
from opennrm.cases.services.referrals import MESSAGE_MAX
from opennrm.cases.services.transitions import REASON_MAX
from opennrm.cases.services.work import NOTE_MAX, TASK_TITLE_MAX, document_max_bytes
from opennrm.core.i18n import localized
from opennrm.directory import selectors as directory
from opennrm.directory.forms import AccessibleErrorsMixin
from opennrm.directory.models import Institution
from opennrm.jurisdiction.schema import Transition, Workflow

TEXT_MAX = 200


class DateInput(forms.DateInput):
    # The browser's own date picker; the value travels as YYYY-MM-DD whatever the language of the page.
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


def _file_not_too_large(upload) -> None:
    # Checked before the file is read into memory; the service checks again, with the content.
    limit = document_max_bytes()
    if upload.size > limit:
        raise forms.ValidationError(
            gettext("The file is too large (at most %(mb)d MB).") % {"mb": limit // (1024 * 1024)}
        )


def person_name(user) -> str:
    return user.get_full_name() or user.get_username()


def colleague_choices(colleagues) -> list[tuple[str, str]]:
    return [(str(user.pk), person_name(user)) for user in colleagues]


class InstitutionChoices:
    """Active institutions of the directory, grouped by their type, offered by code (codes are not personal)."""

    def __init__(self, *, exclude: Institution | None = None):
        institutions = [i for i in directory.institutions_list() if exclude is None or i.pk != exclude.pk]
        self.by_code = {institution.code: institution for institution in institutions}
        groups: dict[str, list[tuple[str, str]]] = {}
        for institution in institutions:
            groups.setdefault(str(institution.type), []).append((institution.code, str(institution)))
        self.grouped = [
            (type_name, sorted(members, key=lambda choice: sort_key(choice[1])))
            for type_name, members in sorted(groups.items(), key=lambda group: sort_key(group[0]))
        ]

    def choices(self, empty_label) -> list:
        return [("", empty_label), *self.grouped]


class PersonForm(AccessibleErrorsMixin, forms.Form):
    given_name = forms.CharField(label=_("Given name"), required=False, max_length=TEXT_MAX)
    family_name = forms.CharField(label=_("Family name"), required=False, max_length=TEXT_MAX)
    birth_date = forms.DateField(label=_("Date of birth"), required=False, widget=DateInput)
    personal_code = forms.CharField(label=_("Personal code"), required=False, max_length=TEXT_MAX)
    phone = forms.CharField(label=_("Phone"), required=False, max_length=TEXT_MAX)
    email = forms.EmailField(label=_("E-mail"), required=False, max_length=TEXT_MAX)
    address = forms.CharField(
        label=_("Address"), required=False, max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 2})
    )
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices)
    age_band = forms.ChoiceField(label=_("Age band"), choices=AgeBand.choices)
    citizenship = forms.CharField(
        label=_("Citizenship"),
        required=False,
        max_length=TEXT_MAX,
        help_text=_("Two-letter country codes separated by commas, for example: UA, LV."),
    )
    languages = forms.CharField(
        label=_("Languages the person speaks"),
        required=False,
        max_length=TEXT_MAX,
        help_text=_("Language codes separated by commas, for example: uk, ru, en."),
    )

    def clean_birth_date(self):
        value = self.cleaned_data.get("birth_date")
        if value and value > timezone.localdate():
            raise forms.ValidationError(gettext("The birth date cannot be in the future."))
        return value

    @staticmethod
    def initial_for(person: Person) -> dict:
        return {
            "given_name": person.given_name,
            "family_name": person.family_name,
            "birth_date": person.birth_date or None,
            "personal_code": person.personal_code,
            "phone": person.phone,
            "email": person.email,
            "address": person.address,
            "sex": person.sex,
            "age_band": person.age_band,
            "citizenship": ", ".join(person.citizenship),
            "languages": ", ".join(person.languages),
        }

    def person_data(self) -> PersonData:
        return person_data_from(self.cleaned_data)


class ConsentForm(AccessibleErrorsMixin, forms.Form):
    purpose = forms.ChoiceField(label=_("What the person consents to"), widget=forms.RadioSelect)
    data_categories = forms.MultipleChoiceField(
        label=_("Which personal data may be passed on"),
        choices=DataCategory.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The case's facts that do not identify the person always go with a referral."),
    )
    recipient_institution = forms.ChoiceField(label=_("To which institution"), required=False)
    recipient_type = forms.ChoiceField(
        label=_("Or: to any institution of this kind"),
        required=False,
        help_text=_("Choose either one institution or one kind of institution."),
    )
    method = forms.ChoiceField(
        label=_("How the consent was given"), choices=Consent.Method.choices, widget=forms.RadioSelect
    )
    given_by = forms.ChoiceField(label=_("Who gave the consent"), widget=forms.RadioSelect)
    given_on = forms.DateField(label=_("Date of the consent"), widget=DateInput)
    giver_details = forms.CharField(
        label=_("Details"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Needed for a legal representative (their name and capacity) and for consent through an interpreter "
            "(who interpreted, and into which language)."
        ),
    )

    def __init__(self, *args, workflow: Workflow, is_child: bool, institutions: InstitutionChoices, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("given_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.institutions = institutions
        self.purpose_help = [(localized(p.name), localized(p.description)) for p in workflow.consent_purposes]
        self.fields["purpose"].choices = [(p.id, localized(p.name)) for p in workflow.consent_purposes]
        self.fields["recipient_institution"].choices = institutions.choices(_("Choose an institution"))
        self.fields["recipient_type"].choices = [
            ("", _("No kind: one institution is named above")),
            *sorted(
                ((t.code, str(t)) for t in directory.institution_types_active()),
                key=lambda choice: sort_key(choice[1]),
            ),
        ]
        givers = dict(Consent.Giver.choices)
        allowed = workflow.child.consent_by if is_child else [Consent.Giver.PERSON]
        self.fields["given_by"].choices = [(code, givers[code]) for code in allowed if code in givers]
        if not is_child:
            self.fields["given_by"].initial = Consent.Giver.PERSON

    def clean_given_on(self) -> date:
        value = self.cleaned_data["given_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(gettext("Give the date of the consent; it cannot be in the future."))
        return value

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "purpose": data["purpose"],
            "data_categories": data["data_categories"],
            "recipient_institution": self.institutions.by_code.get(data["recipient_institution"]),
            "recipient_type": data["recipient_type"],
            "method": data["method"],
            "given_by": data["given_by"],
            "given_on": data["given_on"],
            "giver_details": data["giver_details"],
        }


class ConsentWithdrawForm(AccessibleErrorsMixin, forms.Form):
    note = forms.CharField(
        label=_("Note on the withdrawal"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example how the person said so. Referrals still waiting under this consent are withdrawn."),
    )


class ReferralForm(AccessibleErrorsMixin, forms.Form):
    to_institution = forms.ChoiceField(label=_("Refer to"))
    purpose = forms.ChoiceField(label=_("Purpose of the referral"), widget=forms.RadioSelect)
    urgency = forms.ChoiceField(
        label=_("Urgency"), choices=Referral.Urgency.choices, widget=forms.RadioSelect, initial="normal"
    )
    message = forms.CharField(
        label=_("Message to the receiving institution"),
        required=False,
        max_length=MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "A message is part of the circumstances of the case: it can be sent only when the circumstances are among "
            "the personal data shared. Only staff of your institution and of the receiving institution who see the "
            "circumstances read it."
        ),
    )
    data_scope = forms.MultipleChoiceField(
        label=_("Personal data the receiving institution will see"),
        choices=DataCategory.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("At most what the person's consent for this purpose and recipient covers."),
    )
    legal_duty_exception = forms.ChoiceField(
        label=_("Without consent, because the law requires it?"), required=False, widget=forms.RadioSelect
    )
    legal_duty_justification = forms.CharField(
        label=_("Why the law requires this referral without consent"),
        required=False,
        max_length=MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Needed only for a referral without consent. It is recorded and reviewed."),
    )

    def __init__(self, *args, workflow: Workflow, population: str, nationality: str, institutions, **kwargs):
        super().__init__(*args, **kwargs)
        self.institutions = institutions
        self.fields["to_institution"].choices = institutions.choices(_("Choose an institution"))
        purposes = [workflow.consent_purpose(p) for p in workflow.referral.purposes]
        self.fields["purpose"].choices = [(p.id, localized(p.name)) for p in purposes if p is not None]
        exceptions = [
            e
            for e in workflow.referral.legal_duty_exceptions
            if e.applies_to is None or e.applies_to.matches(population=population, nationality=nationality)
        ]
        self.exception_help = [(localized(e.name), localized(e.description)) for e in exceptions]
        if exceptions:
            self.fields["legal_duty_exception"].choices = [
                ("", _("No: the person has consented")),
                *((e.id, localized(e.name)) for e in exceptions),
            ]
            self.fields["legal_duty_exception"].initial = ""
        else:
            del self.fields["legal_duty_exception"]
            del self.fields["legal_duty_justification"]

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "to_institution": self.institutions.by_code.get(data["to_institution"]),
            "purpose": data["purpose"],
            "urgency": data["urgency"],
            "message": data["message"],
            "data_scope": data["data_scope"],
            "legal_duty_exception": data.get("legal_duty_exception", ""),
            "legal_duty_justification": data.get("legal_duty_justification", ""),
        }


class TransitionForm(AccessibleErrorsMixin, forms.Form):
    """What a step of the workflow asks for: its checklist, reasons, and the decision document.

    The document is a new file, or one a colleague has already attached to the case: a member of a commission may
    decide without being allowed to attach files to the case themselves.
    """

    checklist = forms.MultipleChoiceField(
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Every criterion of the checklist must be confirmed.")},
    )
    reason = forms.CharField(required=False, max_length=REASON_MAX, widget=forms.Textarea(attrs={"rows": 5}))
    document = forms.FileField(
        label=_("Decision document"),
        help_text=_("PDF, JPEG, PNG, DOCX, ODT or plain text."),
        validators=[_file_not_too_large],
        error_messages={"required": _("Attach the decision document.")},
    )
    attached = forms.ChoiceField(
        label=_("Decision document attached to the case"),
        error_messages={"required": _("Choose the decision document.")},
    )

    def __init__(self, *args, workflow: Workflow, transition: Transition, documents=(), can_upload=True, **kwargs):
        super().__init__(*args, **kwargs)
        checklist = workflow.checklist(transition.requires_checklist) if transition.requires_checklist else None
        if checklist is None:
            del self.fields["checklist"]
        else:
            field = self.fields["checklist"]
            field.label = localized(checklist.name)
            field.help_text = localized(checklist.description)
            field.choices = [(item.id, localized(item.text)) for item in checklist.items]
        reason = self.fields["reason"]
        if transition.requires_reason:
            reason.required = True
            reason.label = _("Reasons")
            reason.error_messages["required"] = _("Give the reasons for this step.")
        else:
            reason.label = _("Notes on this step")
        self.requires_document = transition.requires_document
        self.documents = {str(document.pk): document for document in documents}
        if not self.requires_document or not can_upload:
            del self.fields["document"]
        if not self.requires_document or not self.documents:
            del self.fields["attached"]
        else:
            self.fields["attached"].choices = [
                ("", _("Choose a document")),
                *(
                    (key, f"{document.filename} ({date_format(timezone.localtime(document.created_at))})")
                    for key, document in self.documents.items()
                ),
            ]
        # With both ways offered, either one will do: the choice is checked in `clean`.
        self.either_document = "document" in self.fields and "attached" in self.fields
        if self.either_document:
            self.fields["document"].required = False
            self.fields["document"].help_text = _(
                "PDF, JPEG, PNG, DOCX, ODT or plain text. Or choose below a document already attached."
            )
            self.fields["attached"].required = False
            self.fields["attached"].label = _("Or a document already attached to the case")

    def clean(self):
        data = super().clean()
        if not self.either_document:
            return data
        upload, chosen = data.get("document"), data.get("attached")
        if upload and chosen:
            self.add_error("attached", gettext("Choose a new file or an attached document, not both."))
        elif not upload and not chosen and not self.has_error("document"):
            self.add_error("document", gettext("Attach the decision document."))
        return data

    def chosen_document(self):
        return self.documents.get(self.cleaned_data.get("attached") or "")


class NoteForm(AccessibleErrorsMixin, forms.Form):
    body = forms.CharField(
        label=_("Note"),
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": _("Write the note.")},
        help_text=_("Parties that may see the circumstances of the case read it."),
    )


class TaskForm(AccessibleErrorsMixin, forms.Form):
    title = forms.CharField(
        label=_("What is to be done"),
        max_length=TASK_TITLE_MAX,
        error_messages={"required": _("Say what is to be done.")},
    )
    assignee = forms.ChoiceField(label=_("Who does it"), required=False)
    due_on = forms.DateField(label=_("By when"), required=False, widget=DateInput)

    def __init__(self, *args, colleagues, **kwargs):
        super().__init__(*args, **kwargs)
        self.colleagues = {str(user.pk): user for user in colleagues}
        self.fields["assignee"].choices = [("", _("Nobody in particular")), *colleague_choices(colleagues)]

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {"title": data["title"], "assignee": self.colleagues.get(data["assignee"]), "due_on": data["due_on"]}


class DocumentForm(AccessibleErrorsMixin, forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_("PDF, JPEG, PNG, DOCX, ODT or plain text."),
        validators=[_file_not_too_large],
        error_messages={"required": _("Choose a file to attach.")},
    )


class AssignForm(AccessibleErrorsMixin, forms.Form):
    user = forms.ChoiceField(label=_("Colleague"), error_messages={"required": _("Choose a colleague.")})

    def __init__(self, *args, colleagues, **kwargs):
        super().__init__(*args, **kwargs)
        self.colleagues = {str(user.pk): user for user in colleagues}
        self.fields["user"].choices = [("", _("Choose a colleague")), *colleague_choices(colleagues)]

    def chosen(self):
        return self.colleagues[self.cleaned_data["user"]]


class DeclineForm(AccessibleErrorsMixin, forms.Form):
    reason = forms.CharField(
        label=_("Why the referral is declined"),
        max_length=MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Give the reason for declining.")},
        help_text=_("The sending institution reads it."),
    )
