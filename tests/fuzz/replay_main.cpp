// Replays fuzz inputs through a fuzz target without libFuzzer, so that the seed corpus and
// every crash ever found run in the ordinary test suite with the ordinary compiler.
// Usage: replay_NAME CORPUS_DIR [MORE_DIRS...]. The first directory must hold at least one
// input (a replay of nothing would pass without testing anything); the others may be absent.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace fs = std::filesystem;

namespace {

std::vector<fs::path> inputs_in(const fs::path& dir) {
    std::vector<fs::path> files;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec))
        if (entry.is_regular_file(ec)) files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    return files;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s CORPUS_DIR [MORE_DIRS...]\n", argv[0]);
        return 64;
    }
    int replayed = 0;
    for (int i = 1; i < argc; ++i) {
        const auto files = inputs_in(argv[i]);
        if (i == 1 && files.empty()) {
            std::fprintf(stderr, "%s: no inputs in %s\n", argv[0], argv[1]);
            return 1;
        }
        for (const auto& file : files) {
            // Named before it runs: if it crashes, the last line says which input did it.
            std::fprintf(stderr, "replay %s\n", file.c_str());
            std::ifstream in(file, std::ios::binary);
            std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
            LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
            ++replayed;
        }
    }
    std::fprintf(stderr, "replayed %d inputs\n", replayed);
    return 0;
}
