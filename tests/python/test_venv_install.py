"""`pip install bindings/python` into a fresh virtual environment, then the installed
package, not the source tree, against the built libwave: found through $WAVE_LIBRARY, then
beside the package, and an ImportError that lists every path tried when neither works.

Offline: `--no-index --no-build-isolation`.  The venv sees the system's site-packages only
for the build backend (Debian's setuptools and wheel); wavemq itself is installed into the
venv, which the test checks.  The build runs on a copy of bindings/python so it leaves no
build/ or egg-info behind in the source tree."""
import os
import pathlib
import shutil
import subprocess
import sys
import textwrap

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SOURCE = ROOT / "bindings" / "python"

pytestmark = pytest.mark.venv


def run(command, **kwargs):
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, **kwargs)
    assert result.returncode == 0, f"{command}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def venv(tmp_path_factory):
    base = tmp_path_factory.mktemp("wavemq-venv")
    source = base / "source"
    shutil.copytree(SOURCE, source, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "build"))
    env_dir = base / "venv"
    run([sys.executable, "-m", "venv", "--system-site-packages", str(env_dir)])
    python = env_dir / "bin" / "python"
    run([str(python), "-m", "pip", "install", "--no-index", "--no-build-isolation", "--no-deps", "--quiet",
         str(source)], env=clean_env())
    return python


def clean_env(**extra):
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "WAVE_LIBRARY")}
    env.update(extra)
    return env


USE_IT = textwrap.dedent("""
    import json, pathlib, sys
    import wavemq
    here = pathlib.Path(wavemq.__file__).resolve()
    assert pathlib.Path(sys.prefix).resolve() in here.parents, here  # the venv's copy
    assert (here.parent / "py.typed").is_file()
    assert wavemq.topic_matches("sport/#", "sport/tennis")
    assert not wavemq.filter_covers("a/+", "a/#")
    assert wavemq.bcrypt_verify("pw", wavemq.bcrypt_hash("pw", cost=4))
    config = json.dumps({"authenticationCheckEndpoint": "http://127.0.0.1:1/check",
                         "tokenValidationRegex": "[a-z]{4,64}", "storage": "memory"})
    with wavemq.Config.parse(config) as parsed, wavemq.Service(parsed) as service:
        try:
            service.login("abcdefgh")
        except wavemq.Unavailable:
            pass
        else:
            raise AssertionError("login against a closed port succeeded")
    print(wavemq.__version__, wavemq.version())
""")


def test_installed_package_uses_wave_library(venv, tmp_path):
    result = run([str(venv), "-c", USE_IT], env=clean_env(WAVE_LIBRARY=os.environ["WAVE_LIBRARY"]), cwd=tmp_path)
    bindings, library = result.stdout.split()
    assert bindings.split(".")[:2] == library.split(".")[:2]


def test_installed_package_finds_a_library_beside_itself(venv, tmp_path):
    where = run([str(venv), "-c", "import importlib.util; print(importlib.util.find_spec('wavemq').origin)"],
                env=clean_env(WAVE_LIBRARY="/nonexistent/for-find-spec"), cwd=tmp_path).stdout.strip()
    package = pathlib.Path(where).parent
    beside = package / "libwave.so"
    shutil.copy2(os.environ["WAVE_LIBRARY"], beside)
    try:
        run([str(venv), "-c", USE_IT], env=clean_env(), cwd=tmp_path)
    finally:
        beside.unlink()


def test_missing_library_lists_every_path_tried(venv, tmp_path):
    missing = tmp_path / "no-such-libwave.so"
    result = subprocess.run([str(venv), "-c", "import wavemq"], capture_output=True, text=True, timeout=120,
                            env=clean_env(WAVE_LIBRARY=str(missing), LD_LIBRARY_PATH=""), cwd=tmp_path)
    assert result.returncode != 0
    assert "ImportError" in result.stderr
    assert str(missing) in result.stderr
    assert "wavemq/libwave.so" in result.stderr  # beside the package
    assert "system's loader" in result.stderr
