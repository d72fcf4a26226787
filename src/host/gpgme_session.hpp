#pragma once
// RAII around GPGME's C handles, and a context driven by our own poll loop so that every
// operation can be cancelled at a deadline (GPGME's own synchronous calls cannot be).
// Internal to src/host/gpg.cpp.
#include <gpgme.h>

#include <chrono>
#include <list>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

namespace preflight::host {

struct GpgmeKeyRelease {
    void operator()(gpgme_key_t key) const { gpgme_key_unref(key); }
};
struct GpgmeDataRelease {
    void operator()(gpgme_data_t data) const { gpgme_data_release(data); }
};
struct GpgmeContextRelease {
    void operator()(gpgme_ctx_t context) const { gpgme_release(context); }
};

using GpgmeKey = std::unique_ptr<std::remove_pointer_t<gpgme_key_t>, GpgmeKeyRelease>;
using GpgmeData = std::unique_ptr<std::remove_pointer_t<gpgme_data_t>, GpgmeDataRelease>;
using GpgmeContext = std::unique_ptr<std::remove_pointer_t<gpgme_ctx_t>, GpgmeContextRelease>;

/// "GPGME message (source)" for an error code.
std::string gpgme_error_text(gpgme_error_t error);

/// One OpenPGP context on one homedir, with loopback pinentry and I/O run by `finish`.
class GpgmeSession {
public:
    /// A context for `homedir` using `gpg_binary` (empty: there is no gpg, a GpgError saying
    /// so). Messages name `named_homedir`: the operator's homedir when gpg works in a private
    /// copy of it. Throws GpgError.
    GpgmeSession(const std::string& gpg_binary, const std::string& homedir, const std::string& named_homedir);
    GpgmeSession(const GpgmeSession&) = delete;
    GpgmeSession& operator=(const GpgmeSession&) = delete;

    gpgme_ctx_t context() const { return context_.get(); }

    /// Runs the operation started on context() until it is done and returns its error (0 on
    /// success). At `deadline` it cancels the operation and throws GpgTimeout.
    gpgme_error_t finish(std::chrono::steady_clock::time_point deadline);

    /// The keys a keylist operation delivered, in order; the session keeps none.
    std::vector<GpgmeKey> take_keys();

private:
    struct Watch {
        int fd = -1;
        bool read = true;
        gpgme_io_cb_t handler = nullptr;
        void* handler_data = nullptr;
        bool active = true;
    };

    static gpgme_error_t add_watch(void* self, int fd, int dir, gpgme_io_cb_t handler,
                                   void* handler_data, void** tag);
    static void remove_watch(void* tag);
    static void on_event(void* self, gpgme_event_io_t type, void* type_data);

    std::string homedir_;
    // Declared before the context: releasing a context with a pending operation calls
    // remove_watch, so the watches must outlive it.
    std::list<Watch> watches_;
    std::vector<GpgmeKey> keys_;
    bool done_ = false;
    gpgme_error_t result_ = 0;
    GpgmeContext context_;
};

}  // namespace preflight::host
