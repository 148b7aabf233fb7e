// C ABI for wave_topic.h: a thin layer over src/topic and src/acl.
#include <cstring>
#include <memory>
#include <string>
#include <vector>

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

int max_depth_int(unsigned max_depth) {
  if (max_depth > static_cast<unsigned>(WAVE_TOPIC_MAX_LENGTH)) {
    return WAVE_TOPIC_MAX_LENGTH;  // deeper than any valid topic can be: the same as no limit
  }
  return static_cast<int>(max_depth);
}

wave_status compile_filter(const char* filter, unsigned max_depth, wave_filter** out) {
  return wave::capi::guarded([&] {
    wave::capi::require(out, "out");
    *out = nullptr;
    wave::capi::require(filter, "filter");
    auto handle = std::make_unique<wave_filter>();
    handle->rep = std::make_unique<wave::topic::CompiledFilter>(filter, max_depth);
    *out = handle.release();
    return WAVE_OK;
  });
}

wave_status new_authorizer(const char* const* publish, size_t n_publish,
                           const char* const* subscribe, size_t n_subscribe, unsigned max_depth,
                           wave_authorizer** out) {
  return wave::capi::guarded([&] {
    wave::capi::require(out, "out");
    *out = nullptr;
    const auto publish_patterns = copy_patterns(publish, n_publish, "publish");
    const auto subscribe_patterns = copy_patterns(subscribe, n_subscribe, "subscribe");
    auto handle = std::make_unique<wave_authorizer>();
    handle->rep = std::make_unique<wave::acl::Authorizer>(publish_patterns, subscribe_patterns,
                                                          max_depth_int(max_depth));
    *out = handle.release();
    return WAVE_OK;
  });
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

WAVE_API int wave_topic_is_valid_name(const char* topic) {
  return wave_topic_is_valid_name_ex(topic, WAVE_TOPIC_DEFAULT_MAX_DEPTH);
}

WAVE_API int wave_topic_is_valid_name_ex(const char* topic, unsigned max_depth) {
  return wave::capi::guarded_value(0, [&] {
    wave::capi::require(topic, "topic");
    return wave::topic::is_valid_name(topic, max_depth) ? 1 : 0;
  });
}

WAVE_API int wave_topic_is_valid_filter(const char* filter) {
  return wave_topic_is_valid_filter_ex(filter, WAVE_TOPIC_DEFAULT_MAX_DEPTH);
}

WAVE_API int wave_topic_is_valid_filter_ex(const char* filter, unsigned max_depth) {
  return wave::capi::guarded_value(0, [&] {
    wave::capi::require(filter, "filter");
    return wave::topic::is_valid_filter(filter, max_depth) ? 1 : 0;
  });
}

WAVE_API int wave_topic_matches(const char* filter, const char* topic) {
  return wave_topic_matches_ex(filter, topic, WAVE_TOPIC_DEFAULT_MAX_DEPTH);
}

WAVE_API int wave_topic_matches_ex(const char* filter, const char* topic, unsigned max_depth) {
  return wave::capi::guarded_value(-1, [&] {
    wave::capi::require(filter, "filter");
    wave::capi::require(topic, "topic");
    return to_int(wave::topic::matches(filter, topic, max_depth));
  });
}

WAVE_API wave_status wave_filter_compile(const char* filter, wave_filter** out) {
  return compile_filter(filter, WAVE_TOPIC_DEFAULT_MAX_DEPTH, out);
}

WAVE_API wave_status wave_filter_compile_ex(const char* filter, unsigned max_depth,
                                            wave_filter** out) {
  return compile_filter(filter, max_depth, out);
}

WAVE_API int wave_filter_matches(const wave_filter* filter, const char* topic, size_t topic_len) {
  return wave::capi::guarded_value(-1, [&] {
    wave::capi::require(filter, "filter");
    wave::capi::require(topic, "topic");
    return to_int(filter->rep->matches(std::string_view(topic, topic_len)));
  });
}

WAVE_API const char* wave_filter_text(const wave_filter* filter) {
  return wave::capi::guarded_value<const char*>(nullptr, [&] {
    wave::capi::require(filter, "filter");
    return filter->rep->text().c_str();
  });
}

WAVE_API void wave_filter_free(wave_filter* filter) { delete filter; }

WAVE_API int wave_filter_covers(const char* acl_filter, const char* sub_filter) {
  return wave_filter_covers_ex(acl_filter, sub_filter, WAVE_TOPIC_DEFAULT_MAX_DEPTH);
}

WAVE_API int wave_filter_covers_ex(const char* acl_filter, const char* sub_filter,
                                   unsigned max_depth) {
  return wave::capi::guarded_value(-1, [&] {
    wave::capi::require(acl_filter, "acl_filter");
    wave::capi::require(sub_filter, "sub_filter");
    return to_int(wave::topic::covers(acl_filter, sub_filter, max_depth));
  });
}

WAVE_API int wave_acl_is_valid_user_id(const char* id) {
  return wave::capi::guarded_value(0, [&] {
    wave::capi::require(id, "id");
    return wave::acl::is_valid_user_id(id) ? 1 : 0;
  });
}

WAVE_API int wave_acl_is_valid_group_id(const char* group_id) {
  return wave::capi::guarded_value(0, [&] {
    wave::capi::require(group_id, "group_id");
    return wave::acl::is_valid_group_id(group_id) ? 1 : 0;
  });
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
  return wave::capi::guarded_value<size_t>(0, [&] {
    wave::capi::require(patterns, "patterns");
    return patterns->rep->publish.size();
  });
}

WAVE_API const char* wave_acl_patterns_publish(const wave_acl_patterns* patterns, size_t index) {
  return wave::capi::guarded_value<const char*>(nullptr, [&] {
    wave::capi::require(patterns, "patterns");
    return pattern_at(patterns->rep->publish, index);
  });
}

WAVE_API size_t wave_acl_patterns_subscribe_count(const wave_acl_patterns* patterns) {
  return wave::capi::guarded_value<size_t>(0, [&] {
    wave::capi::require(patterns, "patterns");
    return patterns->rep->subscribe.size();
  });
}

WAVE_API const char* wave_acl_patterns_subscribe(const wave_acl_patterns* patterns, size_t index) {
  return wave::capi::guarded_value<const char*>(nullptr, [&] {
    wave::capi::require(patterns, "patterns");
    return pattern_at(patterns->rep->subscribe, index);
  });
}

WAVE_API void wave_acl_patterns_free(wave_acl_patterns* patterns) { delete patterns; }

WAVE_API wave_status wave_topic_identify_sender(const char* topic, wave_conversation_kind* kind_out,
                                                char sender_out[WAVE_TOPIC_USER_ID_SIZE],
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
    copy_out(sender_out, WAVE_TOPIC_USER_ID_SIZE, sender.sender);
    copy_out(peer_out, WAVE_TOPIC_GROUP_ID_SIZE, is_private ? sender.recipient : sender.group);
    *kind_out = is_private ? WAVE_CONVERSATION_PRIVATE : WAVE_CONVERSATION_GROUP;
    return WAVE_OK;
  });
}

WAVE_API wave_status wave_authorizer_new(const char* const* publish, size_t n_publish,
                                         const char* const* subscribe, size_t n_subscribe,
                                         wave_authorizer** out) {
  return new_authorizer(publish, n_publish, subscribe, n_subscribe, WAVE_TOPIC_DEFAULT_MAX_DEPTH,
                        out);
}

WAVE_API wave_status wave_authorizer_new_ex(const char* const* publish, size_t n_publish,
                                            const char* const* subscribe, size_t n_subscribe,
                                            unsigned max_depth, wave_authorizer** out) {
  return new_authorizer(publish, n_publish, subscribe, n_subscribe, max_depth, out);
}

WAVE_API int wave_authorizer_may_publish(const wave_authorizer* authorizer, const char* topic) {
  return wave::capi::guarded_value(0, [&] {
    wave::capi::require(authorizer, "authorizer");
    wave::capi::require(topic, "topic");
    return authorizer->rep->may_publish(topic) ? 1 : 0;
  });
}

WAVE_API int wave_authorizer_may_subscribe(const wave_authorizer* authorizer, const char* filter) {
  return wave::capi::guarded_value(0, [&] {
    wave::capi::require(authorizer, "authorizer");
    wave::capi::require(filter, "filter");
    return authorizer->rep->may_subscribe(filter) ? 1 : 0;
  });
}

WAVE_API void wave_authorizer_free(wave_authorizer* authorizer) { delete authorizer; }

}  // extern "C"
