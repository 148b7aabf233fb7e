# Topic rules and Wave's scheme from arbitrary bytes: validation (against a byte-wise
# reference), matching (compiled vs uncompiled vs a reference), coverage (against witness
# topics and the filter-set trie) and sender identification must never crash or disagree.
wave_add_fuzzer(topic_validate SOURCES fuzz_topic_validate.cpp COMPONENTS topic common)
wave_add_fuzzer(topic_match SOURCES fuzz_topic_match.cpp COMPONENTS topic common)
wave_add_fuzzer(topic_covers SOURCES fuzz_topic_covers.cpp COMPONENTS topic common)
wave_add_fuzzer(topic_sender SOURCES fuzz_topic_sender.cpp COMPONENTS acl topic common)
