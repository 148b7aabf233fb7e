# The Redis session store against real redis-server processes (the `redis` fixture, plus
# private servers the tests stop, restart and start on unix sockets themselves).
wave_add_test(redis
  SOURCES test_redis.cpp
  COMPONENTS redis store common
  LIBS PkgConfig::HIREDIS Threads::Threads
  LABELS integration
  FIXTURES redis)
