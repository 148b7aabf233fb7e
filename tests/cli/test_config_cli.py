"""wave uuid, wave config check, wave token check: the real binary on real files."""
import json
import re

import pytest

MINIMAL = {"authenticationCheckEndpoint": "https://app.example.com/auth",
           "tokenValidationRegex": "[A-Za-z0-9._-]{8,64}"}


@pytest.fixture
def config_file(tmp_path):
    def write(content):
        path = tmp_path / "wave.json"
        path.write_text(content if isinstance(content, str) else json.dumps(content))
        return str(path)
    return write


def test_uuid_is_a_fresh_canonical_v4(wave):
    seen = set()
    for _ in range(5):
        result = wave("uuid")
        assert result.returncode == 0
        text = result.stdout.decode().strip()
        assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", text)
        seen.add(text)
    assert len(seen) == 5
    assert "uuid" in json.loads(wave("uuid", "--json").stdout)


def test_config_check_valid_file(wave, config_file):
    path = config_file(MINIMAL)
    result = wave("config", "check", path)
    assert result.returncode == 0, result.stderr
    effective = json.loads(wave("config", "check", path, "--json").stdout)
    assert effective["bcryptCost"] == 14
    assert effective["mqttPasswordScheme"] == "auto"


def test_config_check_uses_the_environment(wave, config_file):
    path = config_file(MINIMAL)
    assert wave("config", "check", env={"WAVE_CONFIG_FILE_PATH": path}).returncode == 0
    result = wave("config", "check", env={"WAVE_CONFIG_FILE_PATH": ""})
    assert result.returncode == 2
    assert b"WAVE_CONFIG_FILE_PATH" in result.stderr


@pytest.mark.parametrize("content, expected", [
    ("{", b"not valid JSON"),
    (dict(MINIMAL, bcryptCost=2), b'"bcryptCost"'),
    (dict(MINIMAL, unknownThing=1), b'unknown field "unknownThing"'),
    (dict(MINIMAL, redisURI=5), b'"redisURI": must be a string'),
    ({"tokenValidationRegex": ".+"}, b'"authenticationCheckEndpoint" is required'),
    (dict(MINIMAL, tokenValidationRegex="(unclosed"), b'"tokenValidationRegex"'),
])
def test_config_check_reports_the_file_and_field(wave, config_file, content, expected):
    path = config_file(content)
    result = wave("config", "check", path)
    assert result.returncode == 2
    assert expected in result.stderr
    assert path.encode() in result.stderr
    assert result.stdout == b""


def test_config_check_missing_file(wave):
    result = wave("config", "check", "/nonexistent/wave.json")
    assert result.returncode == 2
    assert b"/nonexistent/wave.json" in result.stderr


@pytest.mark.parametrize("stdin, code", [
    (b"abcdefgh\n", 0),          # one trailing newline is removed
    (b"abcdefgh\r\n", 0),
    (b"abcdefgh", 0),
    (b"abcdefgh\n\n", 1),        # only one
    (b"short\n", 1),
    (b"abc defgh\n", 1),
    (b"abcdefgh\x00\n", 1),
    (b"\xff\xfeabcdefgh", 1),
    (b"", 1),
])
def test_token_check(wave, config_file, stdin, code):
    path = config_file(MINIMAL)
    result = wave("token", "check", "--config", path, stdin=stdin)
    assert result.returncode == code, result.stderr
    if code == 1:
        assert b"invalid token" in result.stderr


def test_token_check_json_and_reason_without_the_token(wave, config_file):
    path = config_file(MINIMAL)
    secret = b"this has spaces so it is invalid"
    result = wave("token", "check", "--config", path, "--json", stdin=secret)
    assert result.returncode == 1
    answer = json.loads(result.stdout)
    assert answer["valid"] is False and answer["reason"]
    assert secret not in result.stderr and secret not in result.stdout
    ok = wave("token", "check", "--json", stdin=b"abcdefgh", env={"WAVE_CONFIG_FILE_PATH": path})
    assert json.loads(ok.stdout) == {"valid": True}


def test_token_check_bad_config_is_exit_2(wave):
    result = wave("token", "check", "--config", "/nonexistent.json", stdin=b"abcdefgh")
    assert result.returncode == 2


@pytest.mark.parametrize("args", [["uuid"], ["config"], ["token"], ["bcrypt"], ["topic"], ["acl"],
                                  ["login"], ["resolve"], ["group"], ["revoke"]])
def test_every_command_has_help(wave, args):
    result = wave(*args, "--help")
    assert result.returncode == 0, (args, result.stderr)
    assert b"usage" in result.stdout.lower()


def test_usage_errors_exit_2(wave):
    assert wave().returncode == 2
    assert wave("nonsense").returncode == 2
    assert wave("config", "frobnicate").returncode == 2
    assert wave("uuid", "--bogus").returncode == 2
