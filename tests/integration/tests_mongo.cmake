# MongoDB directory store (src/mongo) against a real server: FerretDB from the `mongo`
# fixture, or the MongoDB named by WAVE_TEST_MONGO_URI.
wave_add_test(mongo
  SOURCES test_mongo.cpp
  COMPONENTS mongo store common
  LIBS ${WAVE_MONGOC_TARGET} Threads::Threads
  LABELS integration
  FIXTURES mongo)
