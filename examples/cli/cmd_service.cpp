// wave login | resolve | group | revoke: the Wave service from the command line.  The token
// is always read from stdin (never from the command line, where other users could see it).
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli_util.hpp"

namespace {

using cli::Exit;

// The service from the config, then the caller's token from stdin (read only once the
// config is good).
struct Session {
  cli::Owned<wave_service> service;
  std::optional<cli::Secret> token;

  // kOk, or the exit status after printing why not.
  Exit open(const std::string& config_path) {
    cli::Owned<wave_config> config;
    if (const Exit code = cli::load_config(config_path, config); code != Exit::kOk) return code;
    wave_service* raw = nullptr;
    if (const wave_status status = wave_service_new(config.get(), &raw); status != WAVE_OK)
      return cli::report("service", status);
    service.reset(raw);
    token.emplace();
    if (token->empty()) {
      std::fputs("wave: no token on stdin\n", stderr);
      return Exit::kNo;
    }
    return Exit::kOk;
  }
};

// Takes ownership of the handle a call returned, renders it with `to_json` and prints it;
// reports `status` (or the rendering's failure) as `what` instead when the call failed.
template <class T>
Exit print_result(const char* what, wave_status status, T* raw, wave_status (*to_json)(const T*, char**)) {
  if (status != WAVE_OK) return cli::report(what, status);
  const cli::Owned<T> owned(raw);
  char* json = nullptr;
  if (const wave_status s = to_json(owned.get(), &json); s != WAVE_OK) return cli::report(what, s);
  cli::print_wave_json(json);
  return Exit::kOk;
}

// {"groupID": ..., <key>: <value>} and, when given, "appUserID" before it.
void print_group_change(const std::string& group_id, const std::string* app_user_id, const char* key,
                        bool value) {
  cli::JsonOut json;
  json->StartObject();
  json->Key("groupID");
  json->String(group_id);
  if (app_user_id != nullptr) {
    json->Key("appUserID");
    json->String(*app_user_id);
  }
  json->Key(key);
  json->Bool(value);
  json->EndObject();
  json.print();
}

// ---- One function per service operation: the only place each C call is made ----------------

Exit login(const Session& s) {
  wave_credentials* raw = nullptr;
  const wave_status status = wave_service_login(s.service.get(), s.token->data(), s.token->size(), &raw);
  return print_result("login", status, raw, wave_credentials_to_json);
}

Exit resolve(const Session& s, const std::vector<std::string>& app_user_ids) {
  std::vector<const char*> ids;
  for (const auto& id : app_user_ids) ids.push_back(id.c_str());
  wave_resolution* raw = nullptr;
  const wave_status status =
      wave_service_resolve(s.service.get(), s.token->data(), s.token->size(), ids.data(), ids.size(), &raw);
  return print_result("resolve", status, raw, wave_resolution_to_json);
}

Exit group_create(const Session& s, const std::string& name, const std::vector<std::string>& members) {
  std::vector<const char*> ids;
  for (const auto& id : members) ids.push_back(id.c_str());
  wave_group_creation* raw = nullptr;
  const wave_status status = wave_service_group_create(s.service.get(), s.token->data(), s.token->size(),
                                                       name.c_str(), ids.data(), ids.size(), &raw);
  return print_result("group create", status, raw, wave_group_creation_to_json);
}

// add and remove: one shape, two calls.
using MemberChange = wave_status (*)(wave_service*, const uint8_t*, size_t, const char*, const char*, int*);

Exit change_member(const Session& s, MemberChange call, const char* what, const std::string& group_id,
                   const std::string& app_user_id) {
  int changed = 0;
  const wave_status status =
      call(s.service.get(), s.token->data(), s.token->size(), group_id.c_str(), app_user_id.c_str(), &changed);
  if (status != WAVE_OK) return cli::report(what, status);
  print_group_change(group_id, &app_user_id, "changed", changed != 0);
  return Exit::kOk;
}

Exit group_add(const Session& s, const std::string& group_id, const std::string& app_user_id) {
  return change_member(s, wave_service_group_add_member, "group add", group_id, app_user_id);
}

Exit group_remove(const Session& s, const std::string& group_id, const std::string& app_user_id) {
  return change_member(s, wave_service_group_remove_member, "group remove", group_id, app_user_id);
}

// leave and delete: one shape, two calls; `done` names the result ("left", "deleted").
using GroupEnd = wave_status (*)(wave_service*, const uint8_t*, size_t, const char*);

Exit end_membership(const Session& s, GroupEnd call, const char* what, const char* done,
                    const std::string& group_id) {
  const wave_status status = call(s.service.get(), s.token->data(), s.token->size(), group_id.c_str());
  if (status != WAVE_OK) return cli::report(what, status);
  print_group_change(group_id, nullptr, done, true);
  return Exit::kOk;
}

Exit group_leave(const Session& s, const std::string& group_id) {
  return end_membership(s, wave_service_group_leave, "group leave", "left", group_id);
}

Exit group_delete(const Session& s, const std::string& group_id) {
  return end_membership(s, wave_service_group_delete, "group delete", "deleted", group_id);
}

Exit group_list(const Session& s) {
  wave_group_list* raw = nullptr;
  const wave_status status = wave_service_group_list(s.service.get(), s.token->data(), s.token->size(), &raw);
  return print_result("group list", status, raw, wave_group_list_to_json);
}

Exit group_members(const Session& s, const std::string& group_id) {
  wave_group* raw = nullptr;
  const wave_status status =
      wave_service_group_members(s.service.get(), s.token->data(), s.token->size(), group_id.c_str(), &raw);
  return print_result("group members", status, raw, wave_group_to_json);
}

Exit revoke(const Session& s) {
  char* internal_id = nullptr;
  const wave_status status = wave_service_revoke(s.service.get(), s.token->data(), s.token->size(), &internal_id);
  if (status != WAVE_OK) return cli::report("revoke", status);
  cli::JsonOut json;
  json->StartObject();
  json->Key("revoked");
  json->Bool(true);
  json->Key("internalWaveUserID");
  json->String(internal_id);
  json->EndObject();
  wave_string_free(internal_id);
  json.print();
  return Exit::kOk;
}

// ---- The command line ----------------------------------------------------------------------

constexpr const char* kTokenNote =
    "The app token is read from stdin (one trailing newline is ignored); never give it as an\n"
    "argument.  Results are JSON on stdout; errors go to stderr.\n\n";

// What a service command's operands hold; its body runs with the opened session.
struct ServiceCommand {
  std::string config_path;
  std::vector<std::string> operands;  // one value per single operand, in declared order
  std::vector<std::string> repeated;  // the values of a last operand that repeats
  std::vector<std::string> members;   // group create --member
};

// A service command's name, what it does in a line, and what it prints in more words.
struct ServiceCommandText {
  const char* name;
  const char* summary;
  const char* details;
};

// An operand of a service command; all are required.
struct Operand {
  const char* name;
  const char* description;
  bool repeats = false;  // one or more values (the last operand only)
};

// Adds a service command: its operands, --config, and `body`, run with the session.
template <class Body>
CLI::App* add_service_command(cli::Commands& commands, CLI::App& parent, const ServiceCommandText& text,
                              const std::vector<Operand>& operands, Body body,
                              std::shared_ptr<ServiceCommand> state = std::make_shared<ServiceCommand>()) {
  CLI::App* command = commands.add_command(parent, text.name, text.summary);
  state->operands.resize(operands.size());  // once, before CLI11 binds to its elements
  for (std::size_t i = 0; i < operands.size(); ++i) {
    const Operand& operand = operands[i];
    CLI::Option* option = operand.repeats
                              ? command->add_option(operand.name, state->repeated, operand.description)
                              : command->add_option(operand.name, state->operands[i], operand.description);
    option->required()->type_name("");
  }
  cli::add_config_option(*command, state->config_path);
  command->footer(std::string(text.details) + (*text.details != '\0' ? "\n\n" : "") + kTokenNote +
                  cli::kExitCodesHelp);
  commands.on_run(command, [state, body] {
    Session session;
    if (const Exit code = session.open(state->config_path); code != Exit::kOk) return code;
    return body(session, *state);
  });
  return command;
}

}  // namespace

void add_service_commands(cli::Commands& commands) {
  CLI::App& root = commands.root();
  using State = ServiceCommand;
  const Operand gid{"GID", "the group ID"};
  const Operand app_user_id{"APPUSERID", "the app user ID"};

  add_service_command(
      commands, root,
      {"login", "log in with the token on stdin and print the MQTT credentials",
       "Prints the MQTT credentials as JSON: {\"internalWaveUserID\", \"clientID\", \"username\",\n"
       "\"password\", \"appUserID\", \"publishACL\": [...], \"subscribeACL\": [...], \"groups\": [...]}"},
      {}, [](const Session& s, const State&) { return login(s); });
  add_service_command(
      commands, root,
      {"resolve", "the internal IDs of known app users",
       "Prints [{\"appUserID\", \"internalWaveUserID\": \"...\" or null (never logged in)}, ...].\n"
       "The caller authenticates with its own token."},
      {{"APPUSERID", "app user IDs to look up", true}},
      [](const Session& s, const State& state) { return resolve(s, state.repeated); });

  CLI::App* group = commands.add_group(root, "group", "create and manage groups (the token identifies you)");
  group->footer(std::string("Every command takes --config FILE (default: $" WAVE_CONFIG_ENV ").\n") + kTokenNote +
                cli::kExitCodesHelp);
  auto create_state = std::make_shared<State>();
  CLI::App* create = add_service_command(
      commands, *group,
      {"create", "create a group: you own it and are a member",
       "Prints the group: {\"groupID\", \"name\", \"owner\", \"members\": [...],\n"
       "\"unknownAppUserIDs\": [...]} (the --member app users who never logged in)."},
      {{"NAME", "the group's name"}},
      [](const Session& s, const State& state) { return group_create(s, state.operands[0], state.members); },
      create_state);
  // One APPUSERID per --member, so that "--member a NAME" cannot take NAME as a member.
  create->add_option("--member", create_state->members, "add this app user too (repeatable)")
      ->type_name("APPUSERID")
      ->allow_extra_args(false);
  add_service_command(
      commands, *group,
      {"add", "add a member (owner only)", "Prints {\"groupID\", \"appUserID\", \"changed\": true|false}."},
      {gid, app_user_id},
      [](const Session& s, const State& state) { return group_add(s, state.operands[0], state.operands[1]); });
  add_service_command(
      commands, *group,
      {"remove", "remove a member (owner only)", "Prints {\"groupID\", \"appUserID\", \"changed\": true|false}."},
      {gid, app_user_id},
      [](const Session& s, const State& state) { return group_remove(s, state.operands[0], state.operands[1]); });
  add_service_command(commands, *group,
                      {"leave", "leave a group (not its owner)", "Prints {\"groupID\", \"left\": true}."}, {gid},
                      [](const Session& s, const State& state) { return group_leave(s, state.operands[0]); });
  add_service_command(commands, *group,
                      {"delete", "delete a group (owner only)", "Prints {\"groupID\", \"deleted\": true}."}, {gid},
                      [](const Session& s, const State& state) { return group_delete(s, state.operands[0]); });
  add_service_command(commands, *group,
                      {"list", "the groups you belong to", "Prints a JSON array of the groups, as members does."},
                      {}, [](const Session& s, const State&) { return group_list(s); });
  add_service_command(
      commands, *group,
      {"members", "a group and its members (members only)",
       "Prints the group: {\"groupID\", \"name\", \"owner\", \"members\": [...], ...}."},
      {gid}, [](const Session& s, const State& state) { return group_members(s, state.operands[0]); });

  add_service_command(
      commands, root,
      {"revoke", "end the session of the token on stdin",
       "Logs the token out: ends its session at once and replaces the broker password hash, so\n"
       "the old MQTT password stops working.  Prints {\"revoked\": true, \"internalWaveUserID\": \"...\"}.\n"
       "Exit status 1 when there is nothing to revoke."},
      {}, [](const Session& s, const State&) { return revoke(s); });
}
