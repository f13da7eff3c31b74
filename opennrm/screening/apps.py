from django.apps import AppConfig


class ScreeningConfig(AppConfig):
    name = "opennrm.screening"
    label = "screening"
    verbose_name = "Recognition screening"
