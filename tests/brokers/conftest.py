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
import sys
import threading
import time

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "harness"))
import brokers  # noqa: E402  (tests/harness/brokers.py)

import paho.mqtt.client as mqtt
from paho.mqtt.subscribeoptions import SubscribeOptions

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HARNESS = os.path.join(ROOT, "tests", "harness")
TOKEN_REGEX = "[A-Za-z0-9:_.-]{1,200}"
V3, V5 = mqtt.MQTTv311, mqtt.MQTTv5
TIMEOUT = 10.0

_counter = itertools.count()


def unique(tag):
    return f"br_{tag}_{os.getpid()}_{next(_counter)}"


free_port = brokers.free_port


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


def wait_for_port(port, proc, what, timeout=60.0):
    try:
        brokers.wait_for_port(port, proc, what, timeout)
    except RuntimeError as error:
        pytest.fail(str(error))


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

    def drain(self, wait):
        """What arrived by `wait` seconds from now, taken off the queue."""
        time.sleep(wait)
        got = []
        while not self.messages.empty():
            got.append(self.messages.get())
        return got

    def expect_nothing(self, wait=1.0):
        got = self.drain(wait)
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


def require_vernemq():
    directory = brokers.vernemq_dir()
    if directory is None:
        pytest.skip("VerneMQ 2.1.2 not found: neither $WAVE_TEST_VERNEMQ_DIR nor ../shared/vernemq "
                    "(beside the checkout) holds start-vernemq.sh")
    return directory


class VerneMQ(brokers.VerneMQ):
    def __init__(self, directory, **kwargs):
        super().__init__(require_vernemq(), directory, **kwargs)


class WaveServer(brokers.WaveServer):
    def __init__(self, directory, config_path):
        binary = os.environ.get("WAVE_SERVER")
        if not binary or not os.path.exists(binary):
            pytest.fail("WAVE_SERVER does not name the built wave-server (run through ctest)")
        super().__init__(binary, directory, config_path)

    def login(self, app_user=None, tag="t1"):
        """POST /v1/sessions: the credentials object, and the token."""
        token = f"user:{app_user or unique('u')}:{tag}"
        status, body = self.request("POST", "/v1/sessions", token=token)
        assert status == 201, body
        return body["content"], token


def pytest_configure(config):
    config.addinivalue_line("markers", "mosquitto: Mosquitto 2 with the Wave plugin")
    config.addinivalue_line("markers", "vernemq: VerneMQ 2.1.2 (needs ../shared/vernemq or $WAVE_TEST_VERNEMQ_DIR)")
