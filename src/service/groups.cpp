// Groups: membership in the directory store, and the group patterns each member's
// vmq_acl_auth document carries.  Memberships first, then patterns; the order that keeps a
// concurrent removal or delete from being undone is argued in docs/service.md, "Group
// patterns".
#include <unordered_set>

#include "common/error.hpp"
#include "crypto/uuid.hpp"
#include "service/service_state.hpp"

namespace wave {

using service_detail::check_app_user_id;
using service_detail::check_group_id;
using service_detail::check_group_name;
using service_detail::check_id_count;
using service_detail::contains;

namespace {

// Rounds of settle_membership: each extra round means another process changed the same
// membership meanwhile, so this bounds only a pathological storm.
constexpr int kMaxSettleRounds = 8;

bool is_member(const std::optional<Group>& group, const std::string& member) {
  return group && contains(group->members, member);
}

// The key of one (group, member) sequence in Impl::membership_locks ('\n' is in neither ID).
std::string membership_key(const std::string& group_id, const std::string& member) { return group_id + '\n' + member; }

}  // namespace

Group Service::Impl::group_or_throw(std::string_view group_id) {
  auto group = directory->find_group(group_id);
  if (!group) fail(WAVE_ERR_NOT_FOUND, "no such group");
  return std::move(*group);
}

// What every owner-only membership change checks first: valid IDs, the caller owns the
// group, and the app user has an internal ID.  Returns the group and the member's ID.
std::pair<Group, std::string> Service::Impl::owner_change(std::string_view token, std::string_view group_id,
                                                          std::string_view app_user_id, const char* action) {
  check_group_id(group_id);
  check_app_user_id(app_user_id, WAVE_ERR_INVALID_ARGUMENT, "an app user ID");
  const std::string me = caller(token);
  Group group = group_or_throw(group_id);
  if (group.owner != me) fail(WAVE_ERR_DENIED, std::string("only the group's owner can ") + action);
  std::string member = internal_id_of(app_user_id);
  return {std::move(group), std::move(member)};
}

// Adds the group patterns of `members`, then reads the group again and withdraws the
// patterns of whoever is no longer a member.  False when the group is gone.
bool Service::Impl::grant_group(const std::string& group_id, const std::vector<std::string>& members) {
  for (const auto& member : members) {
    const acl::Patterns patterns = acl::group_patterns(group_id, member);
    add_patterns(member, patterns.publish, patterns.subscribe);
  }
  const auto group = directory->find_group(group_id);
  std::unordered_set<std::string_view> current;  // O(1) per member: a group may have thousands
  if (group) current.insert(group->members.begin(), group->members.end());
  for (const auto& member : members)
    if (!current.contains(member)) withdraw_group(group_id, member);
  return group.has_value();
}

// Why reading again until two reads agree makes concurrent processes converge: the last
// pattern write of all was followed by a read that agreed with it, and any membership change
// after that read would have been followed by its own pattern write (docs/service.md, "Add
// and remove of one member").  Not converging within the bound fails closed: withdrawn.
bool Service::Impl::settle_membership(const std::string& group_id, const std::string& member) {
  bool member_now = is_member(directory->find_group(group_id), member);
  for (int round = 0; round < kMaxSettleRounds; ++round) {
    if (member_now) {
      const acl::Patterns patterns = acl::group_patterns(group_id, member);
      add_patterns(member, patterns.publish, patterns.subscribe);
    } else {
      withdraw_group(group_id, member);
    }
    const bool member_again = is_member(directory->find_group(group_id), member);
    if (member_again == member_now) return member_now;
    member_now = member_again;
  }
  withdraw_group(group_id, member);
  return false;
}

void Service::Impl::check_group_count(const std::string& member, const char* whose) {
  const std::int64_t groups = directory->count_groups_of(member);
  if (groups >= config.max_groups_per_user)
    fail(WAVE_ERR_CONFLICT, std::string(whose) + " already belongs to " + std::to_string(groups) +
                                " groups, the limit (maxGroupsPerUser)");
}

void Service::Impl::withdraw_group(const std::string& group_id, const std::string& member) {
  const acl::Patterns patterns = acl::group_patterns(group_id, member);
  remove_patterns(member, patterns.publish, patterns.subscribe);
}

GroupCreation Service::create_group(std::string_view token, std::string_view name,
                                    const std::vector<std::string>& member_app_user_ids) {
  check_group_name(name);
  check_id_count(member_app_user_ids.size(), "members");
  for (const auto& id : member_app_user_ids) check_app_user_id(id, WAVE_ERR_INVALID_ARGUMENT, "a member's app user ID");
  const std::string owner = impl_->caller(token);
  impl_->take_rate_token("groups:" + owner, impl_->config.group_creations_per_hour,
                         impl_->config.group_creations_per_hour, "group creations (groupCreationsPerHour)");
  const auto ids = impl_->internal_ids_of(member_app_user_ids);

  GroupCreation creation;
  creation.group.id = uuid_v4();
  creation.group.name = std::string(name);
  creation.group.owner = owner;
  creation.group.members.push_back(owner);
  std::vector<std::string> unknown;
  std::vector<std::string> members;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (!ids[i])
      unknown.push_back(member_app_user_ids[i]);
    else
      members.push_back(*ids[i]);
  }
  acl::add_to_set(creation.unknown_app_user_ids, unknown);
  acl::add_to_set(creation.group.members, members);
  // The limits (checked before anything is written; concurrent requests may overshoot
  // them by their number, docs/service.md): the group's size, then everyone's group count.
  if (static_cast<std::int64_t>(creation.group.members.size()) > impl_->config.max_group_members)
    fail(WAVE_ERR_CONFLICT, "a group has at most " + std::to_string(impl_->config.max_group_members) +
                                " members, the owner included (maxGroupMembers)");
  impl_->check_group_count(owner, "you");
  for (std::size_t i = 1; i < creation.group.members.size(); ++i)
    impl_->check_group_count(creation.group.members[i], "a requested member");
  impl_->directory->insert_group(creation.group);
  // Memberships first, then patterns: an interruption leaves patterns missing, which the
  // member's next login (or a repeated add) restores, never patterns without a membership.
  if (!impl_->grant_group(creation.group.id, creation.group.members))
    fail(WAVE_ERR_NOT_FOUND, "the group was deleted while it was being created");
  return creation;
}

bool Service::add_group_member(std::string_view token, std::string_view group_id, std::string_view app_user_id) {
  const auto [group, member] = impl_->owner_change(token, group_id, app_user_id, "add members");
  if (!contains(group.members, member)) {
    if (static_cast<std::int64_t>(group.members.size()) >= impl_->config.max_group_members)
      fail(WAVE_ERR_CONFLICT, "the group already has " + std::to_string(group.members.size()) +
                                  " members, the limit (maxGroupMembers)");
    impl_->check_group_count(member, "this user");
  }
  service_detail::KeyedLocks::Guard guard(impl_->membership_locks, membership_key(group.id, member));
  const bool added = impl_->directory->add_group_member(group.id, member);
  if (!added && !contains(group.members, member)) fail(WAVE_ERR_NOT_FOUND, "no such group (it was just deleted)");
  impl_->settle_membership(group.id, member);
  if (!impl_->directory->find_group(group.id)) fail(WAVE_ERR_NOT_FOUND, "no such group (it was just deleted)");
  return added;
}

bool Service::remove_group_member(std::string_view token, std::string_view group_id, std::string_view app_user_id) {
  const auto [group, member] = impl_->owner_change(token, group_id, app_user_id, "remove members");
  if (member == group.owner)
    fail(WAVE_ERR_CONFLICT, "the owner cannot be removed from the group: delete the group instead");
  service_detail::KeyedLocks::Guard guard(impl_->membership_locks, membership_key(group.id, member));
  const bool removed = impl_->directory->remove_group_member(group.id, member);
  impl_->settle_membership(group.id, member);
  return removed;
}

void Service::leave_group(std::string_view token, std::string_view group_id) {
  check_group_id(group_id);
  const std::string me = impl_->caller(token);
  const Group group = impl_->group_or_throw(group_id);
  if (!contains(group.members, me)) fail(WAVE_ERR_NOT_FOUND, "you are not a member of this group");
  if (group.owner == me) fail(WAVE_ERR_CONFLICT, "the owner cannot leave the group: delete it instead");
  service_detail::KeyedLocks::Guard guard(impl_->membership_locks, membership_key(group.id, me));
  impl_->directory->remove_group_member(group.id, me);
  impl_->settle_membership(group.id, me);
}

void Service::delete_group(std::string_view token, std::string_view group_id) {
  check_group_id(group_id);
  const std::string me = impl_->caller(token);
  const Group group = impl_->group_or_throw(group_id);
  if (group.owner != me) fail(WAVE_ERR_DENIED, "only the group's owner can delete it");
  // Patterns first, then the group, then the patterns of the group as it went: see
  // docs/service.md, "Deleting a group".
  for (const auto& member : group.members) impl_->withdraw_group(group.id, member);
  const auto deleted = impl_->directory->delete_group(group.id);
  if (!deleted) fail(WAVE_ERR_NOT_FOUND, "no such group");
  for (const auto& member : deleted->members) impl_->withdraw_group(group.id, member);
}

std::vector<Group> Service::list_groups(std::string_view token) {
  const std::string me = impl_->caller(token);
  return impl_->directory->groups_of(me);
}

Group Service::group_members(std::string_view token, std::string_view group_id) {
  check_group_id(group_id);
  const std::string me = impl_->caller(token);
  Group group = impl_->group_or_throw(group_id);
  if (!contains(group.members, me)) fail(WAVE_ERR_DENIED, "only members can list a group's members");
  return group;
}

}  // namespace wave
