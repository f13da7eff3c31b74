"""Conditional GET for the public pages: ETag and Last-Modified, a 304 when nothing changed, never for staff.

A public page is cheap to check and dear to render, so the view first gathers what the page depends on (the
content's last change, the item it shows, the hour for pages that read the clock), answers 304 when the copy the
browser (or a proxy) holds still matches, and renders only otherwise.

What an anonymous visitor sees depends only on the address, the content and the header's emergency numbers: no
token, no name, no cookie. Such pages may be kept by any cache (`public`) but must be revalidated before each reuse
(`max-age=0`), and carry `Vary: Cookie` so that a signed-in request (it has a session cookie) never matches a
stored anonymous copy. Staff who are signed in get no validators, and `opennrm.core.middleware` forbids storing
their pages at all. A page that turns out personal after all (a one-time message, a form with a CSRF token) is
marked private and not validated.

For the same reason the server keeps what it rendered for the public under the page's validator (Django's cache,
per process unless CACHES says otherwise): the next visitor of that address, while nothing has changed, gets the
same bytes without a rendering. Every public write goes through the portal's services, which move the content's
change time on, so a stored page is never served after a change.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable
from functools import lru_cache
from importlib import metadata

from django.contrib.messages import get_messages
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation
from django.utils.cache import (
    add_never_cache_headers,
    get_conditional_response,
    patch_cache_control,
    patch_vary_headers,
)
from django.utils.http import http_date

CACHE_CONTROL = {"public": True, "max_age": 0, "must_revalidate": True}
STORED_SECONDS = 3600
STORED_HEADERS = ("Content-Type", "Content-Disposition", "Content-Language")


@lru_cache(maxsize=1)
def _release() -> str:
    # A new release may render the same content differently; its pages must not match copies of the old one.
    try:
        return metadata.version("opennrm")
    except metadata.PackageNotFoundError:
        return "dev"


def is_cacheable(request: HttpRequest) -> bool:
    """Whether the answer may be stored and revalidated: an anonymous GET with no message waiting."""
    if request.method not in ("GET", "HEAD"):
        return False
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return False
    # A one-time message ("You have signed out") is part of the page; a stored copy must not hide or repeat it.
    return len(get_messages(request)) == 0


def current_hour(now: dt.datetime | None = None) -> dt.datetime:
    return (now or timezone.now()).replace(minute=0, second=0, microsecond=0)


def _header_numbers() -> object:
    # The emergency numbers in every page's header come from the published model and the directory (cached there).
    from opennrm.portal.help_finder import header_numbers

    return header_numbers()


def page_etag(request: HttpRequest, parts: Iterable[object], *, strong: bool = False) -> str:
    """The validator of an address in the active language with what it shows (`parts`).

    Documents (feeds, calendars, sitemaps, files) are the same bytes each time: a strong ETag. An HTML page is
    only promised to mean the same: a weak one, which also covers the header's emergency numbers.
    """
    digest = hashlib.sha256()
    context = (_release(), translation.get_language(), request.scheme, request.get_host(), request.get_full_path())
    for part in (*context, *(() if strong else (_header_numbers(),)), *parts):
        digest.update(str(part).encode())
        digest.update(b"\x1f")
    value = f'"{digest.hexdigest()[:32]}"'
    return value if strong else f"W/{value}"


def _stored(etag: str) -> HttpResponse | None:
    found = cache.get(f"opennrm:portal:page:{etag}")
    if found is None:
        return None
    content, headers = found
    response = HttpResponse(content)
    for name, value in headers.items():
        response.headers[name] = value
    return response


def _store(etag: str, response: HttpResponse) -> None:
    if response.streaming:
        return  # files are read from disk as they are sent; nothing to gain
    headers = {name: response.headers[name] for name in STORED_HEADERS if name in response.headers}
    cache.set(f"opennrm:portal:page:{etag}", (response.content, headers), STORED_SECONDS)


def _is_personal(request: HttpRequest, response: HttpResponse) -> bool:
    # get_token() was called while rendering: the page holds this visitor's CSRF token.
    return bool(request.META.get("CSRF_COOKIE_NEEDS_UPDATE")) or bool(response.cookies)


def _validated(response: HttpResponse, *, etag: str, last_modified: dt.datetime | None) -> HttpResponse:
    response.headers["ETag"] = etag
    if last_modified is not None:
        response.headers["Last-Modified"] = http_date(last_modified.timestamp())
    patch_cache_control(response, **CACHE_CONTROL)
    patch_vary_headers(response, ("Cookie",))
    return response


def private_response(response: HttpResponse) -> HttpResponse:
    """An answer that must not be stored: it depends on who asks, or on input that was refused."""
    add_never_cache_headers(response)
    patch_cache_control(response, private=True)
    patch_vary_headers(response, ("Cookie",))
    return response


def respond(
    request: HttpRequest,
    *,
    render: Callable[[], HttpResponse],
    parts: Iterable[object] = (),
    last_modified: dt.datetime | None = None,
    clock: bool = False,
    document: bool = False,
) -> HttpResponse:
    """`render()`'s response with validators, or 304 when the stored copy of this address is still current.

    `parts` are what the page shows besides its address and language (ids, versions, times); `last_modified` is
    when its content last changed. `clock=True` for pages that read the clock (upcoming events, today's date):
    their copies last at most until the hour turns. `document=True` for feeds, calendars, sitemaps and files.
    """
    if not is_cacheable(request):
        return private_response(render())
    parts = list(parts)
    if clock:
        hour = current_hour()
        parts.append(hour.isoformat())
        last_modified = max(last_modified, hour) if last_modified else hour
    if last_modified is not None:
        # The ETag tells apart two changes within one second; the Last-Modified header (whole seconds) cannot.
        parts.append(last_modified.isoformat())
        last_modified = last_modified.replace(microsecond=0)
    etag = page_etag(request, parts, strong=document)
    timestamp = int(last_modified.timestamp()) if last_modified else None
    not_modified = get_conditional_response(request, etag=etag, last_modified=timestamp)
    if not_modified is not None:  # 304, or 412 for a failed If-Match
        return _validated(not_modified, etag=etag, last_modified=last_modified)
    stored = _stored(etag)
    if stored is not None:
        return _validated(stored, etag=etag, last_modified=last_modified)
    response = render()
    if response.status_code != 200 or _is_personal(request, response):
        return private_response(response)
    _store(etag, response)
    return _validated(response, etag=etag, last_modified=last_modified)
