from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "opennrm.portal"
    label = "portal"
    verbose_name = _("Public information resource")

    def ready(self):
        # A pack whose self-check refers to unknown indicators or places is refused when it is loaded.
        from opennrm.jurisdiction.validation import section_check_register
        from opennrm.portal.self_check import self_check_issues

        section_check_register(self_check_issues)
