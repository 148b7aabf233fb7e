#!/usr/bin/env python3
"""A real HTTP server playing the app's authentication endpoint in Wave's tests.

Protocol under test (DEVELOPERS.md): GET, header `token: <token>`, empty body; 400 means an
invalid token, 200 with {"userID": "..."} a valid one.  The token's prefix picks the answer,
so tests need no set-up calls:

  user:<ID>[:<anything>]   200 {"userID": "<ID>"}  (unless revoked through /__control)
  invalid...               400          unauthorized...  401         forbidden...  403
  error500...              500          redirect...      302         garbage...    200, not JSON
  emptyid...               200 {"userID": ""}            noid...       200 {}
  numid...                 200 {"userID": 42}           oversize...   200, a 100 KiB JSON body
  slow<ms>:<ID>...         sleeps <ms> ms, then answers as user:<ID>
  close...                 closes the connection without an answer
  anything else            400

Control endpoints (for tests; never part of the app protocol):
  POST /__control/revoke   body: the token  -> later requests with it get 400
  POST /__control/unrevoke body: the token
  POST /__control/mode     body: "down" (every answer 503), "error500" (every answer 500),
                           "garbage" (every answer 200, not JSON), "slow:<ms>" (every answer
                           delayed by <ms> ms) or "up" (answers by token again)
  GET  /__control/stats    {"calls": N, "calls_by_token": {...}, "violations": [...]}
  POST /__control/reset    clears stats and revocations

Every request to the endpoint is checked against the protocol; a violation (wrong method, no
token header, a body) gets 405/400 and is recorded in stats so tests can assert there are
none.  Usage: app_server.py PORT_FILE [PORT]  (binds 127.0.0.1 on PORT, default a free one,
and writes the port it got to PORT_FILE).
"""
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

_lock = threading.Lock()
_state = {"calls": 0, "calls_by_token": {}, "violations": [], "revoked": set(), "mode": "up"}


def _reset():
    with _lock:
        _state.update(calls=0, calls_by_token={}, violations=[], revoked=set(), mode="up")


class Server(ThreadingHTTPServer):
    daemon_threads = True
    # The default backlog of 5 makes 64 simultaneous first logins wait for TCP SYN retries
    # (1 s, 3 s, ...): an artefact of the stand-in, not of Wave.
    request_queue_size = 128


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as a production app server would
    # Without this, each answer on a kept-alive connection waits ~40 ms for the client's
    # delayed ACK (Nagle), which would distort every latency measured through this server.
    disable_nagle_algorithm = True

    def log_message(self, fmt, *args):  # quiet: tokens must not end up in logs
        pass

    def _send(self, code, body=b"", content_type="application/json"):
        if isinstance(body, str):
            body = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    # -- control ---------------------------------------------------------------------
    def _control(self, method):
        path = self.path
        if method == "GET" and path == "/__control/stats":
            with _lock:
                stats = {"calls": _state["calls"], "calls_by_token": dict(_state["calls_by_token"]),
                         "violations": list(_state["violations"])}
            return self._send(200, json.dumps(stats))
        body = self._body().decode("utf-8", "replace")
        with _lock:
            if path == "/__control/revoke":
                _state["revoked"].add(body)
            elif path == "/__control/unrevoke":
                _state["revoked"].discard(body)
            elif path == "/__control/mode":
                mode = body.strip()
                if mode not in ("up", "down", "error500", "garbage") and not (
                        mode.startswith("slow:") and mode[5:].isdigit()):
                    return self._send(400, '{"error":"unknown mode"}')
                _state["mode"] = mode
            elif path == "/__control/reset":
                pass
            else:
                return self._send(404, "{}")
        if path == "/__control/reset":
            _reset()
        return self._send(200, "{}")

    # -- the app endpoint ------------------------------------------------------------
    def _violation(self, what, code):
        with _lock:
            _state["violations"].append(what)
        self._send(code, json.dumps({"error": what}))

    def _auth(self, method):
        token = self.headers.get("token")
        length = self.headers.get("Content-Length")
        chunked = "chunked" in (self.headers.get("Transfer-Encoding") or "").lower()
        if method != "GET":
            self._body()
            return self._violation("method " + method, 405)
        if token is None:
            return self._violation("no token header", 400)
        if (length not in (None, "0")) or chunked:
            return self._violation("request has a body", 400)
        with _lock:
            _state["calls"] += 1
            _state["calls_by_token"][token] = _state["calls_by_token"].get(token, 0) + 1
            revoked = token in _state["revoked"]
            mode = _state["mode"]
        if mode == "down":
            return self._send(503, '{"error":"maintenance"}')
        if mode == "error500":
            return self._send(500, '{"error":"boom"}')
        if mode == "garbage":
            return self._send(200, "<html>this is not json</html>", "text/html")
        if mode.startswith("slow:"):
            time.sleep(int(mode[5:]) / 1000.0)
        if revoked:
            return self._send(400, '{"error":"revoked"}')
        if token.startswith("slow"):
            digits = token[4:].split(":", 1)
            try:
                time.sleep(int(digits[0]) / 1000.0)
            except ValueError:
                pass
            token = "user:" + (digits[1] if len(digits) > 1 else "slow")
        if token.startswith("user:"):
            user_id = token[5:].split(":", 1)[0]
            return self._send(200, json.dumps({"userID": user_id}))
        for prefix, code, body in (
            ("invalid", 400, '{"error":"invalid token"}'),
            ("unauthorized", 401, '{"error":"unauthorized"}'),
            ("forbidden", 403, '{"error":"forbidden"}'),
            ("error500", 500, '{"error":"boom"}'),
            ("emptyid", 200, '{"userID":""}'),
            ("noid", 200, "{}"),
            ("numid", 200, '{"userID":42}'),
            ("garbage", 200, "<html>this is not json</html>"),
        ):
            if token.startswith(prefix):
                return self._send(code, body)
        if token.startswith("redirect"):
            self.send_response(302)
            self.send_header("Location", "http://127.0.0.1:1/elsewhere")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        if token.startswith("oversize"):
            return self._send(200, json.dumps({"userID": "big", "padding": "x" * (100 * 1024)}))
        if token.startswith("close"):
            self.close_connection = True
            self.connection.shutdown(2)
            return None
        return self._send(400, '{"error":"unknown token"}')

    def _dispatch(self, method):
        if self.path.startswith("/__control/"):
            return self._control(method)
        return self._auth(method)

    def do_GET(self):
        self._dispatch("GET")

    def do_POST(self):
        self._dispatch("POST")

    def do_PUT(self):
        self._dispatch("PUT")

    def do_DELETE(self):
        self._dispatch("DELETE")


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit("usage: app_server.py PORT_FILE [PORT]")
    server = Server(("127.0.0.1", int(sys.argv[2]) if len(sys.argv) == 3 else 0), Handler)
    tmp = sys.argv[1] + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(server.server_address[1]))
    os.replace(tmp, sys.argv[1])
    server.serve_forever()


if __name__ == "__main__":
    main()
