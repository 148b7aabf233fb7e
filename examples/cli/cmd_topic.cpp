#include "cli_util.hpp"
int cmd_topic(int, char**) { std::fputs("wave topic: not built yet\n", stderr); return cli::kInvalid; }
int cmd_acl(int, char**) { std::fputs("wave acl: not built yet\n", stderr); return cli::kInvalid; }
