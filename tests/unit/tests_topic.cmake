# Topic rules (src/topic) and Wave's topic scheme (src/acl).
wave_add_test(topic SOURCES test_topic.cpp COMPONENTS topic common LABELS unit)
