"""wavemq.Service against the real libwave.

Tests marked `servers` run (python.e2e) against the CTest fixtures redis, mongo and app,
whose addresses are in $WAVE_TEST_STATE_DIR/<kind>.uri; each test has a Redis key prefix and
MongoDB database of its own.  A test that switches the app endpoint down starts an app
server of its own (tests/harness/servers.py), so other tests never see it down.  The
unmarked tests (python.unit) need no server at all.
"""
import ctypes
import itertools
import json
import os
import subprocess
import sys
import threading
import time
import uuid

import pytest

import wavemq
from wavemq._lib import lib, take_string
from wavemq.service import CredentialsPtr, GroupCreationPtr, GroupListPtr, ResolutionPtr

HARNESS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "harness")
sys.path.insert(0, HARNESS)
from app_control import app_control, wait_for_app_call  # noqa: E402 - after the path it needs
TOKEN_REGEX = "[A-Za-z0-9:_.-]{1,200}"
UNREACHABLE_APP = "http://127.0.0.1:1/auth/check"  # nothing listens on port 1

_counter = itertools.count()


def unique(tag):
    """A name no other test (or parallel test process) uses."""
    return f"py_{tag}_{os.getpid()}_{next(_counter)}"


def token_of(app_user, tag="t1"):
    return f"user:{app_user}:{tag}"


def fixture_uri(kind):
    state = os.environ.get("WAVE_TEST_STATE_DIR")
    if not state:
        pytest.fail("WAVE_TEST_STATE_DIR is not set: run through ctest (python.e2e)")
    try:
        with open(os.path.join(state, f"{kind}.uri")) as f:
            return f.read().strip()
    except OSError as error:
        pytest.fail(f"the {kind} fixture is not running ({error})")


def write_config(directory, **fields):
    """Writes a config JSON file (bcrypt cost 4, the test token format, short timeouts,
    whatever `fields` add or override) and returns its path."""
    config = {"tokenValidationRegex": TOKEN_REGEX, "bcryptCost": 4, "httpTimeoutMs": 3000,
              "httpConnectTimeoutMs": 1000}
    config.update(fields)
    path = os.path.join(directory, unique("config") + ".json")
    with open(path, "w") as f:
        json.dump(config, f)
    return path


def servers_service(tmp_path, app=None, **fields):
    """A service on the fixture servers, in a key prefix and database of its own."""
    name = unique("svc")
    fields = {"storage": "servers", "redisURI": fixture_uri("redis"), "redisKeyPrefix": name + ":",
              "redisTimeoutMs": 1000, "mongoURI": fixture_uri("mongo"), "mongoDatabase": name,
              "mongoTimeoutMs": 3000, **fields}
    return wavemq.Service.from_file(write_config(str(tmp_path), authenticationCheckEndpoint=app or fixture_uri("app"),
                                                 **fields))


def memory_service(tmp_path, app, **fields):
    return wavemq.Service.from_file(write_config(str(tmp_path), authenticationCheckEndpoint=app, storage="memory",
                                                 **fields))


def assert_fault(action, *allowed):
    """`action` must raise a fault (a WaveError that is neither InvalidToken nor Denied), of
    one of the `allowed` classes when given: a fault never grants and never passes for a
    verdict on the token."""
    with pytest.raises(wavemq.WaveError) as info:
        action()
    assert not isinstance(info.value, (wavemq.InvalidToken, wavemq.Denied)), info.value
    if allowed:
        assert isinstance(info.value, allowed), info.value
    assert info.value.args[0]  # Wave's message
    return info.value


def private_topic(sender, recipient):
    return f"conversations/private/{sender}/{recipient}"


@pytest.fixture
def private_app(tmp_path):
    """An app server of this test's own (its mode may be switched down)."""
    state = str(tmp_path / "app-state")
    os.mkdir(state)
    servers = os.path.join(HARNESS, "servers.py")
    subprocess.run([sys.executable, servers, "start", "app", state], check=True, timeout=120)
    try:
        with open(os.path.join(state, "app.uri")) as f:
            yield f.read().strip()
    finally:
        subprocess.run([sys.executable, servers, "stop", "app", state], check=False, timeout=120)


# ---- with the real servers --------------------------------------------------------------

@pytest.mark.servers
def test_login_returns_complete_credentials_and_one_id_per_user(tmp_path):
    with servers_service(tmp_path) as service:
        alice = unique("alice")
        token = token_of(alice)
        c = service.login(token)
        assert str(uuid.UUID(c.internal_id)) == c.internal_id
        assert uuid.UUID(c.internal_id).version == 4
        assert c.client_id == c.username == c.internal_id
        assert c.app_user_id == alice
        assert c.password == wavemq.mqtt_password(token) == token  # scheme auto: a short token is the password
        own = wavemq.private_patterns(c.internal_id)
        assert c.publish_acl == tuple(own["publish"]) == (f"conversations/private/{c.internal_id}/+",)
        assert c.subscribe_acl == tuple(own["subscribe"]) == (f"conversations/private/+/{c.internal_id}",)
        assert c.groups == ()
        assert token not in repr(c) and c.internal_id in repr(c)

        assert service.login(token) == c  # a repeat: the same everything
        assert service.login(token.encode()) == c  # bytes tokens are the same token
        bob = service.login(token_of(unique("bob")))
        assert bob.internal_id != c.internal_id
    with servers_service(tmp_path) as other:  # other stores: another deployment, other IDs
        assert other.login(token).internal_id != c.internal_id


@pytest.mark.servers
def test_rotation_keeps_the_id_and_retires_the_old_password(tmp_path):
    app = fixture_uri("app")
    with servers_service(tmp_path, credentialCacheSize=0) as service:
        dan = unique("dan")
        old_token, new_token = token_of(dan, "old"), token_of(dan, "new")
        before = service.login(old_token)
        user_id = before.internal_id
        assert service.authorize_register(user_id, user_id, before.password)

        app_control(app, "revoke", old_token)  # the app replaced the token
        after = service.login(new_token)
        assert after.internal_id == user_id
        assert after.password != before.password
        assert after.publish_acl == before.publish_acl
        with pytest.raises(wavemq.InvalidToken):
            service.login(old_token)
        assert not service.authorize_register(user_id, user_id, before.password)
        assert service.authorize_register(user_id, user_id, after.password)


@pytest.mark.servers
def test_groups_flow(tmp_path):
    with servers_service(tmp_path) as service:
        owner_app, member_app, third_app, outsider_app = (unique(n) for n in ("ida", "jon", "kim", "lou"))
        owner_token, member_token, third_token, outsider_token = map(
            token_of, (owner_app, member_app, third_app, outsider_app))
        owner = service.login(owner_token).internal_id
        member = service.login(member_token).internal_id
        third = service.login(third_token).internal_id
        service.login(outsider_token)
        never = unique("never")

        creation = service.create_group(owner_token, "Team Ω", [member_app, never])
        group = creation.group
        gid = group.group_id
        assert group.name == "Team Ω"
        assert group.owner == owner
        assert sorted(group.members) == sorted([owner, member])
        assert creation.unknown_app_user_ids == (never,)
        assert service.group_members(member_token, gid) == wavemq.Group(gid, "Team Ω", owner, group.members)

        # Members get the group's patterns: a receiver learns the sender from the topic.
        patterns = wavemq.group_patterns(gid, member)
        c = service.login(member_token)
        assert gid in c.groups
        assert set(patterns["publish"]) <= set(c.publish_acl)
        assert set(patterns["subscribe"]) <= set(c.subscribe_acl)
        assert service.authorize_publish(member, f"conversations/group/{gid}/{member}")
        assert not service.authorize_publish(member, f"conversations/group/{gid}/{owner}")  # no impersonation
        assert service.authorize_subscribe(member, [f"conversations/group/{gid}/+"])
        assert not service.authorize_publish(third, f"conversations/group/{gid}/{third}")  # not yet a member

        assert service.add_group_member(owner_token, gid, third_app) is True
        assert service.add_group_member(owner_token, gid, third_app) is False  # idempotent
        assert sorted(service.group_members(third_token, gid).members) == sorted([owner, member, third])
        assert service.authorize_publish(third, f"conversations/group/{gid}/{third}")
        with pytest.raises(wavemq.NotFound):
            service.add_group_member(owner_token, gid, never)

        # Only the owner manages the group; only members see it.
        with pytest.raises(wavemq.Denied):
            service.add_group_member(member_token, gid, outsider_app)
        with pytest.raises(wavemq.Denied):
            service.remove_group_member(member_token, gid, third_app)
        with pytest.raises(wavemq.Denied):
            service.delete_group(member_token, gid)
        with pytest.raises(wavemq.Denied):
            service.group_members(outsider_token, gid)
        with pytest.raises(PermissionError):  # Denied is also the built-in a caller would catch
            service.delete_group(outsider_token, gid)
        with pytest.raises(wavemq.Conflict):
            service.leave_group(owner_token, gid)
        with pytest.raises(wavemq.Conflict):
            service.remove_group_member(owner_token, gid, owner_app)

        assert [g.group_id for g in service.list_groups(member_token)] == [gid]
        assert service.list_groups(outsider_token) == []
        service.leave_group(member_token, gid)
        with pytest.raises(wavemq.NotFound):
            service.leave_group(member_token, gid)
        assert service.list_groups(member_token) == []
        assert not service.authorize_publish(member, f"conversations/group/{gid}/{member}")
        assert service.remove_group_member(owner_token, gid, third_app) is True
        assert service.remove_group_member(owner_token, gid, third_app) is False
        assert service.group_members(owner_token, gid).members == (owner,)

        second_creation = service.create_group(owner_token, "second")
        second = second_creation.group
        assert second.members == (second.owner,) and second_creation.unknown_app_user_ids == ()
        assert sorted(g.group_id for g in service.list_groups(owner_token)) == sorted([gid, second.group_id])
        service.delete_group(owner_token, gid)
        with pytest.raises(wavemq.NotFound):
            service.group_members(owner_token, gid)
        assert [g.group_id for g in service.list_groups(owner_token)] == [second.group_id]
        assert not service.authorize_publish(owner, f"conversations/group/{gid}/{owner}")
        assert gid not in service.login(owner_token).groups


@pytest.mark.servers
def test_resolve_reports_unknown_users_in_order(tmp_path):
    with servers_service(tmp_path) as service:
        gus, hal, nobody = unique("gus"), unique("hal"), unique("nobody")
        g = service.login(token_of(gus)).internal_id
        h = service.login(token_of(hal)).internal_id
        resolved = service.resolve(token_of(gus), [hal, nobody, gus, hal])
        assert resolved == [(hal, h), (nobody, None), (gus, g), (hal, h)]
        assert resolved[1].app_user_id == nobody and resolved[1].internal_id is None
        assert dict(resolved) == {hal: h, nobody: None, gus: g}
        assert service.resolve(token_of(gus).encode(), []) == []
        with pytest.raises(TypeError):
            service.resolve(token_of(gus), hal)  # a bare string is not a list of IDs
        with pytest.raises(wavemq.InvalidArgument):
            service.resolve(token_of(gus), ["nul\0inside"])


@pytest.mark.servers
def test_revoke_ends_the_session_and_the_password_at_once(tmp_path):
    with servers_service(tmp_path, credentialCacheSize=0) as service:
        token = token_of(unique("erin"))
        c = service.login(token)
        user_id = c.internal_id
        topic = private_topic(user_id, wavemq.uuid4())
        assert service.authorize_register(user_id, user_id, c.password)
        assert service.authorize_publish(user_id, topic)

        assert service.revoke(token) == user_id
        assert service.authorize_register(user_id, user_id, c.password) is False
        assert service.authorize_register(user_id, user_id, c.password.encode()) is False
        assert service.authorize_publish(user_id, topic) is False
        with pytest.raises(wavemq.NotFound):
            service.revoke(token)  # nothing left to revoke
        # The app is the authority: it still accepts the token, so a new login works...
        assert service.login(token).internal_id == user_id
        assert service.authorize_register(user_id, user_id, c.password)
        # ...until the app refuses it too.
        app_control(fixture_uri("app"), "revoke", token)
        assert service.revoke(token.encode()) == user_id
        with pytest.raises(wavemq.InvalidToken):
            service.login(token)
        assert service.authorize_register(user_id, user_id, c.password) is False


@pytest.mark.servers
def test_broker_checks_enforce_sender_trust(tmp_path):
    with servers_service(tmp_path) as service:
        me = service.login(token_of(unique("max")))
        other = service.login(token_of(unique("ned")))
        i, o = me.internal_id, other.internal_id

        assert service.authorize_register(i, i, me.password) is True
        assert service.authorize_register(i, i, me.password + "x") is False
        assert service.authorize_register(i, i, other.password) is False
        assert service.authorize_register(o, o, me.password) is False
        assert service.authorize_register(i, o, me.password) is False  # client ID must be the username
        assert service.authorize_register("not-a-uuid", "not-a-uuid", me.password) is False

        assert service.authorize_publish(i, private_topic(i, o)) is True  # own topic
        assert service.authorize_publish(i, private_topic(o, i)) is False  # posing as the other
        assert service.authorize_publish(i, private_topic(o, o)) is False
        assert service.authorize_publish(i, "conversations/private/+/x") is False  # not a topic name
        assert service.authorize_publish(wavemq.uuid4(), private_topic(i, o)) is False  # unknown user

        assert service.authorize_subscribe(i, [f"conversations/private/+/{i}"]) is True
        assert service.authorize_subscribe(i, [f"conversations/private/{o}/{i}"]) is True
        assert service.authorize_subscribe(i, [f"conversations/private/+/{o}"]) is False  # others' inbox
        assert service.authorize_subscribe(i, ["conversations/#"]) is False
        assert service.authorize_subscribe(i, ["#"]) is False
        filters = [f"conversations/private/+/{i}", f"conversations/private/+/{o}", f"conversations/private/{o}/{i}"]
        assert service.authorize_subscribe_each(i, filters) == [True, False, True]
        assert service.authorize_subscribe(i, filters) is False
        assert service.authorize_subscribe_each(o, filters) == [False, True, False]
        with pytest.raises(wavemq.InvalidArgument):
            service.authorize_subscribe(i, [])
        with pytest.raises(TypeError):
            service.authorize_subscribe(i, f"conversations/private/+/{i}")  # a bare string


@pytest.mark.servers
def test_invalid_tokens_are_refused_everywhere(tmp_path):
    with servers_service(tmp_path) as service:
        owner_token = token_of(unique("oli"))
        service.login(owner_token)
        gid = service.create_group(owner_token, "g").group.group_id
        for token in ("invalid-" + unique("x"), b"invalid-" + unique("y").encode(),  # the app says 400
                      "has spaces", "", "x" * 201, b"user:\0:t1", b"user:\xff:t1"):  # malformed
            for action in (lambda: service.login(token), lambda: service.resolve(token, ["a"]),
                           lambda: service.create_group(token, "g"), lambda: service.list_groups(token),
                           lambda: service.group_members(token, gid), lambda: service.revoke(token),
                           lambda: service.add_group_member(token, gid, "a"),
                           lambda: service.leave_group(token, gid), lambda: service.delete_group(token, gid)):
                with pytest.raises(wavemq.InvalidToken) as info:
                    action()
                assert info.value.status == 5
                if isinstance(token, str) and token:
                    assert token not in str(info.value)  # messages never carry tokens
        with pytest.raises(TypeError):
            service.login(42)
        assert [g.group_id for g in service.list_groups(owner_token)] == [gid]  # nothing changed


@pytest.mark.servers
def test_app_down_is_a_fault_that_grants_nothing(tmp_path, private_app):
    with servers_service(tmp_path, app=private_app, sessionTTLSeconds=2, credentialCacheSize=0,
                         httpTimeoutMs=1500) as service:
        known_token = token_of(unique("pat"))
        known = service.login(known_token)
        app_control(private_app, "mode", "down")  # every answer 503
        assert service.login(known_token) == known  # a live session needs no app

        fresh = token_of(unique("quin"))
        for action in (lambda: service.login(fresh), lambda: service.resolve(fresh, [known.app_user_id]),
                       lambda: service.create_group(fresh, "g"), lambda: service.list_groups(fresh),
                       lambda: service.revoke(fresh)):
            assert_fault(action, wavemq.UpstreamError)
        # An unknown internal ID presenting a token as its password: refused or a fault, never granted.
        stranger = wavemq.uuid4()
        try:
            granted = service.authorize_register(stranger, stranger, fresh)
        except wavemq.WaveError as error:
            assert not isinstance(error, wavemq.InvalidToken)
        else:
            assert granted is False

        time.sleep(2.4)  # the session expires: only the app could vouch for the token now
        assert_fault(lambda: service.login(known_token), wavemq.UpstreamError)
        assert_fault(lambda: service.authorize_register(known.internal_id, known.internal_id, known.password),
                     wavemq.UpstreamError)

        app_control(private_app, "mode", "up")  # back: the same service recovers
        assert service.login(known_token).internal_id == known.internal_id
        assert service.authorize_register(known.internal_id, known.internal_id, known.password) is True
        assert service.login(fresh).password == fresh


@pytest.mark.servers
def test_memory_storage_needs_only_the_app(tmp_path):
    with memory_service(tmp_path, fixture_uri("app")) as service:
        rae, sam = unique("rae"), unique("sam")
        r = service.login(token_of(rae))
        s = service.login(token_of(sam))
        assert service.login(token_of(rae)) == r
        assert service.resolve(token_of(rae), [sam]) == [(sam, s.internal_id)]
        group = service.create_group(token_of(rae), "memory", [sam]).group
        assert service.authorize_publish(s.internal_id, f"conversations/group/{group.group_id}/{s.internal_id}")
        assert service.authorize_register(r.internal_id, r.internal_id, r.password)

        # One Service from many threads: one internal ID per app user.
        tom = unique("tom")
        ids, failures = [], []

        def login():
            try:
                ids.append(service.login(token_of(tom)).internal_id)
            except Exception as error:  # reported below, on the main thread
                failures.append(error)

        threads = [threading.Thread(target=login) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert failures == []
        assert len(ids) == 8 and len(set(ids)) == 1


@pytest.mark.servers
def test_close_while_a_call_runs_frees_after_it(tmp_path):
    service = memory_service(tmp_path, fixture_uri("app"))
    outcome = []
    token = "slow700:" + unique("uma")
    caller = threading.Thread(target=lambda: outcome.append(service.login(token)))
    caller.start()
    wait_for_app_call(fixture_uri("app"), token)  # close only once the login waits on the app
    service.close()  # must not free the service under the running call
    with pytest.raises(ValueError):
        service.login(token_of(unique("vic")))
    caller.join(10)
    assert not caller.is_alive()
    assert len(outcome) == 1 and outcome[0].app_user_id.startswith("py_uma_")
    service.close()


@pytest.mark.servers
def test_python_objects_match_the_c_json(tmp_path):
    """The copied-out objects hold exactly what libwave's own JSON renderings say."""
    with servers_service(tmp_path) as service:
        wes, xia, never = unique("wes"), unique("xia"), unique("never")
        token = token_of(wes)
        x = service.login(token_of(xia))
        assert service.create_group(token, "json", [xia, never]).unknown_app_user_ids == (never,)  # c.groups not empty
        c = service.login(token)
        data = token.encode()
        with service._use() as handle:
            credentials = CredentialsPtr()
            lib.wave_service_login(handle, data, len(data), ctypes.byref(credentials))
            out = ctypes.c_void_p()
            try:
                lib.wave_credentials_to_json(credentials, ctypes.byref(out))
            finally:
                lib.wave_credentials_free(credentials)
            assert json.loads(take_string(out.value)) == {
                "internalWaveUserID": c.internal_id, "clientID": c.client_id, "username": c.username,
                "password": c.password, "appUserID": c.app_user_id, "publishACL": list(c.publish_acl),
                "subscribeACL": list(c.subscribe_acl), "groups": list(c.groups)}

            ids = (ctypes.c_char_p * 2)(xia.encode(), never.encode())
            resolution = ResolutionPtr()
            lib.wave_service_resolve(handle, data, len(data), ids, 2, ctypes.byref(resolution))
            try:
                lib.wave_resolution_to_json(resolution, ctypes.byref(out))
            finally:
                lib.wave_resolution_free(resolution)
            assert json.loads(take_string(out.value)) == [
                {"appUserID": xia, "internalWaveUserID": x.internal_id},
                {"appUserID": never, "internalWaveUserID": None}]

            members = (ctypes.c_char_p * 1)(xia.encode())
            created = GroupCreationPtr()
            lib.wave_service_group_create(handle, data, len(data), b"json2", members, 1, ctypes.byref(created))
            try:
                lib.wave_group_creation_to_json(created, ctypes.byref(out))
                created_json = json.loads(take_string(out.value))
                lib.wave_group_to_json(lib.wave_group_creation_group(created), ctypes.byref(out))
            finally:
                lib.wave_group_creation_free(created)
            second = json.loads(take_string(out.value))
            assert created_json == {**second, "unknownAppUserIDs": []}

            groups = GroupListPtr()
            lib.wave_service_group_list(handle, data, len(data), ctypes.byref(groups))
            try:
                assert not lib.wave_group_list_get(groups, lib.wave_group_list_count(groups))  # NULL past the end
                lib.wave_group_list_to_json(groups, ctypes.byref(out))
            finally:
                lib.wave_group_list_free(groups)
            listed = json.loads(take_string(out.value))

        def as_json(g):
            return {"groupID": g.group_id, "name": g.name, "owner": g.owner, "members": list(g.members)}

        assert second == as_json(service.group_members(token, second["groupID"]))
        assert sorted(listed, key=lambda g: g["groupID"]) == sorted(
            map(as_json, service.list_groups(token)), key=lambda g: g["groupID"])


# ---- without servers (python.unit) ------------------------------------------------------

def test_closed_service_raises_value_error(tmp_path):
    service = memory_service(tmp_path, UNREACHABLE_APP)
    with service:
        with pytest.raises(wavemq.InvalidToken):
            service.login("has spaces")  # the format check needs no network
    service.close()  # idempotent
    token = token_of("a")
    for action in (lambda: service.login(token), lambda: service.resolve(token, ["a"]),
                   lambda: service.create_group(token, "g"), lambda: service.add_group_member(token, "g", "a"),
                   lambda: service.remove_group_member(token, "g", "a"), lambda: service.leave_group(token, "g"),
                   lambda: service.delete_group(token, "g"), lambda: service.list_groups(token),
                   lambda: service.group_members(token, "g"), lambda: service.revoke(token),
                   lambda: service.authorize_register("a", "a", "p"), lambda: service.authorize_publish("a", "t"),
                   lambda: service.authorize_subscribe("a", ["t"]),
                   lambda: service.authorize_subscribe_each("a", ["t"])):
        with pytest.raises(ValueError, match="closed"):
            action()


def test_service_outlives_its_config(tmp_path):
    with wavemq.Config.load(write_config(str(tmp_path), authenticationCheckEndpoint=UNREACHABLE_APP,
                                         storage="memory")) as config:
        service = wavemq.Service(config)
    with pytest.raises(ValueError):
        wavemq.Service(config)  # a closed Config
    with service:
        with pytest.raises(wavemq.InvalidToken):
            service.login(b"\xff\xfe")


def test_bad_configs_are_refused(tmp_path):
    with pytest.raises(TypeError):
        wavemq.Service(write_config(str(tmp_path), authenticationCheckEndpoint=UNREACHABLE_APP))  # a path
    with pytest.raises(wavemq.ConfigError) as info:
        wavemq.Service.from_file(write_config(str(tmp_path), authenticationCheckEndpoint=UNREACHABLE_APP,
                                              storage="floppy"))
    assert "storage" in str(info.value)
    with pytest.raises(wavemq.ConfigError):
        wavemq.Service.from_file(str(tmp_path / "missing.json"))



def test_unreachable_servers_are_faults_that_grant_nothing(tmp_path):
    # Nobody listens on port 1.  wave_service.h says MongoDB must be reachable at creation;
    # the store retries later instead (src/mongo): either way, no call may succeed.
    path = write_config(str(tmp_path), authenticationCheckEndpoint=UNREACHABLE_APP, storage="servers",
                        mongoURI="mongodb://127.0.0.1:1/", redisURI="redis://127.0.0.1:1/0", mongoTimeoutMs=300,
                        redisTimeoutMs=300, mongoDatabase=unique("db"), redisKeyPrefix=unique("p"))
    try:
        service = wavemq.Service.from_file(path)
    except wavemq.WaveError:
        assert_fault(lambda: wavemq.Service.from_file(path), wavemq.Unavailable, wavemq.Timeout)
        return
    with service:
        user = wavemq.uuid4()
        assert_fault(lambda: service.login(token_of("a")), wavemq.Unavailable, wavemq.Timeout)
        assert_fault(lambda: service.authorize_register(user, user, token_of("a")), wavemq.Unavailable, wavemq.Timeout)
        assert_fault(lambda: service.authorize_publish(user, private_topic(user, user)),
                     wavemq.Unavailable, wavemq.Timeout)
        assert_fault(lambda: service.authorize_subscribe(user, [f"conversations/private/+/{user}"]),
                     wavemq.Unavailable, wavemq.Timeout)
        assert_fault(lambda: service.authorize_subscribe_each(user, [f"conversations/private/+/{user}"]),
                     wavemq.Unavailable, wavemq.Timeout)


def test_unreachable_app_is_a_fault_that_grants_nothing(tmp_path):
    with memory_service(tmp_path, UNREACHABLE_APP) as service:
        token = token_of("nobody")
        for action in (lambda: service.login(token), lambda: service.resolve(token, ["a"]),
                       lambda: service.create_group(token, "g"), lambda: service.revoke(token)):
            assert_fault(action, wavemq.Unavailable, wavemq.Timeout)
        stranger = wavemq.uuid4()
        try:
            granted = service.authorize_register(stranger, stranger, token)
        except wavemq.WaveError as error:
            assert not isinstance(error, wavemq.InvalidToken)
        else:
            assert granted is False
        assert service.authorize_publish(stranger, private_topic(stranger, wavemq.uuid4())) is False
        assert service.authorize_subscribe(stranger, [f"conversations/private/+/{stranger}"]) is False


@pytest.mark.servers
def test_rate_limited_carries_the_retry_time(tmp_path):
    with memory_service(tmp_path, fixture_uri("app"), groupCreationsPerHour=1) as service:
        token = token_of(unique("una"))
        service.login(token)
        service.create_group(token, "one")
        with pytest.raises(wavemq.errors.RateLimited) as refused:
            service.create_group(token, "two")
        assert refused.value.status == wavemq.errors.STATUS_NUMBERS["WAVE_ERR_RATE_LIMITED"] == 16
        assert 0 < refused.value.retry_after_ms <= 3600 * 1000
        assert "groupCreationsPerHour" in str(refused.value)
        assert wavemq.errors.Denied("m").retry_after_ms == 0


@pytest.mark.servers
def test_admin_describe_and_end_user_sessions(tmp_path):
    with servers_service(tmp_path, credentialCacheSize=0) as service:
        app_user = unique("adam")
        assert service.describe_user(app_user) == {
            "appUserID": app_user, "internalWaveUserID": None, "session": "unknown", "groups": 0}
        with pytest.raises(wavemq.NotFound):
            service.end_user_sessions(app_user)
        token = token_of(app_user)
        c = service.login(token)
        assert service.describe_user(app_user)["session"] == "live"
        assert service.end_user_sessions(app_user) == {
            "internalWaveUserID": c.internal_id, "sessionEnded": True, "passhashRetired": True}
        assert service.authorize_register(c.internal_id, c.internal_id, c.password) is False
        assert service.describe_user(app_user.encode())["session"] == "logged_out"
        assert service.end_user_sessions(app_user) == {
            "internalWaveUserID": c.internal_id, "sessionEnded": False, "passhashRetired": False}
        with pytest.raises(wavemq.InvalidArgument):
            service.describe_user("a\x01b")
