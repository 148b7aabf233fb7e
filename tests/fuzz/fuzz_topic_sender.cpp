// Sender identification from arbitrary bytes: never crashes, throws only wave::Error, and
// whatever it accepts is exactly a topic the scheme produces, which the sender's own
// authorizer lets it publish and the receivers' patterns let them receive.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "acl/acl.hpp"
#include "common/error.hpp"
#include "topic/topic.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view topic(reinterpret_cast<const char*>(data), size);
  wave::acl::Sender sender;
  try {
    sender = wave::acl::identify_sender(topic);
  } catch (const wave::Error& error) {
    if (error.status() != WAVE_ERR_INVALID_ARGUMENT) std::abort();
    return 0;
  }
  if (!wave::acl::is_valid_user_id(sender.sender)) std::abort();
  if (!wave::topic::is_valid_name(topic)) std::abort();
  wave::acl::Patterns patterns;
  std::string receiver_filter;
  if (sender.kind == wave::acl::ConversationKind::private_chat) {
    if (!sender.group.empty() || !wave::acl::is_valid_user_id(sender.recipient)) std::abort();
    if (topic != "conversations/private/" + sender.sender + "/" + sender.recipient) std::abort();
    patterns = wave::acl::private_patterns(sender.sender);
    receiver_filter = wave::acl::private_patterns(sender.recipient).subscribe.at(0);
  } else {
    if (!sender.recipient.empty() || !wave::acl::is_valid_group_id(sender.group)) std::abort();
    if (topic != "conversations/group/" + sender.group + "/" + sender.sender) std::abort();
    patterns = wave::acl::group_patterns(sender.group, sender.sender);
    receiver_filter = patterns.subscribe.at(0);
  }
  const wave::acl::Authorizer authorizer(patterns.publish, patterns.subscribe);
  if (!authorizer.may_publish(topic)) std::abort();
  if (wave::topic::matches(receiver_filter, topic) != wave::topic::Answer::yes) std::abort();
  return 0;
}
