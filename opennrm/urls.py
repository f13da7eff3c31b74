from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path

from opennrm.api.api import api

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
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
