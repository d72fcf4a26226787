#include "reports/report_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "src/unique_fd.hpp"

namespace preflight {

namespace {

std::string quoted(const std::string& text) { return "\"" + text + "\""; }

}  // namespace

std::optional<nlohmann::json> read_report_document(const std::string& path, std::string& error, bool& unreadable) {
    unreadable = true;
    const std::string cannot = "cannot read report " + quoted(path) + ": ";
    // O_NONBLOCK: opening a FIFO without a writer would otherwise wait for ever; fstat then refuses it.
    const UniqueFd file(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
    if (file.get() < 0) {
        error = cannot + std::strerror(errno);
        return std::nullopt;
    }
    struct stat facts {};
    if (::fstat(file.get(), &facts) != 0) {
        error = cannot + std::strerror(errno);
        return std::nullopt;
    }
    if (S_ISDIR(facts.st_mode)) {
        error = cannot + "it is a directory";
        return std::nullopt;
    }
    if (!S_ISREG(facts.st_mode)) {
        error = cannot + "not a regular file";
        return std::nullopt;
    }
    if (static_cast<unsigned long long>(facts.st_size) > kMaxReportFileBytes) {
        error = cannot + "larger than 64 MiB";
        return std::nullopt;
    }
    std::string content;
    content.reserve(static_cast<size_t>(facts.st_size));
    char buffer[65536];
    for (;;) {
        const ssize_t got = ::read(file.get(), buffer, sizeof buffer);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) {
            error = cannot + "read error";
            return std::nullopt;
        }
        if (got == 0) break;
        content.append(buffer, static_cast<size_t>(got));
        // The file may grow after fstat.
        if (content.size() > kMaxReportFileBytes) {
            error = cannot + "larger than 64 MiB";
            return std::nullopt;
        }
    }
    unreadable = false;
    try {
        return nlohmann::json::parse(content);
    } catch (const nlohmann::json::parse_error& e) {
        std::string what = e.what();
        if (const size_t bracket = what.find("] "); what.rfind("[json.exception", 0) == 0 && bracket != std::string::npos) {
            what.erase(0, bracket + 2);
        }
        error = path + ": not valid JSON: " + what;
        return std::nullopt;
    }
}

}  // namespace preflight
