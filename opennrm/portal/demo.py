"""Synthetic demo data for this app (loaded by `opennrm demo load`)."""


def demo_portal_create() -> str:
    return ""
