#!/usr/bin/env python3
"""Broker benchmarks (issue 9): reconnect storms and publish rates through each broker path.

  brokers.py STATE_DIR            (tools/bench-brokers.sh starts the servers and calls this)

Reconnect storm: CLIENTS known clients CONNECT (MQTT 3.1.1) as fast as the broker takes
them, CONCURRENCY at a time, through VerneMQ + wave-server webhooks and through VerneMQ's
own MongoDB auth with bcrypt cost BCRYPT_COST (default 14).  The MongoDB path verifies
bcrypt on every CONNECT on one worker, so it runs for at most STORM_SECONDS and its rate is
what completed in that time.  Publish rate: PUBLISHERS clients send QoS 1 messages
(WINDOW in flight each) to one subscriber's inbox, through each path and through the same
broker without Wave (VerneMQ with an allow-all vmq_acl file, Mosquitto without the plugin).

The MQTT client here is a minimal asyncio one (CONNECT, SUBSCRIBE, PUBLISH QoS 1), so that
thousands of connections cost no thread each.  Environment: BENCH_CLIENTS (2000),
BENCH_CONCURRENCY (64), BENCH_STORM_SECONDS (60), BENCH_BCRYPT_COST (14), BENCH_MONGO_USERS
(24), BENCH_MESSAGES (20000), BENCH_PUBLISHERS (4), BENCH_WINDOW (32), WAVE_SERVER,
WAVE_LIBRARY, WAVE_MOSQUITTO_PLUGIN.
"""
import asyncio
import getpass
import json
import os
import struct
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "harness"))
sys.path.insert(0, os.path.join(ROOT, "bindings", "python"))
import brokers  # noqa: E402
import wavemq  # noqa: E402

env_int = lambda name, default: int(os.environ.get(name, default))  # noqa: E731
CLIENTS = env_int("BENCH_CLIENTS", 2000)
CONCURRENCY = env_int("BENCH_CONCURRENCY", 64)
STORM_SECONDS = env_int("BENCH_STORM_SECONDS", 60)
BCRYPT_COST = env_int("BENCH_BCRYPT_COST", 14)
MONGO_USERS = env_int("BENCH_MONGO_USERS", 24)
MESSAGES = env_int("BENCH_MESSAGES", 20000)
PUBLISHERS = env_int("BENCH_PUBLISHERS", 4)
WINDOW = env_int("BENCH_WINDOW", 32)


# ---- a minimal MQTT 3.1.1 client ------------------------------------------------------------

def _varint(n):
    out = bytearray()
    while True:
        byte, n = n % 128, n // 128
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _str(text):
    data = text.encode() if isinstance(text, str) else text
    return struct.pack("!H", len(data)) + data


def _packet_id(first, publish_body):
    """The packet id of a QoS 1/2 PUBLISH (which the receiver must acknowledge), else None."""
    if (first >> 1) & 3 == 0:
        return None
    topic_len = struct.unpack("!H", publish_body[:2])[0]
    return publish_body[2 + topic_len:4 + topic_len]


def _packet(first, body):
    return bytes([first]) + _varint(len(body)) + body


class Mqtt:
    def __init__(self, reader, writer):
        self.reader, self.writer = reader, writer

    @classmethod
    async def connect(cls, port, client_id, username=None, password=None):
        """(client, CONNACK code); client is None when refused."""
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        flags = 0x02 | (0x80 if username is not None else 0) | (0x40 if password is not None else 0)
        body = _str("MQTT") + bytes([4, flags]) + struct.pack("!H", 60) + _str(client_id)
        if username is not None:
            body += _str(username)
        if password is not None:
            body += _str(password)
        writer.write(_packet(0x10, body))
        client = cls(reader, writer)
        first, payload = await client.read()
        code = payload[1] if first == 0x20 else None
        if code != 0:
            writer.close()
            return None, code
        return client, 0

    async def read(self):
        try:
            head = await self.reader.readexactly(1)
        except asyncio.IncompleteReadError:
            return None, b""  # the broker closed the connection
        length, shift = 0, 0
        while True:
            byte = (await self.reader.readexactly(1))[0]
            length |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                break
        return head[0], await self.reader.readexactly(length)

    async def subscribe(self, topic_filter):
        self.writer.write(_packet(0x82, struct.pack("!H", 1) + _str(topic_filter) + b"\x01"))
        first, payload = await self.read()
        return payload[2] if first == 0x90 else None

    def publish(self, topic, packet_id, payload):
        self.writer.write(_packet(0x32, _str(topic) + struct.pack("!H", packet_id) + payload))

    async def close(self):
        try:
            self.writer.write(b"\xe0\x00")  # DISCONNECT
            await self.writer.drain()
        except ConnectionError:
            pass  # the broker may close first
        finally:
            self.writer.close()


def connect_as(port, user):
    """user: (client ID, MQTT password); no password connects anonymously."""
    client_id, password = user
    return Mqtt.connect(port, client_id, None if password is None else client_id, password)


# ---- measurements ----------------------------------------------------------------------------

async def storm(port, users, total, seconds):
    """CONNECT + DISCONNECT `total` times, cycling over `users`, at most CONCURRENCY at a
    time and for at most `seconds`.  Each worker owns a disjoint slice of the users, so one
    client ID never connects twice at once (that would be a session takeover, not a login).
    Returns (accepted, refused, elapsed)."""
    counts = {"ok": 0, "refused": 0}
    workers = min(CONCURRENCY, len(users))
    started = time.monotonic()
    deadline = started + seconds

    async def worker(k):
        mine = users[k::workers]
        for attempt in range(k, total, workers):
            if time.monotonic() > deadline:
                return
            client_id, password = mine[(attempt // workers) % len(mine)]
            client, code = await connect_as(port, (client_id, password))
            if client is None:
                counts["refused"] += 1
                continue
            counts["ok"] += 1
            await client.close()

    await asyncio.gather(*(worker(k) for k in range(workers)))
    return counts["ok"], counts["refused"], time.monotonic() - started


async def publish_rate(port, receiver, senders, topic_of):
    """Messages per second from `senders` to `receiver`'s inbox, counted at the receiver."""
    sub, code = await connect_as(port, receiver)
    assert sub is not None, f"subscriber refused ({code})"
    granted = await sub.subscribe(topic_of(None, receiver[0]))
    assert granted == 1, f"subscription refused ({granted})"
    per_sender = MESSAGES // len(senders)
    expected = per_sender * len(senders)

    last = {"at": time.monotonic()}

    async def receive():
        # Counts until every message arrived, or until none came for 3 s: a broker may drop
        # QoS 1 messages when a subscriber's online queue is full (VerneMQ's
        # max_online_messages), and the report says how many arrived.
        got = 0
        while got < expected:
            try:
                first, payload = await asyncio.wait_for(sub.read(), 3)
            except asyncio.TimeoutError:
                break
            if first is None:
                raise RuntimeError("the subscriber was disconnected")
            if first & 0xF0 == 0x30:  # PUBLISH
                got += 1
                last["at"] = time.monotonic()
                packet_id = _packet_id(first, payload)
                if packet_id is not None:
                    sub.writer.write(_packet(0x40, packet_id))
        return got

    async def send(sender):
        client, code = await connect_as(port, sender)
        assert client is not None, f"publisher refused ({code})"
        topic = topic_of(sender[0], receiver[0])
        in_flight, sent, acked = 0, 0, 0
        while acked < per_sender:
            while in_flight < WINDOW and sent < per_sender:
                sent += 1
                client.publish(topic, sent % 65535 + 1, b"x" * 64)
                in_flight += 1
            await client.writer.drain()
            first, _ = await client.read()
            if first == 0x40:  # PUBACK
                acked += 1
                in_flight -= 1
            elif first is None:
                raise RuntimeError("a publisher was disconnected (publish refused?)")
        await client.close()

    started = time.monotonic()
    receiver_task = asyncio.create_task(receive())
    await asyncio.gather(*(send(s) for s in senders))
    got = await receiver_task
    await sub.close()
    return got / (last["at"] - started), got, expected


def private(sender, recipient):
    return f"conversations/private/{sender or '+'}/{recipient}"


def make_users(service, count, tag):
    def login(i):
        credentials = service.login(f"user:bench_{tag}_{i}:t")
        return credentials.client_id, credentials.password
    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(login, range(count)))


def config(state, work, name, **fields):
    """A Wave config on the servers whose URIs are in `state`, written into `work`."""
    uri = lambda kind: open(os.path.join(state, f"{kind}.uri")).read().strip()  # noqa: E731
    values = {"authenticationCheckEndpoint": uri("app"), "tokenValidationRegex": "[A-Za-z0-9:_.-]{1,200}",
              "storage": "servers", "redisURI": uri("redis"), "mongoURI": uri("mongo"), "mongoDatabase": name,
              "redisKeyPrefix": name + ":", "bcryptCost": 4, "logLevel": "warning",
              "webhookCacheMaxAgeSeconds": {"auth_on_register": 0, "auth_on_publish": 30, "auth_on_subscribe": 30}}
    values.update(fields)
    path = os.path.join(work, name + ".json")
    with open(path, "w") as f:
        json.dump(values, f)
    return path


# Bench nodes keep every message: VerneMQ drops QoS 1 messages beyond a subscriber's
# online queue (1000 by default), which would measure the queue, not the path.
QUEUE_LINES = ["max_online_messages = 1000000", "max_inflight_messages = 0"]


def main(state):
    release = brokers.vernemq_dir()
    if release is None:
        sys.exit("bench-brokers: VerneMQ not found (../shared/vernemq or $WAVE_TEST_VERNEMQ_DIR)")
    work = tempfile.mkdtemp(prefix="wave-bench-brokers.", dir=state)
    mongo_uri = open(os.path.join(state, "mongo.uri")).read().strip()
    results = {}

    # VerneMQ + wave-server webhooks.  The passhash is never read on this path, so the users
    # are made with a cheap bcrypt cost.
    hook_config = config(state, work, "bench_hooks")
    server = brokers.WaveServer(os.environ["WAVE_SERVER"], work, hook_config)
    hook_service = wavemq.Service.from_file(hook_config)
    users = make_users(hook_service, CLIENTS, "hooks")
    node = brokers.VerneMQ(release, os.path.join(work, "hooks"), webhook_base=f"{server.base}/webhooks",
                           extra_lines=QUEUE_LINES)
    try:
        ok, refused, elapsed = asyncio.run(storm(node.port, users, CLIENTS, STORM_SECONDS))
        results["storm_webhooks"] = (ok, refused, elapsed)
        results["publish_webhooks"] = asyncio.run(
            publish_rate(node.port, users[0], users[1:1 + PUBLISHERS], private))
    finally:
        node.stop()

    # VerneMQ + its own MongoDB auth, bcrypt cost BCRYPT_COST on every CONNECT.
    mongo_config = config(state, work, "bench_mongo", bcryptCost=BCRYPT_COST)
    mongo_service = wavemq.Service.from_file(mongo_config)
    mongo_users = make_users(mongo_service, max(MONGO_USERS, PUBLISHERS + 1), "mongo")
    node = brokers.VerneMQ(release, os.path.join(work, "mongo"), mongo_uri=mongo_uri, mongo_database="bench_mongo",
                           extra_lines=QUEUE_LINES)
    try:
        ok, refused, elapsed = asyncio.run(storm(node.port, mongo_users, CLIENTS, STORM_SECONDS))
        results["storm_mongodb"] = (ok, refused, elapsed)
        results["publish_mongodb"] = asyncio.run(
            publish_rate(node.port, mongo_users[0], mongo_users[1:1 + PUBLISHERS], private))
    finally:
        node.stop()

    # VerneMQ without Wave: anonymous clients, an allow-all ACL file.
    acl = os.path.join(work, "allow-all.acl")
    with open(acl, "w") as f:
        f.write("topic #\n")
    node = brokers.VerneMQ(release, os.path.join(work, "open"), ready_hook="vmq_acl:auth_on_publish",
                           extra_lines=["allow_anonymous = on", "plugins.vmq_acl = on", f"vmq_acl.acl_file = {acl}",
                                        *QUEUE_LINES])
    try:
        anon = [(f"anon-{i}", None) for i in range(PUBLISHERS + 1)]
        results["publish_vernemq_open"] = asyncio.run(publish_rate(node.port, anon[0], anon[1:], private))
    finally:
        node.stop()

    # Mosquitto with the plugin, and without it.
    plugin = os.environ.get("WAVE_MOSQUITTO_PLUGIN")
    if plugin:
        mosq_config = config(state, work, "bench_mosq")
        mosq_service = wavemq.Service.from_file(mosq_config)
        mosq_users = make_users(mosq_service, PUBLISHERS + 1, "mosq")
        for label, lines in (("publish_mosquitto_wave", [f"plugin {plugin}", f"plugin_opt_config {mosq_config}",
                                                         "allow_anonymous false"]),
                             ("publish_mosquitto_open", ["allow_anonymous true"])):
            port = brokers.free_port()
            conf = os.path.join(work, label + ".conf")
            with open(conf, "w") as f:
                f.write("\n".join([f"listener {port} 127.0.0.1", "persistence false",
                                   f"user {getpass.getuser()}", *lines]) + "\n")
            proc = subprocess.Popen(["mosquitto", "-c", conf], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                brokers.wait_for_port(port, proc, "mosquitto")
                # Without the plugin the same client IDs connect anonymously.
                who = mosq_users if label.endswith("wave") else [(c, None) for c, _ in mosq_users]
                results[label] = asyncio.run(publish_rate(port, who[0], who[1:1 + PUBLISHERS], private))
            finally:
                proc.terminate()
                proc.wait()
    server.stop()
    report(results)


def report(results):
    print("\n== reconnect storm (MQTT 3.1.1 CONNECT + DISCONNECT) ==")
    rates = {}
    for key, label in (("storm_webhooks", "VerneMQ + wave-server webhooks"),
                       ("storm_mongodb", f"VerneMQ + MongoDB auth, bcrypt cost {BCRYPT_COST}")):
        ok, refused, elapsed = results[key]
        rates[key] = ok / elapsed
        print(f"{label:48s} {ok:6d} accepted, {refused} refused in {elapsed:6.1f} s = {rates[key]:9.1f} connects/s")
    if rates["storm_mongodb"]:
        print(f"ratio webhooks / MongoDB auth: {rates['storm_webhooks'] / rates['storm_mongodb']:.0f}x")
    print("\n== publish rate (QoS 1, 64-byte payloads, counted at the receiver) ==")
    for key, label in (("publish_vernemq_open", "VerneMQ, no Wave (allow-all ACL)"),
                       ("publish_webhooks", "VerneMQ + wave-server webhooks"),
                       ("publish_mongodb", "VerneMQ + MongoDB auth"),
                       ("publish_mosquitto_open", "Mosquitto, no plugin"),
                       ("publish_mosquitto_wave", "Mosquitto + Wave plugin")):
        if key in results:
            rate, got, sent = results[key]
            print(f"{label:48s} {rate:9.0f} msg/s ({got} of {sent} delivered)")
    for wave, base in (("publish_webhooks", "publish_vernemq_open"), ("publish_mongodb", "publish_vernemq_open"),
                       ("publish_mosquitto_wave", "publish_mosquitto_open")):
        if wave in results and base in results:
            print(f"{wave} / {base}: {results[wave][0] / results[base][0]:.2f}")


if __name__ == "__main__":
    main(os.path.abspath(sys.argv[1]))
