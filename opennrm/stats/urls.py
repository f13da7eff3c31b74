from django.urls import path

from opennrm.stats.views import releases, reports

app_name = "stats"
urlpatterns = [
    # The rapporteur's dashboard, its downloads and the annual report (views/reports.py)
    path("", reports.dashboard, name="dashboard"),
    path("tables/<slug:table_id>/", reports.table_download, name="table_download"),
    path("report/", reports.report_download, name="report"),
    # Publishing a year's tables to the public site, and withdrawing them (views/releases.py)
    path("publish/", releases.publish, name="publish"),
    path("releases/<int:release_id>/withdraw/", releases.withdraw, name="withdraw"),
]
