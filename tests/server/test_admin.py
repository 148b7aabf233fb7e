"""The admin API (GET /v1/users/{appUserID}, DELETE /v1/users/{appUserID}/sessions) against a
real wave-server: admin keys (Authorization: Bearer), the user's state, and ending a user's
sessions on every path at once, on this instance and on another one sharing the stores."""
import hashlib
import secrets
import time
import urllib.parse

import pytest

from server_harness import app_user_id, assert_grant, login, register_body

pytestmark = pytest.mark.servers

NOT_ALLOWED = {"result": {"error": "not_allowed"}}


def new_key():
    key = secrets.token_hex(32)
    return key, hashlib.sha256(key.encode()).hexdigest()


def admin(server, method, app_id, key, suffix=""):
    headers = {} if key is None else {"Authorization": f"Bearer {key}"}
    path = f"/v1/users/{urllib.parse.quote(app_id, safe='')}{suffix}"
    return server.request(method, path, headers=headers)


def describe(server, app_id, key):
    return admin(server, "GET", app_id, key)


def end_sessions(server, app_id, key):
    return admin(server, "DELETE", app_id, key, "/sessions")


def content(response):
    assert response.status == 200, response
    assert (response.header("content-type") or "").startswith("application/json"), response
    body = response.json()
    assert set(body) == {"content"}, body
    return body["content"]


def assert_unauthorized(response):
    assert response.status == 401, response
    assert response.header("www-authenticate") == "Bearer", response
    body = response.json()
    assert body["content"] is None and body["error"]["code"] == "invalid_admin_key", body


@pytest.fixture
def keyed(backends, make_server):
    """A server with two admin keys; returns (server, the first key)."""
    key, digest = new_key()
    _, other_digest = new_key()
    return make_server(backends, name="admin", adminAPIKeys=[other_digest, digest]), key


def test_without_a_key_with_a_wrong_key_or_a_token_the_answer_is_401(keyed):
    server, key = keyed
    user = login(server)
    for method, suffix in (("GET", ""), ("DELETE", "/sessions")):
        assert_unauthorized(admin(server, method, user.app_id, None, suffix))
        assert_unauthorized(admin(server, method, user.app_id, secrets.token_hex(32), suffix))
        assert_unauthorized(admin(server, method, user.app_id, key + "x", suffix))
        assert_unauthorized(admin(server, method, user.app_id, key[:-1], suffix))
        # The digest itself is not a key, nor is another scheme, nor the app user's token.
        assert_unauthorized(admin(server, method, user.app_id, hashlib.sha256(key.encode()).hexdigest(), suffix))
        path = f"/v1/users/{user.app_id}{suffix}"
        assert_unauthorized(server.request(method, path, headers={"Authorization": f"Basic {key}"}))
        assert_unauthorized(server.request(method, path, headers={"Authorization": "Bearer"}))
        assert_unauthorized(server.request(method, path, headers={"token": user.token}))
    # Nothing was ended by the refused calls.
    _, answer = server.hook("auth_on_register", register_body(user.id, user.password))
    assert_grant(answer)
    # The scheme is case-insensitive (RFC 9110).
    path = f"/v1/users/{user.app_id}"
    assert content(server.request("GET", path, headers={"Authorization": f"bearer {key}"}))["session"] == "live"


def test_no_keys_configured_means_the_admin_api_is_off(server, user):
    key, _ = new_key()
    for response in (describe(server, user.app_id, key), end_sessions(server, user.app_id, key),
                     describe(server, user.app_id, None)):
        assert_unauthorized(response)
        assert "off" in response.json()["error"]["message"], response


def test_describe_a_live_user_and_an_unknown_one(keyed):
    server, key = keyed
    user = login(server)
    assert content(describe(server, user.app_id, key)) == {
        "appUserID": user.app_id, "internalWaveUserID": user.id, "session": "live", "groups": 0}
    server.api("POST", "/v1/conversations/group", token=user.token, body={"name": "g", "members": []})
    assert content(describe(server, user.app_id, key))["groups"] == 1
    stranger = app_user_id("never")
    assert content(describe(server, stranger, key)) == {
        "appUserID": stranger, "internalWaveUserID": None, "session": "unknown", "groups": 0}
    # An ID with characters a path must escape is read back as sent.
    odd = "ann/é bob?" + app_user_id()
    assert content(describe(server, odd, key))["appUserID"] == odd
    # A malformed ID: 400 in the usual envelope; a wrong method: 405 with Allow.
    response = server.request("GET", "/v1/users/a%01b", headers={"Authorization": f"Bearer {key}"})
    assert response.status == 400 and response.json()["error"]["code"] == "bad_request", response
    response = server.request("POST", f"/v1/users/{user.app_id}", headers={"Authorization": f"Bearer {key}"})
    assert response.status == 405 and response.header("allow") == "GET, OPTIONS", response


def test_ending_sessions_refuses_the_old_password_at_once_and_is_idempotent(keyed):
    server, key = keyed
    user = login(server)
    _, answer = server.hook("auth_on_register", register_body(user.id, user.password))
    assert_grant(answer)  # the grant is cached in the server now

    ended = content(end_sessions(server, user.app_id, key))
    assert ended == {"internalWaveUserID": user.id, "sessionEnded": True, "passhashRetired": True}
    _, answer = server.hook("auth_on_register", register_body(user.id, user.password))
    assert answer == NOT_ALLOWED
    # The token itself (the CONNECT renewal through the app, which still accepts it): refused too.
    _, answer = server.hook("auth_on_register", register_body(user.id, user.token))
    assert answer == NOT_ALLOWED
    assert content(describe(server, user.app_id, key))["session"] == "logged_out"

    again = content(end_sessions(server, user.app_id, key))
    assert again == {"internalWaveUserID": user.id, "sessionEnded": False, "passhashRetired": False}
    response = end_sessions(server, app_user_id("never"), key)
    assert response.status == 404 and response.json()["error"]["code"] == "not_found", response

    # The app stays the authority: a token it accepts logs in again.
    back = login(server, app_id=user.app_id, token=user.token)
    assert back.id == user.id
    assert content(describe(server, user.app_id, key))["session"] == "live"

    # Neither the key nor the Authorization header ever reaches the log.
    log = server.stdout()
    assert key not in log and "Bearer" not in log and "authorization" not in log.lower()
    assert user.app_id not in log  # routes are logged by their template only
    assert '"route":"/v1/users/{appUserID}/sessions"' in log
    metrics = server.metrics_text()
    assert 'route="/v1/users/{appUserID}"' in metrics and key not in metrics


def test_ending_sessions_on_one_instance_reaches_the_other_within_a_second(backends, make_server):
    key, digest = new_key()
    first = make_server(backends, name="first", adminAPIKeys=[digest])
    second = make_server(backends, name="second", mongoDatabase=first.config["mongoDatabase"],
                         redisKeyPrefix=first.config["redisKeyPrefix"])
    user = login(first)
    _, answer = second.hook("auth_on_register", register_body(user.id, user.password))
    assert_grant(answer)  # cached in the second instance
    assert content(end_sessions(first, user.app_id, key))["passhashRetired"] is True
    ended_at = time.time()
    while True:
        _, answer = second.hook("auth_on_register", register_body(user.id, user.password))
        if answer == NOT_ALLOWED:
            break
        assert time.time() - ended_at < 1.0, f"the other instance still grants the old password: {answer}"
        time.sleep(0.02)
