"""VerneMQ 2.1.2 through wave-server's webhooks, real paho clients.

Users are made through wave-server's API (POST /v1/sessions).  VerneMQ gives every refused
CONNECT the same answer over webhooks: v3 CONNACK 5, v5 0x86.  Subscriptions are judged per
filter.  wave-server sends max-age 1 on publish/subscribe grants here (none on register),
so a group change reaches VerneMQ's cache within about a second.  With vernemqAPIURL set,
a revoke disconnects the user's live sessions through VerneMQ's HTTP management API.
"""
import os
import time
import uuid

import pytest

from conftest import (V3, V5, VerneMQ, WaveServer, group_topic, private_topic, require_vernemq, unique,
                      write_config)

pytestmark = pytest.mark.vernemq

REFUSED = {V3: 5, V5: 0x86}
SUB_REFUSED = {V3: 0x80, V5: 0x87}
MAX_AGE = {"auth_on_register": 0, "auth_on_publish": 1, "auth_on_subscribe": 1}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    require_vernemq()
    directory = str(tmp_path_factory.mktemp("vmq-webhooks"))
    name = unique("vmqwh")
    # The management API key is created on the node, so the node starts first (its webhooks
    # point at a port reserved for the server), then the server with the key.
    key_file = os.path.join(directory, "vernemq-api-key")
    config = write_config(directory, name, webhookCacheMaxAgeSeconds=MAX_AGE)
    first = WaveServer(directory, config)
    broker = VerneMQ(directory, webhook_base=f"{first.base}/webhooks")
    with open(key_file, "w") as f:
        f.write(broker.api_key() + "\n")
    # A second config and server carrying the VerneMQ API settings share Redis and MongoDB;
    # the node keeps calling the first server's webhooks.
    config_api = write_config(directory, name + "_api", redisKeyPrefix=name + ":", mongoDatabase=name,
                              webhookCacheMaxAgeSeconds=MAX_AGE,
                              vernemqAPIURL=f"http://127.0.0.1:{broker.http_port}", vernemqAPIKeyFile=key_file)
    second = WaveServer(directory, config_api)
    yield broker, first, second
    broker.stop()
    first.stop()
    second.stop()
    for server in (first, second):
        assert server.proc.returncode == 0
        assert "user:" not in server.output()  # no token in wave-server's log


def connected(clients, broker, credentials, protocol=V3):
    client = clients(broker.port, credentials["clientID"], credentials["username"], credentials["password"], protocol)
    assert client.connect() == 0
    return client


@pytest.mark.parametrize("protocol", [V3, V5])
def test_connect(world, clients, protocol):
    broker, server, _ = world
    alice, _ = server.login()
    bob, _ = server.login()
    assert connected(clients, broker, alice, protocol)
    unknown = str(uuid.uuid4())
    cases = [(alice["clientID"], alice["username"], alice["password"] + "x"),
             (alice["clientID"], alice["username"], bob["password"]),
             (unknown, unknown, alice["password"]),
             (bob["clientID"], alice["username"], alice["password"]),
             (alice["clientID"], None, None)]
    for client_id, username, password in cases:
        assert clients(broker.port, client_id, username, password, protocol).connect() == REFUSED[protocol]


def test_revoked_rotated_and_long_tokens_refused(world, clients):
    broker, server, _ = world
    app_user = unique("u")
    old, _ = server.login(app_user, "old")
    new, _ = server.login(app_user, "new")
    assert clients(broker.port, old["clientID"], old["username"], old["password"]).connect() == REFUSED[V3]
    assert connected(clients, broker, new)
    revoked, revoked_token = server.login()
    status, _ = server.request("DELETE", "/v1/sessions", token=revoked_token)
    assert status == 200
    assert clients(broker.port, revoked["clientID"], revoked["username"],
                   revoked["password"]).connect() == REFUSED[V3]
    long_app = unique("long")
    prefix = f"user:{long_app}:" + "c" * 80
    long_user, _ = server.login(long_app, "c" * 80 + "one")
    assert connected(clients, broker, long_user)
    for password in (prefix + "one", prefix + "two"):
        assert clients(broker.port, long_user["clientID"], long_user["username"], password).connect() == REFUSED[V3]


@pytest.mark.parametrize("protocol", [V3, V5])
def test_private_messages_and_spoofing(world, clients, protocol):
    broker, server, _ = world
    alice, _ = server.login()
    bob, _ = server.login()
    a = connected(clients, broker, alice, protocol)
    assert a.subscribe([private_topic("+", alice["internalWaveUserID"])]) == [1]
    b = connected(clients, broker, bob, protocol)
    me, her = bob["internalWaveUserID"], alice["internalWaveUserID"]
    assert b.publish(private_topic(me, her), b"hello") == 0
    a.expect(private_topic(me, her), b"hello")
    reason = b.publish(private_topic(her, her), b"spoof")
    if protocol == V5:
        assert reason == 0x87
    else:  # VerneMQ closes a v3.1.1 connection on an unauthorised publish
        assert reason is None and b.disconnected.wait(5)
    a.expect_nothing(0.5)


@pytest.mark.parametrize("protocol", [V3, V5])
def test_subscribe_refused_per_filter(world, clients, protocol):
    broker, server, _ = world
    alice, _ = server.login()
    bob, _ = server.login()
    a = connected(clients, broker, alice, protocol)
    own = private_topic("+", alice["internalWaveUserID"])
    other = bob["internalWaveUserID"]
    bad = [private_topic("+", other), "#", "+/#", "conversations/#", "conversations/private/+/+",
           f"$share/g/conversations/private/+/{other}", "$SYS/#"]
    assert a.subscribe([own] + bad + [own]) == [1] + [SUB_REFUSED[protocol]] * len(bad) + [1]
    b = connected(clients, broker, bob, protocol)
    assert b.publish(private_topic(other, alice["internalWaveUserID"]), b"ok") == 0
    a.expect(private_topic(other, alice["internalWaveUserID"]), b"ok")


def test_groups_removal_after_max_age_and_no_local(world, clients):
    broker, server, _ = world
    owner, owner_token = server.login()
    member_app = unique("m")
    member, _ = server.login(member_app)
    outsider, _ = server.login()
    status, body = server.request("POST", "/v1/conversations/group", token=owner_token,
                                  body={"name": "team", "members": [member_app]})
    assert status == 201, body
    gid = body["content"]["groupID"]
    topic = group_topic(gid, owner["internalWaveUserID"])
    m = connected(clients, broker, member, V5)
    assert m.subscribe([group_topic(gid, "+")], no_local=True) == [1]
    x = connected(clients, broker, outsider)
    assert x.subscribe([group_topic(gid, "+")]) == [SUB_REFUSED[V3]]
    w = connected(clients, broker, owner, V5)
    assert w.subscribe([group_topic(gid, "+")], no_local=True) == [1]
    assert w.publish(topic, b"team") == 0
    m.expect(topic, b"team")
    w.expect_nothing(0.5)  # MQTT 5 no_local: the sender does not get its own message back
    status, _ = server.request("DELETE", f"/v1/conversations/group/{gid}/members/{member_app}", token=owner_token)
    assert status == 200
    # VerneMQ does not check deliveries: the removed member's existing subscription stays
    # until she reconnects; a new SUBSCRIBE is refused once the cached grant (max-age 1 s)
    # has expired.
    time.sleep(2.2)
    assert m.subscribe([group_topic(gid, "+")]) == [SUB_REFUSED[V5]]
    assert m.publish(group_topic(gid, member["internalWaveUserID"]), b"still?") == 0x87


def test_revoke_disconnects_live_session_through_vernemq_api(world, clients):
    broker, _, server_with_api = world
    alice, alice_token = server_with_api.login()
    bob, _ = server_with_api.login()
    a = connected(clients, broker, alice)
    b = connected(clients, broker, bob)  # control: stays connected
    status, _ = server_with_api.request("DELETE", "/v1/sessions", token=alice_token)
    assert status == 200
    assert a.disconnected.wait(5), "the revoked user's session was not disconnected"
    assert not b.disconnected.is_set()
    assert clients(broker.port, alice["clientID"], alice["username"], alice["password"]).connect() == REFUSED[V3]
