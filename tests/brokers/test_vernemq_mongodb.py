"""VerneMQ 2.1.2 with its OWN MongoDB auth (vmq_diversity, auth_mongodb) reading the
vmq_acl_auth documents Wave wrote: no Wave code runs inside the broker.

Users are logged in through libwave (wavemq) into the database the broker reads.  What this
path guarantees differs from the webhook path (README, "Which broker path"): a refused
CONNECT is CONNACK 4 in v3 (the Lua script said no); one refused filter refuses the whole
SUBSCRIBE packet; ACLs are cached per connection, so a group change reaches a connected
client when it reconnects.
"""
import time
import uuid

import pytest

import wavemq
from conftest import V3, V5, VerneMQ, fixture_uri, group_topic, private_topic, require_vernemq, unique, write_config

pytestmark = pytest.mark.vernemq

REFUSED = {V3: 4, V5: 0x86}  # bad user name or password
SUB_REFUSED = {V3: 0x80, V5: 0x87}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    require_vernemq()
    directory = str(tmp_path_factory.mktemp("vmq-mongo"))
    name = unique("vmqdb")
    service = wavemq.Service.from_file(write_config(directory, name))
    broker = VerneMQ(directory, mongo_uri=fixture_uri("mongo"), mongo_database=name)
    yield broker, service
    broker.stop()
    service.close()
    assert "user:" not in broker.log_text()  # no token reached the broker's log


def login(service, app_user=None, tag="t1"):
    app_user = app_user or unique("u")
    return service.login(f"user:{app_user}:{tag}"), f"user:{app_user}:{tag}"


def connected(clients, broker, credentials, protocol=V3):
    client = clients(broker.port, credentials.client_id, credentials.username, credentials.password, protocol)
    assert client.connect() == 0
    return client


@pytest.mark.parametrize("protocol", [V3, V5])
def test_connect_reads_wave_documents(world, clients, protocol):
    broker, service = world
    alice, _ = login(service)
    bob, _ = login(service)
    assert connected(clients, broker, alice, protocol)  # the $2a$ passhash Wave wrote verifies
    unknown = str(uuid.uuid4())
    cases = [(alice.client_id, alice.username, alice.password + "x"),
             (alice.client_id, alice.username, bob.password),
             (unknown, unknown, alice.password),
             (bob.client_id, alice.username, alice.password)]
    for client_id, username, password in cases:
        assert clients(broker.port, client_id, username, password, protocol).connect() == REFUSED[protocol]
    # No credentials at all: refused too (the Lua script finds no document).
    assert clients(broker.port, alice.client_id, None, None, protocol).connect() in (REFUSED[protocol], 5, 0x87)


def test_revoked_rotated_and_long_tokens_refused(world, clients):
    broker, service = world
    app_user = unique("u")
    old, _ = login(service, app_user, "old")
    new, _ = login(service, app_user, "new")
    assert clients(broker.port, old.client_id, old.username, old.password).connect() == REFUSED[V3]
    assert connected(clients, broker, new)
    revoked, revoked_token = login(service)
    assert connected(clients, broker, revoked)  # control: it worked before the revoke
    service.revoke(revoked_token)
    assert clients(broker.port, revoked.client_id, revoked.username, revoked.password).connect() == REFUSED[V3]
    prefix = f"user:{unique('long')}:" + "b" * 80
    long_user = service.login(prefix + "one")
    assert connected(clients, broker, long_user)
    for password in (prefix + "one", prefix + "two"):  # raw form, and a token sharing 72 bytes
        assert clients(broker.port, long_user.client_id, long_user.username, password).connect() == REFUSED[V3]


@pytest.mark.parametrize("protocol", [V3, V5])
def test_private_messages_and_spoofing(world, clients, protocol):
    broker, service = world
    alice, _ = login(service)
    bob, _ = login(service)
    a = connected(clients, broker, alice, protocol)
    assert a.subscribe([private_topic("+", alice.internal_id)]) == [1]
    b = connected(clients, broker, bob, protocol)
    assert b.publish(private_topic(bob.internal_id, alice.internal_id), b"hello") == 0
    a.expect(private_topic(bob.internal_id, alice.internal_id), b"hello")
    reason = b.publish(private_topic(alice.internal_id, alice.internal_id), b"spoof")
    if protocol == V5:
        assert reason == 0x87
    else:  # VerneMQ closes a v3.1.1 connection on an unauthorised publish
        assert reason is None and b.disconnected.wait(5)
    a.expect_nothing(0.5)


@pytest.mark.parametrize("protocol", [V3, V5])
def test_subscribe_whole_packet_refused_on_one_bad_filter(world, clients, protocol):
    broker, service = world
    alice, _ = login(service)
    bob, _ = login(service)
    a = connected(clients, broker, alice, protocol)
    own = private_topic("+", alice.internal_id)
    for bad in [private_topic("+", bob.internal_id), "#", "+/#", "conversations/#", "conversations/private/+/+",
                f"$share/g/conversations/private/+/{bob.internal_id}", "$SYS/#"]:
        # vmq_diversity judges a SUBSCRIBE as a whole: the good filter goes down with it.
        assert a.subscribe([own, bad]) == [SUB_REFUSED[protocol]] * 2, bad
    assert a.subscribe([own]) == [1]  # positive control
    b = connected(clients, broker, bob, protocol)
    assert b.publish(private_topic(bob.internal_id, alice.internal_id), b"ok") == 0
    a.expect(private_topic(bob.internal_id, alice.internal_id), b"ok")


def test_groups_and_removal_on_next_connect(world, clients):
    broker, service = world
    owner, owner_token = login(service)
    member_user = unique("m")
    member, _ = login(service, member_user)
    outsider, _ = login(service)
    gid = service.create_group(owner_token, "team", [member_user]).group.group_id
    member = service.login(f"user:{member_user}:t1")  # same token: same credentials
    m = connected(clients, broker, member)
    assert m.subscribe([group_topic(gid, "+")]) == [1]
    x = connected(clients, broker, outsider)
    assert x.subscribe([group_topic(gid, "+")]) == [SUB_REFUSED[V3]]
    w = connected(clients, broker, owner)
    assert w.publish(group_topic(gid, owner.internal_id), b"team") == 0
    m.expect(group_topic(gid, owner.internal_id), b"team")
    service.remove_group_member(owner_token, gid, member_user)
    # vmq_diversity caches ACLs per connection: a new subscribe on the SAME connection is
    # still judged on the old ACLs; after reconnecting, the group is gone.
    m.close()
    again = connected(clients, broker, member)
    assert again.subscribe([group_topic(gid, "+")]) == [SUB_REFUSED[V3]]
    assert again.subscribe([private_topic("+", member.internal_id)]) == [1]  # control
