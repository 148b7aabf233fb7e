"""The management API (/v1), probes and CORS against a real wave-server."""
import json
import uuid

import pytest

from server_harness import app_user_id, login, register_body, token_for

pytestmark = pytest.mark.servers

ERROR_CODES_BY_STATUS = (400, 401, 403, 404, 405, 409, 413)


def assert_error(response, status):
    assert response.status == status, response
    assert (response.header("content-type") or "").startswith("application/json"), response
    body = response.json()
    assert set(body) == {"content", "error"}, body
    assert body["content"] is None, body
    error = body["error"]
    assert set(error) == {"code", "message"}, body
    assert isinstance(error["code"], str) and error["code"], body
    assert error["code"] == error["code"].lower() and " " not in error["code"], f"snake_case: {body}"
    assert isinstance(error["message"], str) and error["message"], body
    return error


def content(response, status=200):
    assert response.status == status, response
    assert (response.header("content-type") or "").startswith("application/json"), response
    body = response.json()
    assert "content" in body and "error" not in body, body
    return body["content"]


def make_group(server, owner, members=(), name="friends"):
    response = server.api("POST", "/v1/conversations/group", token=owner.token,
                          body={"name": name, "members": list(members)})
    return content(response, 201)


# ---- probes -----------------------------------------------------------------------------

def test_healthz(server):
    response = server.get("/healthz")
    assert response.status == 200 and response.json() == {"status": "ok"}, response


def test_readyz_with_every_backend_up(server):
    response = server.get("/readyz")
    assert response.status == 200 and response.json() == {"status": "ready"}, response


def test_metrics_is_prometheus_text(server):
    response = server.get("/metrics")
    assert response.status == 200
    assert response.header("content-type").startswith("text/plain; version=0.0.4"), response


# ---- sessions and profiles --------------------------------------------------------------

def test_login_returns_the_credentials_object(server):
    app_id = app_user_id()
    response = server.api("POST", "/v1/sessions", token=token_for(app_id))
    credentials = content(response, 201)
    assert set(credentials) >= {"internalWaveUserID", "clientID", "username", "password", "appUserID",
                                "publishACL", "subscribeACL", "groups"}, credentials
    me = credentials["internalWaveUserID"]
    assert str(uuid.UUID(me)) == me
    assert credentials["clientID"] == credentials["username"] == me
    assert credentials["appUserID"] == app_id
    assert f"conversations/private/{me}/+" in credentials["publishACL"]
    assert f"conversations/private/+/{me}" in credentials["subscribeACL"]


def test_profiles_returns_the_internal_id_and_is_stable(server, user):
    assert content(server.api("POST", "/v1/profiles", token=user.token)) == user.id
    rotated = token_for(user.app_id)
    assert content(server.api("POST", "/v1/profiles", token=rotated)) == user.id


def test_mappings_known_users_only_in_request_order(server, user, other_user):
    unknown = app_user_id("never")
    response = server.api("POST", "/v1/profiles/mappings", token=user.token,
                          body={"userIDs": [other_user.app_id, unknown, user.app_id]})
    assert content(response) == [
        {"originalUserID": other_user.app_id, "internalWaveUserID": other_user.id},
        {"originalUserID": user.app_id, "internalWaveUserID": user.id},
    ]


@pytest.mark.parametrize("body", [b"", b"not json", b"[]", b'{"userIDs": "x"}', b'{"userIDs": [1]}',
                                  b'{"nothing": []}'])
def test_mappings_bad_body_is_400(server, user, body):
    assert_error(server.api("POST", "/v1/profiles/mappings", token=user.token, body=body), 400)


def test_revoke_then_the_old_password_is_refused(server):
    user = login(server)
    response = server.api("DELETE", "/v1/sessions", token=user.token)
    assert content(response) == {"internalWaveUserID": user.id}
    _, answer = server.hook("auth_on_register", register_body(user.id, user.password))
    assert answer == {"result": {"error": "not_allowed"}}
    # nothing left to revoke
    assert_error(server.api("DELETE", "/v1/sessions", token=user.token), 404)


# ---- authentication ---------------------------------------------------------------------

ROUTES = [
    ("POST", "/v1/profiles", None),
    ("POST", "/v1/profiles/mappings", {"userIDs": []}),
    ("POST", "/v1/conversations/group", {"name": "g", "members": []}),
    ("POST", "/v1/sessions", None),
    ("DELETE", "/v1/sessions", None),
    ("GET", "/v1/conversations/groups", None),
    ("GET", "/v1/conversations/group/g1", None),
    ("POST", "/v1/conversations/group/g1/members", {"userID": "x"}),
    ("DELETE", "/v1/conversations/group/g1/members/x", None),
    ("POST", "/v1/conversations/group/g1/leave", None),
    ("DELETE", "/v1/conversations/group/g1", None),
]


@pytest.mark.parametrize("method,path,body", ROUTES)
def test_missing_token_is_401(server, method, path, body):
    assert_error(server.api(method, path, body=body), 401)


@pytest.mark.parametrize("method,path,body", ROUTES)
@pytest.mark.parametrize("token", ["invalid-token-1", "short", "user:has space", "unauthorized-1"])
def test_invalid_token_is_401(server, method, path, body, token):
    assert_error(server.api(method, path, token=token, body=body), 401)


# ---- groups -----------------------------------------------------------------------------

def test_group_create_returns_the_group(server, user, other_user):
    unknown = app_user_id("nobody")
    group = make_group(server, user, [other_user.app_id, unknown])
    assert set(group) >= {"groupID", "name", "owner", "members", "unknownAppUserIDs"}
    assert group["name"] == "friends" and group["owner"] == user.id
    assert sorted(group["members"]) == sorted([user.id, other_user.id])
    assert group["unknownAppUserIDs"] == [unknown]


@pytest.mark.parametrize("body", [b"{}", b'{"members": []}', b'{"name": 1, "members": []}',
                                  b'{"name": "x", "members": "y"}', b"[]", b"garbage"])
def test_group_create_bad_body_is_400(server, user, body):
    assert_error(server.api("POST", "/v1/conversations/group", token=user.token, body=body), 400)


def test_group_list_and_get(server, user, other_user):
    group = make_group(server, user, [other_user.app_id], name="list-me")
    listed = content(server.api("GET", "/v1/conversations/groups", token=other_user.token))
    assert group["groupID"] in [g["groupID"] for g in listed]
    one = content(server.api("GET", f"/v1/conversations/group/{group['groupID']}", token=other_user.token))
    assert one["groupID"] == group["groupID"] and sorted(one["members"]) == sorted(group["members"])


def test_group_get_by_non_member_is_403(server, user, other_user):
    group = make_group(server, user)
    assert_error(server.api("GET", f"/v1/conversations/group/{group['groupID']}", token=other_user.token), 403)


def test_group_get_unknown_is_404(server, user):
    assert_error(server.api("GET", f"/v1/conversations/group/{uuid.uuid4()}", token=user.token), 404)


def test_group_add_and_remove_member(server, user, other_user):
    group = make_group(server, user)
    gid = group["groupID"]
    path = f"/v1/conversations/group/{gid}/members"
    assert content(server.api("POST", path, token=user.token, body={"userID": other_user.app_id})) == {"changed": True}
    assert content(server.api("POST", path, token=user.token, body={"userID": other_user.app_id})) == {"changed": False}
    assert content(server.api("DELETE", f"{path}/{other_user.app_id}", token=user.token)) == {"changed": True}
    assert content(server.api("DELETE", f"{path}/{other_user.app_id}", token=user.token)) == {"changed": False}


def test_group_add_member_errors(server, user, other_user):
    gid = make_group(server, user)["groupID"]
    path = f"/v1/conversations/group/{gid}/members"
    assert_error(server.api("POST", path, token=user.token, body={"userID": app_user_id("ghost")}), 404)
    assert_error(server.api("POST", path, token=other_user.token, body={"userID": other_user.app_id}), 403)
    assert_error(server.api("POST", path, token=user.token, body={"user": "x"}), 400)
    assert_error(server.api("POST", path, token=user.token, body=b"nope"), 400)
    assert_error(server.api("POST", f"/v1/conversations/group/{uuid.uuid4()}/members", token=user.token,
                            body={"userID": other_user.app_id}), 404)


def test_removing_the_owner_is_409(server, user):
    gid = make_group(server, user)["groupID"]
    assert_error(server.api("DELETE", f"/v1/conversations/group/{gid}/members/{user.app_id}", token=user.token), 409)


def test_leave(server, user, other_user):
    gid = make_group(server, user, [other_user.app_id])["groupID"]
    assert content(server.api("POST", f"/v1/conversations/group/{gid}/leave", token=other_user.token)) == {}
    assert_error(server.api("POST", f"/v1/conversations/group/{gid}/leave", token=other_user.token), 404)
    assert_error(server.api("POST", f"/v1/conversations/group/{gid}/leave", token=user.token), 409)


def test_delete(server, user, other_user):
    gid = make_group(server, user, [other_user.app_id])["groupID"]
    assert_error(server.api("DELETE", f"/v1/conversations/group/{gid}", token=other_user.token), 403)
    assert content(server.api("DELETE", f"/v1/conversations/group/{gid}", token=user.token)) == {}
    assert_error(server.api("GET", f"/v1/conversations/group/{gid}", token=user.token), 404)
    assert_error(server.api("DELETE", f"/v1/conversations/group/{gid}", token=user.token), 404)


# ---- routing, limits --------------------------------------------------------------------

@pytest.mark.parametrize("method,path", [("GET", "/v1/nothing"), ("GET", "/"), ("POST", "/v2/profiles"),
                                         ("GET", "/v1/conversations/group/a/b/c/d")])
def test_unknown_route_is_404(server, user, method, path):
    assert_error(server.api(method, path, token=user.token), 404)


@pytest.mark.parametrize("method,path,allowed", [
    ("GET", "/v1/profiles", {"POST"}),
    ("PUT", "/v1/sessions", {"POST", "DELETE"}),
    ("DELETE", "/v1/conversations/groups", {"GET"}),
    ("PATCH", "/v1/conversations/group/g1", {"GET", "DELETE"}),
    ("POST", "/healthz", {"GET"}),
])
def test_wrong_method_is_405_with_allow(server, user, method, path, allowed):
    response = server.api(method, path, token=user.token)
    if path.startswith("/v1/"):
        assert_error(response, 405)
    assert response.status == 405, response
    allow = {m.strip() for m in (response.header("allow") or "").split(",") if m.strip()}
    assert allowed <= allow, response
    assert not (allow - allowed - {"OPTIONS", "HEAD"}), response


def test_body_over_the_limit_is_413(make_server, backends):
    small = make_server(backends, serverMaxBodyBytes=4096)
    user = login(small)
    big = json.dumps({"userIDs": ["x" * 100] * 80}).encode()
    assert len(big) > 4096
    assert_error(small.api("POST", "/v1/profiles/mappings", token=user.token, body=big), 413)
    response = small.request("POST", "/webhooks/auth_on_publish", body=b'{"topic":"' + b"a" * 8000 + b'"}')
    assert response.status == 413, response
    # the server is fine afterwards
    assert small.get("/healthz").status == 200


def test_header_over_the_limit_is_413(make_server, backends):
    small = make_server(backends, serverMaxHeaderBytes=2048)
    response = small.api("POST", "/v1/profiles", token="user:" + "a" * 4000)
    assert response.status in (413, 431), response
    assert small.get("/healthz").status == 200


# ---- CORS -------------------------------------------------------------------------------

def test_cors_preflight_allows_the_token_header(server):
    response = server.request("OPTIONS", "/v1/profiles", headers={
        "Origin": "https://app.example.com", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "token, content-type"})
    assert response.status == 204, response
    assert response.header("access-control-allow-origin") == "https://app.example.com", response
    headers = {h.strip().lower() for h in response.header("access-control-allow-headers").split(",")}
    assert {"token", "content-type"} <= headers, response
    assert "POST" in response.header("access-control-allow-methods"), response
    assert response.header("access-control-max-age") == "600", response


def test_cors_preflight_from_another_origin_gets_no_allow_origin(server):
    response = server.request("OPTIONS", "/v1/profiles", headers={
        "Origin": "https://evil.example.com", "Access-Control-Request-Method": "POST"})
    assert response.status in (204, 403), response
    assert response.header("access-control-allow-origin") is None, response


def test_cors_actual_response_carries_the_origin(server, user):
    response = server.api("POST", "/v1/profiles", token=user.token, headers={"Origin": "https://app.example.com"})
    assert response.status == 200
    assert response.header("access-control-allow-origin") == "https://app.example.com", response
    assert "origin" in (response.header("vary") or "").lower(), response
    response = server.api("POST", "/v1/profiles", token=user.token, headers={"Origin": "https://evil.example.com"})
    assert response.status == 200 and response.header("access-control-allow-origin") is None, response


# ---- keep-alive -------------------------------------------------------------------------

def test_keep_alive_serves_many_requests_on_one_connection(server, user):
    import http.client
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        for _ in range(20):
            conn.request("POST", "/v1/profiles", headers={"token": user.token})
            response = conn.getresponse()
            assert response.status == 200
            response.read()
            assert not response.will_close
    finally:
        conn.close()


def test_requests_per_client_address_are_limited(backends, make_server):
    # One address (this test's 127.0.0.1) gets serverAPIRequestBurst requests at once, then
    # 429 + Retry-After until its bucket refills; the probes and webhooks are not limited.
    server = make_server(backends, serverAPIRequestsPerSecond=1, serverAPIRequestBurst=3)
    statuses = [server.api("POST", "/v1/profiles/mappings", token=token_for(app_user_id()),
                           body={"userIDs": []}).status for _ in range(3)]
    assert 429 not in statuses, statuses
    refused = server.api("POST", "/v1/profiles/mappings", token=token_for(app_user_id()), body={"userIDs": []})
    assert refused.status == 429, refused
    assert refused.json()["error"]["code"] == "rate_limited"
    assert refused.header("retry-after") == "1", refused
    assert server.get("/healthz").status == 200
    assert server.get("/readyz").status == 200
    text = server.metrics_text()
    assert "wave_api_address_limited_total 1" in text.splitlines(), text
