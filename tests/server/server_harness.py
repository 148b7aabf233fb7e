"""Harness for wave-server's end-to-end tests.

Everything is real: redis-server, FerretDB (MongoDB) and the stand-in app endpoint
(tests/harness/app_server.py) started by tests/harness/servers.py, and the wave-server
binary named by $WAVE_SERVER (CTest sets it to $<TARGET_FILE:wave-server>).

- The session's shared servers come from the CTest fixtures ($WAVE_TEST_STATE_DIR/<kind>.uri);
  when pytest runs without them, this file starts its own set and stops it at the end.
- Tests that stop a backend (faults) get `own_backends`: a private Redis, FerretDB and app
  endpoint in a state directory of their own, so the other suites never see the outage.
- Each wave-server gets a generated config (its own MongoDB database and Redis key prefix),
  listens on 127.0.0.1:0 and is found through its "listening" JSON log line; its stdout is
  captured to a file so tests can read the log (and check that no secret reaches it).

No test skips: a missing binary or tool is a failure with a message saying what to do.
"""
import http.client
import json
import os
import signal
import subprocess
import sys
import time
import uuid

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SERVERS_PY = os.path.join(ROOT, "tests", "harness", "servers.py")
sys.path.insert(0, os.path.join(ROOT, "tests", "harness"))
from app_control import app_control, wait_for_app_call  # noqa: E402 - after the path it needs
TOKEN_REGEX = "[A-Za-z0-9:._-]{8,256}"
FAULT_ERRORS = {"backend_unavailable", "backend_timeout", "upstream_error"}


# ---- backends -----------------------------------------------------------------------------

class Backends:
    """Redis, MongoDB (FerretDB) and the app endpoint recorded in one harness state dir."""

    def __init__(self, state, owned):
        self.state = state
        self.owned = owned  # started here (and stopped here), or the CTest fixtures'

    def uri(self, kind):
        path = os.path.join(self.state, f"{kind}.uri")
        try:
            with open(path) as f:
                return f.read().strip()
        except OSError:
            pytest.fail(f"no {path}: the {kind} server is not running (run through ctest, "
                        "which starts the fixtures, or let conftest start its own)")

    def start(self, kind):
        subprocess.run([sys.executable, SERVERS_PY, "start", kind, self.state], check=True, timeout=180)

    def stop(self, kind):
        subprocess.run([sys.executable, SERVERS_PY, "stop", kind, self.state], check=True, timeout=60)

    def app_control(self, what, body=""):
        """/__control/<what> on the stand-in app endpoint (mode, revoke, reset, stats...)."""
        return app_control(self.uri("app"), what, body)

    def wait_for_app_call(self, token):
        """Until the stand-in app endpoint has been asked about `token`."""
        wait_for_app_call(self.uri("app"), token)


def _start_backends(state, kinds=("redis", "mongo", "app")):
    backends = Backends(state, owned=True)
    for kind in kinds:
        backends.start(kind)
    return backends


def _stop_all(state):
    subprocess.run([sys.executable, SERVERS_PY, "stop-all", state], timeout=120)


@pytest.fixture(scope="session")
def backends(tmp_path_factory):
    state = os.environ.get("WAVE_TEST_STATE_DIR")
    if state and all(os.path.exists(os.path.join(state, f"{k}.uri")) for k in ("redis", "mongo", "app")):
        yield Backends(state, owned=False)
        return
    own = str(tmp_path_factory.mktemp("backends"))
    try:
        yield _start_backends(own)
    finally:
        _stop_all(own)


@pytest.fixture
def own_backends(tmp_path):
    """A private Redis, FerretDB and app endpoint: tests may stop and restart them."""
    state = str(tmp_path / "backends")
    try:
        yield _start_backends(state)
    finally:
        _stop_all(state)


# ---- HTTP client --------------------------------------------------------------------------

class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # lower-case name -> value (last one wins; see header_list)
        self.header_list = []
        self.body = body

    def json(self):
        try:
            return json.loads(self.body)
        except ValueError:
            raise AssertionError(f"not JSON (status {self.status}): {self.body[:300]!r}")

    def header(self, name):
        return self.headers.get(name.lower())

    def __repr__(self):
        return f"<Response {self.status} {self.headers} {self.body[:300]!r}>"


def http_request(port, method, path, body=None, headers=None, timeout=30):
    """One request on a fresh connection; the body may be bytes, str or a JSON-able object."""
    if body is not None and not isinstance(body, (bytes, str)):
        body = json.dumps(body)
    if isinstance(body, str):
        body = body.encode()
    all_headers = {}
    if body is not None:
        all_headers["Content-Type"] = "application/json"
    all_headers.update(headers or {})
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=all_headers)
        answer = conn.getresponse()
        data = answer.read()
        response = Response(answer.status, {k.lower(): v for k, v in answer.getheaders()}, data)
        response.header_list = [(k.lower(), v) for k, v in answer.getheaders()]
        return response
    finally:
        conn.close()


# ---- wave-server --------------------------------------------------------------------------

def server_binary():
    path = os.environ.get("WAVE_SERVER")
    if not path:
        pytest.fail("WAVE_SERVER is not set: run these tests through ctest (it names the wave-server "
                    "binary), or export WAVE_SERVER=build/dev/examples/wave-server")
    if not os.access(path, os.X_OK):
        pytest.fail(f"WAVE_SERVER={path} is not an executable file: build the wave-server target")
    return path


class WaveServer:
    """A running wave-server with its own config file and captured stdout/stderr."""

    def __init__(self, backends, workdir, overrides=None, name="wave"):
        self.backends = backends
        self.workdir = workdir
        os.makedirs(workdir, exist_ok=True)
        tag = uuid.uuid4().hex[:10]
        self.config = {
            "authenticationCheckEndpoint": backends.uri("app"),
            "tokenValidationRegex": TOKEN_REGEX,
            "redisURI": backends.uri("redis"),
            "redisKeyPrefix": f"wst{tag}:",
            "mongoURI": backends.uri("mongo"),
            "mongoDatabase": f"wave_server_{tag}",
            "bcryptCost": 4,
            "logLevel": "info",
            "corsAllowedOrigins": ["https://app.example.com"],
            "httpTimeoutMs": 3000,
            "httpConnectTimeoutMs": 1000,
            "redisTimeoutMs": 1000,
            "mongoTimeoutMs": 2000,
            # Every test client is 127.0.0.1: the per-address limit is tested on its own
            # (test_api.py), and off elsewhere.
            "serverAPIRequestsPerSecond": 0,
        }
        self.config.update(overrides or {})
        self.config_path = os.path.join(workdir, f"{name}.json")
        self.stdout_path = os.path.join(workdir, f"{name}.stdout")
        self.stderr_path = os.path.join(workdir, f"{name}.stderr")
        self.proc = None
        self.port = None

    def write_config(self):
        with open(self.config_path, "w") as f:
            json.dump(self.config, f, indent=1)

    def start(self, timeout=30):
        self.write_config()
        out = open(self.stdout_path, "ab")
        err = open(self.stderr_path, "ab")
        env = dict(os.environ)
        env.pop("WAVE_CONFIG_FILE_PATH", None)
        self.proc = subprocess.Popen([server_binary(), "--config", self.config_path, "--listen", "127.0.0.1:0"],
                                     stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env)
        out.close()
        err.close()
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"wave-server exited with status {self.proc.returncode} during start-up:\n"
                            f"stdout: {self.stdout()[-2000:]}\nstderr: {self.stderr()[-2000:]}")
            for line in self.log_lines():
                if line.get("msg") == "listening":
                    address = line.get("address", "")
                    assert address.startswith("127.0.0.1:"), f"listening line: {line}"
                    self.port = int(address.rsplit(":", 1)[1])
                    break
            if self.port:
                break
            time.sleep(0.05)
        else:
            self.kill()
            pytest.fail(f"wave-server logged no \"listening\" line within {timeout}s:\n{self.stdout()[-2000:]}"
                        f"\nstderr: {self.stderr()[-2000:]}")
        while time.time() < deadline:  # ready when /healthz answers 200
            try:
                if self.get("/healthz", timeout=2).status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.05)
        self.kill()
        pytest.fail("wave-server never answered GET /healthz with 200")

    # -- output --
    def stdout(self):
        try:
            with open(self.stdout_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def stderr(self):
        try:
            with open(self.stderr_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def log_lines(self):
        """Every complete stdout line parsed as JSON (a non-JSON line fails the test)."""
        text = self.stdout()
        lines = text.split("\n")[:-1]  # the last piece may be a line still being written
        parsed = []
        for line in lines:
            if not line.strip():
                continue
            try:
                parsed.append(json.loads(line))
            except ValueError:
                raise AssertionError(f"wave-server wrote a stdout line that is not JSON: {line[:300]!r}")
        return parsed

    # -- requests --
    def request(self, method, path, body=None, headers=None, timeout=30):
        return http_request(self.port, method, path, body, headers, timeout)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def api(self, method, path, token=None, body=None, headers=None, timeout=30):
        all_headers = dict(headers or {})
        if token is not None:
            all_headers["token"] = token
        return self.request(method, path, body=body, headers=all_headers, timeout=timeout)

    def hook(self, hook, body, headers=None, path=None):
        """POST a webhook; returns (response, parsed JSON)."""
        all_headers = {"vernemq-hook": hook} if hook else {}
        all_headers.update(headers or {})
        response = self.request("POST", path or f"/webhooks/{hook}", body=body, headers=all_headers)
        assert response.status == 200, f"webhooks always answer 200: {response}"
        assert (response.header("content-type") or "").startswith("application/json"), response
        return response, response.json()

    def metrics_text(self):
        response = self.get("/metrics")
        assert response.status == 200, response
        return response.body.decode()

    # -- life cycle --
    def signal(self, sig):
        self.proc.send_signal(sig)

    def wait(self, timeout=30):
        return self.proc.wait(timeout=timeout)

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
                raise AssertionError("wave-server did not exit within 30 s of SIGTERM")


@pytest.fixture(scope="session")
def server(backends, tmp_path_factory):
    """The session's wave-server on the shared backends."""
    instance = WaveServer(backends, str(tmp_path_factory.mktemp("server"))).start()
    yield instance
    instance.stop()
    assert instance.proc.returncode == 0, f"wave-server exited {instance.proc.returncode}: {instance.stderr()[-2000:]}"


@pytest.fixture
def make_server(tmp_path):
    """make_server(backends, **config_overrides) -> a started WaveServer, stopped after the test."""
    started = []

    def make(backends, name=None, start=True, **overrides):
        instance = WaveServer(backends, str(tmp_path / "servers"), overrides, name or f"wave{len(started)}")
        started.append(instance)
        return instance.start() if start else instance

    yield make
    for instance in started:
        if instance.proc is not None:
            instance.stop()


# ---- users --------------------------------------------------------------------------------

def app_user_id(prefix="u"):
    return f"{prefix}{uuid.uuid4().hex[:16]}"


def token_for(app_id, suffix=None):
    return f"user:{app_id}:{suffix or uuid.uuid4().hex[:8]}"


class User:
    def __init__(self, app_id, token, credentials):
        self.app_id = app_id
        self.token = token
        self.credentials = credentials
        self.id = credentials["internalWaveUserID"]
        self.password = credentials["password"]

    def __repr__(self):
        return f"<User {self.app_id} {self.id}>"


def login(server, app_id=None, token=None):
    """POST /v1/sessions for a (new) app user; returns a User."""
    app_id = app_id or app_user_id()
    token = token or token_for(app_id)
    response = server.api("POST", "/v1/sessions", token=token)
    assert response.status == 201, f"login: {response}"
    content = response.json()["content"]
    return User(app_id, token, content)


@pytest.fixture
def user(server):
    return login(server)


@pytest.fixture
def other_user(server):
    return login(server)


# ---- webhook bodies -----------------------------------------------------------------------

def register_body(user_id, password, client_id=None, mountpoint="", **extra):
    body = {"peer_addr": "127.0.0.1", "peer_port": 53111, "mountpoint": mountpoint,
            "client_id": user_id if client_id is None else client_id, "username": user_id,
            "password": password, "clean_session": True}
    body.update(extra)
    return body


def publish_body(user_id, topic, client_id=None, mountpoint="", qos=1, **extra):
    body = {"username": user_id, "client_id": user_id if client_id is None else client_id,
            "mountpoint": mountpoint, "qos": qos, "topic": topic, "payload": "aGVsbG8=", "retain": False}
    body.update(extra)
    return body


def subscribe_body(user_id, topics, client_id=None, mountpoint="", **extra):
    body = {"username": user_id, "client_id": user_id if client_id is None else client_id,
            "mountpoint": mountpoint, "topics": [{"topic": t, "qos": q} for t, q in topics]}
    body.update(extra)
    return body


def private_topic(sender, receiver):
    return f"conversations/private/{sender}/{receiver}"


def assert_grant(answer):
    assert answer == {"result": "ok"}, answer


def assert_refusal(response, answer, error="not_allowed"):
    assert answer == {"result": {"error": error}}, answer
    assert response.header("cache-control") is None, f"a refusal must not be cacheable: {response}"


# ---- Prometheus text format ---------------------------------------------------------------

def parse_metrics(text):
    """Strict parse of the Prometheus text format 0.0.4.

    Returns {family: {"type", "help", "samples": [(name, labels dict, value)]}}; raises
    AssertionError on any violation: HELP/TYPE before samples and once per family, a sample
    outside its family, duplicated series, bad label syntax, non-cumulative histograms,
    +Inf bucket != _count, missing trailing newline."""
    assert text.endswith("\n"), "the exposition must end with a newline"
    families = {}
    current = None
    seen_series = set()
    for number, line in enumerate(text.split("\n")[:-1], 1):
        where = f"line {number}: {line!r}"
        if line == "":
            continue
        if line.startswith("#"):
            parts = line.split(" ", 3)
            if len(parts) >= 2 and parts[1] in ("HELP", "TYPE"):
                assert len(parts) >= 3, where
                name = parts[2]
                family = families.setdefault(name, {"type": None, "help": None, "samples": []})
                if family["samples"]:
                    raise AssertionError(f"{where}: {parts[1]} after the family's samples")
                key = parts[1].lower()
                assert family[key] is None, f"{where}: second {parts[1]} for {name}"
                value = parts[3] if len(parts) == 4 else ""
                if key == "type":
                    assert value in ("counter", "gauge", "histogram", "summary", "untyped"), where
                family[key] = value
                current = name
            continue
        name, labels, value = _parse_sample(line, where)
        assert current is not None, f"{where}: sample before any HELP/TYPE"
        family = families[current]
        allowed = {current}
        if family["type"] == "histogram":
            allowed = {current + "_bucket", current + "_sum", current + "_count"}
        elif family["type"] == "summary":
            allowed = {current, current + "_sum", current + "_count"}
        assert name in allowed, f"{where}: sample {name} outside its family {current}"
        series = (name, tuple(sorted(labels.items())))
        assert series not in seen_series, f"{where}: duplicated series"
        seen_series.add(series)
        family["samples"].append((name, labels, value))
    for name, family in families.items():
        assert family["type"] is not None, f"{name}: no TYPE"
        assert family["help"] is not None, f"{name}: no HELP"
        assert name.startswith("wave_") or name.startswith("process_"), f"{name}: not in the wave_ namespace"
        if family["type"] == "counter":
            for sample_name, _, value in family["samples"]:
                assert value >= 0, f"{sample_name}: negative counter"
        if family["type"] == "histogram":
            _check_histogram(name, family["samples"])
    return families


def _parse_sample(line, where):
    i = 0
    while i < len(line) and (line[i].isalnum() or line[i] in "_:"):
        i += 1
    name = line[:i]
    assert name and not name[0].isdigit(), f"{where}: bad metric name"
    labels = {}
    if i < len(line) and line[i] == "{":
        i += 1
        while True:
            if line[i] == "}":
                i += 1
                break
            j = i
            while line[j].isalnum() or line[j] == "_":
                j += 1
            label = line[i:j]
            assert label and line[j] == "=" and line[j + 1] == '"', f"{where}: bad label"
            j += 2
            value = []
            while line[j] != '"':
                if line[j] == "\\":
                    escaped = line[j + 1]
                    assert escaped in '\\"n', f"{where}: bad escape"
                    value.append("\n" if escaped == "n" else escaped)
                    j += 2
                else:
                    value.append(line[j])
                    j += 1
            assert label not in labels, f"{where}: label {label} twice"
            labels[label] = "".join(value)
            j += 1
            if line[j] == ",":
                j += 1
            else:
                assert line[j] == "}", f"{where}: expected , or }}"
            i = j
    assert i < len(line) and line[i] == " ", f"{where}: no space before the value"
    rest = line[i + 1:].split(" ")
    assert 1 <= len(rest) <= 2, f"{where}: value [timestamp] expected"
    text = rest[0]
    if text in ("+Inf", "-Inf", "NaN"):
        value = float(text.replace("Inf", "inf"))
    else:
        try:
            value = float(text)
        except ValueError:
            raise AssertionError(f"{where}: bad value")
    return name, labels, value


def _check_histogram(name, samples):
    groups = {}
    for sample_name, labels, value in samples:
        key = tuple(sorted((k, v) for k, v in labels.items() if k != "le"))
        group = groups.setdefault(key, {"buckets": [], "sum": None, "count": None})
        if sample_name.endswith("_bucket"):
            assert "le" in labels, f"{name}: bucket without le"
            group["buckets"].append((float(labels["le"].replace("Inf", "inf")), value))
        elif sample_name.endswith("_sum"):
            group["sum"] = value
        else:
            group["count"] = value
    for key, group in groups.items():
        buckets = group["buckets"]
        assert buckets, f"{name}{key}: no buckets"
        bounds = [b for b, _ in buckets]
        assert bounds == sorted(bounds) and len(set(bounds)) == len(bounds), f"{name}{key}: le not increasing"
        assert bounds[-1] == float("inf"), f"{name}{key}: no le=\"+Inf\" bucket"
        counts = [c for _, c in buckets]
        assert all(a <= b for a, b in zip(counts, counts[1:])), f"{name}{key}: buckets not cumulative {counts}"
        assert group["count"] is not None and group["sum"] is not None, f"{name}{key}: _sum/_count missing"
        assert counts[-1] == group["count"], f"{name}{key}: +Inf bucket {counts[-1]} != _count {group['count']}"


def metric_value(families, name, **labels):
    """Sum of the samples of `name` (a sample name, e.g. x_count) whose labels include `labels`."""
    family_name = name
    for suffix in ("_bucket", "_sum", "_count"):
        if name.endswith(suffix) and name[: -len(suffix)] in families:
            family_name = name[: -len(suffix)]
    assert family_name in families, f"no metric family {family_name}"
    total = 0.0
    for sample_name, sample_labels, value in families[family_name]["samples"]:
        if sample_name == name and all(sample_labels.get(k) == v for k, v in labels.items()):
            total += value
    return total


def wait_for(predicate, timeout=10.0, interval=0.05, what="condition"):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")


def python_tools_venv():
    venv = os.environ.get("WAVE_PYTHON_TOOLS_VENV") or os.path.join(
        os.environ.get("WAVE_TOOLS_DIR") or os.path.join(
            os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "wave-tools"), "venv")
    return venv


def python_tool(name):
    path = os.path.join(python_tools_venv(), "bin", name)
    if not os.access(path, os.X_OK):
        pytest.fail(f"{path} is missing: run tools/install-python-tools.sh (tools/install-deps.sh calls it)")
    return path


