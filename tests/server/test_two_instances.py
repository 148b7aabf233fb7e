"""Two wave-server processes sharing Redis and MongoDB, as behind a load balancer."""
import time

import pytest

from server_harness import assert_grant, login, register_body

pytestmark = pytest.mark.servers


def test_both_instances_serve_the_same_users(backends, make_server):
    first = make_server(backends, name="first")
    second = make_server(backends, name="second", mongoDatabase=first.config["mongoDatabase"],
                         redisKeyPrefix=first.config["redisKeyPrefix"])
    user = login(first)
    _, answer = second.hook("auth_on_register", register_body(user.id, user.password))
    assert_grant(answer)
    assert second.api("POST", "/v1/profiles", token=user.token).json()["content"] == user.id


def test_revoke_on_one_instance_reaches_the_other_within_a_second(backends, make_server):
    first = make_server(backends, name="first")
    second = make_server(backends, name="second", mongoDatabase=first.config["mongoDatabase"],
                         redisKeyPrefix=first.config["redisKeyPrefix"])
    user = login(first)
    # warm the second instance's in-process cache with the password
    _, answer = second.hook("auth_on_register", register_body(user.id, user.password))
    assert_grant(answer)
    assert first.api("DELETE", "/v1/sessions", token=user.token).status == 200
    revoked_at = time.time()
    while True:
        _, answer = second.hook("auth_on_register", register_body(user.id, user.password))
        if answer == {"result": {"error": "not_allowed"}}:
            break
        assert time.time() - revoked_at < 1.0, f"the other instance still grants the old password: {answer}"
        time.sleep(0.02)
