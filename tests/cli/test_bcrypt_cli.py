"""wave bcrypt hash | verify: stdin handling, options, exit codes, and agreement with
Debian's python3-bcrypt (pyca) as an independent implementation.  Cost 4 keeps it fast."""
import json
import re

import bcrypt
import pytest

HASH_RE = re.compile(rb"^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$")
KNOWN = "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"  # password "U*U"


def hash_of(wave, password, *args):
    result = wave("bcrypt", "hash", "--cost", "4", *args, stdin=password)
    assert result.returncode == 0, result.stderr
    assert result.stderr == b""
    line = result.stdout
    assert line.endswith(b"\n")
    return line[:-1]


def test_hash_prints_a_2a_hash_that_pyca_accepts(wave):
    hashed = hash_of(wave, b"correct horse\n")
    assert HASH_RE.match(hashed)
    assert hashed.startswith(b"$2a$04$")
    # One trailing newline is not part of the password.
    assert bcrypt.checkpw(b"correct horse", hashed)
    assert not bcrypt.checkpw(b"correct horse\n", hashed)


@pytest.mark.parametrize("stdin, password", [
    (b"pw\r\n", b"pw"),
    (b"pw\n\n", b"pw\n"),
    (b"pw\r", b"pw\r"),
    (b"pw \n", b"pw "),
    (b"", b""),
    (b"\n", b""),
    (b"\xff\xfe\x80high", b"\xff\xfe\x80high"),
])
def test_stdin_is_read_as_bytes_with_one_trailing_newline_removed(wave, stdin, password):
    hashed = hash_of(wave, stdin)
    assert bcrypt.checkpw(password, hashed)
    # verify reads stdin the same way.
    assert wave("bcrypt", "verify", hashed.decode(), stdin=stdin).returncode == 0


@pytest.mark.parametrize("prefix", ["2a", "2b", "2y"])
def test_prefixes(wave, prefix):
    hashed = hash_of(wave, b"token", "--prefix", prefix)
    assert hashed.startswith(f"${prefix}$04$".encode())
    assert bcrypt.checkpw(b"token", hashed)


def test_salts_are_fresh(wave):
    assert hash_of(wave, b"same") != hash_of(wave, b"same")


def test_default_cost_is_14(wave):
    result = wave("bcrypt", "hash", stdin=b"slow")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(b"$2a$14$")


def test_cost_option_forms(wave):
    assert wave("bcrypt", "hash", "--cost=5", stdin=b"x").stdout.startswith(b"$2a$05$")
    for bad in ["3", "32", "-1", "abc", "4.5", "", "04x"]:
        result = wave("bcrypt", "hash", "--cost", bad, stdin=b"x")
        assert result.returncode == 2, bad
        assert result.stdout == b""
        assert b"--cost" in result.stderr


def test_json_output(wave):
    result = wave("bcrypt", "hash", "--cost", "4", "--json", stdin=b"pw")
    assert result.returncode == 0
    hashed = json.loads(result.stdout)["hash"]
    assert bcrypt.checkpw(b"pw", hashed.encode())
    match = wave("bcrypt", "verify", hashed, "--json", stdin=b"pw")
    assert (match.returncode, json.loads(match.stdout)) == (0, {"match": True})
    mismatch = wave("bcrypt", "verify", "--json", hashed, stdin=b"pW")
    assert (mismatch.returncode, json.loads(mismatch.stdout)) == (1, {"match": False})


def test_refused_passwords(wave):
    too_long = wave("bcrypt", "hash", "--cost", "4", stdin=b"a" * 73)
    assert too_long.returncode == 2
    assert too_long.stdout == b""
    assert b"72" in too_long.stderr
    assert b"a" * 20 not in too_long.stderr  # never echo the password
    assert wave("bcrypt", "hash", "--cost", "4", stdin=b"a" * 72 + b"\n").returncode == 0
    with_nul = wave("bcrypt", "hash", "--cost", "4", stdin=b"a\x00b")
    assert with_nul.returncode == 2
    assert b"NUL" in with_nul.stderr


def test_verify_exit_codes(wave):
    assert wave("bcrypt", "verify", KNOWN, stdin=b"U*U\n").returncode == 0
    assert wave("bcrypt", "verify", KNOWN, stdin=b"U*U").returncode == 0
    mismatch = wave("bcrypt", "verify", KNOWN, stdin=b"U*V")
    assert mismatch.returncode == 1
    assert mismatch.stderr == b""


def test_verify_accepts_hashes_from_pyca_including_long_and_high_bit_passwords(wave):
    for password in [b"", b"p", b"\x80\xff" * 36, bytes(range(1, 73)), b"z" * 73, b"y" * 200]:
        for prefix in [b"2a", b"2b"]:
            hashed = bcrypt.hashpw(password, bcrypt.gensalt(rounds=4, prefix=prefix)).decode()
            assert wave("bcrypt", "verify", hashed, stdin=password).returncode == 0
            # Only the first 72 bytes count, in pyca as in Wave.
            if len(password) < 72:
                assert wave("bcrypt", "verify", hashed, stdin=password + b"!").returncode == 1


@pytest.mark.parametrize("hashed", [
    "",
    "not a hash",
    "$2x$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
    "$2$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeWx",
    "$2a$03$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
    "$2a$32$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
    "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOe",
    "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeWW",
    "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW ",
    "$2a$05$CCCCCCCCCCCCCCCCCCCCC*E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
    "$2a$05$CCCCCCCCCCCCCCCCCCCCCPE5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
    "$1$saltsalt$qjXMvbEw8oaL.CzflDugX/",
    "abJnggxhB/yWI",
])
def test_verify_malformed_hash_exits_2(wave, hashed):
    result = wave("bcrypt", "verify", hashed, stdin=b"U*U")
    assert result.returncode == 2
    assert result.stdout == b""
    assert b"malformed bcrypt hash" in result.stderr


def test_usage_errors(wave):
    for args in [("bcrypt",), ("bcrypt", "frobnicate"), ("bcrypt", "verify"),
                 ("bcrypt", "verify", KNOWN, "extra"), ("bcrypt", "hash", "extra"),
                 ("bcrypt", "hash", "--prefix", "2x"), ("bcrypt", "hash", "--prefix"),
                 ("bcrypt", "hash", "--bogus")]:
        result = wave(*args, stdin=b"pw")
        assert result.returncode == 2, args
        assert result.stdout == b"", args
        assert b"usage: wave bcrypt" in result.stderr, args


@pytest.mark.parametrize("args", [("bcrypt", "--help"), ("bcrypt", "hash", "--help"),
                                  ("bcrypt", "verify", "--help"), ("bcrypt", "verify", KNOWN, "-h")])
def test_help(wave, args):
    result = wave(*args)
    assert result.returncode == 0
    assert result.stdout.startswith(b"usage: wave bcrypt")
    assert result.stderr == b""
