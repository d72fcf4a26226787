#include <iostream>

#include "src/cli.hpp"

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    return preflight::run_cli(args, std::cout, std::cerr);
}
