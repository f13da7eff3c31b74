"""Addresses of the public content pages (inside the language prefix: /lv/news/, /ru/events/2025/6/, …).

Item pages take the item's address (slug); nothing else at their level could be mistaken for one: feeds and
calendars end in a file extension, which a slug never has, and events are under `event/` while the calendar is
under `events/`.
"""

from django.urls import path

from opennrm.portal import feeds
from opennrm.portal.views import public

urlpatterns = [
    path("news/", public.news_list, name="news_list"),
    path("news/rss.xml", feeds.news_rss, name="news_rss"),
    path("news/atom.xml", feeds.news_atom, name="news_atom"),
    path("news/<slug:slug>/", public.news_item, name="news_item"),
    path("events/", public.events, name="events"),
    path("events/<int:year>/<int:month>/", public.events_month, name="events_month"),
    path("events/list/", public.events_list, name="events_list"),
    path("events/calendar.ics", public.events_ics, name="events_ics"),
    path("event/<slug:slug>/", public.event, name="event"),
    path("event/<slug:slug>/calendar.ics", public.event_ics, name="event_ics"),
    path("publications/", public.publications, name="publications"),
    path("publications/<slug:slug>/", public.publication, name="publication"),
    path("publications/<slug:slug>/files/<slug:token>/", public.publication_file, name="publication_file"),
    path("pages/<slug:slug>/", public.page, name="page"),
    path("search/", public.site_search, name="search"),
]
