# Sourced by tests/fuzz/run.sh and tools/fuzz-long.sh, which set $root (the checkout): what
# every fuzz run shares, so the short and the long run cannot drift apart.

# Builds the `fuzz` preset (clang, ASan+UBSan+libFuzzer) and sets $artifacts.
fuzz_prepare() {
  cd "$root"
  cmake --preset fuzz >/dev/null
  cmake --build --preset fuzz
  artifacts="$root/build/fuzz/artifacts"
  mkdir -p "$artifacts"
  # Every UBSan report stops the target and leaves its input (only reports in other projects'
  # headers, listed in ubsan.supp, are silenced).
  export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1:suppressions=$root/tests/fuzz/ubsan.supp}
}

# The corpus a target keeps between runs: build/fuzz/corpus/<target without fuzz_>.
fuzz_corpus() {
  local name
  name=$(basename "$1")
  echo "$root/build/fuzz/corpus/${name#fuzz_}"
}

# fuzz_run FUZZER [LIBFUZZER_OPTION...]: runs the target on its kept corpus and its seeds
# (tests/fuzz/corpus/<target>), findings written to $artifacts/<target>-*.  Output is the
# caller's to redirect.
fuzz_run() {
  local fuzzer=$1 name corpus seeds
  shift
  name=$(basename "$fuzzer")
  corpus=$(fuzz_corpus "$fuzzer")
  seeds="$root/tests/fuzz/corpus/${name#fuzz_}"
  mkdir -p "$corpus"
  [ -d "$seeds" ] || seeds=""
  "$fuzzer" "$@" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$artifacts/$name-" \
    "$corpus" $seeds
}
