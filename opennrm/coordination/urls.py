"""Pages of the action plan, its monitoring and the working group (under /<language>/coordination/)."""

from django.urls import path

from opennrm.coordination.views import dashboard, decisions, group, plans, reports

app_name = "coordination"

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("exports/", dashboard.exports, name="exports"),
    path("exports/measures.xlsx", dashboard.export_xlsx, name="export_xlsx"),
    path("exports/progress-report.pdf", dashboard.export_pdf, name="export_pdf"),
    # The plan
    path("plans/", plans.plans, name="plans"),
    path("plans/import/", plans.plan_import, name="plan_import"),
    path("plans/import/template.xlsx", plans.plan_import_template, name="plan_import_template"),
    path("plans/<slug:code>/", plans.plan, name="plan"),
    path("plans/<slug:code>/edit/", plans.plan_edit, name="plan_edit"),
    path("plans/<slug:code>/versions/", plans.plan_versions, name="plan_versions"),
    path("plans/<slug:code>/goals/new/", plans.goal_new, name="goal_new"),
    path("plans/<slug:code>/goals/<int:goal_id>/edit/", plans.goal_edit, name="goal_edit"),
    path("plans/<slug:code>/measures/new/", plans.measure_new, name="measure_new"),
    path("plans/<slug:code>/periods/", plans.periods, name="periods"),
    path("periods/<int:period_id>/edit/", plans.period_edit, name="period_edit"),
    path("periods/<int:period_id>/delete/", plans.period_delete, name="period_delete"),
    path("measures/<int:measure_id>/", plans.measure, name="measure"),
    path("measures/<int:measure_id>/edit/", plans.measure_edit, name="measure_edit"),
    # Progress reports
    path("my-reports/", reports.my_reports, name="my_reports"),
    path("measures/<int:measure_id>/periods/<int:period_id>/report/", reports.report_form, name="report_form"),
    path("reports/", reports.reports, name="reports"),
    path("reports/review/", reports.review_queue, name="review_queue"),
    path("reports/<int:report_id>/", reports.report, name="report"),
    path("reports/<int:report_id>/review/", reports.report_review, name="report_review"),
    # The working group
    path("working-group/", group.members, name="members"),
    path("working-group/edit/", group.group_edit, name="group_edit"),
    path("working-group/public/", decisions.public_working_group, name="public_working_group"),
    path("working-group/members/new/", group.membership_new, name="membership_new"),
    path("working-group/members/<int:membership_id>/edit/", group.membership_edit, name="membership_edit"),
    path("working-group/meetings/", group.meetings, name="meetings"),
    path("working-group/meetings/new/", group.meeting_new, name="meeting_new"),
    path("working-group/meetings/<int:meeting_id>/", group.meeting, name="meeting"),
    path("working-group/meetings/<int:meeting_id>/edit/", group.meeting_edit, name="meeting_edit"),
    path("working-group/meetings/<int:meeting_id>/cancel/", group.meeting_cancel, name="meeting_cancel"),
    path("working-group/meetings/<int:meeting_id>/minutes/", group.meeting_minutes, name="meeting_minutes"),
    path("working-group/meetings/<int:meeting_id>/attendance/", group.meeting_attendance, name="meeting_attendance"),
    path(
        "working-group/meetings/<int:meeting_id>/documents/new/",
        group.meeting_document_new,
        name="meeting_document_new",
    ),
    path("working-group/documents/<int:document_id>/", group.meeting_document, name="meeting_document"),
    path("working-group/meetings/<int:meeting_id>/decisions/new/", decisions.decision_new, name="decision_new"),
    path("working-group/decisions/", decisions.decisions, name="decisions"),
    path("working-group/decisions/<int:decision_id>/tasks/new/", decisions.decision_task_new, name="decision_task_new"),
    path("working-group/tasks/<int:task_id>/done/", decisions.task_done, name="task_done"),
]
