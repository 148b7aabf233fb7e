#include "cli_util.hpp"
int cmd_login(int, char**) { std::fputs("wave login: not built yet\n", stderr); return cli::kInvalid; }
int cmd_resolve(int, char**) { std::fputs("wave resolve: not built yet\n", stderr); return cli::kInvalid; }
int cmd_group(int, char**) { std::fputs("wave group: not built yet\n", stderr); return cli::kInvalid; }
int cmd_revoke(int, char**) { std::fputs("wave revoke: not built yet\n", stderr); return cli::kInvalid; }
