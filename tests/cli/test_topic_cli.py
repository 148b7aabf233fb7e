"""wave topic (match, covers, sender) and wave acl (private, group): the real binary."""
import json
import random

import pytest

ALICE = "1b4e28ba-2fa1-4d3b-a3f5-ef19b5a7633b"
BOB = "9f0c6a3e-5d1b-4c2a-8e7f-0123456789ab"


# ---- wave topic match -----------------------------------------------------------------

@pytest.mark.parametrize("filter_, topic, code, word", [
    ("sport/#", "sport", 0, b"match"),
    ("sport/tennis/+", "sport/tennis/player1", 0, b"match"),
    ("sport/+", "sport", 1, b"nomatch"),
    ("sport/+", "sport/", 0, b"match"),
    ("+/+", "/finance", 0, b"match"),
    ("#", "$SYS/monitor", 1, b"nomatch"),
    ("$SYS/#", "$SYS/monitor", 0, b"match"),
    ("a//b", "a//b", 0, b"match"),
    ("ACCOUNTS", "Accounts", 1, b"nomatch"),
    ("$share/g/a/+", "a/b", 0, b"match"),
])
def test_match_exit_codes(wave, filter_, topic, code, word):
    result = wave("topic", "match", filter_, topic)
    assert result.returncode == code, result.stderr
    assert result.stdout.strip() == word
    assert result.stderr == b""


@pytest.mark.parametrize("filter_, topic, what", [
    ("a/#/b", "a", b"topic filter"),
    ("sport+", "sport", b"topic filter"),
    ("$share/g", "a", b"topic filter"),
    ("a/+", "a/+", b"topic name"),
    ("#", "", b"topic name"),
    ("#", "1/2/3/4/5/6/7/8/9/10/11", b"topic name"),
])
def test_match_invalid_input(wave, filter_, topic, what):
    result = wave("topic", "match", filter_, topic)
    assert result.returncode == 2
    assert result.stdout == b""
    assert what in result.stderr


def test_match_max_depth(wave):
    deep = "/".join(str(i) for i in range(12))
    assert wave("topic", "match", "#", deep).returncode == 2
    assert wave("topic", "match", "--max-depth", "12", "#", deep).returncode == 0
    assert wave("topic", "match", "--max-depth=0", "#", deep).returncode == 0
    assert wave("topic", "match", "--max-depth", "2", "a/b", "a/b").returncode == 0
    assert wave("topic", "match", "--max-depth", "1", "a/b", "a/b").returncode == 2
    bad = wave("topic", "match", "--max-depth", "-1", "a", "a")
    assert bad.returncode == 2
    assert b"--max-depth" in bad.stderr


def test_match_usage_errors(wave):
    for args in (("topic", "match"), ("topic", "match", "a"), ("topic", "match", "a", "b", "c"),
                 ("topic", "match", "--bogus", "a", "b")):
        result = wave(*args)
        assert result.returncode == 2, args
        assert b"usage" in result.stderr


def test_match_batch(wave):
    lines = [
        "sport/#\tsport",                # match
        "sport/+\tsport",                # nomatch
        "a/#/b\ta",                      # invalid filter
        "a/+\ta/+",                      # invalid topic
        "no tab here",                   # invalid line
        "",                              # empty line: invalid
        "#\t$SYS/x",                     # nomatch
        "sport/#\tsport/tennis",         # match, same filter again (cached)
        "a/+\ta/b\tc",                   # the first TAB separates: the topic is "b\tc"-ish
        "$share/g/#\tx/y",               # match
        "a/+\ta/b\r",                    # the \r belongs to the topic: "a/b\r" matches
        "a\ta\r",                        # and so does not match "a"
    ]
    result = wave("topic", "match", "--batch", stdin="\n".join(lines) + "\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode().split("\n") == [
        "match", "nomatch", "invalid", "invalid", "invalid", "invalid", "nomatch", "match",
        "match", "match", "match", "nomatch", ""]


def test_match_batch_edges(wave):
    # No trailing newline on the last line; a NUL inside a topic; bad UTF-8; empty input.
    result = wave("topic", "match", "--batch", stdin=b"a/+\ta/b\na/+\ta/\x00\n+\t\xc0\xaf\n#\tlast")
    assert result.returncode == 0
    assert result.stdout == b"match\ninvalid\ninvalid\nmatch\n"
    empty = wave("topic", "match", "--batch", stdin=b"")
    assert empty.returncode == 0
    assert empty.stdout == b""
    # A NUL inside a filter makes it invalid (not silently shortened).
    assert wave("topic", "match", "--batch", stdin=b"a\x00/#\ta\n").stdout == b"invalid\n"
    # Depth applies per line.
    deep = "/".join(str(i) for i in range(12))
    assert wave("topic", "match", "--batch", stdin=f"#\t{deep}\n").stdout == b"invalid\n"
    assert wave("topic", "match", "--batch", "--max-depth", "0",
                stdin=f"#\t{deep}\n").stdout == b"match\n"
    assert wave("topic", "match", "--batch", "extra").returncode == 2


def test_match_batch_agrees_with_single_matches(wave):
    rng = random.Random(5)
    words = ["a", "b", "", "$x", "+", "#"]

    def text(allow_wildcards):
        levels = [rng.choice(words if allow_wildcards else words[:4]) for _ in range(rng.randint(1, 3))]
        return "/".join(levels)

    pairs = [(text(True), text(rng.random() < 0.1)) for _ in range(60)]
    batch = wave("topic", "match", "--batch", stdin="".join(f"{f}\t{t}\n" for f, t in pairs))
    answers = batch.stdout.decode().split()
    assert len(answers) == len(pairs)
    names = {0: "match", 1: "nomatch", 2: "invalid"}
    for (filter_, topic), answer in zip(pairs, answers):
        single = wave("topic", "match", "--", filter_, topic)
        assert names[single.returncode] == answer, (filter_, topic)


def test_match_batch_million_lines(wave):
    # Many distinct filters and topics, in one process, answered in order.
    count = 1_000_000
    lines = []
    expected = []
    for i in range(count):
        if i % 3 == 0:
            lines.append(f"conversations/private/+/u{i % 1000}\tconversations/private/s/u{i % 1000}")
            expected.append("match")
        elif i % 3 == 1:
            lines.append(f"sensors/{i % 50}/#\tsensors/{(i + 1) % 50}/t")
            expected.append("nomatch")
        else:
            lines.append(f"x/{i}#\tx")
            expected.append("invalid")
    result = wave("topic", "match", "--batch", stdin="\n".join(lines) + "\n", timeout=120)
    assert result.returncode == 0
    assert result.stdout.decode().split("\n")[:-1] == expected


# ---- wave topic covers ------------------------------------------------------------------

@pytest.mark.parametrize("acl, sub, code", [
    ("a/+", "a/b", 0),
    ("a/+", "a/+", 0),
    ("a/+", "a/#", 1),          # strict: VerneMQ would allow it
    ("a/#", "a/+/b", 0),
    ("a/#", "a", 0),
    ("#", "$SYS/#", 1),
    ("#", "$SYS/x", 1),
    ("+/#", "#", 0),
    ("a/b", "a/+", 1),
    ("a/#", "$share/g/a/b", 0),
    (f"conversations/private/+/{ALICE}", f"conversations/private/{BOB}/{ALICE}", 0),
    (f"conversations/private/+/{ALICE}", "conversations/private/+/+", 1),
])
def test_covers(wave, acl, sub, code):
    result = wave("topic", "covers", acl, sub)
    assert result.returncode == code, result.stderr
    assert result.stdout.strip() == (b"covered" if code == 0 else b"notcovered")


def test_covers_invalid(wave):
    for acl, sub in (("a/#/b", "a"), ("a", "a+"), ("#", "$share//a"), ("", "a")):
        result = wave("topic", "covers", acl, sub)
        assert result.returncode == 2, (acl, sub)
        assert b"invalid topic filter" in result.stderr
    assert wave("topic", "covers", "a").returncode == 2
    assert wave("topic", "covers", "--max-depth", "1", "#", "a/b").returncode == 2
    assert wave("topic", "covers", "--max-depth", "2", "#", "a/b").returncode == 0


# ---- wave topic sender ------------------------------------------------------------------

def test_sender_private(wave):
    result = wave("topic", "sender", f"conversations/private/{ALICE}/{BOB}")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"kind": "private", "sender": ALICE, "recipient": BOB}


def test_sender_group(wave):
    result = wave("topic", "sender", f"conversations/group/team_1-x/{BOB}")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"kind": "group", "sender": BOB, "group": "team_1-x"}


@pytest.mark.parametrize("topic", [
    "",
    "conversations/private",
    f"conversations/private/{ALICE}",
    f"conversations/private/{ALICE}/{BOB}/extra",
    f"conversations/private/{ALICE}/+",
    f"conversations/private/{ALICE}/bob",
    f"conversations/private/{ALICE.upper()}/{BOB}",
    f"conversations/group/team.1/{BOB}",
    f"conversations/group/{'g' * 65}/{BOB}",
    f"conversations/channel/x/{BOB}",
    f"$share/g/conversations/private/{ALICE}/{BOB}",
])
def test_sender_outside_scheme(wave, topic):
    result = wave("topic", "sender", topic)
    assert result.returncode == 2
    assert result.stdout == b""
    assert b"wave: topic sender:" in result.stderr


# ---- wave acl -------------------------------------------------------------------------------

def test_acl_private(wave):
    result = wave("acl", "private", ALICE)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "publish": [f"conversations/private/{ALICE}/+"],
        "subscribe": [f"conversations/private/+/{ALICE}"],
    }


def test_acl_group(wave):
    result = wave("acl", "group", "team-1", ALICE)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "publish": [f"conversations/group/team-1/{ALICE}"],
        "subscribe": ["conversations/group/team-1/+"],
    }


@pytest.mark.parametrize("args", [
    ("acl", "private", "+"),
    ("acl", "private", "#"),
    ("acl", "private", ALICE.upper()),
    ("acl", "private", f"{ALICE}/x"),
    ("acl", "group", "a/b", ALICE),
    ("acl", "group", "+", ALICE),
    ("acl", "group", "g" * 65, ALICE),
    ("acl", "group", "g", "bob"),
    ("acl", "private"),
    ("acl", "group", "g"),
    ("acl", "private", ALICE, BOB),
])
def test_acl_invalid(wave, args):
    result = wave(*args)
    assert result.returncode == 2
    assert result.stdout == b""
    assert result.stderr.startswith(b"wave: ")


# ---- help and usage -----------------------------------------------------------------------

@pytest.mark.parametrize("args", [
    ("topic", "--help"), ("topic", "match", "--help"), ("topic", "covers", "--help"),
    ("topic", "sender", "--help"), ("acl", "--help"), ("acl", "private", "--help"),
    ("acl", "group", "-h"),
])
def test_help(wave, args):
    result = wave(*args)
    assert result.returncode == 0
    assert result.stdout.startswith(b"usage: wave ")
    assert result.stderr == b""


@pytest.mark.parametrize("args", [("topic",), ("acl",), ("topic", "bogus"), ("acl", "bogus")])
def test_usage_errors(wave, args):
    result = wave(*args)
    assert result.returncode == 2
    assert b"usage: wave " in result.stderr
    assert result.stdout == b""
