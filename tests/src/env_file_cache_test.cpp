// EnvFileCache: each env file a run's checks name is read and parsed once, and every check of
// the run sees that one snapshot.
#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "src/env_file_cache.hpp"
#include "support/file_fixtures.hpp"

using preflight::EnvFileCache;
using preflight::ParsedEnvFile;

TEST_CASE("EnvFileCache: a path is parsed once, and later checks see that snapshot") {
    preflight::testing::TempDir dir;
    const std::string path = dir.write("app.env", "TOKEN=first\n");
    EnvFileCache cache;
    auto first = cache.get(path);
    dir.write("app.env", "TOKEN=second\nOTHER=x\n");
    auto again = cache.get(path);
    CHECK(again == first);
    CHECK(again->value("TOKEN") == "first");
    CHECK_FALSE(again->value("OTHER").has_value());
    // Another cache (another run) reads the file as it is now.
    EnvFileCache next_run;
    CHECK(next_run.get(path)->value("TOKEN") == "second");
}

TEST_CASE("EnvFileCache: distinct paths are distinct files, errors included") {
    preflight::testing::TempDir dir;
    const std::string a = dir.write("a.env", "NAME=a\n");
    const std::string b = dir.write("b.env", "NAME=b\n");
    EnvFileCache cache;
    CHECK(cache.get(a)->value("NAME") == "a");
    CHECK(cache.get(b)->value("NAME") == "b");
    auto missing = cache.get(dir.file("missing.env"));
    REQUIRE(missing->errors.size() == 1);
    CHECK(missing->errors[0].to_string() ==
          dir.file("missing.env") + ": cannot read env file: no such file");
    CHECK(cache.get(dir.file("missing.env")) == missing);
}

TEST_CASE("EnvFileCache: checks asking at once all get the one parse") {
    preflight::testing::TempDir dir;
    std::string text;
    for (int i = 0; i < 2000; ++i) text += "VAR_" + std::to_string(i) + "=value-" + std::to_string(i) + "\n";
    const std::string path = dir.write("big.env", text);
    EnvFileCache cache;
    std::vector<std::shared_ptr<const ParsedEnvFile>> seen(8);
    std::vector<std::thread> threads;
    for (size_t i = 0; i < seen.size(); ++i)
        threads.emplace_back([&, i] { seen[i] = cache.get(path); });
    for (auto& thread : threads) thread.join();
    for (const auto& parsed : seen) CHECK(parsed == seen[0]);
    CHECK(seen[0]->entries.size() == 2000);
    CHECK(seen[0]->value("VAR_1999") == "value-1999");
}

TEST_CASE("EnvFileCache: ${VAR} the file does not define comes from the lookup it was given") {
    preflight::testing::TempDir dir;
    const std::string path = dir.write("ref.env", "URL=http://${HOST_NAME}/\n");
    EnvFileCache cache([](const std::string& name) -> std::optional<std::string> {
        if (name == "HOST_NAME") return std::string("db.example.org");
        return std::nullopt;
    });
    CHECK(cache.get(path)->value("URL") == "http://db.example.org/");
}
