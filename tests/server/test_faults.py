"""Faults with real backends: Redis stopped, FerretDB stopped, the app endpoint failing, slow or
gone.  Webhooks refuse with distinct error strings (never a grant, never cacheable), the API
answers 502/503/504, /readyz says why, and everything recovers without restarting wave-server.

Every test here runs its own Redis, FerretDB and app endpoint (own_backends) so the outage
stays private, and a wave-server whose in-process credential cache is off, so each check
really reaches the backend under test."""
import threading
import time

import pytest

from server_harness import (FAULT_ERRORS, app_user_id, assert_grant, login, private_topic, publish_body,
                            register_body, subscribe_body, token_for, wait_for)

pytestmark = pytest.mark.servers

NO_CACHE = {"credentialCacheSize": 0, "credentialCacheTTLSeconds": 0}


def fault_error(response, answer):
    assert isinstance(answer.get("result"), dict), f"a fault must refuse: {answer}"
    error = answer["result"].get("error")
    assert error in FAULT_ERRORS, f"a fault needs its own error string, not {error!r}: {answer}"
    assert response.header("cache-control") is None, f"a fault answer must not be cacheable: {response}"
    return error


def api_error(response, statuses):
    assert response.status in statuses, response
    body = response.json()
    assert body["content"] is None and body["error"]["code"], body
    if response.status == 503:
        assert response.header("retry-after") == "1", response
    return body["error"]


def readyz_reason(server):
    response = server.get("/readyz")
    if response.status == 200:
        return None
    assert response.status == 503, response
    body = response.json()
    assert body.get("status") == "unready", body
    return body.get("reason", "")


def test_redis_down_refuses_register_and_recovers(own_backends, make_server):
    server = make_server(own_backends, **NO_CACHE)
    user = login(server)
    friend = login(server)
    _, answer = server.hook("auth_on_register", register_body(user.id, user.password))
    assert_grant(answer)

    own_backends.stop("redis")
    response, answer = server.hook("auth_on_register", register_body(user.id, user.password))
    assert fault_error(response, answer) == "backend_unavailable"
    reason = wait_for(lambda: readyz_reason(server), timeout=5, what="/readyz to report Redis")
    assert reason.startswith("redis"), reason
    assert server.get("/healthz").status == 200, "liveness must not depend on Redis"
    api_error(server.api("POST", "/v1/sessions", token=token_for(app_user_id())), {503})
    assert "password" not in reason.lower() or "redacted" in reason.lower()

    own_backends.start("redis")  # same port; the data is gone (no persistence)
    wait_for(lambda: server.get("/readyz").status == 200, timeout=15, what="/readyz to recover")
    # Redis lost the credential: logging in again restores it, without restarting wave-server.
    again = login(server, user.app_id, user.token)
    assert again.id == user.id
    _, answer = server.hook("auth_on_register", register_body(again.id, again.password))
    assert_grant(answer)
    _, answer = server.hook("auth_on_publish", publish_body(user.id, private_topic(user.id, friend.id)))
    assert_grant(answer)


def test_mongodb_down_refuses_publish_and_subscribe_and_recovers(own_backends, make_server):
    server = make_server(own_backends, **NO_CACHE)
    user = login(server)
    friend = login(server)
    publish = publish_body(user.id, private_topic(user.id, friend.id))
    subscribe = subscribe_body(user.id, [(f"conversations/private/+/{user.id}", 1), ("#", 0)])
    assert_grant(server.hook("auth_on_publish", publish)[1])

    own_backends.stop("mongo")
    response, answer = server.hook("auth_on_publish", publish)
    assert fault_error(response, answer) in ("backend_unavailable", "backend_timeout")
    response, answer = server.hook("auth_on_subscribe", subscribe)
    # a fault refuses the whole packet: no per-filter grant may leak out of it
    assert "topics" not in answer, answer
    fault_error(response, answer)
    reason = wait_for(lambda: readyz_reason(server), timeout=10, what="/readyz to report MongoDB")
    assert reason.startswith("mongo"), reason
    error = api_error(server.api("POST", "/v1/conversations/group", token=user.token,
                                 body={"name": "g", "members": []}), {503, 504})
    assert error["code"]

    own_backends.start("mongo")
    wait_for(lambda: server.get("/readyz").status == 200, timeout=30, what="/readyz to recover")
    wait_for(lambda: server.hook("auth_on_publish", publish)[1] == {"result": "ok"}, timeout=15,
             what="publish to be granted again")
    _, answer = server.hook("auth_on_subscribe", subscribe)
    assert answer == {"result": "ok", "topics": [{"topic": f"conversations/private/+/{user.id}", "qos": 1},
                                                  {"topic": "#", "qos": 128}]}


@pytest.mark.parametrize("token_prefix,statuses,code_hint", [
    ("error500", {502}, None),
    ("garbage", {502}, None),
    ("redirect", {502}, None),
    ("oversize", {502}, None),
    ("emptyid", {502}, None),
    ("close", {502, 503}, None),
])
def test_app_answering_nonsense_is_502(own_backends, make_server, token_prefix, statuses, code_hint):
    server = make_server(own_backends)
    api_error(server.api("POST", "/v1/sessions", token=f"{token_prefix}-{app_user_id()}"), statuses)
    # the server still works
    assert login(server).id


def test_app_slow_is_504_and_app_down_is_503(own_backends, make_server):
    server = make_server(own_backends, httpTimeoutMs=500, httpConnectTimeoutMs=200)
    started = time.time()
    api_error(server.api("POST", "/v1/sessions", token=f"slow3000:{app_user_id()}"), {504})
    assert time.time() - started < 2.5, "the app timeout must bound the request"
    own_backends.stop("app")
    api_error(server.api("POST", "/v1/sessions", token=token_for(app_user_id())), {503})
    own_backends.start("app")
    assert login(server).id  # recovery without restart


def test_webhook_register_fallback_to_the_app_fails_closed(own_backends, make_server):
    """When Redis has lost a credential, register asks the app (the password is the token):
    the app down, slow or broken is a fault with its own error string, never a grant."""
    slow_app_id = app_user_id()
    slow_token = f"slow1200:{slow_app_id}:tok"
    patient = make_server(own_backends, name="patient", httpTimeoutMs=5000)
    slow_user = login(patient, slow_app_id, slow_token)
    user = login(patient)
    patient.stop()
    own_backends.stop("redis")  # no persistence: the credentials are gone after the restart
    own_backends.start("redis")
    server = make_server(own_backends, name="impatient", httpTimeoutMs=500, httpConnectTimeoutMs=200,
                         mongoDatabase=patient.config["mongoDatabase"], redisKeyPrefix=patient.config["redisKeyPrefix"],
                         **NO_CACHE)

    response, answer = server.hook("auth_on_register", register_body(slow_user.id, slow_user.password))
    assert fault_error(response, answer) == "backend_timeout"

    for mode, error in (("down", "upstream_error"),      # every app answer is 503
                        ("error500", "upstream_error"),  # every app answer is 500
                        ("garbage", "upstream_error"),   # 200 with a body that is not JSON
                        ("slow:1500", "backend_timeout")):
        own_backends.app_control("mode", mode)
        response, answer = server.hook("auth_on_register", register_body(user.id, user.password))
        assert fault_error(response, answer) == error, mode
    own_backends.app_control("mode", "up")

    own_backends.stop("app")
    response, answer = server.hook("auth_on_register", register_body(user.id, user.password))
    assert fault_error(response, answer) == "backend_unavailable"

    own_backends.start("app")
    own_backends.app_control("mode", "up")
    _, answer = server.hook("auth_on_register", register_body(user.id, user.password))
    assert_grant(answer)


def test_webhook_faults_are_counted(own_backends, make_server):
    from server_harness import metric_value, parse_metrics
    server = make_server(own_backends, **NO_CACHE)
    user = login(server)
    before = parse_metrics(server.metrics_text())
    own_backends.stop("redis")
    server.hook("auth_on_register", register_body(user.id, user.password))
    after = parse_metrics(server.metrics_text())
    assert (metric_value(after, "wave_webhook_decisions_total", hook="auth_on_register", result="error")
            == metric_value(before, "wave_webhook_decisions_total", hook="auth_on_register", result="error") + 1)
    own_backends.start("redis")


def test_sigterm_lets_a_slow_request_finish_and_exits_0(own_backends, make_server):
    server = make_server(own_backends, httpTimeoutMs=8000, serverShutdownGraceSeconds=20)
    result = {}
    token = f"slow2000:{app_user_id()}:t"

    def slow_login():
        try:
            result["response"] = server.api("POST", "/v1/sessions", token=token, timeout=30)
        except Exception as error:  # noqa: BLE001 - reported below
            result["error"] = error

    thread = threading.Thread(target=slow_login)
    thread.start()
    own_backends.wait_for_app_call(token)  # SIGTERM only once the request waits on the app endpoint
    server.signal(__import__("signal").SIGTERM)
    thread.join(timeout=30)
    assert "error" not in result, f"the in-flight request was dropped: {result.get('error')!r}"
    assert result["response"].status == 201, result["response"]
    assert server.wait(timeout=30) == 0, server.stderr()[-2000:]
    messages = [line.get("msg") for line in server.log_lines()]
    assert "draining" in messages or "stopped" in messages, messages[-5:]


def test_sigterm_on_idle_server_exits_0_quickly(own_backends, make_server):
    server = make_server(own_backends)
    started = time.time()
    server.signal(__import__("signal").SIGTERM)
    assert server.wait(timeout=30) == 0
    assert time.time() - started < 10


def test_overload_is_refused_fast_and_counted(own_backends, make_server):
    """Past a pool's in-flight limit: API 503 + Retry-After, webhook "overloaded", both fast,
    and the refusals counted in wave_worker_rejected_total."""
    from concurrent.futures import ThreadPoolExecutor
    from server_harness import metric_value, parse_metrics
    seed = make_server(own_backends, name="seed")
    user = login(seed)
    seed.stop()
    own_backends.stop("redis")  # the credential is gone: register must ask the (slow) app
    own_backends.start("redis")
    server = make_server(own_backends, name="tight", serverWorkerThreads=1, serverWorkerQueueLimit=1,
                         serverCredentialThreads=1, serverCredentialQueueLimit=1, httpTimeoutMs=5000,
                         mongoDatabase=seed.config["mongoDatabase"], redisKeyPrefix=seed.config["redisKeyPrefix"],
                         **NO_CACHE)
    own_backends.app_control("mode", "slow:1500")
    before = parse_metrics(server.metrics_text())
    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            logins = [pool.submit(server.api, "POST", "/v1/sessions", token=token_for(app_user_id()), timeout=30)
                      for _ in range(4)]
            hooks = [pool.submit(server.hook, "auth_on_register", register_body(user.id, user.password))
                     for _ in range(4)]
            login_answers = [f.result() for f in logins]
            hook_answers = [f.result() for f in hooks]
    finally:
        own_backends.app_control("mode", "up")
    refused_logins = [r for r in login_answers if r.status == 503]
    assert refused_logins, [r.status for r in login_answers]
    for response in refused_logins:
        error = api_error(response, {503})
        assert error["code"] in ("overloaded", "backend_unavailable"), error
    assert all(r.status in (201, 503) for r in login_answers), [r.status for r in login_answers]
    overloaded = [answer for response, answer in hook_answers if answer == {"result": {"error": "overloaded"}}]
    assert overloaded, [answer for _, answer in hook_answers]
    for response, answer in hook_answers:
        # the one that got the worker is granted (the app still knows the token), the others refused
        assert answer in ({"result": "ok"}, {"result": {"error": "overloaded"}}), answer
        if answer != {"result": "ok"}:
            assert response.header("cache-control") is None
    after = parse_metrics(server.metrics_text())
    assert (metric_value(after, "wave_worker_rejected_total") - metric_value(before, "wave_worker_rejected_total")
            >= len(refused_logins) + len(overloaded))
