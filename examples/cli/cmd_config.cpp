#include "cli_util.hpp"
int cmd_uuid(int, char**) { return cli::kInvalid; }
int cmd_config(int, char**) { return cli::kInvalid; }
int cmd_token(int, char**) { return cli::kInvalid; }
