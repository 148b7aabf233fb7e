// wave-server's admin API pieces (examples/server/admin_api.*, the router, the settings):
// the admin key check against known SHA-256 digests, the routes, and adminAPIKeys read back
// from the library's effective config.  No servers.
#include <doctest/doctest.h>

#include <wave/wave.h>

#include <string>
#include <variant>
#include <vector>

#include "admin_api.hpp"
#include "router.hpp"
#include "server_settings.hpp"

using namespace wave_server;

namespace {

// SHA-256("abc") (FIPS 180-2, appendix B.1) and SHA-256("") in lowercase hex.
const std::string kAbcDigest = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
const std::string kEmptyDigest = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const std::string kOtherDigest(64, '0');

}  // namespace

TEST_SUITE("server.admin") {
  TEST_CASE("a key is accepted when its SHA-256 is one of the digests") {
    const std::vector<std::string> digests{kOtherDigest, kAbcDigest};
    CHECK(admin_key_accepted(digests, "Bearer abc"));
    CHECK(admin_key_accepted(digests, "bearer abc"));
    CHECK(admin_key_accepted(digests, "BEARER   abc"));
    CHECK(admin_key_accepted({kAbcDigest}, "Bearer abc"));
    CHECK_FALSE(admin_key_accepted({kOtherDigest}, "Bearer abc"));
    CHECK_FALSE(admin_key_accepted({}, "Bearer abc"));  // no keys: the admin API is off
    CHECK_FALSE(admin_key_accepted(digests, "Bearer abd"));
    CHECK_FALSE(admin_key_accepted(digests, "Bearer abc "));  // the key is taken as sent
    CHECK_FALSE(admin_key_accepted(digests, "Basic abc"));
    CHECK_FALSE(admin_key_accepted(digests, "Bearerabc"));
    CHECK_FALSE(admin_key_accepted(digests, "abc"));
    CHECK_FALSE(admin_key_accepted(digests, ""));
    // An empty key never matches, even the digest of "".
    CHECK_FALSE(admin_key_accepted({kEmptyDigest}, "Bearer "));
    CHECK_FALSE(admin_key_accepted({kEmptyDigest}, "Bearer"));
    // The digest itself is not a key.
    CHECK_FALSE(admin_key_accepted(digests, "Bearer " + kAbcDigest));
  }

  TEST_CASE("the admin routes: templates, methods, parameters") {
    const auto user = match_route("/v1/users/ann%2Fb%C3%A9");
    CHECK(user.route == Route::admin_user);
    REQUIRE(user.params.size() == 1);
    CHECK(user.params[0] == "ann/b\xC3\xA9");
    const auto sessions = match_route("/v1/users/ann/sessions");
    CHECK(sessions.route == Route::admin_user_sessions);
    CHECK(match_route("/v1/users/").route == Route::unmatched);
    CHECK(match_route("/v1/users").route == Route::unmatched);
    CHECK(route_template(Route::admin_user) == "/v1/users/{appUserID}");
    CHECK(route_template(Route::admin_user_sessions) == "/v1/users/{appUserID}/sessions");
    CHECK(allowed_methods(Route::admin_user) == "GET, OPTIONS");
    CHECK(allowed_methods(Route::admin_user_sessions) == "DELETE, OPTIONS");
    CHECK(is_admin_route(Route::admin_user));
    CHECK(is_admin_route(Route::admin_user_sessions));
    CHECK_FALSE(is_admin_route(Route::sessions));
    CHECK(is_api_route(Route::admin_user));

    const auto call = prepare_admin_call(sessions);
    REQUIRE(std::holds_alternative<AdminCall>(call));
    CHECK(std::get<AdminCall>(call).end_sessions);
    CHECK(std::get<AdminCall>(call).app_user_id == "ann");
    const auto bad = prepare_admin_call(match_route("/v1/users/a%00b"));
    REQUIRE(std::holds_alternative<ApiResponse>(bad));
    CHECK(std::get<ApiResponse>(bad).status == 400);
    CHECK(admin_unauthorized(false).status == 401);
  }

  TEST_CASE("adminAPIKeys is read back from the library's effective config") {
    const std::string json = R"({"authenticationCheckEndpoint":"http://a/b","tokenValidationRegex":".+",
      "adminAPIKeys":[")" + kAbcDigest + R"("]})";
    wave_config* config = nullptr;
    REQUIRE(wave_config_parse(json.data(), json.size(), "t", &config) == WAVE_OK);
    const ServerSettings settings = read_server_settings(config);
    wave_config_free(config);
    REQUIRE(settings.admin_api_keys.size() == 1);
    CHECK(settings.admin_api_keys[0] == kAbcDigest);
  }
}
