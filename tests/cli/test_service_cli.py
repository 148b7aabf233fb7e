"""wave login | resolve | group | revoke: the real CLI against the real servers (Redis,
FerretDB/MongoDB and the harness's app endpoint), plus usage checks that need no server."""
import json
import os
import socket
import uuid

import pytest

from conftest import server_uri

UUID_CHARS = set("0123456789abcdef-")


def is_uuid(text):
    return isinstance(text, str) and len(text) == 36 and set(text) <= UUID_CHARS


def unique(name):
    return f"{name}-cli-{os.getpid()}-{uuid.uuid4().hex[:10]}"


def closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def config_file(tmp_path):
    """write(**overrides) -> path of a config on the real servers, with a Redis key prefix
    and MongoDB database of this test's own."""

    def write(**overrides):
        name = unique("db").replace("-", "_")
        config = {
            "authenticationCheckEndpoint": server_uri("app"),
            "tokenValidationRegex": "[A-Za-z0-9:_.-]{1,200}",
            "storage": "servers",
            "redisURI": server_uri("redis"),
            "redisKeyPrefix": name + ":",
            "mongoURI": server_uri("mongo"),
            "mongoDatabase": name,
            "bcryptCost": 4,
            "redisTimeoutMs": 1000,
            "mongoTimeoutMs": 2000,
        }
        config.update(overrides)
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(config))
        return str(path)

    return write


def run_json(wave, *args, stdin):
    result = wave(*args, stdin=stdin)
    assert result.returncode == 0, result.stderr.decode()
    return json.loads(result.stdout)


# ---- without servers ---------------------------------------------------------------------

@pytest.mark.parametrize("command", [["login"], ["resolve"], ["group"], ["revoke"]])
def test_help_documents_the_exit_codes(wave, command):
    result = wave(*command, "--help")
    assert result.returncode == 0
    text = result.stdout.decode()
    assert "usage: wave " + command[0] in text
    assert "--config FILE" in text
    for code in ("0  success", "1  refused", "2  usage", "3  a backend fault"):
        assert code in text


def test_usage_errors_exit_2(wave, tmp_path):
    assert wave("resolve").returncode == 2
    assert wave("group").returncode == 2
    assert wave("group", "bogus").returncode == 2
    assert wave("group", "add", "only-one").returncode == 2
    assert wave("group", "list", "--member", "x").returncode == 2
    assert wave("login", "extra").returncode == 2
    assert wave("login", "--bogus").returncode == 2


def test_a_missing_config_exits_2(wave, tmp_path):
    result = wave("login", "--config", str(tmp_path / "nope.json"), stdin="user:x:1")
    assert result.returncode == 2
    assert b"config" in result.stderr
    env = {"WAVE_CONFIG_FILE_PATH": ""}
    assert wave("login", stdin="user:x:1", env=env).returncode == 2


# ---- against the servers -----------------------------------------------------------------

@pytest.mark.servers
def test_login_prints_the_credentials(wave, config_file):
    config = config_file()
    app_user = unique("alice")
    token = f"user:{app_user}:t1"
    creds = run_json(wave, "login", "--config", config, stdin=token + "\n")
    me = creds["internalWaveUserID"]
    assert is_uuid(me)
    assert creds["clientID"] == me
    assert creds["username"] == me
    assert creds["password"] == token
    assert creds["appUserID"] == app_user
    assert creds["publishACL"] == [f"conversations/private/{me}/+"]
    assert creds["subscribeACL"] == [f"conversations/private/+/{me}"]
    assert creds["groups"] == []
    # Another run (another process): same identity.
    assert run_json(wave, "login", "--config", config, stdin=token)["internalWaveUserID"] == me
    # WAVE_CONFIG_FILE_PATH is the default.
    again = wave("login", stdin=token, env={"WAVE_CONFIG_FILE_PATH": config})
    assert again.returncode == 0
    assert json.loads(again.stdout)["internalWaveUserID"] == me


@pytest.mark.servers
def test_refused_tokens_exit_1_without_leaking_them(wave, config_file):
    config = config_file()
    for token in ("invalid-" + unique("x"), "not a token!", ""):
        result = wave("login", "--config", config, stdin=token)
        assert result.returncode == 1, result.stderr
        assert result.stdout == b""
        if token:
            assert token.encode() not in result.stderr
    assert b"WAVE_ERR_INVALID_TOKEN" in wave("login", "--config", config, stdin="invalid-x").stderr


@pytest.mark.servers
def test_backend_faults_exit_3(wave, config_file):
    config = config_file(redisURI=f"redis://127.0.0.1:{closed_port()}/0")
    result = wave("login", "--config", config, stdin=f"user:{unique('bob')}:t")
    assert result.returncode == 3, result.stderr
    assert b"WAVE_ERR_UNAVAILABLE" in result.stderr
    broken = wave("login", "--config", config_file(), stdin="error500-" + unique("x"))
    assert broken.returncode == 3
    assert b"WAVE_ERR_UPSTREAM" in broken.stderr


@pytest.mark.servers
def test_resolve(wave, config_file):
    config = config_file()
    alice, bob = unique("alice"), unique("bob")
    bob_id = run_json(wave, "login", "--config", config, stdin=f"user:{bob}:t")["internalWaveUserID"]
    resolved = run_json(wave, "resolve", "--config", config, bob, "ghost-" + bob, stdin=f"user:{alice}:t")
    assert resolved == [{"appUserID": bob, "internalWaveUserID": bob_id},
                        {"appUserID": "ghost-" + bob, "internalWaveUserID": None}]
    assert wave("resolve", "--config", config, bob, stdin="invalid-x").returncode == 1


@pytest.mark.servers
def test_groups(wave, config_file):
    config = config_file()
    owner, member, other = unique("owner"), unique("member"), unique("other")
    owner_token, member_token, other_token = (f"user:{u}:t" for u in (owner, member, other))
    owner_id = run_json(wave, "login", "--config", config, stdin=owner_token)["internalWaveUserID"]
    member_id = run_json(wave, "login", "--config", config, stdin=member_token)["internalWaveUserID"]
    other_id = run_json(wave, "login", "--config", config, stdin=other_token)["internalWaveUserID"]

    group = run_json(wave, "group", "create", "--config", config, "Team One", "--member", member,
                     "--member", "ghost-" + member, stdin=owner_token)
    gid = group["groupID"]
    assert is_uuid(gid)
    assert group["name"] == "Team One"
    assert group["owner"] == owner_id
    assert group["members"] == [owner_id, member_id]
    assert group["unknownAppUserIDs"] == ["ghost-" + member]

    creds = run_json(wave, "login", "--config", config, stdin=member_token)
    assert creds["groups"] == [gid]
    assert f"conversations/group/{gid}/{member_id}" in creds["publishACL"]
    assert f"conversations/group/{gid}/+" in creds["subscribeACL"]

    listed = run_json(wave, "group", "list", "--config", config, stdin=member_token)
    assert [g["groupID"] for g in listed] == [gid]
    assert run_json(wave, "group", "members", gid, "--config", config, stdin=member_token)["members"] == \
        [owner_id, member_id]
    assert wave("group", "members", gid, "--config", config, stdin=other_token).returncode == 1

    # Owner-only operations.
    denied = wave("group", "add", gid, other, "--config", config, stdin=member_token)
    assert denied.returncode == 1
    assert b"WAVE_ERR_DENIED" in denied.stderr
    added = run_json(wave, "group", "add", gid, other, "--config", config, stdin=owner_token)
    assert added == {"groupID": gid, "appUserID": other, "changed": True}
    assert run_json(wave, "group", "add", gid, other, "--config", config, stdin=owner_token)["changed"] is False
    assert other_id in run_json(wave, "group", "members", gid, "--config", config, stdin=other_token)["members"]

    assert run_json(wave, "group", "remove", gid, member, "--config", config, stdin=owner_token)["changed"] is True
    creds = run_json(wave, "login", "--config", config, stdin=member_token)
    assert creds["groups"] == []
    assert all(gid not in p for p in creds["publishACL"] + creds["subscribeACL"])

    assert run_json(wave, "group", "leave", gid, "--config", config, stdin=other_token) == \
        {"groupID": gid, "left": True}
    owner_leaves = wave("group", "leave", gid, "--config", config, stdin=owner_token)
    assert owner_leaves.returncode == 1
    assert b"WAVE_ERR_CONFLICT" in owner_leaves.stderr
    assert wave("group", "delete", gid, "--config", config, stdin=member_token).returncode == 1
    assert run_json(wave, "group", "delete", gid, "--config", config, stdin=owner_token) == \
        {"groupID": gid, "deleted": True}
    assert run_json(wave, "group", "list", "--config", config, stdin=owner_token) == []
    gone = wave("group", "members", gid, "--config", config, stdin=owner_token)
    assert gone.returncode == 1
    assert b"WAVE_ERR_NOT_FOUND" in gone.stderr
    assert wave("group", "add", "not/a/gid", other, "--config", config, stdin=owner_token).returncode == 2


@pytest.mark.servers
def test_revoke(wave, config_file):
    config = config_file()
    token = f"user:{unique('carol')}:t"
    me = run_json(wave, "login", "--config", config, stdin=token)["internalWaveUserID"]
    assert run_json(wave, "revoke", "--config", config, stdin=token) == {"revoked": True, "internalWaveUserID": me}
    again = wave("revoke", "--config", config, stdin=token)
    assert again.returncode == 1
    assert b"WAVE_ERR_NOT_FOUND" in again.stderr
    assert token.encode() not in again.stderr
    # A new login (the app still accepts the token) keeps the identity.
    assert run_json(wave, "login", "--config", config, stdin=token)["internalWaveUserID"] == me


@pytest.mark.servers
def test_rate_limits_exit_1_across_runs(wave, config_file):
    # Each run is its own process: the buckets live in Redis, so the limit holds across them.
    config = config_file(groupCreationsPerHour=1, maxGroupsPerUser=2)
    owner_token = f"user:{unique('rate')}:t"
    run_json(wave, "login", "--config", config, stdin=owner_token)
    run_json(wave, "group", "create", "--config", config, "first", stdin=owner_token)
    refused = wave("group", "create", "--config", config, "second", stdin=owner_token)
    assert refused.returncode == 1, refused.stderr
    assert b"WAVE_ERR_RATE_LIMITED" in refused.stderr
    assert b"try again in" in refused.stderr
    assert owner_token.encode() not in refused.stderr
