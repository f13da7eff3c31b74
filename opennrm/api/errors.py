"""How errors answer in the API: JSON with a status and a message naming the field, never a traceback."""

import logging

from django.utils.translation import gettext
from ninja import NinjaAPI
from ninja.errors import ValidationError

from opennrm.core.errors import ApplicationError, Forbidden, NotFoundOrForbidden

logger = logging.getLogger(__name__)


def _field_name(location: tuple) -> str:
    # ("body", "payload", "name") → "name": the source and the parameter name mean nothing to a client.
    parts = [str(part) for part in location[1:]]
    if location and location[0] == "body" and len(parts) > 1:
        parts = parts[1:]
    return ".".join(parts)


def install_error_handlers(api: NinjaAPI) -> None:
    """Domain errors become 400/403/404, invalid input 422 with field names, anything else a plain 500."""

    def application_error(request, exc: ApplicationError):
        return api.create_response(request, {"detail": exc.message, "field": exc.field}, status=400)

    def not_found(request, exc: NotFoundOrForbidden):
        return api.create_response(request, {"detail": gettext("Not found.")}, status=404)

    def forbidden(request, exc: Forbidden):
        return api.create_response(request, {"detail": exc.message, "field": exc.field}, status=403)

    def validation_error(request, exc: ValidationError):
        errors = [
            {
                "field": _field_name(tuple(error.get("loc", ()))),
                "message": error.get("msg", ""),
                "type": error.get("type"),
            }
            for error in exc.errors
        ]
        fields = ", ".join(error["field"] for error in errors if error["field"])
        detail = gettext("The request has invalid values: %(fields)s.") % {"fields": fields or "-"}
        return api.create_response(request, {"detail": detail, "errors": errors}, status=422)

    def unexpected_error(request, exc: Exception):
        logger.exception("Unhandled error in API call %s %s", request.method, request.path)
        detail = gettext("Something went wrong on the server.")
        return api.create_response(request, {"detail": detail}, status=500)

    api.add_exception_handler(ApplicationError, application_error)
    api.add_exception_handler(NotFoundOrForbidden, not_found)
    api.add_exception_handler(Forbidden, forbidden)
    api.add_exception_handler(ValidationError, validation_error)
    api.add_exception_handler(Exception, unexpected_error)
