from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import set_language

from opennrm.api.api import api

urlpatterns = [
    # Choosing the display language needs no CSRF token: a forged request could only change a visitor's language,
    # and without it every public page would have to set a CSRF cookie (the self-check promises none).
    path("i18n/setlang/", csrf_exempt(set_language), name="set_language"),
    path("api/v1/", api.urls),
    # Addresses without a language: the sitemap index and robots.txt of the public information resource.
    path("", include("opennrm.portal.root_urls")),
]

# Pages carry their language in the address (/lv/…, /en/…, /ru/…) so a printed or shared link keeps it.
urlpatterns += i18n_patterns(
    path("", include("opennrm.core.urls")),
    path("accounts/", include("opennrm.accounts.urls")),
    path("model/", include("opennrm.jurisdiction.urls")),
    path("directory/", include("opennrm.directory.urls")),
    path("audit/", include("opennrm.audit.urls")),
    path("screening/", include("opennrm.screening.urls")),
    path("cases/", include("opennrm.cases.urls")),
    path("statistics/", include("opennrm.stats.urls")),
    path("coordination/", include("opennrm.coordination.urls")),
    # The public information resource: its editors' pages, then the public pages (news, events, help, …).
    path("editor/", include("opennrm.portal.editor_urls")),
    path("", include("opennrm.portal.urls")),
    prefix_default_language=True,
)

handler400 = "opennrm.core.views.bad_request"
handler403 = "opennrm.core.views.permission_denied"
handler404 = "opennrm.core.views.page_not_found"
handler500 = "opennrm.core.views.server_error"
