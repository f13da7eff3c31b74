"""Every change to a case, one module per kind of work; each public function is one transaction with its audit event.

- common.py: what they share — who acts, the case lock (taken first, always), timeline, audit, notifications
- cases.py: opening a case, the person's data, assignments, break-glass access
- consent.py: the consent ledger
- referrals.py: sending, accepting, declining and withdrawing referrals
- transitions.py: moving a case through the pack's workflow, and the deadlines it sets off
- work.py: notes, tasks, documents
- reads.py: audit events of reads that are not one case's person data (searches, the review queue)
- tick.py / retention.py: what `opennrm tick` and `opennrm retention run` do
"""
