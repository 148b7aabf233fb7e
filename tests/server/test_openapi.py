"""docs/openapi.yaml: valid OpenAPI 3.0 (openapi-spec-validator), and the running server
conforms to it (Schemathesis v4, every check, against real Redis, FerretDB and app endpoint).

The tools live in the venv tools/install-python-tools.sh makes; a missing tool is a failure
(CI always installs them), never a skip."""
import hashlib
import os
import secrets
import subprocess

import pytest

from server_harness import ROOT, HERE, login, python_tool

pytestmark = pytest.mark.servers

DOCUMENT = os.path.join(ROOT, "docs", "openapi.yaml")
CONFIG = os.path.join(HERE, "schemathesis.toml")


def test_the_document_is_valid_openapi():
    result = subprocess.run([python_tool("openapi-spec-validator"), DOCUMENT], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_document_names_every_route():
    text = open(DOCUMENT).read()
    for route in ("/healthz:", "/readyz:", "/metrics:", "/webhooks:", "/webhooks/{hook}:", "/v1/profiles:",
                  "/v1/profiles/mappings:", "/v1/sessions:", "/v1/conversations/group:",
                  "/v1/conversations/groups:", "/v1/conversations/group/{groupID}:",
                  "/v1/conversations/group/{groupID}/members:",
                  "/v1/conversations/group/{groupID}/members/{appUserID}:",
                  "/v1/conversations/group/{groupID}/leave:", "/v1/users/{appUserID}:",
                  "/v1/users/{appUserID}/sessions:"):
        assert f"  {route}\n" in text, f"{route} is not documented"


def test_schemathesis_finds_no_failure(make_server, backends, tmp_path):
    admin_key = secrets.token_hex(32)
    # Schemathesis revokes and logs in again far faster than any user: the per-user limits
    # (429, documented) would otherwise answer most of its requests and test nothing else.
    server = make_server(backends, name="schemathesis", httpTimeoutMs=5000, credentialChangesPerHour=100000,
                         credentialChangeBurst=1000, groupCreationsPerHour=100000,
                         adminAPIKeys=[hashlib.sha256(admin_key.encode()).hexdigest()])
    user = login(server)
    other = login(server)
    # a group the user owns, so group routes have something to find through the links
    server.api("POST", "/v1/conversations/group", token=user.token,
               body={"name": "schemathesis", "members": [other.app_id]})
    env = dict(os.environ, WAVE_TEST_TOKEN=user.token, WAVE_TEST_ADMIN_KEY=admin_key)
    report_dir = tmp_path / "report"
    command = [python_tool("schemathesis"), "--config-file", CONFIG, "run", DOCUMENT,
               "--url", f"http://127.0.0.1:{server.port}", "--max-examples", "25",
               "--request-timeout", "20", "--report", "junit", "--report-dir", str(report_dir),
               "--seed", "8085", "--no-color"]
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300, cwd=str(tmp_path))
    # Generated bodies can be megabytes long: keep each line of the report short.
    output = "\n".join(line[:400] for line in (result.stdout + result.stderr).splitlines())
    assert result.returncode == 0, f"schemathesis exit {result.returncode}:\n{output[-15000:]}"
    assert server.proc.poll() is None, "wave-server died under Schemathesis"
    log = server.stdout()
    assert user.token not in log and user.password not in log
    assert admin_key not in log


def test_the_document_version_is_the_project_version():
    import re
    with open(os.path.join(ROOT, "CMakeLists.txt")) as f:
        project = re.search(r"project\(wave VERSION ([0-9.]+)", f.read()).group(1)
    with open(DOCUMENT) as f:
        document = re.search(r"^info:\n(?:  .*\n)*?  version: ([0-9.]+)$", f.read(), re.M).group(1)
    assert document == project, f"docs/openapi.yaml says {document}, the project is {project}"
