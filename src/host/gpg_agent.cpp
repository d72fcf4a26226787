#include "src/host/gpg_agent.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "src/host/gpg.hpp"
#include "src/host/gpgme_session.hpp"

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

// The directory gpgconf says gpg-agent's sockets for `homedir` are in.
std::string agent_socket_directory(const std::string& homedir) {
    initialise_gpgme();
    gpgme_ctx_t raw = nullptr;
    if (gpgme_error_t error = gpgme_new(&raw))
        throw GpgError("could not create a GPGME context: " + gpgme_error_text(error));
    GpgmeContext context(raw);
    gpgme_error_t error = gpgme_set_protocol(raw, GPGME_PROTOCOL_GPGCONF);
    if (!error) error = gpgme_ctx_set_engine_info(raw, GPGME_PROTOCOL_GPGCONF, nullptr, homedir.c_str());
    char* socket_dir = nullptr;
    if (!error) error = gpgme_op_conf_dir(raw, "socketdir", &socket_dir);
    if (error || !socket_dir)
        throw GpgError("gpgconf could not tell where gpg-agent's socket for homedir " + homedir +
                       " is" + (error ? ": " + gpgme_error_text(error) : std::string()) +
                       ", so the secret key cannot be looked for");
    std::string directory = percent_unescape(socket_dir);
    gpgme_free(socket_dir);
    return directory;
}

}  // namespace

std::size_t max_agent_socket_path() { return sizeof(sockaddr_un{}.sun_path) - 2; }

void require_agent_socket_fits(const std::string& homedir) {
    std::string directory = agent_socket_directory(homedir);
    // The longest of the names gpg-agent listens on; it exits when any of them does not fit.
    std::string longest = directory + "/S.gpg-agent.browser";
    if (longest.size() > max_agent_socket_path())
        throw GpgError("GnuPG homedir " + homedir + " is too long for gpg-agent's socket (" +
                       std::to_string(longest.size()) + " characters in " + longest +
                       ", at most " + std::to_string(max_agent_socket_path()) +
                       "), so gpg cannot tell whether the secret key is present; use a shorter "
                       "homedir path");
}

void require_agent_listening(const std::string& homedir) {
    std::string socket_path = agent_socket_directory(homedir) + "/S.gpg-agent";
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
