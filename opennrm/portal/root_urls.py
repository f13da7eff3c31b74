"""Addresses without a language prefix: the sitemap index, one sitemap per language, and robots.txt."""

from django.urls import path

from opennrm.portal import feeds

app_name = "portal_root"
urlpatterns = [
    path("sitemap.xml", feeds.sitemap_index, name="sitemap"),
    path("sitemap-<slug:language>.xml", feeds.sitemap_language, name="sitemap_language"),
    path("robots.txt", feeds.robots, name="robots"),
]
