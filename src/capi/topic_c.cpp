// C ABI for wave_topic.h and wave_acl.h: a thin layer over src/topic and src/acl.
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <wave/wave_acl.h>
#include <wave/wave_topic.h>

#include "acl/acl.hpp"
#include "capi/guard.hpp"
#include "topic/topic.hpp"

struct wave_filter {
  std::unique_ptr<wave::topic::CompiledFilter> rep;
};

struct wave_acl_patterns {
  std::unique_ptr<wave::acl::Patterns> rep;
};

struct wave_authorizer {
  std::unique_ptr<wave::acl::Authorizer> rep;
};

namespace {

using wave::topic::Answer;

int to_int(Answer answer) noexcept { return static_cast<int>(answer); }

// Copies `text` into a caller buffer of `size` bytes; the IDs the scheme accepts always fit.
void copy_out(char* out, std::size_t size, const std::string& text) {
  if (text.size() >= size) wave::fail(WAVE_ERR_INTERNAL, "identifier longer than its buffer");
  std::memcpy(out, text.c_str(), text.size() + 1);
}

std::vector<std::string> copy_patterns(const char* const* patterns, size_t count, const char* what) {
  if (count > 0) wave::capi::require(patterns, what);
  std::vector<std::string> copies;
  copies.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    if (patterns[i] == nullptr) {
      wave::fail(WAVE_ERR_INVALID_ARGUMENT,
                 std::string(what) + "[" + std::to_string(i) + "] must not be NULL");
    }
    copies.emplace_back(patterns[i]);
  }
  return copies;
}

// The C meaning of max_depth (wave_topic.h) in src/topic's terms, where 0 is "no limit":
// 0 is the default depth, and WAVE_TOPIC_UNLIMITED_DEPTH or more is no limit.
std::size_t internal_depth(unsigned max_depth) noexcept {
  static_assert(WAVE_TOPIC_UNLIMITED_DEPTH == WAVE_TOPIC_MAX_LENGTH + 1u,
                "the deepest valid topic is WAVE_TOPIC_MAX_LENGTH slashes");
  if (max_depth == 0) return WAVE_TOPIC_DEFAULT_MAX_DEPTH;
  if (max_depth >= WAVE_TOPIC_UNLIMITED_DEPTH) return 0;
  return max_depth;
}

wave_status make_patterns(wave::acl::Patterns patterns, wave_acl_patterns** out) {
  auto handle = std::make_unique<wave_acl_patterns>();
  handle->rep = std::make_unique<wave::acl::Patterns>(std::move(patterns));
  *out = handle.release();
  return WAVE_OK;
}

const char* pattern_at(const std::vector<std::string>& list, size_t index) noexcept {
  return index < list.size() ? list[index].c_str() : nullptr;
}

}  // namespace

extern "C" {

WAVE_API int wave_topic_is_valid_name(const char* topic, unsigned max_depth) {
  if (topic == nullptr) return 0;
  return wave::topic::is_valid_name(topic, internal_depth(max_depth)) ? 1 : 0;
}

WAVE_API int wave_topic_is_valid_filter(const char* filter, unsigned max_depth) {
  if (filter == nullptr) return 0;
  return wave::topic::is_valid_filter(filter, internal_depth(max_depth)) ? 1 : 0;
}

WAVE_API int wave_topic_matches(const char* filter, const char* topic, unsigned max_depth) {
  if (filter == nullptr || topic == nullptr) return -1;
  return to_int(wave::topic::matches(filter, topic, internal_depth(max_depth)));
}

WAVE_API wave_status wave_filter_compile(const char* filter, unsigned max_depth, wave_filter** out) {
  return wave::capi::guarded([&] {
    wave::capi::require(out, "out");
    *out = nullptr;
    wave::capi::require(filter, "filter");
    auto handle = std::make_unique<wave_filter>();
    handle->rep = std::make_unique<wave::topic::CompiledFilter>(filter, internal_depth(max_depth));
    *out = handle.release();
    return WAVE_OK;
  });
}

WAVE_API int wave_filter_matches(const wave_filter* filter, const char* topic, size_t topic_len) {
  if (filter == nullptr || topic == nullptr) return -1;
  return to_int(filter->rep->matches(std::string_view(topic, topic_len)));
}

WAVE_API const char* wave_filter_text(const wave_filter* filter) {
  return filter != nullptr ? filter->rep->text().c_str() : nullptr;
}

WAVE_API void wave_filter_free(wave_filter* filter) { delete filter; }

WAVE_API int wave_filter_covers(const char* acl_filter, const char* sub_filter, unsigned max_depth) {
  if (acl_filter == nullptr || sub_filter == nullptr) return -1;
  return to_int(wave::topic::covers(acl_filter, sub_filter, internal_depth(max_depth)));
}

WAVE_API int wave_acl_is_valid_group_id(const char* group_id) {
  return group_id != nullptr && wave::acl::is_valid_group_id(group_id) ? 1 : 0;
}

WAVE_API wave_status wave_acl_private_patterns(const char* internal_id, wave_acl_patterns** out) {
  return wave::capi::guarded([&] {
    wave::capi::require(out, "out");
    *out = nullptr;
    wave::capi::require(internal_id, "internal_id");
    return make_patterns(wave::acl::private_patterns(internal_id), out);
  });
}

WAVE_API wave_status wave_acl_group_patterns(const char* group_id, const char* internal_id,
                                             wave_acl_patterns** out) {
  return wave::capi::guarded([&] {
    wave::capi::require(out, "out");
    *out = nullptr;
    wave::capi::require(group_id, "group_id");
    wave::capi::require(internal_id, "internal_id");
    return make_patterns(wave::acl::group_patterns(group_id, internal_id), out);
  });
}

WAVE_API size_t wave_acl_patterns_publish_count(const wave_acl_patterns* patterns) {
  return patterns != nullptr ? patterns->rep->publish.size() : 0;
}

WAVE_API const char* wave_acl_patterns_publish(const wave_acl_patterns* patterns, size_t index) {
  return patterns != nullptr ? pattern_at(patterns->rep->publish, index) : nullptr;
}

WAVE_API size_t wave_acl_patterns_subscribe_count(const wave_acl_patterns* patterns) {
  return patterns != nullptr ? patterns->rep->subscribe.size() : 0;
}

WAVE_API const char* wave_acl_patterns_subscribe(const wave_acl_patterns* patterns, size_t index) {
  return patterns != nullptr ? pattern_at(patterns->rep->subscribe, index) : nullptr;
}

WAVE_API void wave_acl_patterns_free(wave_acl_patterns* patterns) { delete patterns; }

WAVE_API wave_status wave_topic_identify_sender(const char* topic, wave_conversation_kind* kind_out,
                                                char sender_out[WAVE_UUID_STRING_SIZE],
                                                char peer_out[WAVE_TOPIC_GROUP_ID_SIZE]) {
  // Outputs are cleared first so that no failure path leaves a previous answer behind.
  if (kind_out != nullptr) *kind_out = static_cast<wave_conversation_kind>(0);
  if (sender_out != nullptr) sender_out[0] = '\0';
  if (peer_out != nullptr) peer_out[0] = '\0';
  return wave::capi::guarded([&] {
    wave::capi::require(topic, "topic");
    wave::capi::require(kind_out, "kind_out");
    wave::capi::require(sender_out, "sender_out");
    wave::capi::require(peer_out, "peer_out");
    const wave::acl::Sender sender = wave::acl::identify_sender(topic);
    const bool is_private = sender.kind == wave::acl::ConversationKind::private_chat;
    copy_out(sender_out, WAVE_UUID_STRING_SIZE, sender.sender);
    copy_out(peer_out, WAVE_TOPIC_GROUP_ID_SIZE, is_private ? sender.recipient : sender.group);
    *kind_out = is_private ? WAVE_CONVERSATION_PRIVATE : WAVE_CONVERSATION_GROUP;
    return WAVE_OK;
  });
}

WAVE_API wave_status wave_authorizer_new(const char* const* publish, size_t n_publish,
                                         const char* const* subscribe, size_t n_subscribe,
                                         unsigned max_depth, wave_authorizer** out) {
  return wave::capi::guarded([&] {
    wave::capi::require(out, "out");
    *out = nullptr;
    const auto publish_patterns = copy_patterns(publish, n_publish, "publish");
    const auto subscribe_patterns = copy_patterns(subscribe, n_subscribe, "subscribe");
    auto handle = std::make_unique<wave_authorizer>();
    handle->rep = std::make_unique<wave::acl::Authorizer>(publish_patterns, subscribe_patterns,
                                                          static_cast<int>(internal_depth(max_depth)));
    *out = handle.release();
    return WAVE_OK;
  });
}

WAVE_API int wave_authorizer_may_publish(const wave_authorizer* authorizer, const char* topic) {
  if (authorizer == nullptr || topic == nullptr) return 0;
  return authorizer->rep->may_publish(topic) ? 1 : 0;
}

WAVE_API int wave_authorizer_may_subscribe(const wave_authorizer* authorizer, const char* filter) {
  if (authorizer == nullptr || filter == nullptr) return 0;
  return authorizer->rep->may_subscribe(filter) ? 1 : 0;
}

WAVE_API void wave_authorizer_free(wave_authorizer* authorizer) { delete authorizer; }

}  // extern "C"
