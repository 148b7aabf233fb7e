"""Mosquitto 2 with the Wave plugin (wave_mosquitto.so), real paho clients.

Users are logged in through libwave (wavemq) on the same Redis and MongoDB the plugin reads.
Every refusal has a positive control beside it, so a broker that delivers nothing fails.
"""
import getpass
import itertools
import os
import subprocess
import time
import uuid

import pytest

import wavemq
from conftest import V3, V5, free_port, group_topic, private_topic, unique, wait_for_port, write_config

pytestmark = pytest.mark.mosquitto

# Mosquitto 2.0's CONNACK for a refused login: v3 5 (not authorized), v5 0x87 (not authorized).
REFUSED = {V3: 5, V5: 0x87}
SUB_REFUSED = {V3: 0x80, V5: 0x87}


class Broker:
    def __init__(self, directory, config_path):
        plugin = os.environ.get("WAVE_MOSQUITTO_PLUGIN")
        if not plugin or not os.path.exists(plugin):
            pytest.fail("WAVE_MOSQUITTO_PLUGIN does not name the built wave_mosquitto.so (run through ctest)")
        self.port = free_port()
        self.conf = os.path.join(directory, "mosquitto.conf")
        with open(self.conf, "w") as f:
            f.write(f"listener {self.port} 127.0.0.1\nallow_anonymous false\npersistence false\n"
                    f"user {getpass.getuser()}\nlog_dest stderr\nlog_type error\nlog_type warning\nlog_type notice\n"
                    f"plugin {plugin}\nplugin_opt_config {config_path}\n")
        self.log_path = os.path.join(directory, "mosquitto.log")
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(["mosquitto", "-c", self.conf], stdout=self.log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        wait_for_port(self.port, self.proc, "mosquitto")

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()

    def log_text(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    directory = str(tmp_path_factory.mktemp("mosquitto"))
    name = unique("mosq")
    config = write_config(directory, name)
    service = wavemq.Service.from_file(config)
    broker = Broker(directory, config)
    yield broker, service
    broker.stop()
    service.close()
    # The plugin never logs a secret: no token or password in the broker's log.
    assert "user:" not in broker.log_text()


def login(service, app_user=None, tag="t1"):
    app_user = app_user or unique("u")
    token = f"user:{app_user}:{tag}"
    return service.login(token), token


def connected(clients, broker, credentials, protocol=V3):
    client = clients(broker.port, credentials.client_id, credentials.username, credentials.password, protocol)
    assert client.connect() == 0
    return client


@pytest.mark.parametrize("protocol", [V3, V5])
def test_connect_right_password_accepted_others_refused(world, clients, protocol):
    broker, service = world
    alice, alice_token = login(service)
    bob, _ = login(service)
    assert connected(clients, broker, alice, protocol)  # positive control
    refused = REFUSED[protocol]
    cases = {
        "wrong password": (alice.client_id, alice.username, alice.password + "x"),
        "another user's password": (alice.client_id, alice.username, bob.password),
        "unknown user": (str(uuid.uuid4()), None, alice.password),
        "client id != username": (bob.client_id, alice.username, alice.password),
        "no credentials": (alice.client_id, None, None),
        "empty password": (alice.client_id, alice.username, ""),
    }
    for what, (client_id, username, password) in cases.items():
        if what == "unknown user":
            username = client_id
        client = clients(broker.port, client_id, username, password, protocol)
        assert client.connect() == refused, what


@pytest.mark.parametrize("protocol", [V3, V5])
def test_revoked_and_rotated_tokens_refused(world, clients, protocol):
    broker, service = world
    app_user = unique("u")
    old, old_token = login(service, app_user, "old")
    new, _ = login(service, app_user, "new")  # rotation: same ID, new credential
    assert new.internal_id == old.internal_id
    assert clients(broker.port, old.client_id, old.username, old.password, protocol).connect() == REFUSED[protocol]
    assert connected(clients, broker, new, protocol)
    revoked, revoked_token = login(service)
    service.revoke(revoked_token)
    assert clients(broker.port, revoked.client_id, revoked.username, revoked.password,
                   protocol).connect() == REFUSED[protocol]


def test_long_token_raw_form_and_shared_prefix_refused(world, clients):
    broker, service = world
    app_user = unique("long")
    prefix = f"user:{app_user}:" + "a" * 80  # over bcrypt's 72 bytes
    token = prefix + "one"
    credentials = service.login(token)
    assert credentials.password != token  # the derived password (auto scheme)
    assert connected(clients, broker, credentials)
    for password in (token, prefix + "two", prefix):
        client = clients(broker.port, credentials.client_id, credentials.username, password)
        assert client.connect() == REFUSED[V3]


@pytest.mark.parametrize("protocol", [V3, V5])
def test_private_message_names_its_sender_and_spoofing_never_arrives(world, clients, protocol):
    broker, service = world
    alice, _ = login(service)
    bob, _ = login(service)
    a = connected(clients, broker, alice, protocol)
    assert a.subscribe([private_topic("+", alice.internal_id)]) == [1]
    b = connected(clients, broker, bob, protocol)
    # Bob as himself: arrives, and the topic names him.
    assert b.publish(private_topic(bob.internal_id, alice.internal_id), b"hi from bob") == 0
    a.expect(private_topic(bob.internal_id, alice.internal_id), b"hi from bob")
    # Bob pretending to be Alice: v5 gets PUBACK 0x87 (not authorized); Mosquitto
    # acknowledges a refused v3 QoS 1 publish and drops it.  Either way nobody receives it.
    reason = b.publish(private_topic(alice.internal_id, alice.internal_id), b"spoof")
    assert reason == (0x87 if protocol == V5 else 0)
    a.expect_nothing(0.5)
    # Positive control after the refusal: the connection still works.
    assert b.publish(private_topic(bob.internal_id, alice.internal_id), b"again") == 0
    a.expect(private_topic(bob.internal_id, alice.internal_id), b"again")


@pytest.mark.parametrize("protocol", [V3, V5])
def test_subscribe_refuses_per_filter(world, clients, protocol):
    broker, service = world
    alice, _ = login(service)
    bob, _ = login(service)
    a = connected(clients, broker, alice, protocol)
    own = private_topic("+", alice.internal_id)
    bad = [private_topic("+", bob.internal_id), "#", "+/#", "conversations/#", "conversations/private/+/+",
           f"$share/g/conversations/private/+/{bob.internal_id}", "$SYS/#"]
    codes = a.subscribe([own] + bad + [own])
    assert codes == [1] + [SUB_REFUSED[protocol]] * len(bad) + [1]
    # The granted filter works; the refused ones deliver nothing (Bob's inbox).
    b = connected(clients, broker, bob, protocol)
    assert b.publish(private_topic(bob.internal_id, alice.internal_id), b"to alice") == 0
    a.expect(private_topic(bob.internal_id, alice.internal_id), b"to alice")
    carol, _ = login(service)
    c = connected(clients, broker, carol, protocol)
    # Nobody may read Bob's inbox: v5 says so (0x10, no matching subscribers).
    assert c.publish(private_topic(carol.internal_id, bob.internal_id), b"to bob") == (0x10 if protocol == V5 else 0)
    a.expect_nothing(0.5)


def test_groups_membership_reaches_deliveries_at_once(world, clients):
    broker, service = world
    owner, owner_token = login(service)
    member_user = unique("m")
    member, _ = login(service, member_user)
    other_user = unique("o")
    other, _ = login(service, other_user)
    outsider, _ = login(service)
    group = service.create_group(owner_token, "team", [member_user, other_user])
    gid = group.group.group_id
    filter_ = group_topic(gid, "+")
    m = connected(clients, broker, member)
    o = connected(clients, broker, other)
    x = connected(clients, broker, outsider)
    assert m.subscribe([filter_]) == [1]
    assert o.subscribe([filter_]) == [1]
    assert x.subscribe([filter_]) == [SUB_REFUSED[V3]]  # a non-member cannot subscribe
    w = connected(clients, broker, owner)
    assert w.publish(group_topic(gid, owner.internal_id), b"hello team") == 0
    m.expect(group_topic(gid, owner.internal_id), b"hello team")
    o.expect(group_topic(gid, owner.internal_id), b"hello team")
    x.expect_nothing(0.2)
    # A member removed: Mosquitto checks every delivery, so she stops receiving at once
    # (her subscription stays, her grant does not), while the others still receive.
    service.remove_group_member(owner_token, gid, member_user)
    # The invalidation message crosses Redis to the broker's process: probe until it has
    # landed (the others get every probe), then the removed member must get nothing more.
    deadline = time.time() + 10
    for attempt in itertools.count():
        probe = b"probe %d" % attempt
        assert w.publish(group_topic(gid, owner.internal_id), probe) == 0
        o.expect(group_topic(gid, owner.internal_id), probe)
        if m.drain(0.2) == []:
            break
        assert time.time() < deadline, "the removed member still receives after 10 s"
    assert w.publish(group_topic(gid, owner.internal_id), b"after removal") == 0
    o.expect(group_topic(gid, owner.internal_id), b"after removal")
    m.expect_nothing(0.5)


def test_mqtt5_no_local_keeps_a_sender_from_its_own_group_message(world, clients):
    broker, service = world
    owner, owner_token = login(service)
    member_user = unique("m")
    member, _ = login(service, member_user)
    gid = service.create_group(owner_token, "nolocal", [member_user]).group.group_id
    w = connected(clients, broker, owner, V5)
    m = connected(clients, broker, member, V5)
    assert w.subscribe([group_topic(gid, "+")], no_local=True) == [1]
    assert m.subscribe([group_topic(gid, "+")], no_local=True) == [1]
    assert w.publish(group_topic(gid, owner.internal_id), b"mine") == 0
    m.expect(group_topic(gid, owner.internal_id), b"mine")  # positive control
    w.expect_nothing(0.5)


@pytest.mark.parametrize("protocol", [V3, V5])
def test_revoke_disconnects_a_connected_client(world, clients, protocol):
    broker, service = world
    alice, alice_token = login(service)
    bob, _ = login(service)
    a = connected(clients, broker, alice, protocol)
    assert a.subscribe([private_topic("+", alice.internal_id)]) == [1]
    b = connected(clients, broker, bob, protocol)  # control: Bob stays
    started = time.time()
    service.revoke(alice_token)
    assert a.disconnected.wait(3.0), "the revoked user's client was not disconnected"
    assert time.time() - started < 3.0
    assert not b.disconnected.is_set()
    again = clients(broker.port, alice.client_id, alice.username, alice.password, protocol)
    assert again.connect() == REFUSED[protocol]


def test_fault_refuses_and_is_logged_without_secrets(tmp_path, clients):
    # A plugin whose Redis and MongoDB are unreachable refuses every CONNECT (fail closed).
    name = unique("down")
    config = write_config(str(tmp_path), name, redisURI="redis://127.0.0.1:1/0", mongoURI="mongodb://127.0.0.1:1/",
                          redisTimeoutMs=200, mongoTimeoutMs=300)
    broker = Broker(str(tmp_path), config)
    try:
        client_id = str(uuid.uuid4())
        client = clients(broker.port, client_id, client_id, "user:someone:secret-token")
        assert client.connect() == REFUSED[V3]
    finally:
        broker.stop()
    log = broker.log_text()
    assert "refused on a fault" in log
    assert "secret-token" not in log
