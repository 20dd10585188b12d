"""An application behind vigil, for the proxy tests.

A WSGI app on Python's reference server (wsgiref, standard library only)
that answers every request with its path and the WSGI environ's HTTP_*
keys (and REMOTE_USER, if the server set one) as JSON. The server files
a header under HTTP_ + its name upper-cased with "-" read as "_", so
Remote-User and Remote_User both become HTTP_REMOTE_USER: what the app
sees is what a Flask or Django app would read as the user.

Usage: python3 wsgi_echo.py  -- listens on 127.0.0.1 on a free port and
prints the port on the first line of standard output once it listens.
"""

import json
import sys
from wsgiref.simple_server import WSGIRequestHandler, make_server


def app(environ, start_response):
    keys = {k: v for k, v in environ.items() if k.startswith("HTTP_") or k == "REMOTE_USER"}
    body = json.dumps({"path": environ.get("PATH_INFO", ""), "environ": keys}).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        pass


def main():
    server = make_server("127.0.0.1", 0, app, handler_class=QuietHandler)
    print(server.server_port, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
