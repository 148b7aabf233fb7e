"""Shared helpers for the wave CLI tests: run the real binary, feed stdin, read results."""
import os
import subprocess

import pytest


def pytest_configure(config):
    config.addinivalue_line("markers", "servers: needs the real Redis, MongoDB and app servers")


@pytest.fixture(scope="session")
def cli_path():
    path = os.environ.get("WAVE_CLI")
    if not path:
        pytest.fail("WAVE_CLI is not set: run these tests through ctest")
    return path


@pytest.fixture
def wave(cli_path):
    """wave(*args, stdin=b"", env=None) -> CompletedProcess with bytes stdout/stderr."""

    def run(*args, stdin=b"", env=None, timeout=120):
        if isinstance(stdin, str):
            stdin = stdin.encode()
        full_env = dict(os.environ)
        if env:
            full_env.update(env)
        return subprocess.run([cli_path, *args], input=stdin, capture_output=True, env=full_env,
                              timeout=timeout)

    return run


def server_uri(kind):
    state = os.environ.get("WAVE_TEST_STATE_DIR")
    if not state:
        pytest.fail("WAVE_TEST_STATE_DIR is not set: run these tests through ctest")
    with open(os.path.join(state, f"{kind}.uri")) as f:
        return f.read().strip()
