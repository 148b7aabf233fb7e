"""What every wave command shares: --help on each, CLI11's range checks and parse errors,
one exit-code vocabulary, --config defaulting to $WAVE_CONFIG_FILE_PATH, --version."""
import re

import pytest

COMMANDS = [
    ("bcrypt",), ("bcrypt", "hash"), ("bcrypt", "verify"),
    ("uuid",),
    ("config",), ("config", "check"),
    ("token",), ("token", "check"),
    ("topic",), ("topic", "match"), ("topic", "covers"), ("topic", "sender"),
    ("acl",), ("acl", "private"), ("acl", "group"),
    ("login",), ("resolve",), ("revoke",),
    ("group",), ("group", "create"), ("group", "add"), ("group", "remove"), ("group", "leave"),
    ("group", "delete"), ("group", "list"), ("group", "members"),
]
LEAVES = [c for c in COMMANDS if not any(o[:len(c)] == c and len(o) > len(c) for o in COMMANDS)]
TAKES_CONFIG = [("token", "check"), ("login",), ("resolve",), ("revoke",)] + \
    [c for c in COMMANDS if c[0] == "group" and len(c) == 2]


def listed_commands(wave, *path):
    """The command words `wave PATH --help` lists under "Commands:"."""
    text = wave(*path, "--help").stdout.decode()
    if "\nCommands:\n" not in text:
        return []
    block = text.split("\nCommands:\n", 1)[1].split("\n\n", 1)[0]
    return re.findall(r"^  (\S+)", block, flags=re.MULTILINE)


def test_the_list_above_is_every_command(wave):
    found = []
    pending = [()]
    while pending:
        path = pending.pop()
        for word in listed_commands(wave, *path):
            found.append(path + (word,))
            pending.append(path + (word,))
    assert sorted(found) == sorted(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_on_every_command(wave, command, flag):
    result = wave(*command, flag, stdin=b"secret-that-is-never-read")
    assert result.returncode == 0, result.stderr
    assert result.stderr == b""
    text = result.stdout.decode()
    assert text.startswith("usage: wave " + " ".join(command) + " ")
    assert "-h,--help" in text


def test_help_wins_over_other_arguments_and_reads_no_stdin(wave):
    result = wave("bcrypt", "hash", "--cost", "5", "--help", stdin=b"pw")
    assert result.returncode == 0
    assert result.stdout.startswith(b"usage: wave bcrypt hash")
    assert b"$2a$" not in result.stdout


def test_root_help_documents_one_exit_code_table(wave):
    result = wave("--help")
    assert result.returncode == 0
    text = result.stdout.decode()
    assert text.startswith("usage: wave ")
    for line in ("0  success", "1  refused", "2  usage", "3  a backend fault", "4  internal error"):
        assert line in text


@pytest.mark.parametrize("args, option", [
    (("bcrypt", "hash", "--cost", "3"), "--cost"),
    (("bcrypt", "hash", "--cost=32"), "--cost"),
    (("topic", "match", "--max-depth", "65536", "a", "a"), "--max-depth"),
    (("topic", "covers", "--max-depth", "-1", "a", "a"), "--max-depth"),
])
def test_range_errors_come_from_cli11(wave, args, option):
    result = wave(*args, stdin=b"pw")
    assert result.returncode == 2
    assert result.stdout == b""
    stderr = result.stderr.decode()
    assert re.search(option + r": Value -?\d+ not in range \d+ to \d+", stderr), stderr
    assert "usage: wave " + " ".join(args[:2]) in stderr


def test_numbers_are_decimal(wave):
    # CLI11 alone reads "010" as octal 8 and "0x05" as hex.
    assert wave("bcrypt", "hash", "--cost", "010", stdin=b"pw").stdout.startswith(b"$2a$10$")
    hexadecimal = wave("bcrypt", "hash", "--cost", "0x05", stdin=b"pw")
    assert hexadecimal.returncode == 2
    assert b"--cost" in hexadecimal.stderr
    assert wave("topic", "match", "--max-depth", "02", "a/b", "a/b").returncode == 0
    assert wave("topic", "match", "--max-depth", "01", "a/b", "a/b").returncode == 2


def test_choices_come_from_cli11(wave):
    result = wave("bcrypt", "hash", "--prefix", "2x", stdin=b"pw")
    assert result.returncode == 2
    assert b"--prefix" in result.stderr and b"2x" in result.stderr


@pytest.mark.parametrize("command", LEAVES, ids=" ".join)
def test_unknown_options_exit_2_with_the_usage(wave, command):
    result = wave(*command, "--no-such-option", stdin=b"pw")
    assert result.returncode == 2
    assert result.stdout == b""
    assert result.stderr.startswith(b"wave: ")
    assert ("usage: wave " + " ".join(command)).encode() in result.stderr


@pytest.mark.parametrize("command", TAKES_CONFIG, ids=" ".join)
def test_config_option_defaults_to_the_environment(wave, command):
    text = wave(*command, "--help").stdout.decode()
    assert re.search(r"--config FILE \(Env:WAVE_CONFIG_FILE_PATH\)", text), text


def test_command_words_after_the_command_are_operands(wave, tmp_path):
    # "list" and "uuid" are command names; once "group add" is chosen they are operands, so
    # the command gets as far as loading the (missing) config.
    missing = str(tmp_path / "missing.json")
    for args in (("group", "add", "gid", "list"), ("group", "add", "gid", "uuid"), ("resolve", "login")):
        result = wave(*args, "--config", missing, stdin=b"user:x:1")
        assert result.returncode == 2, args
        assert b"wave: config: " in result.stderr, args


def test_member_takes_one_value(wave, tmp_path):
    missing = str(tmp_path / "missing.json")
    named = wave("group", "create", "--member", "a", "Team", "--config", missing, stdin=b"user:x:1")
    assert named.returncode == 2
    assert b"wave: config: " in named.stderr  # "Team" was the NAME, not a second member
    unnamed = wave("group", "create", "--member", "a", "--config", missing, stdin=b"user:x:1")
    assert unnamed.returncode == 2
    assert b"NAME is required" in unnamed.stderr


def test_version(wave):
    result = wave("--version")
    assert result.returncode == 0
    assert re.fullmatch(rb"wave \d+\.\d+\.\d+\n", result.stdout)
