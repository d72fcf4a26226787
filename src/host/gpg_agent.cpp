#include "src/host/gpg_agent.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "src/host/gpg.hpp"
#include "src/host/process.hpp"

namespace preflight::host {

namespace {

// gpgconf percent-escapes characters such as ':' in the paths it lists.
std::string percent_unescape(const std::string& text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '%' && i + 2 < text.size() && std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
            std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
            out += static_cast<char>(std::strtol(text.substr(i + 1, 2).c_str(), nullptr, 16));
            i += 2;
        } else {
            out += text[i];
        }
    }
    return out;
}

}  // namespace

std::string gpgconf_for(const std::string& gpg_binary) {
    const auto slash = gpg_binary.rfind('/');
    if (slash != std::string::npos)
        if (auto beside = find_in_path(gpg_binary.substr(0, slash + 1) + "gpgconf", "")) return *beside;
    return find_on_own_path("gpgconf").value_or("");
}

std::string agent_socket_directory(const std::string& gpgconf, const std::string& homedir,
                                   std::chrono::steady_clock::time_point deadline) {
    const std::string cannot_tell = "gpgconf could not tell where gpg-agent's socket for homedir " + homedir + " is";
    const std::string consequence = ", so the secret key cannot be looked for";
    if (gpgconf.empty()) throw GpgError(cannot_tell + ": gpgconf was not found on PATH" + consequence);
    ProcessRequest request;
    request.argv = {gpgconf, "--homedir", homedir, "--list-dirs", "socketdir"};
    request.environment = own_environment();
    request.deadline = deadline;
    request.max_output_bytes = 4096;
    ProcessResult result = SystemProcessRunner().run(request);
    if (result.timed_out) throw GpgTimeout(homedir);
    std::string directory = result.stdout_text.substr(0, result.stdout_text.find('\n'));
    if (!result.started) throw GpgError(cannot_tell + ": " + gpgconf + ": " + result.spawn_error + consequence);
    if (result.exit_code != 0 || directory.empty()) {
        std::string why = result.exit_code ? "it exited with status " + std::to_string(*result.exit_code)
                                           : "it was killed by signal " + std::to_string(result.term_signal.value_or(0));
        if (result.exit_code == 0) why = "it printed no directory";
        throw GpgError(cannot_tell + ": " + why + consequence);
    }
    return percent_unescape(directory);
}

std::size_t max_agent_socket_path() { return sizeof(sockaddr_un{}.sun_path) - 2; }

void require_agent_socket_fits(const std::string& homedir, const std::string& directory) {
    // The longest of the names gpg-agent listens on; it exits when any of them does not fit.
    std::string longest = directory + "/S.gpg-agent.browser";
    if (longest.size() > max_agent_socket_path())
        throw GpgError("GnuPG homedir " + homedir + " is too long for gpg-agent's socket (" +
                       std::to_string(longest.size()) + " characters in " + longest +
                       ", at most " + std::to_string(max_agent_socket_path()) +
                       "), so gpg cannot tell whether the secret key is present; use a shorter "
                       "homedir path");
}

void require_agent_listening(const std::string& homedir, const std::string& socket_dir) {
    std::string socket_path = socket_dir + "/S.gpg-agent";
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) throw GpgError("cannot make a socket to reach gpg-agent: " + std::string(std::strerror(errno)));
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, socket_path.c_str(), sizeof address.sun_path - 1);
    int rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address);
    int error = rc == 0 ? 0 : errno;
    ::close(fd);
    // EAGAIN: the agent's backlog is full, so it listens. A connection is dropped unused.
    if (rc == 0 || error == EAGAIN || error == EINPROGRESS) return;
    throw GpgError("gpg could not reach gpg-agent for GnuPG homedir " + homedir + " (" + socket_path + ": " +
                   std::strerror(error) + "), so it cannot tell whether the secret key is present; "
                   "check that gpg-agent is installed and starts: gpg-connect-agent --homedir " + homedir + " /bye");
}

}  // namespace preflight::host
