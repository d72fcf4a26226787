// The host layer probes; it does not know the check contract, the kinds or the renderers.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace {

// `#include "..."` lines of every source file under src/host/.
std::vector<std::string> host_includes() {
    std::vector<std::string> found;
    const std::filesystem::path dir = std::filesystem::path(PREFLIGHT_SOURCE_DIR) / "src" / "host";
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        std::ifstream in(entry.path());
        std::string line;
        while (std::getline(in, line))
            if (line.rfind("#include \"", 0) == 0)
                found.push_back(entry.path().filename().string() + ": " + line);
    }
    return found;
}

}  // namespace

TEST_CASE("src/host/ includes neither the check contract nor checks/ nor reports/") {
    const auto includes = host_includes();
    REQUIRE(!includes.empty());
    for (const auto& line : includes) {
        INFO(line);
        CHECK(line.find("\"src/check") == std::string::npos);
        CHECK(line.find("\"checks/") == std::string::npos);
        CHECK(line.find("\"reports/") == std::string::npos);
    }
}
