from django.apps import AppConfig


class JurisdictionConfig(AppConfig):
    name = "opennrm.jurisdiction"
    label = "jurisdiction"
    verbose_name = "Jurisdiction packs and the General Model"
