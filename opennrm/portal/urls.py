"""The public pages, under one namespace `portal`: content (news, events, publications, pages, search, feeds) in
public_urls.py, and help (where to get help, the self-check, the published model, statistics) in help_urls.py."""

from opennrm.portal import help_urls, public_urls

app_name = "portal"
urlpatterns = public_urls.urlpatterns + help_urls.urlpatterns
