import logging

from django.http import HttpResponseServerError
from django.shortcuts import render
from django.utils.translation import gettext

logger = logging.getLogger(__name__)


def home(request):
    return render(request, "core/home.html", {"nav": "home"})


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
