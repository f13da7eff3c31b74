"""Forms of the statistics pages: the year shown, the report asked for, and the confirmations of publishing."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from opennrm.stats.report import FORMATS, LANGUAGES

# Reports reach back this many years from the current one.
YEARS_BACK = 15
FORMAT_NAMES = {"html": _("Web page (HTML)"), "pdf": _("PDF document"), "xlsx": _("Spreadsheet (XLSX)")}
LANGUAGE_NAMES = {"lv": "Latviešu", "en": "English", "ru": "Русский"}


def year_choices() -> list[tuple[int, str]]:
    current = timezone.localdate().year
    return [(year, str(year)) for year in range(current, current - YEARS_BACK, -1)]


def default_year() -> int:
    return timezone.localdate().year


class YearForm(forms.Form):
    year = forms.TypedChoiceField(
        label=_("Year"),
        coerce=int,
        choices=year_choices,
        error_messages={"invalid_choice": _("Choose one of the years in the list.")},
    )

    def chosen_year(self) -> int:
        if self.is_bound and self.is_valid():
            return self.cleaned_data["year"]
        return default_year()


class DownloadForm(YearForm):
    """A table or the report as a file (the format field is named so the address reads ?format=csv)."""

    format = forms.ChoiceField(
        label=_("Format"),
        choices=[("csv", "CSV"), ("xlsx", "XLSX")],
        error_messages={"invalid_choice": _("Choose CSV or XLSX.")},
    )


class ReportForm(YearForm):
    language = forms.ChoiceField(
        label=_("Language of the report"),
        choices=[(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
        error_messages={"invalid_choice": _("Choose Latvian, English or Russian.")},
    )
    format = forms.ChoiceField(
        label=_("Format"),
        choices=[(code, FORMAT_NAMES[code]) for code in FORMATS],
        error_messages={"invalid_choice": _("Choose HTML, PDF or XLSX.")},
    )


class PublishForm(YearForm):
    confirm = forms.BooleanField(
        label=_("I have checked the tables and want to publish them on the public site."),
        error_messages={"required": _("Tick the box to confirm that the tables may be published.")},
    )


class WithdrawForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("Withdraw this release from the public site."),
        error_messages={"required": _("Tick the box to confirm the withdrawal.")},
    )
