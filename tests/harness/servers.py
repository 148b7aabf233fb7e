#!/usr/bin/env python3
"""Starts and stops the real servers Wave's tests use, each on a free loopback port.

  servers.py start KIND STATE_DIR    KIND: redis | mongo | app | mosquitto
  servers.py stop KIND STATE_DIR
  servers.py stop-all STATE_DIR

`start` writes STATE_DIR/KIND.uri (the address tests connect to) and STATE_DIR/KIND.pid,
and returns once the server answers.  `stop` ends the process (and waits for it).  CTest
fixtures call this (tests/harness/CMakeLists.txt); tests that must kill and restart a
server call it themselves with a state directory of their own.  `start` on a state dir
whose recorded port is still free reuses that port, so a restarted server keeps its URI.

Environment: WAVE_TEST_MONGO_URI (use that MongoDB instead of starting FerretDB),
WAVE_FERRETDB (the ferretdb binary; default: where tools/install-deps.sh builds it, i.e.
$WAVE_TOOLS_DIR/bin or ~/.cache/wave-tools/bin, then .tools/bin, then PATH).
"""
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def free_port(preferred=None):
    if preferred:
        try:
            with socket.socket() as s:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                s.bind(("127.0.0.1", preferred))
                return preferred
        except OSError:
            pass
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, proc, what, timeout=60.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            raise SystemExit(f"servers.py: {what} exited with status {proc.returncode} during start-up")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"servers.py: {what} did not listen on 127.0.0.1:{port} within {timeout:.0f}s")


def path(state, kind, ext):
    return os.path.join(state, f"{kind}.{ext}")


def read(file):
    try:
        with open(file) as f:
            return f.read().strip()
    except OSError:
        return None


def write(file, text):
    with open(file + ".tmp", "w") as f:
        f.write(text)
    os.replace(file + ".tmp", file)


def spawn(state, kind, argv, cwd=None):
    log = open(path(state, kind, "log"), "ab")
    proc = subprocess.Popen(argv, cwd=cwd or state, stdout=log, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    write(path(state, kind, "pid"), str(proc.pid))
    return proc


def previous_port(state, kind):
    text = read(path(state, kind, "port"))
    return int(text) if text and text.isdigit() else None


def find_ferretdb():
    # Where tools/install-deps.sh puts it (WAVE_TOOLS_DIR or the user's cache), then the
    # checkout's .tools, then PATH.
    tools = os.environ.get("WAVE_TOOLS_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "wave-tools")
    for candidate in (os.environ.get("WAVE_FERRETDB"), os.path.join(tools, "bin", "ferretdb"),
                      os.path.join(ROOT, ".tools", "bin", "ferretdb"), shutil.which("ferretdb")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise SystemExit("servers.py: no FerretDB binary (run tools/install-ferretdb.sh, set WAVE_FERRETDB, "
                     "or set WAVE_TEST_MONGO_URI to a MongoDB server)")


def start(kind, state):
    os.makedirs(state, exist_ok=True)
    stop(kind, state, quiet=True)
    if kind == "mongo" and os.environ.get("WAVE_TEST_MONGO_URI"):
        write(path(state, kind, "uri"), os.environ["WAVE_TEST_MONGO_URI"])
        return
    port = free_port(previous_port(state, kind))
    write(path(state, kind, "port"), str(port))
    if kind == "redis":
        data = os.path.join(state, "redis-data")
        os.makedirs(data, exist_ok=True)
        proc = spawn(state, kind, [shutil.which("redis-server") or "redis-server", "--port", str(port),
                                   "--bind", "127.0.0.1", "--dir", data, "--save", "", "--appendonly", "no",
                                   "--daemonize", "no", "--protected-mode", "yes"])
        uri = f"redis://127.0.0.1:{port}/0"
    elif kind == "mongo":
        data = os.path.join(state, "ferretdb-data")
        os.makedirs(data, exist_ok=True)
        proc = spawn(state, kind, [find_ferretdb(), "--handler=sqlite", f"--sqlite-url=file:{data}/",
                                   f"--listen-addr=127.0.0.1:{port}", "--debug-addr=-",
                                   f"--state-dir={data}", "--telemetry=disable", "--log-level=warn"])
        uri = f"mongodb://127.0.0.1:{port}/"
    elif kind == "app":
        port_file = path(state, kind, "port")
        os.remove(port_file)  # app_server.py writes it back once it listens
        proc = spawn(state, kind, [sys.executable, os.path.join(HERE, "app_server.py"), port_file, str(port)])
        deadline = time.time() + 20
        while read(port_file) is None and time.time() < deadline and proc.poll() is None:
            time.sleep(0.05)
        if read(port_file) is None:
            raise SystemExit("servers.py: the app server did not start")
        port = int(read(port_file))
        uri = f"http://127.0.0.1:{port}/auth/check"
    elif kind == "mosquitto":
        conf = path(state, kind, "conf")
        with open(conf, "w") as f:
            f.write(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n")
        binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
        proc = spawn(state, kind, [binary, "-c", conf])
        uri = f"mqtt://127.0.0.1:{port}"
    else:
        raise SystemExit(f"servers.py: unknown server kind {kind!r}")
    wait_for_port(port, proc, kind)
    write(path(state, kind, "uri"), uri)


def stop(kind, state, quiet=False):
    pid_text = read(path(state, kind, "pid"))
    if not pid_text:
        return
    pid = int(pid_text)
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        try:  # reap it when it is our child (tests that restart servers)
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            pass
        time.sleep(0.05)
    else:
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    for ext in ("pid", "uri"):
        try:
            os.remove(path(state, kind, ext))
        except FileNotFoundError:
            pass


def main(argv):
    if len(argv) == 2 and argv[0] == "stop-all":
        for kind in ("redis", "mongo", "app", "mosquitto"):
            stop(kind, argv[1], quiet=True)
        return 0
    if len(argv) != 3 or argv[0] not in ("start", "stop"):
        sys.stderr.write(__doc__)
        return 2
    action, kind, state = argv
    (start if action == "start" else stop)(kind, os.path.abspath(state))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
