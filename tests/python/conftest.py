def pytest_configure(config):
    config.addinivalue_line("markers", "servers: needs the real Redis, MongoDB and app servers")
    config.addinivalue_line("markers", "venv: installs the package into a fresh virtual environment")
