"""ASGI entry point, e.g. `uvicorn opennrm.asgi:application` (see docs/admin-guide.md)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opennrm.settings")
application = get_asgi_application()
