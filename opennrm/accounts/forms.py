from django import forms
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from opennrm.accounts.services import TOKEN_DEFAULT_DAYS, TOKEN_MAX_DAYS


class LoginForm(forms.Form):
    username = forms.CharField(
        label=_("User name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none", "autofocus": True}),
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
        label=pgettext_lazy("token", "Name"),
        help_text=_("What will use this token, e.g. the case system of your institution."),
        max_length=100,
    )
    days = forms.IntegerField(
        label=_("Valid for (days)"),
        required=False,
        initial=TOKEN_DEFAULT_DAYS,
        min_value=1,
        max_value=TOKEN_MAX_DAYS,
    )
    # A token outlives the session, so an unattended signed-in browser must not be enough to get one.
    password = forms.CharField(
        label=_("Your password"),
        help_text=_("Enter your password again to confirm that it is you."),
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Interpolated per request, so the text is in the language of the page.
        self.fields["days"].help_text = gettext("From 1 to %(max)d days. Leave empty for %(default)d days.") % {
            "max": TOKEN_MAX_DAYS,
            "default": TOKEN_DEFAULT_DAYS,
        }

    def clean_days(self) -> int:
        return self.cleaned_data["days"] or TOKEN_DEFAULT_DAYS


class UserInviteForm(forms.Form):
    """A colleague's account in the administrator's own institution; the service decides what is allowed."""

    username = forms.CharField(
        label=_("User name"),
        max_length=150,
        help_text=_("What they type to sign in, e.g. anna.ozola."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none"}),
    )
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    email = forms.EmailField(label=_("Work e-mail"), required=False)
    unit = forms.ChoiceField(label=_("Unit"))
    roles = forms.MultipleChoiceField(label=_("Roles"), widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, units, roles, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.units = {str(unit.pk): unit for unit in units}
        self.roles = {role.code: role for role in roles}
        self.fields["unit"].choices = [(key, str(unit)) for key, unit in self.units.items()]
        self.fields["roles"].choices = [(code, str(role)) for code, role in self.roles.items()]

    def clean_unit(self):
        return self.units[self.cleaned_data["unit"]]

    def clean_roles(self):
        return [self.roles[code] for code in self.cleaned_data["roles"]]
