"""Statistics for the national rapporteur: de-identified facts, disclosure control, reports and data exchange.

Read it in this order:
- models.py — what exists: one de-identified fact per case (or imported HTCDS record), per referral and per saved
  screening, and the frozen releases published from them. Facts hold codes, year and month, never a person.
- dimensions.py — the pack's `statistics` section in force: dimensions, categories and their names, threshold,
  publication rules.
- services/facts.py — how facts follow the cases (in the case services' own transaction) and how they are rebuilt.
- disclosure.py, privacy.py, release.py — counting facts into tables, suppressing small cells, optional noise,
  publishing a release; selectors.py reads releases for the public site and the API; labels.py names codes.
- eurostat.py, htcds.py — Eurostat's tables, and case records in IOM's HTCDS 2.0 (docs/htcds.md).
- charts.py (in opennrm/core), exports.py, report.py, views/, api.py — what people see and download.
- management/commands — `opennrm stats …` and `opennrm htcds …`; demo.py — synthetic history for the demo.
"""
