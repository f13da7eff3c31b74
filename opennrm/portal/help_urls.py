"""Addresses of the public help pages (inside the language prefix: /lv/help/, /en/self-check/, …).

The published General Model already has its public pages under /model/ (opennrm.jurisdiction); these pages link to
them. The statistics staff work with live under /statistics/; the public release is under /public-statistics/.
"""

from django.urls import path

from opennrm.portal.views import help

urlpatterns = [
    path("help/", help.help_page, name="help"),
    path("self-check/", help.self_check, name="self_check"),
    path("self-check/<slug:track_id>/", help.self_check_track, name="self_check_track"),
    path("indicators/", help.indicators, name="indicators"),
    path("indicators/<slug:set_id>/", help.indicator_set, name="indicator_set"),
    path("public-statistics/", help.statistics, name="statistics"),
]
