#pragma once
// The only code that talks to the outside world (processes, PostgreSQL, GnuPG) sits behind
// these interfaces, so unit tests can substitute fakes. Files are read through src/host/files.hpp.

namespace preflight::host {

class ProcessRunner;  // src/host/process.hpp
class PgConnector;    // src/host/pg.hpp
class GpgKeyring;     // src/host/gpg.hpp

/// The host probes available to a run. A null member means "not available in this run";
/// a check needing it reports `error`.
struct Host {
    ProcessRunner* processes = nullptr;
    PgConnector* postgres = nullptr;
    GpgKeyring* gnupg = nullptr;
};

}  // namespace preflight::host
