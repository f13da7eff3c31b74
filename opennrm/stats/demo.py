"""Synthetic demo data for this app (loaded by `opennrm demo load`)."""


def demo_stats_create() -> str:
    return ""
