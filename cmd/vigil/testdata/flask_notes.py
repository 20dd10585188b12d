"""A small Flask notes app for cmd/vigil/flask_test.go: what a clinic puts
behind vigil. It trusts vigil for who the user is (the Remote-* headers it
is sent) and has no sign-in and no CSRF protection of its own: vigil's
forward auth (through nginx or Caddy) or its --upstream proxy refuses a
cross-origin POST before it gets here.

It listens on 127.0.0.1 on the port given as its argument. Every answer that is not a page says, as JSON, what the app saw:
the address asked for, the identity (every WSGI environ key that folds to
HTTP_REMOTE_*, so Remote_User and Remote-User alike), and the notes. It
counts the requests it serves (GET /_count, asked directly, not through
vigil).
"""

import sys
import threading

from flask import Flask, jsonify, redirect, render_template_string, request
from werkzeug.serving import make_server

app = Flask(__name__)
lock = threading.Lock()
notes = [{"id": 1, "text": "Review the discharge plan", "by": "dr.bob"}]
served = {"count": 0}

IDENTITY = ["Remote-User", "Remote-Role", "Remote-Name", "Remote-Email", "Remote-Groups"]

PAGE = """<!doctype html>
<title>Notes</title>
<p id="who">Signed in as {{ h['Remote-Name'] or h['Remote-User'] }}
({{ h['Remote-Role'] }}, {{ h['Remote-Email'] }}, groups {{ h['Remote-Groups'] }})</p>
<ul>{% for n in notes %}<li>{{ n.text }} ({{ n.by }})</li>{% endfor %}</ul>
<form method="post" action="/notes"><input name="text"><button>Add</button></form>
"""


def identity():
    """Every environ key an identity header could reach the app by."""
    return {k: v for k, v in request.environ.items() if k.startswith("HTTP_REMOTE")}


def seen(**extra):
    with lock:
        current = list(notes)
    body = {"app": "flask-notes", "method": request.method,
            "uri": request.environ.get("REQUEST_URI", request.full_path),
            "identity": identity(), "cookie": request.headers.get("Cookie", ""), "notes": current}
    body.update(extra)
    return jsonify(body)


@app.before_request
def count():
    if request.path != "/_count":
        with lock:
            served["count"] += 1


@app.get("/_count")
def count_served():
    with lock:
        return jsonify(count=served["count"])


@app.get("/notes")
def page():
    if "text/html" in request.headers.get("Accept", ""):
        with lock:
            current = list(notes)
        h = {name: request.headers.get(name, "") for name in IDENTITY}
        return render_template_string(PAGE, h=h, notes=current)
    return seen()


@app.get("/api/notes")
def api_notes():
    return seen()


@app.post("/notes")
def add_note():
    text = request.form.get("text") or (request.get_json(silent=True) or {}).get("note", "")
    with lock:
        notes.append({"id": len(notes) + 1, "text": text, "by": request.headers.get("Remote-User", "")})
    if request.form:
        return redirect("/notes", 303)
    return seen(added=text)


@app.get("/login")
def own_login():
    """The app's own page at /login, which vigil's must not shadow."""
    return seen(page="the app's own /login")


@app.route("/<path:rest>", methods=["GET", "POST", "DELETE"])
def anything(rest):
    return seen()


if __name__ == "__main__":
    make_server("127.0.0.1", int(sys.argv[1]), app, threaded=True).serve_forever()
