"""The national action plan against trafficking, its monitoring, and the inter-institutional working group.

Read it in this order:
  models.py          what exists: ActionPlan → Goal → Measure, PlanVersion; ReportingPeriod, ProgressReport (+ its
                     revisions); WorkingGroup, Membership, Meeting (+ documents, attendance), Decision → DecisionTask;
                     Notice (queued e-mail). Multilingual texts are JSON {"lv", "en", "ru"}.
  selectors.py       what can be seen, and by whom (coordination_access; plans, reports, meetings, the dashboard's
                     progress figures, the public working-group summary).
  services/          what can happen: plans.py (import, edit, versions), reports.py (submit and review),
                     group.py (members, meetings, decisions), reminders.py (what `opennrm tick` does here),
                     checks.py (value checks shared with the importer).
  importing.py       reading a plan from YAML or the XLSX template, every problem named by place and field;
  templates_xlsx.py  the XLSX template (docs/action-plan-import.md describes both formats).
  notifications.py   e-mail queue and delivery.
  api.py, schemas.py the JSON API (/api/v1/coordination/); views/, urls.py, forms: the pages.
  demo.py            synthetic demo data; management/commands/plan.py: `opennrm plan import|template|export`.
No path of this module reads cases or persons.
"""
