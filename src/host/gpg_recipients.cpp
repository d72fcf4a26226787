// Who an OpenPGP message is encrypted to, without decrypting it: gpg tries to decrypt the file
// in an empty temporary homedir, where no key can decrypt anything, and tells on its status
// channel which key ids the session keys are for, whether a passphrase is asked for, and
// whether the file is OpenPGP at all.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <random>
#include <string_view>

#include "src/host/files.hpp"
#include "src/host/gpg.hpp"
#include "src/host/gpg_homedir.hpp"
#include "src/host/gpgme_session.hpp"
#include "src/unique_fd.hpp"

namespace preflight::host {

GpgMessageFacts GpgKeyring::read_message(const std::string& path, std::chrono::steady_clock::time_point) const {
    throw GpgError("reading the OpenPGP message " + path + " is not available in this run");
}

namespace {

std::string lowercase_first(std::string text) {
    if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
    return text;
}

std::string not_regular(mode_t mode) {
    FileType type = S_ISDIR(mode)    ? FileType::directory
                    : S_ISFIFO(mode) ? FileType::fifo
                    : S_ISSOCK(mode) ? FileType::socket
                    : S_ISCHR(mode)  ? FileType::char_device
                    : S_ISBLK(mode)  ? FileType::block_device
                                     : FileType::symlink;
    return "not a regular file (it is " + std::string(describe(type)) + ")";
}

std::string random_hex(std::size_t count) {
    std::random_device device;
    std::string text;
    for (std::size_t i = 0; i < count; ++i) text += "0123456789abcdef"[device() & 0xF];
    return text;
}

std::string format_of(std::string_view head) {
    if (!head.empty() && (static_cast<unsigned char>(head[0]) & 0x80) != 0) return "binary";
    constexpr std::string_view armor = "-----BEGIN PGP MESSAGE-----";
    for (std::size_t at = head.find(armor); at != std::string_view::npos; at = head.find(armor, at + 1))
        if (at == 0 || head[at - 1] == '\n') return "ASCII-armored";
    return "text";
}

// What gpg says on its status channel (GPGME's "full-status" callback), and what it writes.
struct StatusRecord {
    GpgMessageFacts* facts = nullptr;
    int enc_to_lines = 0;
    bool any_line = false;
};

gpgme_error_t on_status(void* opaque, const char* keyword, const char* args) {
    auto* record = static_cast<StatusRecord*>(opaque);
    std::string_view word = keyword ? keyword : "";
    std::string_view rest = args ? args : "";
    record->any_line = true;
    GpgMessageFacts& facts = *record->facts;
    if (word == "ENC_TO") ++record->enc_to_lines;
    else if (word == "NEED_PASSPHRASE_SYM") ++facts.passphrase_session_keys;
    else if (word == "BEGIN_DECRYPTION") ++facts.encrypted_data_packets;
    else if (word == "PLAINTEXT") facts.literal_data = true;
    else if (word == "NODATA" && (rest.starts_with("1") || rest.starts_with("2"))) facts.no_openpgp_data = true;
    else if (word == "NODATA" && rest.starts_with("3")) facts.invalid_packet = true;
    return 0;
}

// A symmetric message must never wait for a passphrase: there is none to give.
gpgme_error_t refuse_passphrase(void*, const char*, const char*, int, int) {
    return gpg_error(GPG_ERR_CANCELED);
}

// The output of the decrypt attempt: counted, never kept. Only unencrypted content can reach it.
ssize_t discard_output(void* handle, const void*, size_t size) {
    *static_cast<long long*>(handle) += static_cast<long long>(size);
    return static_cast<ssize_t>(size);
}
ssize_t read_nothing(void*, void*, size_t) { return 0; }

gpgme_data_cbs discarding_callbacks{read_nothing, discard_output, nullptr, nullptr};

// The regular file at `path`, opened without blocking; -1 with `facts.unreadable` set otherwise.
int open_regular(const std::string& path, GpgMessageFacts& facts) {
    // Look before opening: opening a device can have side effects.
    std::string error;
    auto seen = stat_path(path, true, error);
    if (!seen) {
        facts.unreadable = error;
        return -1;
    }
    if (!seen->exists) {
        facts.unreadable = "no such file";
        return -1;
    }
    if (seen->type != FileType::regular) {
        facts.unreadable = "not a regular file (it is " + std::string(describe(seen->type)) + ")";
        return -1;
    }
    // O_NONBLOCK: should the path be swapped for a FIFO after the look, open must not hang.
    int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        facts.unreadable = errno == EACCES || errno == EPERM ? "permission denied" : lowercase_first(std::strerror(errno));
        return -1;
    }
    struct stat info {};
    if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
        facts.unreadable = S_ISREG(info.st_mode) ? lowercase_first(std::strerror(errno)) : not_regular(info.st_mode);
        ::close(fd);
        return -1;
    }
    facts.size = static_cast<long long>(info.st_size);
    return fd;
}

}  // namespace

GpgMessageFacts GpgmeKeyring::read_message(const std::string& path,
                                           std::chrono::steady_clock::time_point deadline) const {
    GpgMessageFacts facts;
    facts.path = path;
    UniqueFd file(open_regular(path, facts));
    if (file.get() < 0 || facts.size == 0) return facts;

    char head[4096];
    ssize_t got = ::pread(file.get(), head, sizeof head, 0);
    if (got < 0) {
        facts.unreadable = lowercase_first(std::strerror(errno));
        return facts;
    }
    facts.format = format_of(std::string_view(head, static_cast<std::size_t>(got)));

    // No key and no gpg-agent (no-autostart): nothing there can decrypt, and no agent is left
    // behind. A passphrase-encrypted session key is tried with a random passphrase that gpg
    // takes from its options instead of asking anyone: it cannot open it, but gpg goes on to
    // the encrypted data as it would with the right one (asking the agent would end the
    // operation there, and what follows would be unknown).
    PrivateGpgHome empty_home(PrivateGpgHome::Empty{}, "no-autostart\npassphrase " + random_hex(32) + "\n");
    // The data objects outlive the session: a context may still refer to them until released.
    gpgme_data_t raw = nullptr;
    if (gpgme_error_t error = gpgme_data_new_from_fd(&raw, file.get()))
        throw GpgError("could not give " + path + " to GPGME: " + gpgme_error_text(error));
    GpgmeData message(raw);
    raw = nullptr;
    if (gpgme_error_t error = gpgme_data_new_from_cbs(&raw, &discarding_callbacks, &facts.literal_bytes))
        throw GpgError("could not create a GPGME data sink: " + gpgme_error_text(error));
    GpgmeData discarded(raw);

    StatusRecord record{&facts};
    GpgmeSession session(gpg_binary_, empty_home.path(), empty_home.path());
    gpgme_ctx_t context = session.context();
    if (gpgme_error_t error = gpgme_set_ctx_flag(context, "full-status", "1"))
        throw GpgError("GPGME cannot report gpg's status lines: " + gpgme_error_text(error));
    gpgme_set_status_cb(context, on_status, &record);
    gpgme_set_passphrase_cb(context, refuse_passphrase, nullptr);
    if (gpgme_error_t error = gpgme_op_decrypt_start(context, message.get(), discarded.get()))
        throw GpgError("could not start gpg to read " + path + ": " + gpgme_error_text(error));
    gpgme_error_t error = session.finish(deadline);
    facts.gpg_result = error ? gpgme_error_text(error) : "Success";
    // gpg always says something about a non-empty input; silence means it did not run.
    if (!record.any_line)
        throw GpgError("gpg could not read " + path + ": " + gpgme_error_text(error ? error : gpg_error(GPG_ERR_GENERAL)));

    if (gpgme_decrypt_result_t result = gpgme_op_decrypt_result(context))
        for (gpgme_recipient_t recipient = result->recipients; recipient; recipient = recipient->next) {
            std::string key_id = recipient->keyid ? recipient->keyid : "";
            for (char& c : key_id) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
            const char* algorithm = gpgme_pubkey_algo_name(recipient->pubkey_algo);
            facts.recipients.push_back({key_id, algorithm ? algorithm : "unknown"});
        }
    // Both come from gpg's ENC_TO lines; should they disagree, nothing can be concluded.
    if (static_cast<int>(facts.recipients.size()) != record.enc_to_lines)
        throw GpgError("GPGME reported " + std::to_string(facts.recipients.size()) + " recipients of " + path +
                       " but gpg named " + std::to_string(record.enc_to_lines));
    return facts;
}

}  // namespace preflight::host
