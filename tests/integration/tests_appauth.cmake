# The app authentication client against the harness's real HTTP app server.
wave_add_test(appauth
  SOURCES test_appauth.cpp
  COMPONENTS appauth common
  LIBS CURL::libcurl wave_rapidjson
  LABELS integration
  FIXTURES app)
