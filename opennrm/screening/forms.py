"""Forms of the screening tool, and the signed token that carries a screening from one step to the next.

Nothing is stored on the server while someone screens: the situation and the answers so far travel in a token
signed with the site's key, so they cannot be altered, and they are only codes (no names, no free text).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field

from django import forms
from django.core import signing
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from opennrm.directory.forms import AccessibleErrorsMixin
from opennrm.directory.selectors import municipality_choices
from opennrm.screening import selectors
from opennrm.screening.selectors import Situation, Step

TOKEN_SALT = "opennrm.screening.state"
# Long enough to finish a screening interrupted by a phone call, or to print the result the next day.
TOKEN_MAX_AGE = 7 * 24 * 3600

ANSWER_CHOICES = [("yes", _("Yes")), ("no", _("No")), ("unknown", _("Don't know"))]


class SituationForm(AccessibleErrorsMixin, forms.Form):
    population = forms.ChoiceField(label=_("The person is"), widget=forms.RadioSelect)
    form = forms.ChoiceField(
        label=_("What kind of exploitation do you suspect?"),
        help_text=_("If you are not sure, the general questions for the person's age group are asked together."),
        widget=forms.RadioSelect,
    )
    context = forms.ChoiceField(label=_("In what situation did you meet the person?"), widget=forms.RadioSelect)
    municipality = forms.ChoiceField(
        label=_("Municipality"),
        required=False,
        help_text=_("Optional: to show whom to call there. It is not saved with the answers."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["population"].choices = [(k, v) for k, v in selectors.POPULATION_LABELS.items()]
        self.fields["form"].choices = [(k, v) for k, v in selectors.FORM_LABELS.items()]
        self.fields["context"].choices = [(k, v) for k, v in selectors.CONTEXT_LABELS.items()]
        self.fields["municipality"].choices = [("", _("Not chosen")), *municipality_choices()]

    def situation(self) -> Situation:
        data = self.cleaned_data
        return Situation(
            population=data["population"],
            form=data["form"],
            context=data["context"],
            municipality=data.get("municipality") or "",
        )


class AnswersForm(forms.Form):
    """The yes / no / don't know answers of one step; a question left unanswered counts as "don't know"."""

    def __init__(self, *args, step: Step, **kwargs):
        super().__init__(*args, **kwargs)
        self.step = step
        for question in step.questions:
            self.fields[question.field_name] = forms.ChoiceField(
                choices=ANSWER_CHOICES, required=False, widget=forms.RadioSelect
            )

    def answers(self) -> dict[str, str]:
        return {
            question.key: self.cleaned_data[question.field_name]
            for question in self.step.questions
            if self.cleaned_data.get(question.field_name)
        }


@dataclass
class ScreeningState:
    """Where a screening is: the model version, the situation, the answers by question key."""

    model_number: int
    situation: Situation
    answers: dict[str, str] = field(default_factory=dict)
    # A random name for this one screening, so that saving it twice (a resent form, a shared link) is refused.
    nonce: str = field(default_factory=lambda: secrets.token_urlsafe(12))

    @property
    def save_key(self) -> str:
        return hashlib.sha256(self.nonce.encode()).hexdigest()

    def token(self) -> str:
        payload = {
            "m": self.model_number,
            "p": self.situation.population,
            "f": self.situation.form,
            "c": self.situation.context,
            "mu": self.situation.municipality,
            "n": self.nonce,
            # "Don't know" is what an unanswered question means, so only yes and no are carried.
            "a": {k: v for k, v in sorted(self.answers.items()) if v in ("yes", "no")},
        }
        return signing.dumps(payload, salt=TOKEN_SALT, compress=True)

    @classmethod
    def from_token(cls, token: str) -> ScreeningState:
        """The state in a token; ValueError with a readable reason when it is missing, altered or too old."""
        if not token:
            raise ValueError(gettext("The screening's answers were not sent."))
        try:
            payload = signing.loads(token, salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
        except signing.SignatureExpired:
            raise ValueError(gettext("This screening was started too long ago.")) from None
        except signing.BadSignature:
            raise ValueError(gettext("The screening's answers were changed or cut short on the way.")) from None
        try:
            situation = Situation(
                population=str(payload["p"]),
                form=str(payload["f"]),
                context=str(payload["c"]),
                municipality=str(payload.get("mu") or ""),
            )
            answers = {str(k): str(v) for k, v in dict(payload.get("a") or {}).items()}
            return cls(model_number=int(payload["m"]), situation=situation, answers=answers, nonce=str(payload["n"]))
        except (KeyError, TypeError, ValueError):
            raise ValueError(gettext("The screening's answers could not be read.")) from None
