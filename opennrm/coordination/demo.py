"""Synthetic demo data for this app (loaded by `opennrm demo load`)."""


def demo_coordination_create() -> str:
    return ""
