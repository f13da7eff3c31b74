"""The directory router mounted where the integrator mounts it (/api/v1/directory/), with the API's handlers.

The project's `api` object is not changed by the tests: the router is mounted on a copy that shares its
exception handlers, so the responses are the ones clients get.
"""

from django.urls import path
from ninja import NinjaAPI

from opennrm.api.api import api as project_api
from opennrm.directory.api import router

test_api = NinjaAPI(title="OpenNRM API (directory tests)", version="1", urls_namespace="directory-api-test")
for exception_class, handler in project_api._exception_handlers.items():
    test_api.add_exception_handler(exception_class, handler)
test_api.add_router("/directory/", router)

urlpatterns = [path("api/v1/", test_api.urls)]
