"""Brokers and wave-server for tests and benchmarks: VerneMQ 2.1.2 nodes (from the release in
../shared/vernemq) and wave-server processes, each on free loopback ports.  Used by
tests/brokers (pytest) and tools/bench-brokers.sh; errors raise RuntimeError."""
import glob
import itertools
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import servers  # noqa: E402  (tests/harness/servers.py)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
_serial = itertools.count()


def free_port():
    return servers.free_port()


def wait_for_port(port, proc, what, timeout=60.0):
    """As servers.wait_for_port, raising RuntimeError (servers.py exits the process)."""
    try:
        servers.wait_for_port(port, proc, what, timeout)
    except SystemExit as error:
        raise RuntimeError(str(error)) from None


def vernemq_dir():
    """The VerneMQ release folder, or None (then the VerneMQ tests skip, saying why)."""
    for candidate in (os.environ.get("WAVE_TEST_VERNEMQ_DIR"), os.path.join(os.path.dirname(ROOT), "shared", "vernemq")):
        if candidate and os.path.exists(os.path.join(candidate, "start-vernemq.sh")):
            return candidate
    return None


class VerneMQ:
    """A VerneMQ 2.1.2 node on free loopback ports, from the release in ../shared/vernemq.

    With `webhook_base`, start-vernemq.sh configures the six auth webhooks (it waits until
    they are registered: the listener opens before the plugins are).  With `mongo_uri`, the
    node runs VerneMQ's own MongoDB auth (vmq_diversity) and no webhooks; with neither, only
    `extra_lines` configure it (e.g. vmq_acl with an allow-all file).  Those configurations
    are written here, since the script always enables webhooks; `ready_hook` names the
    plugin hook (as `vmq-admin plugin show` lists it) whose registration means ready."""

    def __init__(self, release, directory, webhook_base=None, mongo_uri=None, mongo_database=None,
                 extra_lines=(), ready_hook="vmq_diversity_plugin:auth_on_register"):
        self.release = release
        os.makedirs(directory, exist_ok=True)
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
            self._start_without_webhooks(mongo_uri, mongo_database, extra_lines, ready_hook)

    def _start_without_webhooks(self, mongo_uri, database, extra_lines, ready_hook):
        if not os.path.exists(os.path.join(self.root, "bin", "vernemq")):
            os.makedirs(self.root, exist_ok=True)
            tarball = [f for f in os.listdir(self.release) if f.endswith(".tar.gz")]
            if not tarball:
                raise RuntimeError(f"no VerneMQ tarball in {self.release}")
            subprocess.run(["tar", "-xzf", os.path.join(self.release, tarball[0]), "-C", self.root,
                            "--strip-components=1"], check=True, timeout=120)
        diversity = []
        if mongo_uri is not None:
            host, mongo_port = mongo_uri.split("//", 1)[1].split("/", 1)[0].rsplit(":", 1)
            diversity = ["plugins.vmq_diversity = on", "vmq_diversity.auth_mongodb.enabled = on",
                         f"vmq_diversity.mongodb.host = {host}", f"vmq_diversity.mongodb.port = {mongo_port}",
                         f"vmq_diversity.mongodb.database = {database}"]
        lines = [f"nodename = vmq{self.port}@127.0.0.1", f"distributed_cookie = vmq_cookie_{self.port}",
                 f"listener.tcp.default = 127.0.0.1:{self.port}",
                 f"listener.vmq.clustering = 127.0.0.1:{self.cluster_port}",
                 f"listener.http.default = 127.0.0.1:{self.http_port}",
                 "allow_anonymous = off", "plugins.vmq_passwd = off", "plugins.vmq_acl = off",
                 "plugins.vmq_webhooks = off", "plugins.vmq_diversity = off", *diversity,
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
            if ready_hook in shown:
                return
            time.sleep(0.5)
        raise RuntimeError(f"{ready_hook} was not registered within 60 s")

    def admin(self, *args):
        return subprocess.run([os.path.join(self.root, "bin", "vmq-admin"), *args], capture_output=True, text=True,
                              timeout=60, check=True).stdout

    def api_key(self):
        """A fresh key for VerneMQ's HTTP management API (on http_port)."""
        return self.admin("api-key", "create").strip().splitlines()[-1].strip()

    def stop(self):
        subprocess.run([self.script, "stop", self.root], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       timeout=120)
        # The first node started Erlang's port mapper (epmd) from the release, and it outlives
        # the node; the tests run one node at a time, so nothing else needs it now.
        for epmd in glob.glob(os.path.join(self.root, "erts-*", "bin", "epmd")):
            subprocess.run([epmd, "-kill"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=30)

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

    def __init__(self, binary, directory, config_path):
        self.log_path = os.path.join(directory, f"wave-server-{next(_serial)}.log")
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([binary, "--config", config_path, "--listen", "127.0.0.1:0"],
                                     stdout=subprocess.PIPE, stderr=self.log, stdin=subprocess.DEVNULL)
        self.lines = []
        deadline = time.time() + 30
        self.port = None
        while time.time() < deadline and self.port is None:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError(f"wave-server exited during start-up: {self._stderr()}")
            self.lines.append(line)
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if record.get("msg") == "listening":
                self.port = int(record["address"].rsplit(":", 1)[1])
        if self.port is None:
            raise RuntimeError("wave-server did not say where it listens")
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()
        self.base = f"http://127.0.0.1:{self.port}"

    def _drain(self):
        for line in self.proc.stdout:
            self.lines.append(line)

    def _stderr(self):
        if not self.log.closed:
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
