"""The client side of app_server.py's /__control routes, shared by every test suite."""
import json
import time
import urllib.request


def app_control(app_uri, what, body=""):
    """/__control/<what> on the app server whose check endpoint is `app_uri`: GET stats (the
    decoded answer), POST anything else (revoke, unrevoke, mode, reset)."""
    base = app_uri[:app_uri.index("/", len("http://"))]
    method = "GET" if what == "stats" else "POST"
    data = None if method == "GET" else body.encode()
    request = urllib.request.Request(f"{base}/__control/{what}", data=data, method=method)
    with urllib.request.urlopen(request, timeout=10) as response:
        answer = response.read()
        assert response.status == 200, f"app control {what}: {response.status} {answer!r}"
        return json.loads(answer or b"{}")


def wait_for_app_call(app_uri, token, within=10.0):
    """Returns once the app server has been asked about `token` (it counts a call before any
    delay the token asks for), so a test acts while that call is in flight."""
    deadline = time.time() + within
    while app_control(app_uri, "stats")["calls_by_token"].get(token, 0) == 0:
        assert time.time() < deadline, f"the app endpoint was not asked about the token within {within}s"
        time.sleep(0.02)
