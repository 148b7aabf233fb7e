# The Redis session store against real redis-server processes (the `redis` fixture, plus
# private servers the tests stop, restart and start on unix sockets themselves).
wave_add_test(redis
  SOURCES test_redis.cpp
  COMPONENTS redis store common
  LIBS PkgConfig::HIREDIS Threads::Threads
  LABELS integration
  FIXTURES redis)
# The cache invalidation channel (pub/sub) against the `redis` fixture and private servers
# the tests stop, restart and pause.
wave_add_test(redis_invalidation
  SOURCES test_redis_invalidation.cpp
  COMPONENTS redis common
  LIBS PkgConfig::HIREDIS Threads::Threads
  LABELS integration
  FIXTURES redis)
