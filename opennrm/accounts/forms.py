from django import forms
from django.utils.translation import gettext_lazy as _

MAX_TOKEN_DAYS = 3650


class LoginForm(forms.Form):
    username = forms.CharField(
        label=_("User name"),
        max_length=150,
        widget=forms.TextInput(
            attrs={"autocomplete": "username", "autocapitalize": "none", "autofocus": True}
        ),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class OtpTokenForm(forms.Form):
    token = forms.CharField(
        label=_("Code from your authenticator app"),
        help_text=_("Six digits. A new code appears every 30 seconds."),
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True, "size": 8}
        ),
    )

    def clean_token(self) -> str:
        token = "".join(self.cleaned_data["token"].split())
        if not (token.isdigit() and len(token) == 6):
            raise forms.ValidationError(_("Enter the six digits shown in your authenticator app."))
        return token


class ApiTokenIssueForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        help_text=_("What will use this token, e.g. the case system of your institution."),
        max_length=100,
    )
    days = forms.IntegerField(
        label=_("Valid for (days)"),
        help_text=_("Leave empty for a token that does not expire."),
        required=False,
        min_value=1,
        max_value=MAX_TOKEN_DAYS,
    )
