import logging

from django.http import HttpResponseServerError
from django.shortcuts import render
from django.utils.translation import gettext

from opennrm.portal import caching, ical
from opennrm.portal.addresses import current_language
from opennrm.portal.models import Kind
from opennrm.portal.selectors import last_modified, published_items
from opennrm.portal.views.public import events_for_display, page_alternates

logger = logging.getLogger(__name__)


HOME_NEWS = 4
HOME_EVENTS = 4


def home(request):
    """The public front page: what trafficking is, where to get help now, the latest news and upcoming events.

    Staff who are signed in also find their tools here. The public's copy is revalidated cheaply (ETag).
    """
    language = current_language()

    def page():
        context = {
            "nav": "home",
            "news": list(published_items(kind=Kind.NEWS, language=language)[:HOME_NEWS]),
            "events": events_for_display(ical.events_upcoming(language=language)[:HOME_EVENTS]),
            "alternates": page_alternates(request),
        }
        return render(request, "core/home.html", context)

    return caching.respond(request, render=page, last_modified=last_modified(language=language), clock=True)


def bad_request(request, exception=None):
    return render(request, "errors/400.html", status=400)


def permission_denied(request, exception=None):
    return render(request, "errors/403.html", status=403)


def page_not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)


def server_error(request):
    # The layout needs the session and the database; when those are what failed, a plain page still answers.
    try:
        return render(request, "errors/500.html", status=500)
    except Exception:
        logger.exception("The error page itself could not be rendered")
        text = gettext("Sorry, something went wrong. Try again in a few minutes.")
        return HttpResponseServerError(f"<!doctype html><title>500</title><h1>{text}</h1>")
