"""Writes of the statistics app: facts.py keeps the de-identified facts in step with the cases (and rebuilds them).

Disclosure control and releases live beside it (`opennrm.stats.release`); the HTCDS exchange in `opennrm.stats.htcds`.
"""
