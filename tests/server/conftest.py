"""pytest fixtures for wave-server's end-to-end tests (the harness is server_harness.py)."""
from server_harness import backends, make_server, other_user, own_backends, server, user  # noqa: F401


def pytest_configure(config):
    config.addinivalue_line("markers", "servers: needs the real Redis, MongoDB and app servers")
