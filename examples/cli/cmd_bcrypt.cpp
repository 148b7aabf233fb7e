#include "cli_util.hpp"
int cmd_bcrypt(int, char**) { std::fputs("wave bcrypt: not built yet\n", stderr); return cli::kInvalid; }
