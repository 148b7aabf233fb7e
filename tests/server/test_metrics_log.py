"""/metrics (strictly parsed Prometheus text) and the JSON request log: counters move, and no
token, password or client ID ever reaches a metric, nor a token or password the log."""
import pytest

from server_harness import (login, metric_value, parse_metrics, private_topic, publish_body, register_body,
                            subscribe_body)

pytestmark = pytest.mark.servers

FAMILIES = {
    "wave_http_requests_total": "counter",
    "wave_http_request_duration_seconds": "histogram",
    "wave_webhook_decisions_total": "counter",
    "wave_worker_queue_depth": "gauge",
    "wave_worker_rejected_total": "counter",
    "wave_connections_active": "gauge",
    "wave_build_info": "gauge",
}
# Library-side families (wave_service_counter()).
LIBRARY_FAMILIES = {
    "wave_cache_requests_total": "counter",
    "wave_cache_entries": "gauge",
    "wave_app_requests_total": "counter",
    "wave_backend_errors_total": "counter",
    "wave_bcrypt_runs_total": "counter",
}


def test_metrics_parse_strictly_and_name_the_families(server):
    families = parse_metrics(server.metrics_text())
    for name, kind in FAMILIES.items():
        assert name in families, f"missing {name}; have {sorted(families)}"
        assert families[name]["type"] == kind, (name, families[name]["type"])


def test_library_metric_families_are_exported(server):
    families = parse_metrics(server.metrics_text())
    for name, kind in LIBRARY_FAMILIES.items():
        assert name in families, f"missing {name}"
        assert families[name]["type"] == kind


def test_counters_move(server, user, other_user):
    before = parse_metrics(server.metrics_text())
    publish = publish_body(user.id, private_topic(user.id, other_user.id))
    for _ in range(3):
        server.hook("auth_on_publish", publish)
    server.hook("auth_on_publish", publish_body(user.id, private_topic(other_user.id, user.id)))
    server.api("POST", "/v1/profiles", token=user.token)
    after = parse_metrics(server.metrics_text())

    def delta(name, **labels):
        return metric_value(after, name, **labels) - metric_value(before, name, **labels)

    assert delta("wave_webhook_decisions_total", hook="auth_on_publish", result="allow") == 3
    assert delta("wave_webhook_decisions_total", hook="auth_on_publish", result="deny") == 1
    assert delta("wave_http_requests_total", route="/webhooks/{hook}", code="200") >= 4
    assert delta("wave_http_requests_total", route="/v1/profiles", code="200") == 1
    assert delta("wave_http_request_duration_seconds_count", route="/webhooks/{hook}") >= 4
    assert delta("wave_http_request_duration_seconds_count", route="/v1/profiles") == 1
    # the /metrics request itself was counted in between
    assert delta("wave_http_requests_total", route="/metrics") >= 1


def test_route_labels_are_templates(server, user):
    server.api("GET", f"/v1/conversations/group/{user.id}", token=user.token)
    server.api("GET", "/v1/this/route/does/not/exist", token=user.token)
    families = parse_metrics(server.metrics_text())
    routes = {labels.get("route") for _, labels, _ in families["wave_http_requests_total"]["samples"]}
    for route in routes:
        assert user.id not in (route or ""), routes
    assert "/v1/this/route/does/not/exist" not in routes


@pytest.mark.parametrize("level", ["info", "debug"])
def test_no_secret_in_metrics_or_log(backends, make_server, level):
    server = make_server(backends, logLevel=level)
    user = login(server)
    other = login(server)
    server.hook("auth_on_register", register_body(user.id, user.password))
    server.hook("auth_on_register", register_body(user.id, user.password + "wrong"))
    server.hook("auth_on_publish", publish_body(user.id, private_topic(user.id, other.id)))
    server.hook("auth_on_subscribe", subscribe_body(user.id, [(f"conversations/private/+/{user.id}", 1)]))
    server.api("POST", "/v1/profiles", token=user.token)
    server.api("POST", "/v1/profiles", token="invalid-but-secret-token-123")
    server.api("DELETE", "/v1/sessions", token=other.token)
    server.hook("auth_on_register", register_body(other.id, other.password))  # revoked: refused
    server.api("POST", "/v1/profiles/mappings", token=user.token, body={"userIDs": [other.app_id]})
    metrics = server.metrics_text()
    for secret in (user.token, user.password, other.token, other.password, "invalid-but-secret-token-123",
                   user.app_id):
        assert secret not in metrics, "a secret reached /metrics"
    for client_id in (user.id, other.id):
        assert client_id not in metrics, "a client ID is a metric label"
    server.stop()  # flushes the log writer
    assert server.proc.returncode == 0
    log = server.stdout() + server.stderr()
    for secret in (user.token, user.password, other.token, other.password, "invalid-but-secret-token-123"):
        assert secret not in log, "a token or password reached the log"


def test_one_json_log_line_per_request(server, user, other_user):
    marker_topic = private_topic(user.id, other_user.id)
    before = len(server.log_lines())
    server.hook("auth_on_publish", publish_body(user.id, marker_topic))
    import time
    deadline = time.time() + 5
    while time.time() < deadline:
        # The log writer is asynchronous: lines of the fixtures' own requests (/v1/sessions)
        # may land after `before` was taken, so pick this request's line by its route.
        lines = [line for line in server.log_lines()[before:]
                 if line.get("msg") == "request" and line.get("route") == "/webhooks/{hook}"]
        if lines:
            break
        time.sleep(0.05)
    else:
        raise AssertionError("no request log line")
    line = lines[-1]
    assert line["method"] == "POST", line
    assert line["status"] == 200 and isinstance(line["duration_ms"], (int, float)), line
    assert line["hook"] == "auth_on_publish" and line["result"] == "allow", line
    assert line["level"] == "info" and line["ts"].endswith("Z"), line
    assert "topic" not in line and "payload" not in line, line
