"""The shape of the wavemq package: constants and statuses agree with libwave and its
headers, the version check, type hints on every public function, no import cycle, and the
log handler."""
import ast
import ctypes
import inspect
import json
import pathlib
import re
import threading

import pytest

import wavemq
from wavemq import _constants, _lib, errors

ROOT = pathlib.Path(__file__).resolve().parents[2]
HEADERS = ROOT / "include" / "wave"
PACKAGE = ROOT / "bindings" / "python" / "wavemq"


def header_values():
    """{NAME: int} for every integer #define and enum constant of the public headers."""
    values = {}
    for header in HEADERS.glob("*.h"):
        text = header.read_text()
        for name, value in re.findall(r"^#define\s+(WAVE_[A-Z0-9_]+)\s+(\d+)u?\b", text, re.M):
            values[name] = int(value)
        for name, value in re.findall(r"^\s+(WAVE_[A-Z0-9_]+)\s*=\s*(\d+)\s*,?", text, re.M):
            values[name] = int(value)
    return values


def test_every_constant_matches_the_headers():
    values = header_values()
    ours = {name: getattr(_constants, name) for name in dir(_constants) if name.startswith("WAVE_")}
    assert len(ours) >= 15
    for name, value in ours.items():
        assert name in values, f"{name} is not in include/wave/*.h"
        assert values[name] == value, name
    # The public aliases are the same values.
    assert wavemq.UUID_STRING_SIZE == values["WAVE_UUID_STRING_SIZE"]
    assert wavemq.UNLIMITED_DEPTH == values["WAVE_TOPIC_UNLIMITED_DEPTH"]
    assert [level.value for level in wavemq.LogLevel] == [values[f"WAVE_LOG_{level.name}"] for level in wavemq.LogLevel]


def test_statuses_come_from_the_library():
    library = {}
    for number in range(1, 256):
        name = _lib.lib.wave_status_str(number).decode()
        if name != "WAVE_ERR_UNKNOWN":
            library[name] = number
    assert library == errors.STATUS_NUMBERS
    by_c_name = {getattr(errors, cls).c_name: getattr(errors, cls) for cls in errors.__all__
                 if hasattr(getattr(errors, cls), "c_name")}
    for c_name, number in library.items():
        assert c_name in by_c_name, f"no exception class for {c_name}"
        assert by_c_name[c_name].status == number
    # The headers agree too.
    values = header_values()
    for c_name, number in library.items():
        assert values[c_name] == number
    assert errors.from_status(errors.Denied.status, "m").__class__ is errors.Denied


def test_version_check_needs_the_same_major_and_minor_while_0x():
    major, minor, _ = _lib.library_version()
    assert wavemq.__version__.split(".")[:2] == [str(major), str(minor)]
    assert wavemq.version().startswith(f"{major}.{minor}.")


def test_version_check_refuses_another_minor_while_0x(monkeypatch):
    major, minor, patch = _lib.library_version()
    assert major == 0  # this test describes the 0.x rule
    monkeypatch.setattr(_lib, "__version__", f"{major}.{minor}.{patch + 7}")
    _lib._check_version()  # another patch release: compatible
    for other in (f"{major}.{minor + 1}.0", f"{major + 1}.{minor}.0"):
        monkeypatch.setattr(_lib, "__version__", other)
        with pytest.raises(ImportError, match="not ABI-compatible"):
            _lib._check_version()


def _public_callables():
    for name in wavemq.__all__:
        item = getattr(wavemq, name)
        if inspect.isfunction(item):
            yield name, item
        elif inspect.isclass(item) and item.__module__.startswith("wavemq") and not issubclass(item, BaseException):
            for attr, member in vars(item).items():
                if attr.startswith("_") and attr != "__init__":
                    continue
                function = member.__func__ if isinstance(member, (classmethod, staticmethod)) else member
                if isinstance(function, property):
                    function = function.fget
                if inspect.isfunction(function):
                    yield f"{name}.{attr}", function


def test_every_public_function_has_type_hints():
    checked = 0
    for name, function in _public_callables():
        signature = inspect.signature(function)
        for parameter in signature.parameters.values():
            if parameter.name in ("self", "cls"):
                continue
            assert parameter.annotation is not inspect.Parameter.empty, f"{name}({parameter.name})"
        assert signature.return_annotation is not inspect.Signature.empty, f"{name} return"
        checked += 1
    assert checked > 40
    assert (PACKAGE / "py.typed").is_file()


def test_no_import_cycle_inside_the_package():
    graph = {}
    for path in PACKAGE.glob("*.py"):
        module = path.stem
        imports = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                if node.module:
                    imports.add(node.module.split(".")[0])
                else:
                    imports.update(alias.name for alias in node.names)
        graph[module] = imports - {module}
    assert "_handle" in graph and "service" in graph

    visiting, done = set(), set()

    def visit(module, path):
        if module in done or module not in graph:
            return
        assert module not in visiting, "import cycle: " + " -> ".join(path + [module])
        visiting.add(module)
        for target in graph[module]:
            visit(target, path + [module])
        visiting.discard(module)
        done.add(module)

    for module in graph:
        visit(module, [])
    # The package root is imported by nobody inside it.
    assert not any("__init__" in targets for targets in graph.values())


def test_max_depth_zero_is_the_default_and_unlimited_lifts_it():
    deep = "/".join(str(i) for i in range(11))
    assert not wavemq.topic_is_valid_name(deep)
    assert not wavemq.topic_is_valid_name(deep, 0)
    assert not wavemq.topic_is_valid_name(deep, wavemq.DEFAULT_MAX_DEPTH)
    assert wavemq.topic_is_valid_name(deep, 11)
    assert wavemq.topic_is_valid_name(deep, wavemq.UNLIMITED_DEPTH)
    assert wavemq.topic_matches("#", deep, wavemq.UNLIMITED_DEPTH)
    with pytest.raises(wavemq.InvalidArgument):
        wavemq.topic_matches("#", deep)
    assert wavemq.filter_covers("#", deep, 11)
    with wavemq.Filter("#", max_depth=wavemq.UNLIMITED_DEPTH) as compiled:
        assert compiled.text == "#"
        assert compiled.matches(deep)
    with wavemq.Authorizer(["#"], ["#"]) as default_depth:
        assert not default_depth.may_publish(deep)
    with wavemq.Authorizer(["#"], ["#"], max_depth=wavemq.UNLIMITED_DEPTH) as unlimited:
        assert unlimited.may_publish(deep)
    with pytest.raises(wavemq.InvalidArgument):
        wavemq.topic_is_valid_name("a", -1)


def test_one_uuid_predicate():
    assert wavemq.uuid_is_canonical(wavemq.uuid4())
    assert not wavemq.uuid_is_canonical("6F1E8C2A-3B4D-4E5F-8A9B-0C1D2E3F4A5B")
    assert wavemq.group_id_is_valid("team-1") and not wavemq.group_id_is_valid("a/b")
    assert wavemq.PASSWORD_SCHEMES == {"auto": 0, "token": 1, "sha256": 2}


def test_log_handler_sees_a_backend_fault_and_no_secret():
    config = json.dumps({"authenticationCheckEndpoint": "http://127.0.0.1:1/check",
                         "tokenValidationRegex": "[A-Za-z0-9]{4,64}", "storage": "memory"})
    seen = []
    lock = threading.Lock()

    def handler(level, message):
        with lock:
            seen.append((level, message))

    with wavemq.Config.parse(config) as parsed, wavemq.Service(parsed) as service:
        wavemq.set_log_handler(handler)
        try:
            with pytest.raises(wavemq.Unavailable):
                service.login("pySecretToken99")
        finally:
            wavemq.set_log_handler(None)
        with pytest.raises(wavemq.Unavailable):
            service.login("pySecretToken99")  # no handler: nothing more arrives
    assert any(level is wavemq.LogLevel.WARNING and message.startswith("WAVE_ERR_UNAVAILABLE: ")
               for level, message in seen), seen
    assert len(seen) == 1
    assert not any("pySecretToken99" in message for _, message in seen)
