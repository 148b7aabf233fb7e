"""VerneMQ webhooks against a real wave-server (real Redis, FerretDB and app endpoint).

The protocol is shared/reference/vernemq-interop.md §2/§3: HTTP 200 + JSON always, grants
{"result":"ok"} (cache-control only there), refusals {"result":{"error":"not_allowed"}}."""
import uuid

import pytest

from server_harness import (assert_grant, assert_refusal, private_topic, publish_body, register_body,
                            subscribe_body)

pytestmark = pytest.mark.servers

V3_AND_M5 = pytest.mark.parametrize("m5", [False, True], ids=["v3", "m5"])


def hook_name(base, m5):
    return base + ("_m5" if m5 else "")


def register(m5, user_id, password, **kw):
    body = register_body(user_id, password, **kw)
    if m5:
        body.pop("clean_session")
        body["clean_start"] = True
        body["properties"] = {}
    return body


def sub_answer_topics(answer, m5):
    assert answer.get("result") == "ok", answer
    if m5:
        assert "topics" not in answer, answer
        return answer["modifiers"]["topics"]
    assert "modifiers" not in answer, answer
    return answer["topics"]


# ---- auth_on_register -------------------------------------------------------------------

@V3_AND_M5
def test_register_right_password_is_granted_without_cache_header(server, user, m5):
    response, answer = server.hook(hook_name("auth_on_register", m5), register(m5, user.id, user.password))
    assert_grant(answer)
    # webhookCacheMaxAgeSeconds.auth_on_register defaults to 0: no header at all.
    assert response.header("cache-control") is None, response


@V3_AND_M5
def test_register_wrong_password_is_refused(server, user, m5):
    response, answer = server.hook(hook_name("auth_on_register", m5), register(m5, user.id, user.password + "x"))
    assert_refusal(response, answer)


@V3_AND_M5
@pytest.mark.parametrize("field", ["username", "password", "both"])
def test_register_null_credentials_are_refused(server, user, m5, field):
    body = register(m5, user.id, user.password)
    if field in ("username", "both"):
        body["username"] = None
    if field in ("password", "both"):
        body["password"] = None
    response, answer = server.hook(hook_name("auth_on_register", m5), body)
    assert_refusal(response, answer)


@V3_AND_M5
def test_register_client_id_must_equal_username(server, user, other_user, m5):
    response, answer = server.hook(hook_name("auth_on_register", m5),
                                   register(m5, user.id, user.password, client_id=other_user.id))
    assert_refusal(response, answer)


@V3_AND_M5
def test_register_mountpoint_must_be_empty(server, user, m5):
    response, answer = server.hook(hook_name("auth_on_register", m5),
                                   register(m5, user.id, user.password, mountpoint="mp"))
    assert_refusal(response, answer)


def test_register_another_users_password_is_refused(server, user, other_user):
    response, answer = server.hook("auth_on_register", register_body(user.id, other_user.password))
    assert_refusal(response, answer)


def test_register_unknown_user_is_refused(server, user):
    response, answer = server.hook("auth_on_register", register_body(str(uuid.uuid4()), user.password))
    assert_refusal(response, answer)


# ---- auth_on_publish --------------------------------------------------------------------

@V3_AND_M5
def test_publish_own_topic_is_granted_with_cache_header(server, user, other_user, m5):
    body = publish_body(user.id, private_topic(user.id, other_user.id))
    if m5:
        body["properties"] = {}
    response, answer = server.hook(hook_name("auth_on_publish", m5), body)
    assert_grant(answer)
    assert response.header("cache-control") == "max-age=30", response


@V3_AND_M5
def test_publish_spoofed_sender_is_refused(server, user, other_user, m5):
    body = publish_body(user.id, private_topic(other_user.id, user.id))
    response, answer = server.hook(hook_name("auth_on_publish", m5), body)
    assert_refusal(response, answer)


@V3_AND_M5
def test_publish_client_id_must_equal_username(server, user, other_user, m5):
    body = publish_body(user.id, private_topic(user.id, other_user.id), client_id=other_user.id)
    response, answer = server.hook(hook_name("auth_on_publish", m5), body)
    assert_refusal(response, answer)


def test_publish_mountpoint_must_be_empty(server, user, other_user):
    body = publish_body(user.id, private_topic(user.id, other_user.id), mountpoint="mp")
    response, answer = server.hook("auth_on_publish", body)
    assert_refusal(response, answer)


@pytest.mark.parametrize("topic", ["conversations/private/{me}//x", "/conversations/private/{me}/x",
                                   "conversations//{me}/x", "conversations/private//{me}"])
def test_publish_empty_topic_levels_are_refused(server, user, topic):
    response, answer = server.hook("auth_on_publish", publish_body(user.id, topic.format(me=user.id)))
    assert_refusal(response, answer)


def test_publish_empty_last_level_is_matched_by_plus(server, user):
    # VerneMQ sends "a/" as two levels, the last one empty, and MQTT's "+" matches an empty
    # level: conversations/private/<me>/+ grants it (no user's ID is empty, so nobody can
    # subscribe to it: it reaches no one and names its sender correctly).
    _, answer = server.hook("auth_on_publish", publish_body(user.id, f"conversations/private/{user.id}/"))
    assert_grant(answer)


def test_publish_wildcard_topic_is_refused(server, user):
    response, answer = server.hook("auth_on_publish", publish_body(user.id, f"conversations/private/{user.id}/+"))
    assert_refusal(response, answer)


def test_publish_without_payload_key_is_judged_on_the_topic(server, user, other_user):
    body = publish_body(user.id, private_topic(user.id, other_user.id))
    del body["payload"]  # vmq_webhooks no_payload = on
    response, answer = server.hook("auth_on_publish", body)
    assert_grant(answer)


# ---- auth_on_subscribe ------------------------------------------------------------------

@V3_AND_M5
def test_subscribe_one_refused_filter_among_granted_ones(server, user, other_user, m5):
    refused = 135 if m5 else 128
    filters = [(f"conversations/private/+/{user.id}", 1),
               ("conversations/private/#", 1),          # everyone's mail: refused
               (f"conversations/private/{other_user.id}/{user.id}", 2),
               (f"conversations/private/+/{other_user.id}", 0)]  # someone else's inbox
    body = subscribe_body(user.id, filters)
    response, answer = server.hook(hook_name("auth_on_subscribe", m5), body)
    topics = sub_answer_topics(answer, m5)
    assert topics == [
        {"topic": filters[0][0], "qos": 1},
        {"topic": filters[1][0], "qos": refused},
        {"topic": filters[2][0], "qos": 2},
        {"topic": filters[3][0], "qos": refused},
    ], answer


@V3_AND_M5
def test_subscribe_all_granted_is_cacheable(server, user, m5):
    filters = [(f"conversations/private/+/{user.id}", 1)]
    response, answer = server.hook(hook_name("auth_on_subscribe", m5), subscribe_body(user.id, filters))
    assert sub_answer_topics(answer, m5) == [{"topic": filters[0][0], "qos": 1}]
    assert response.header("cache-control") == "max-age=30", response


@V3_AND_M5
def test_subscribe_all_refused_still_answers_per_filter(server, user, m5):
    refused = 135 if m5 else 128
    filters = [("conversations/private/#", 0), ("#", 1)]
    response, answer = server.hook(hook_name("auth_on_subscribe", m5), subscribe_body(user.id, filters))
    assert sub_answer_topics(answer, m5) == [{"topic": f, "qos": refused} for f, _ in filters]
    assert response.header("cache-control") is None, response


@V3_AND_M5
def test_subscribe_shared_subscription_is_judged_on_the_filter(server, user, m5):
    refused = 135 if m5 else 128
    own = f"$share/workers/conversations/private/+/{user.id}"
    wide = "$share/workers/conversations/private/#"
    response, answer = server.hook(hook_name("auth_on_subscribe", m5),
                                   subscribe_body(user.id, [(own, 1), (wide, 1)]))
    assert sub_answer_topics(answer, m5) == [{"topic": own, "qos": 1}, {"topic": wide, "qos": refused}]


@V3_AND_M5
@pytest.mark.parametrize("change", ["client_id", "mountpoint", "qos", "empty_list", "topic_not_string"])
def test_subscribe_invalid_packet_is_refused(server, user, other_user, m5, change):
    body = subscribe_body(user.id, [(f"conversations/private/+/{user.id}", 1)])
    if change == "client_id":
        body["client_id"] = other_user.id
    elif change == "mountpoint":
        body["mountpoint"] = "mp"
    elif change == "qos":
        body["topics"][0]["qos"] = 3
    elif change == "empty_list":
        body["topics"] = []
    else:
        body["topics"][0]["topic"] = 42
    response, answer = server.hook(hook_name("auth_on_subscribe", m5), body)
    assert_refusal(response, answer)


def test_subscribe_missing_topics_is_refused(server, user):
    body = subscribe_body(user.id, [])
    del body["topics"]
    response, answer = server.hook("auth_on_subscribe", body)
    assert_refusal(response, answer)


# ---- dispatcher, robustness -------------------------------------------------------------

def test_dispatcher_uses_the_vernemq_hook_header(server, user, other_user):
    body = publish_body(user.id, private_topic(user.id, other_user.id))
    response, answer = server.hook("auth_on_publish", body, path="/webhooks")
    assert_grant(answer)
    assert response.header("cache-control") == "max-age=30"
    response, answer = server.hook("auth_on_register", register_body(user.id, user.password), path="/webhooks")
    assert_grant(answer)


def test_dispatcher_without_header_is_refused(server, user, other_user):
    body = publish_body(user.id, private_topic(user.id, other_user.id))
    response, answer = server.hook(None, body, path="/webhooks")
    assert_refusal(response, answer)


def test_path_and_header_must_agree(server, user, other_user):
    body = publish_body(user.id, private_topic(user.id, other_user.id))
    response, answer = server.hook("auth_on_register", body, path="/webhooks/auth_on_publish")
    assert_refusal(response, answer)
    # the same body with agreeing names is a grant: the refusal came from the disagreement
    response, answer = server.hook("auth_on_publish", body, path="/webhooks/auth_on_publish")
    assert_grant(answer)


@pytest.mark.parametrize("hook", ["on_register", "auth_on_nothing", "on_deliver", "AUTH_ON_PUBLISH"])
def test_unknown_hook_is_refused(server, user, other_user, hook):
    body = publish_body(user.id, private_topic(user.id, other_user.id))
    response, answer = server.hook(hook, body)
    assert_refusal(response, answer)


@pytest.mark.parametrize("hook", ["auth_on_register", "auth_on_publish", "auth_on_subscribe",
                                  "auth_on_register_m5", "auth_on_publish_m5", "auth_on_subscribe_m5"])
@pytest.mark.parametrize("body", [b"", b"not json", b"{", b"[]", b"null", b"42", b'"ok"',
                                  b'{"result":"ok"}', b"\xff\xfe{}", b'{"username":1,"client_id":1}'])
def test_garbage_bodies_are_refused(server, hook, body):
    response, answer = server.hook(hook, body)
    assert_refusal(response, answer)


@pytest.mark.parametrize("missing", ["username", "client_id", "mountpoint", "topic"])
def test_publish_missing_fields_are_refused(server, user, other_user, missing):
    body = publish_body(user.id, private_topic(user.id, other_user.id))
    del body[missing]
    response, answer = server.hook("auth_on_publish", body)
    assert_refusal(response, answer)


@pytest.mark.parametrize("missing", ["username", "client_id", "mountpoint", "password"])
def test_register_missing_fields_are_refused(server, user, missing):
    body = register_body(user.id, user.password)
    del body[missing]
    response, answer = server.hook("auth_on_register", body)
    assert_refusal(response, answer)


def test_unknown_extra_fields_are_ignored(server, user, other_user):
    extra = {"listener_addr": "127.0.0.1", "listener_port": 1883, "listener_type": "mqtt",
             "client_cert": "Y2VydA==", "something_new": {"nested": [1, 2, 3]}}
    _, answer = server.hook("auth_on_register", register_body(user.id, user.password, **extra))
    assert_grant(answer)
    _, answer = server.hook("auth_on_publish", publish_body(user.id, private_topic(user.id, other_user.id),
                                                           something_new=True))
    assert_grant(answer)


def test_wrong_method_on_a_webhook(server):
    response = server.get("/webhooks/auth_on_publish")
    assert response.status == 405, response
    assert "POST" in (response.header("allow") or ""), response


# ---- replay of VerneMQ's own request bodies (vernemq-interop.md §6), real users ----------

def test_replay_register_with_listener_metadata(server, user):
    body = {"peer_addr": "127.0.0.1", "peer_port": 12345, "mountpoint": "", "client_id": user.id,
            "username": user.id, "password": user.password, "clean_session": True,
            "client_cert": "client cert", "listener_addr": "127.0.0.1", "listener_port": 1883,
            "listener_type": "mqtt"}
    _, answer = server.hook("auth_on_register", body)
    assert_grant(answer)
    body.update(listener_addr="local", listener_port=0)  # a unix socket listener
    _, answer = server.hook("auth_on_register", body)
    assert_grant(answer)
    body["mountpoint"] = "mountpoint"  # the suite's own mountpoint: not Wave's
    response, answer = server.hook("auth_on_register", body)
    assert_refusal(response, answer)


def test_replay_register_without_credentials(server):
    body = {"peer_addr": "127.0.0.1", "peer_port": 12345, "mountpoint": "", "client_id": "undefined_creds",
            "username": None, "password": None, "clean_session": True}
    response, answer = server.hook("auth_on_register", body)
    assert_refusal(response, answer)


def test_replay_register_m5_with_properties(server, user):
    body = {"peer_addr": "127.0.0.1", "peer_port": 12345, "mountpoint": "", "client_id": user.id,
            "username": user.id, "password": user.password, "clean_start": True,
            "properties": {"p_session_expiry_interval": 5, "p_receive_max": 10, "p_topic_alias_max": 15,
                           "p_request_response_info": True, "p_request_problem_info": True,
                           "p_user_property": [{"key": "azE=", "val": "djE="}, {"key": "azE=", "val": "djI="},
                                               {"key": "azI=", "val": "djI="}]}}
    _, answer = server.hook("auth_on_register_m5", body)
    assert_grant(answer)


def test_replay_publish_base64(server, user, other_user):
    body = {"username": user.id, "mountpoint": "", "client_id": user.id, "qos": 1,
            "topic": private_topic(user.id, other_user.id), "payload": "aGVsbG8gd29ybGQ=", "retain": False}
    _, answer = server.hook("auth_on_publish", body)
    assert_grant(answer)
    body["topic"] = "test/topic"
    response, answer = server.hook("auth_on_publish", body)
    assert_refusal(response, answer)


def test_replay_publish_m5_with_properties(server, user, other_user):
    body = {"username": user.id, "mountpoint": "", "client_id": user.id, "qos": 1,
            "topic": private_topic(user.id, other_user.id), "payload": "aGk=", "retain": False,
            "properties": {"p_user_property": [{"key": "azE=", "val": "djE="}, {"key": "azI=", "val": "djI="}],
                           "p_correlation_data": "correlation_data", "p_response_topic": "response/topic",
                           "p_payload_format_indicator": "utf8", "p_content_type": "content_type"}}
    _, answer = server.hook("auth_on_publish_m5", body)
    assert_grant(answer)


def test_replay_subscribe_v3(server, user):
    body = {"username": user.id, "mountpoint": "", "client_id": user.id,
            "topics": [{"topic": "test/topic", "qos": 1}, {"topic": f"conversations/private/+/{user.id}", "qos": 1}]}
    _, answer = server.hook("auth_on_subscribe", body)
    assert answer == {"result": "ok", "topics": [{"topic": "test/topic", "qos": 128},
                                                  {"topic": f"conversations/private/+/{user.id}", "qos": 1}]}


def test_replay_subscribe_m5_with_subopts(server, user):
    mine = f"conversations/private/+/{user.id}"
    body = {"username": user.id, "mountpoint": "", "client_id": user.id,
            "topics": [{"topic": mine, "qos": 1, "no_local": False, "rap": False, "retain_handling": "send_retain"},
                       {"topic": "forbidden/topic", "qos": 2, "no_local": False, "rap": False,
                        "retain_handling": "send_retain"}],
            "properties": {"p_user_property": [{"key": "azE=", "val": "djE="}], "p_subscription_id": [1, 2, 3]}}
    _, answer = server.hook("auth_on_subscribe_m5", body)
    topics = sub_answer_topics(answer, True)
    assert [(t["topic"], t["qos"]) for t in topics] == [(mine, 1), ("forbidden/topic", 135)], answer


# ---- groups through the webhooks --------------------------------------------------------

def test_group_member_may_publish_and_subscribe_in_the_group(server, user, other_user):
    created = server.api("POST", "/v1/conversations/group", token=user.token,
                         body={"name": "friends", "members": [other_user.app_id]})
    assert created.status == 201, created
    gid = created.json()["content"]["groupID"]
    _, answer = server.hook("auth_on_publish", publish_body(other_user.id, f"conversations/group/{gid}/{other_user.id}"))
    assert_grant(answer)
    response, answer = server.hook("auth_on_publish", publish_body(other_user.id, f"conversations/group/{gid}/{user.id}"))
    assert_refusal(response, answer)
    _, answer = server.hook("auth_on_subscribe", subscribe_body(other_user.id, [(f"conversations/group/{gid}/+", 1)]))
    assert answer == {"result": "ok", "topics": [{"topic": f"conversations/group/{gid}/+", "qos": 1}]}


# ---- webhookCacheMaxAgeSeconds ----------------------------------------------------------

def test_cache_max_age_follows_the_config_per_hook(backends, make_server):
    from server_harness import login
    server = make_server(backends, webhookCacheMaxAgeSeconds={"auth_on_register": 60, "auth_on_publish": 0,
                                                              "auth_on_subscribe": 5})
    user = login(server)
    friend = login(server)
    for hook in ("auth_on_register", "auth_on_register_m5"):
        response, answer = server.hook(hook, register_body(user.id, user.password))
        assert_grant(answer)
        assert response.header("cache-control") == "max-age=60", (hook, response)
        response, answer = server.hook(hook, register_body(user.id, "wrong-password"))
        assert_refusal(response, answer)
    for hook in ("auth_on_publish", "auth_on_publish_m5"):
        response, answer = server.hook(hook, publish_body(user.id, private_topic(user.id, friend.id)))
        assert_grant(answer)
        assert response.header("cache-control") is None, (hook, response)  # 0 = no header at all
    response, answer = server.hook("auth_on_subscribe_m5",
                                   subscribe_body(user.id, [(f"conversations/private/+/{user.id}", 1)]))
    assert answer["modifiers"]["topics"] == [{"topic": f"conversations/private/+/{user.id}", "qos": 1}]
    assert response.header("cache-control") == "max-age=5", response


def test_listening_line_and_config_errors_name_the_field(backends, make_server):
    server = make_server(backends)
    listening = [line for line in server.log_lines() if line.get("msg") == "listening"]
    assert len(listening) == 1, listening
    assert listening[0]["level"] == "info" and listening[0]["ts"].endswith("Z"), listening
    broken = make_server(backends, name="broken", start=False, serverMaxBodyBytes=10)
    broken.write_config()
    import subprocess
    from server_harness import server_binary
    result = subprocess.run([server_binary(), "--config", broken.config_path, "--listen", "127.0.0.1:0"],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode != 0
    assert "serverMaxBodyBytes" in result.stderr + result.stdout, result
