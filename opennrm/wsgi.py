"""WSGI entry point, e.g. `gunicorn opennrm.wsgi` (see docs/admin-guide.md)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opennrm.settings")
application = get_wsgi_application()
