"""Real brokers against Wave, with real MQTT clients (paho-mqtt, MQTT 3.1.1 and 5).

The CTest fixtures redis, mongo and app (tests/harness) give the servers; each test module
starts its broker on a free loopback port: Mosquitto with the Wave plugin, VerneMQ 2.1.2
(from ../shared/vernemq or $WAVE_TEST_VERNEMQ_DIR) with wave-server's webhooks or with its
own MongoDB auth.  Users are made through Wave (the library, or wave-server's API), never by
writing documents by hand.
"""
import itertools
import json
import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import pytest

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.subscribeoptions import SubscribeOptions

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HARNESS = os.path.join(ROOT, "tests", "harness")
TOKEN_REGEX = "[A-Za-z0-9:_.-]{1,200}"
V3, V5 = mqtt.MQTTv311, mqtt.MQTTv5
TIMEOUT = 10.0

_counter = itertools.count()


def unique(tag):
    return f"br_{tag}_{os.getpid()}_{next(_counter)}"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fixture_uri(kind):
    state = os.environ.get("WAVE_TEST_STATE_DIR")
    if not state:
        pytest.fail("WAVE_TEST_STATE_DIR is not set: run through ctest")
    try:
        with open(os.path.join(state, f"{kind}.uri")) as f:
            return f.read().strip()
    except OSError as error:
        pytest.fail(f"the {kind} fixture is not running ({error})")


def write_config(directory, name, **fields):
    """A Wave config on the fixture servers, in a Redis key prefix and MongoDB database of
    its own (bcrypt cost 4 unless overridden)."""
    config = {"authenticationCheckEndpoint": fixture_uri("app"), "tokenValidationRegex": TOKEN_REGEX,
              "bcryptCost": 4, "storage": "servers", "redisURI": fixture_uri("redis"),
              "redisKeyPrefix": name + ":", "redisTimeoutMs": 1000, "mongoURI": fixture_uri("mongo"),
              "mongoDatabase": name, "mongoTimeoutMs": 3000, "httpTimeoutMs": 3000,
              "httpConnectTimeoutMs": 1000}
    config.update(fields)
    path = os.path.join(directory, name + ".json")
    with open(path, "w") as f:
        json.dump(config, f)
    return path


def app_control(what, body=""):
    app = fixture_uri("app")
    base = app[:app.index("/", len("http://"))]
    request = urllib.request.Request(f"{base}/__control/{what}", data=body.encode(), method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200


def wait_for_port(port, proc, what, timeout=60.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            pytest.fail(f"{what} exited with status {proc.returncode} during start-up")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    pytest.fail(f"{what} did not listen on 127.0.0.1:{port} within {timeout:.0f}s")


def private_topic(sender, recipient):
    return f"conversations/private/{sender}/{recipient}"


def group_topic(group_id, sender):
    return f"conversations/group/{group_id}/{sender}"


class _Paho(mqtt.Client):
    """paho 1.6 hands on_publish no v5 PUBACK reason code: keep it from the packet."""

    last_puback_reason = 0

    def _handle_pubackcomp(self, cmd):
        packet = self._in_packet["packet"]
        self.last_puback_reason = packet[2] if self._protocol == mqtt.MQTTv5 and len(packet) > 2 else 0
        return super()._handle_pubackcomp(cmd)


class Client:
    """A paho client driven synchronously: every call waits for the broker's answer."""

    def __init__(self, port, client_id, username=None, password=None, protocol=V3):
        self.protocol = protocol
        kwargs = {"client_id": client_id, "protocol": protocol}
        if protocol == V3:
            kwargs["clean_session"] = True
        self._client = _Paho(**kwargs)
        if username is not None or password is not None:
            self._client.username_pw_set(username, password)
        self.port = port
        self.messages = queue.Queue()
        self._events = queue.Queue()
        self.connected = threading.Event()
        self.disconnected = threading.Event()
        self._client.on_connect = self._on_connect
        self._client.on_disconnect = self._on_disconnect
        self._client.on_message = lambda c, u, m: self.messages.put((m.topic, m.payload))
        self._client.on_subscribe = self._on_subscribe
        self._client.on_publish = lambda c, u, mid: self._events.put(("puback", mid, None))
        self._client._reconnect_on_failure = False

    # v3 and v5 callbacks differ in arity; both end up in the event queue.
    def _on_connect(self, client, userdata, flags, rc, properties=None):
        code = rc.value if hasattr(rc, "value") else rc
        self._events.put(("connack", code, None))
        if code == 0:
            self.connected.set()

    def _on_disconnect(self, client, userdata, rc, properties=None):
        self.disconnected.set()
        self._events.put(("disconnect", rc.value if hasattr(rc, "value") else rc, None))

    def _on_subscribe(self, client, userdata, mid, granted, properties=None):
        codes = [g.value if hasattr(g, "value") else g for g in granted]
        self._events.put(("suback", mid, codes))

    def _wait(self, kind, mid=None, timeout=TIMEOUT):
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                event = self._events.get(timeout=max(0.01, deadline - time.time()))
            except queue.Empty:
                break
            if event[0] == kind and (mid is None or event[1] == mid):
                return event
            if kind == "connack" and event[0] == "disconnect":
                return ("connack", None, None)  # dropped without a CONNACK
        return None

    def connect(self):
        """Returns the CONNACK code (0 accepted), or None when the broker closed without one."""
        self._client.connect("127.0.0.1", self.port, keepalive=30)
        self._client.loop_start()
        event = self._wait("connack")
        if event is None:
            pytest.fail("no CONNACK within the timeout")
        return event[1]

    def subscribe(self, filters, qos=1, no_local=False):
        """Subscribes to `filters` in ONE packet; returns the SUBACK codes, in order."""
        if self.protocol == V5:
            options = SubscribeOptions(qos=qos, noLocal=no_local)
            result, mid = self._client.subscribe([(f, options) for f in filters])
        else:
            result, mid = self._client.subscribe([(f, qos) for f in filters])
        assert result == mqtt.MQTT_ERR_SUCCESS
        event = self._wait("suback", mid)
        if event is None:
            pytest.fail(f"no SUBACK for {filters}")
        return event[2]

    def publish(self, topic, payload, qos=1):
        """Publishes; returns the PUBACK reason (v5), 0 for a v3 PUBACK, or None when the
        broker closed the connection instead of acknowledging."""
        info = self._client.publish(topic, payload, qos=qos)
        if qos == 0:
            return 0
        event = self._wait("puback", info.mid)
        if event is None:
            return None if self.disconnected.is_set() else pytest.fail("no PUBACK")
        return self._client.last_puback_reason

    def expect(self, topic, payload, timeout=TIMEOUT):
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                got = self.messages.get(timeout=max(0.01, deadline - time.time()))
            except queue.Empty:
                break
            if got == (topic, payload):
                return
        pytest.fail(f"message {payload!r} on {topic} did not arrive")

    def expect_nothing(self, wait=1.0):
        time.sleep(wait)
        got = []
        while not self.messages.empty():
            got.append(self.messages.get())
        assert got == [], f"unexpected deliveries: {got}"

    def close(self):
        try:
            self._client.disconnect()
        finally:
            self._client.loop_stop()


@pytest.fixture
def clients():
    made = []

    def make(*args, **kwargs):
        client = Client(*args, **kwargs)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


def vernemq_dir():
    """The VerneMQ release folder, or None (then the VerneMQ tests skip, saying why)."""
    for candidate in (os.environ.get("WAVE_TEST_VERNEMQ_DIR"), os.path.join(os.path.dirname(ROOT), "shared", "vernemq")):
        if candidate and os.path.exists(os.path.join(candidate, "start-vernemq.sh")):
            return candidate
    return None


def require_vernemq():
    directory = vernemq_dir()
    if directory is None:
        pytest.skip("VerneMQ 2.1.2 not found: neither $WAVE_TEST_VERNEMQ_DIR nor ../shared/vernemq "
                    "(beside the checkout) holds start-vernemq.sh")
    return directory


class VerneMQ:
    """A VerneMQ 2.1.2 node on free loopback ports, from the release in ../shared/vernemq.

    With `webhook_base`, start-vernemq.sh configures the six auth webhooks (it waits until
    they are registered: the listener opens before the plugins are).  Without it, the node
    runs VerneMQ's own MongoDB auth (vmq_diversity) and nothing else; that configuration is
    written here, since the script always enables webhooks."""

    def __init__(self, directory, webhook_base=None, mongo_uri=None, mongo_database=None, extra_lines=()):
        self.release = require_vernemq()
        self.script = os.path.join(self.release, "start-vernemq.sh")
        self.root = os.path.join(directory, "vernemq")
        self.port, self.cluster_port, self.http_port = free_port(), free_port(), free_port()
        env = dict(os.environ, VMQ_CLUSTER_PORT=str(self.cluster_port), VMQ_HTTP_PORT=str(self.http_port))
        if webhook_base is not None:
            extra = os.path.join(directory, "vernemq-extra.conf")
            with open(extra, "w") as f:
                f.write("".join(line + "\n" for line in extra_lines))
            env["VMQ_EXTRA_CONF"] = extra
            subprocess.run([self.script, self.root, str(self.port), webhook_base], env=env, check=True,
                           stdout=subprocess.DEVNULL, timeout=120)
        else:
            self._start_diversity(mongo_uri, mongo_database, extra_lines)

    def _start_diversity(self, mongo_uri, database, extra_lines):
        if not os.path.exists(os.path.join(self.root, "bin", "vernemq")):
            os.makedirs(self.root, exist_ok=True)
            tarball = [f for f in os.listdir(self.release) if f.endswith(".tar.gz")]
            if not tarball:
                pytest.fail(f"no VerneMQ tarball in {self.release}")
            subprocess.run(["tar", "-xzf", os.path.join(self.release, tarball[0]), "-C", self.root,
                            "--strip-components=1"], check=True, timeout=120)
        host_port = mongo_uri.split("//", 1)[1].split("/", 1)[0]
        host, mongo_port = host_port.rsplit(":", 1)
        lines = [f"nodename = vmq{self.port}@127.0.0.1", f"distributed_cookie = vmq_cookie_{self.port}",
                 f"listener.tcp.default = 127.0.0.1:{self.port}",
                 f"listener.vmq.clustering = 127.0.0.1:{self.cluster_port}",
                 f"listener.http.default = 127.0.0.1:{self.http_port}",
                 "allow_anonymous = off", "plugins.vmq_passwd = off", "plugins.vmq_acl = off",
                 "plugins.vmq_webhooks = off", "plugins.vmq_diversity = on",
                 "vmq_diversity.auth_mongodb.enabled = on", f"vmq_diversity.mongodb.host = {host}",
                 f"vmq_diversity.mongodb.port = {mongo_port}", f"vmq_diversity.mongodb.database = {database}",
                 "metadata_plugin = vmq_swc", "leveldb.maximum_memory.percent = 10", "log.console = file",
                 "log.console.level = info", "log.console.file = ./log/console.log",
                 "log.error.file = ./log/error.log", *extra_lines]
        with open(os.path.join(self.root, "etc", "vernemq.conf"), "w") as f:
            f.write("\n".join(lines) + "\n")
        subprocess.run([os.path.join(self.root, "bin", "vernemq"), "start"], check=True, timeout=120,
                       stdout=subprocess.DEVNULL)
        wait_for_port(self.port, None, "vernemq", timeout=60)
        # As with webhooks, the listener opens before the plugin's hooks are registered.
        deadline = time.time() + 60
        while time.time() < deadline:
            shown = subprocess.run([os.path.join(self.root, "bin", "vmq-admin"), "plugin", "show"],
                                   capture_output=True, text=True, timeout=30).stdout
            if "vmq_diversity_plugin:auth_on_register" in shown:
                return
            time.sleep(0.5)
        pytest.fail("vmq_diversity's hooks were not registered within 60 s")

    def admin(self, *args):
        return subprocess.run([os.path.join(self.root, "bin", "vmq-admin"), *args], capture_output=True, text=True,
                              timeout=60, check=True).stdout

    def api_key(self):
        """A fresh key for VerneMQ's HTTP management API (on http_port)."""
        return self.admin("api-key", "create").strip().splitlines()[-1].strip()

    def stop(self):
        subprocess.run([self.script, "stop", self.root], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       timeout=120)

    def log_text(self):
        text = ""
        for name in ("console.log", "error.log"):
            try:
                with open(os.path.join(self.root, "log", name), errors="replace") as f:
                    text += f.read()
            except OSError:
                pass
        return text


class WaveServer:
    """wave-server ($WAVE_SERVER) on a free port, with a config of its own."""

    def __init__(self, directory, config_path):
        binary = os.environ.get("WAVE_SERVER")
        if not binary or not os.path.exists(binary):
            pytest.fail("WAVE_SERVER does not name the built wave-server (run through ctest)")
        self.log_path = os.path.join(directory, f"wave-server-{next(_counter)}.log")
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([binary, "--config", config_path, "--listen", "127.0.0.1:0"],
                                     stdout=subprocess.PIPE, stderr=self.log, stdin=subprocess.DEVNULL)
        self.lines = []
        deadline = time.time() + 30
        self.port = None
        while time.time() < deadline and self.port is None:
            line = self.proc.stdout.readline()
            if not line:
                pytest.fail(f"wave-server exited during start-up: {self._stderr()}")
            self.lines.append(line)
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if record.get("msg") == "listening":
                self.port = int(record["address"].rsplit(":", 1)[1])
        if self.port is None:
            pytest.fail("wave-server did not say where it listens")
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()
        self.base = f"http://127.0.0.1:{self.port}"

    def _drain(self):
        for line in self.proc.stdout:
            self.lines.append(line)

    def _stderr(self):
        self.log.flush()
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")[-2000:]

    def request(self, method, path, token=None, body=None, headers=None):
        """(status, parsed JSON body or text)."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method)
        if token is not None:
            request.add_header("token", token)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        for key, value in (headers or {}).items():
            request.add_header(key, value)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, raw = error.code, error.read()
        try:
            return status, json.loads(raw)
        except ValueError:
            return status, raw.decode(errors="replace")

    def login(self, app_user=None, tag="t1"):
        """POST /v1/sessions: the credentials object, and the token."""
        token = f"user:{app_user or unique('u')}:{tag}"
        status, body = self.request("POST", "/v1/sessions", token=token)
        assert status == 201, body
        return body["content"], token

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()

    def output(self):
        return b"".join(self.lines).decode(errors="replace") + self._stderr()


def pytest_configure(config):
    config.addinivalue_line("markers", "mosquitto: Mosquitto 2 with the Wave plugin")
    config.addinivalue_line("markers", "vernemq: VerneMQ 2.1.2 (needs ../shared/vernemq or $WAVE_TEST_VERNEMQ_DIR)")
