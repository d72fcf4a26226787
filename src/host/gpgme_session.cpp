#include "src/host/gpgme_session.hpp"

#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>

#include "src/host/gpg.hpp"

namespace preflight::host {

std::string gpgme_error_text(gpgme_error_t error) {
    return std::string(gpgme_strerror(error)) + " (" + gpgme_strsource(error) + ")";
}

GpgmeSession::GpgmeSession(const std::string& gpg_binary, const std::string& homedir,
                           const std::string& named_homedir)
    : homedir_(named_homedir) {
    if (gpg_binary.empty())
        throw GpgError("gpg was not found on PATH, so GnuPG homedir " + named_homedir +
                       " cannot be read; install GnuPG (apt-get install gnupg) or set PREFLIGHT_GPG_BINARY");
    initialise_gpgme();
    gpgme_ctx_t raw = nullptr;
    if (gpgme_error_t error = gpgme_new(&raw))
        throw GpgError("could not create a GPGME context: " + gpgme_error_text(error));
    context_.reset(raw);
    gpgme_error_t error = gpgme_set_protocol(raw, GPGME_PROTOCOL_OpenPGP);
    if (!error)
        error = gpgme_ctx_set_engine_info(raw, GPGME_PROTOCOL_OpenPGP,
                                          gpg_binary.empty() ? nullptr : gpg_binary.c_str(),
                                          homedir.c_str());
    if (error)
        throw GpgError("GPGME cannot use gpg at " + gpg_binary + " with homedir " + named_homedir + ": " +
                       gpgme_error_text(error) +
                       (gpg_err_code(error) == GPG_ERR_INV_ENGINE ? "; GPGME also needs a gpg on PATH" : ""));
    // Nothing may ever wait for a person: a passphrase request fails instead of prompting.
    if ((error = gpgme_set_pinentry_mode(raw, GPGME_PINENTRY_MODE_LOOPBACK)))
        throw GpgError("GPGME cannot disable pinentry prompts: " + gpgme_error_text(error));
    gpgme_set_offline(raw, 1);
    gpgme_io_cbs callbacks{&GpgmeSession::add_watch, this, &GpgmeSession::remove_watch,
                           &GpgmeSession::on_event, this};
    gpgme_set_io_cbs(raw, &callbacks);
}

gpgme_error_t GpgmeSession::finish(std::chrono::steady_clock::time_point deadline) {
    watches_.remove_if([](const Watch& watch) { return !watch.active; });
    std::vector<pollfd> fds;
    std::vector<Watch*> owners;
    while (!done_) {
        auto now = std::chrono::steady_clock::now();
        if (now >= deadline) {
            // A hung gpg or gpg-agent never closes its pipes; cancelling closes ours.
            gpgme_cancel(context_.get());
            throw GpgTimeout(homedir_);
        }
        fds.clear();
        owners.clear();
        for (auto& watch : watches_) {
            if (!watch.active) continue;
            fds.push_back({watch.fd, static_cast<short>(watch.read ? POLLIN : POLLOUT), 0});
            owners.push_back(&watch);
        }
        if (fds.empty()) {
            // Every descriptor is gone but GPGME never said the operation ended: fail closed.
            result_ = gpg_error(GPG_ERR_INTERNAL);
            break;
        }
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count() + 1;
        int timeout = static_cast<int>(std::min<long long>(left, INT_MAX));
        int ready = ::poll(fds.data(), fds.size(), timeout);
        if (ready < 0) {
            if (errno == EINTR) continue;
            std::string reason = std::strerror(errno);
            gpgme_cancel(context_.get());
            throw GpgError("waiting for gpg failed: " + reason + " (homedir " + homedir_ + ")");
        }
        for (std::size_t i = 0; i < fds.size() && !done_; ++i)
            if (fds[i].revents != 0 && owners[i]->active)
                owners[i]->handler(owners[i]->handler_data, owners[i]->fd);
    }
    return result_;
}

std::vector<GpgmeKey> GpgmeSession::take_keys() {
    std::vector<GpgmeKey> keys;
    keys.swap(keys_);
    return keys;
}

gpgme_error_t GpgmeSession::add_watch(void* self, int fd, int dir, gpgme_io_cb_t handler,
                                      void* handler_data, void** tag) {
    auto* session = static_cast<GpgmeSession*>(self);
    session->watches_.push_back(Watch{fd, dir != 0, handler, handler_data, true});
    *tag = &session->watches_.back();
    return 0;
}

void GpgmeSession::remove_watch(void* tag) { static_cast<Watch*>(tag)->active = false; }

void GpgmeSession::on_event(void* self, gpgme_event_io_t type, void* type_data) {
    auto* session = static_cast<GpgmeSession*>(self);
    switch (type) {
        case GPGME_EVENT_START:
            session->done_ = false;
            session->result_ = 0;
            break;
        case GPGME_EVENT_DONE: {
            auto* done = static_cast<gpgme_io_event_done_data_t>(type_data);
            session->done_ = true;
            session->result_ = done ? (done->err ? done->err : done->op_err) : 0;
            break;
        }
        case GPGME_EVENT_NEXT_KEY:
            session->keys_.emplace_back(static_cast<gpgme_key_t>(type_data));
            break;
        default:
            break;
    }
}

}  // namespace preflight::host
