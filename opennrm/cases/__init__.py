"""Cases and referrals: the heart of the referral mechanism.

Read top-down:
- models.py — what exists (cases, the person, parties, consent, referrals, deadlines, the work on a case);
  fields.py and crypto.py — how personal data is encrypted; keys.py — key rotation.
- workflow.py — the pure engine that applies the pack's workflow (ADR 10).
- selectors.py — what can be seen, by whom (`cases_visible_to`, ADR 11); staff.py, oversight.py, reviews.py,
  lookups.py — narrower reads.
- services/ — every change, one transaction with its audit event.
- views/, forms/, templates/cases/ — the web pages; case_page.py and wording.py prepare what they show.
- api.py, schemas.py, answers.py — the same over JSON at /api/v1/.
- from_screening.py — a screening's result pre-filling a new case; demo.py — synthetic demo cases.
"""
