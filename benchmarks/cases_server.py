"""Django's threaded WSGI server, as `runserver` runs it, with Nagle's algorithm off on every connection.

    python benchmarks/cases_server.py PORT        # settings from the environment (DATABASE_URL, OPENNRM_DATA_DIR)

The cases benchmark uses it when gunicorn (the `server` extra) is not installed. `runserver` writes a response's
headers and body in separate packets; with Nagle's algorithm on, the last packet waits for the client's delayed
acknowledgement (40 ms on Linux), which measured as 30–70 ms added to every request — a property of the development
server, not of the application, and one that production servers avoid by setting TCP_NODELAY as done here.
"""

from __future__ import annotations

import socket
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def main(port: int) -> None:
    import django

    django.setup()
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler, get_internal_wsgi_application

    class NoDelayHandler(WSGIRequestHandler):
        def setup(self) -> None:
            self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            super().setup()

        def log_message(self, format: str, *args) -> None:  # noqa: A002 - the signature of http.server
            pass  # one line per request would only slow the server being measured

    server = ThreadedWSGIServer(("127.0.0.1", port), NoDelayHandler)
    server.set_app(get_internal_wsgi_application())
    server.serve_forever()


if __name__ == "__main__":
    main(int(sys.argv[1]))
