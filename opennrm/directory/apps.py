from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "opennrm.directory"
    label = "directory"
    verbose_name = "Institution directory"
