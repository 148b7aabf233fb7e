"""wavemq against the real libwave: config, tokens, bcrypt (with python3-bcrypt as oracle),
UUIDs, the password scheme and topics."""
import json
import os
import re

import bcrypt as oracle  # Debian's python3-bcrypt: an independent implementation
import pytest

import wavemq

CONFIG = json.dumps({"authenticationCheckEndpoint": "http://127.0.0.1:1/check",
                     "tokenValidationRegex": "[A-Za-z0-9._-]{8,128}", "bcryptCost": 4})


def test_version_matches_the_library():
    assert re.fullmatch(r"\d+\.\d+\.\d+", wavemq.version())


def test_config_parse_and_token_check():
    with wavemq.Config.parse(CONFIG, "inline") as config:
        assert json.loads(config.to_json())["bcryptCost"] == 4
        config.check_token("abcdefgh")
        assert config.token_is_valid("abcdefgh")
        assert not config.token_is_valid("abc")
        with pytest.raises(wavemq.InvalidToken) as info:
            config.check_token("has spaces in it")
        assert "has spaces" not in str(info.value)
    with pytest.raises(ValueError):
        config.check_token("abcdefgh")  # closed handle


def test_config_errors_map_to_exceptions(tmp_path):
    with pytest.raises(wavemq.ConfigError) as info:
        wavemq.Config.parse('{"tokenValidationRegex": ".+"}', "x.json")
    assert "authenticationCheckEndpoint" in str(info.value)
    assert info.value.status == 4
    path = tmp_path / "c.json"
    path.write_text(CONFIG)
    assert wavemq.Config.load(path).token_is_valid("abcdefgh")
    os.environ["WAVE_CONFIG_FILE_PATH"] = str(path)
    try:
        wavemq.Config.load().close()
    finally:
        del os.environ["WAVE_CONFIG_FILE_PATH"]


def test_bcrypt_agrees_with_an_independent_implementation():
    for password in (b"", b"a", b"token-123", bytes(range(1, 73)), b"\x80\xfe\xff" * 10):
        ours = wavemq.bcrypt_hash(password, cost=4)
        assert ours.startswith("$2a$04$")
        assert oracle.checkpw(password, ours.encode())
        theirs = oracle.hashpw(password, oracle.gensalt(4, b"2b"))
        assert wavemq.bcrypt_verify(password, theirs)
        # bcrypt reads 72 bytes: what follows them changes nothing (why Wave hashes no longer tokens)
        assert wavemq.bcrypt_verify(password + b"x", theirs) == (len(password) == 72)
        assert not wavemq.bcrypt_verify(b"x" + password, theirs)
    with pytest.raises(wavemq.InvalidArgument):
        wavemq.bcrypt_hash(b"x" * 73, cost=4)
    with pytest.raises(wavemq.InvalidArgument):
        wavemq.bcrypt_verify(b"x", "$2x$04$" + "a" * 53)
    assert wavemq.bcrypt_hash(b"x", cost=4, prefix="2y").startswith("$2y$04$")


def test_uuid_and_mqtt_password():
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", wavemq.uuid4())
    assert wavemq.mqtt_password("abc") == "abc"
    assert wavemq.mqtt_password("abc", "sha256") == "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0"
    assert len(wavemq.mqtt_password("x" * 100)) == 43
    with pytest.raises(wavemq.InvalidArgument):
        wavemq.mqtt_password("x" * 100, "token")


def test_topics():
    assert wavemq.topic_matches("sport/#", "sport")
    assert not wavemq.topic_matches("+/x", "$SYS/x")
    assert wavemq.topic_is_valid_filter("a/+/b")
    assert not wavemq.topic_is_valid_filter("a/b#")
    assert not wavemq.topic_is_valid_name("a/+")
    assert not wavemq.filter_covers("a/+", "a/#")
    assert wavemq.filter_covers("a/#", "a/+/b")
    with pytest.raises(wavemq.InvalidArgument):
        wavemq.topic_matches("a/#/b", "a")
    with wavemq.Filter("conversations/private/+/me") as compiled:
        assert compiled.matches("conversations/private/alice/me")
        assert not compiled.matches("conversations/private/alice/you")
    with pytest.raises(wavemq.InvalidArgument):
        wavemq.Filter("a/#/b")


ALICE = "6f1e8c2a-3b4d-4e5f-8a9b-0c1d2e3f4a5b"
BOB = "0a1b2c3d-4e5f-4a6b-9c7d-8e9f0a1b2c3d"


def test_scheme_patterns_and_sender():
    mine = wavemq.private_patterns(ALICE)
    assert mine == {"publish": [f"conversations/private/{ALICE}/+"],
                    "subscribe": [f"conversations/private/+/{ALICE}"]}
    group = wavemq.group_patterns("team-1", ALICE)
    assert group == {"publish": [f"conversations/group/team-1/{ALICE}"],
                     "subscribe": ["conversations/group/team-1/+"]}
    for smuggler in ("a/b", "+", "#", "x" * 65, ""):
        with pytest.raises(wavemq.InvalidArgument):
            wavemq.group_patterns(smuggler, ALICE)
    with pytest.raises(wavemq.InvalidArgument):
        wavemq.private_patterns("ALICE")
    assert wavemq.identify_sender(f"conversations/private/{ALICE}/{BOB}") == {
        "kind": "private", "sender": ALICE, "recipient": BOB}
    assert wavemq.identify_sender(f"conversations/group/team-1/{BOB}") == {
        "kind": "group", "sender": BOB, "group": "team-1"}
    with pytest.raises(wavemq.InvalidArgument):
        wavemq.identify_sender(f"conversations/private/{ALICE}/{BOB}/extra")


def test_authorizer_enforces_sender_trust():
    mine = wavemq.private_patterns(ALICE)
    with wavemq.Authorizer(mine["publish"], mine["subscribe"]) as authorizer:
        assert authorizer.may_publish(f"conversations/private/{ALICE}/{BOB}")
        assert not authorizer.may_publish(f"conversations/private/{BOB}/{ALICE}")  # impersonation
        assert authorizer.may_subscribe(f"conversations/private/+/{ALICE}")
        assert authorizer.may_subscribe(f"conversations/private/{BOB}/{ALICE}")
        assert not authorizer.may_subscribe("conversations/private/#")
        assert not authorizer.may_subscribe(f"conversations/private/+/{BOB}")
        assert not authorizer.may_subscribe("a/#/b")
    with pytest.raises(wavemq.InvalidArgument):
        wavemq.Authorizer(["a/#/b"], [])
