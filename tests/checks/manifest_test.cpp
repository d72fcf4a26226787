// The `manifest` kind on real files: the streaming digest, hostile artifacts (FIFO, device,
// directory, a file too large for the timeout, a symlink), unreadable manifests, secrets.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>

#include "checks/manifest.hpp"
#include "src/host/files.hpp"
#include "support/fake_context.hpp"
#include "support/file_fixtures.hpp"

using namespace preflight;
using preflight::testing::FakeRunContext;
using preflight::testing::FieldsBuilder;
using preflight::testing::TempDir;

namespace {

// SHA-256 of "abc".
const std::string kDigest = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
const std::string kFpr = "0123456789ABCDEF0123456789ABCDEF01234567";

std::string sha256sum(const std::string& path) {
    std::string command = "sha256sum '" + path + "'";
    FILE* pipe = ::popen(command.c_str(), "r");
    REQUIRE(pipe);
    char buffer[128] = {};
    std::string out = std::fgets(buffer, sizeof buffer, pipe) ? buffer : "";
    ::pclose(pipe);
    return out.substr(0, 64);
}

struct Fixture {
    TempDir dir;
    FakeRunContext context;
    std::string artifact = dir.write("r1.sql.gpg", "abc", 0600);
    std::string manifest = dir.file("r1.envelope.json");

    Fixture() { context.env["FPR_SECRET"] = kFpr; }

    void write_manifest(const nlohmann::json& value) const {
        dir.write("r1.envelope.json", value.dump(2) + "\n", 0600);
    }
    // The envelope, naming `artifact_path` as its artifact.
    void write_manifest_for(const std::string& artifact_path) const {
        auto value = envelope();
        value["artifact_ref"] = artifact_path;
        write_manifest(value);
    }
    static nlohmann::json envelope() {
        return {{"sha256", kDigest}, {"size_bytes", 3}, {"gpg_fpr", kFpr}, {"artifact_ref", "r1.sql.gpg"}};
    }
    FieldsBuilder fields(const std::string& artifact_path) const {
        FieldsBuilder builder;
        builder.text("path", manifest)
            .text("artifact", artifact_path)
            .list("required", {"gpg_fpr"})
            .map("expect", {{"gpg_fpr", "${env.FPR_SECRET}"}});
        return builder;
    }
    Outcome run(const std::string& artifact_path) {
        auto builder = fields(artifact_path);
        auto check = builder.make(manifest_kind());
        REQUIRE(builder.errors.empty());
        REQUIRE(check);
        return check->run(context);
    }
    Outcome run() { return run(artifact); }
};

}  // namespace

TEST_CASE("manifest: an envelope written as the backup runner does matches its artifact") {
    Fixture f;
    f.write_manifest(Fixture::envelope());
    Outcome outcome = f.run();
    CHECK(outcome.status == Status::pass);
    CHECK(outcome.message == f.manifest + " describes " + f.artifact +
                                 " (3 bytes): sha256, size_bytes, artifact_ref, gpg_fpr checked");
    CHECK(outcome.observed["artifact_sha256"] == kDigest);
}

TEST_CASE("manifest: the streaming digest equals sha256sum over several chunks") {
    TempDir dir;
    std::string text;
    for (int i = 0; text.size() < 2'600'000; ++i) text += "line " + std::to_string(i) + "\n";
    std::string path = dir.write("big", text);
    auto digest = host::sha256_file(path, std::chrono::steady_clock::now() + std::chrono::seconds(30));
    REQUIRE(digest.status == host::DigestStatus::done);
    CHECK(digest.sha256 == sha256sum(path));
    CHECK(digest.size == text.size());
    CHECK(!digest.through_symlink);
    CHECK(host::sha256_file(dir.write("empty", ""), std::chrono::steady_clock::now() +
                                                        std::chrono::seconds(5))
              .sha256 == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_CASE("manifest: a tampered envelope fails naming the field") {
    Fixture f;
    auto manifest = Fixture::envelope();
    manifest["size_bytes"] = 4;
    manifest["sha256"] = std::string(64, 'f');
    f.write_manifest(manifest);
    Outcome outcome = f.run();
    CHECK(outcome.status == Status::fail);
    CHECK(outcome.message == f.manifest +
                                 ": field 'sha256' does not match the artifact's SHA-256; field "
                                 "'size_bytes' is 4, but the artifact has 3 bytes");

    manifest = Fixture::envelope();
    manifest.erase("gpg_fpr");
    manifest["size_bytes"] = "3";
    manifest["artifact_ref"] = "r0.sql.gpg";
    f.write_manifest(manifest);
    CHECK(f.run().message == f.manifest +
                                 ": field 'size_bytes' is a string, expected an integer; field "
                                 "'artifact_ref' names 'r0.sql.gpg', not the artifact ('r1.sql.gpg' "
                                 "or " + f.artifact + "); field 'gpg_fpr' is missing");
}

TEST_CASE("manifest: a manifest that is not JSON fails, one that is missing fails, an unreadable one is an error") {
    Fixture f;
    f.dir.write("r1.envelope.json", "{\"sha256\": \"" + kDigest + "\",\n \"size_bytes\": 3,,\n}", 0600);
    Outcome outcome = f.run();
    CHECK(outcome.status == Status::fail);
    CHECK(outcome.message ==
          f.manifest + " is not JSON at line 2, column 18: unexpected ','; expected string literal");

    ::unlink(f.manifest.c_str());
    outcome = f.run();
    CHECK(outcome.status == Status::fail);
    CHECK(outcome.message == f.manifest + " does not exist");

    f.write_manifest(Fixture::envelope());
    auto builder = f.fields(f.artifact);
    auto check = builder.make(manifest_kind());
    REQUIRE(check);
    auto [status, message] = testing::run_unprivileged([&] { return check->run(f.context); });
    CHECK(status == Status::error);
    CHECK(message == "cannot read " + f.manifest + ": permission denied");

    ::unlink(f.manifest.c_str());
    REQUIRE(::mkfifo(f.manifest.c_str(), 0600) == 0);
    outcome = f.run();
    CHECK(outcome.status == Status::error);
    CHECK(outcome.message == "cannot read " + f.manifest + ": not a regular file (it is a FIFO)");
}

TEST_CASE("manifest: a FIFO, a directory or a device as the artifact is an error, without blocking") {
    Fixture f;
    std::string fifo = f.dir.file("fifo.sql.gpg");
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    f.write_manifest_for(fifo);
    Outcome outcome = f.run(fifo);
    CHECK(outcome.status == Status::error);
    CHECK(outcome.message == f.manifest + ": cannot read the artifact " + fifo +
                                 ": not a regular file (it is a FIFO)");

    std::string directory = f.dir.mkdir("dir.sql.gpg");
    f.write_manifest_for(directory);
    outcome = f.run(directory);
    CHECK(outcome.status == Status::error);
    CHECK(outcome.message == f.manifest + ": cannot read the artifact " + directory +
                                 ": not a regular file (it is a directory)");

    f.context.check_timeout = std::chrono::milliseconds(200);
    auto started = std::chrono::steady_clock::now();
    f.context.started = started;
    f.write_manifest_for("/dev/zero");
    outcome = f.run("/dev/zero");
    CHECK(outcome.status == Status::error);
    CHECK(outcome.message == f.manifest +
                                 ": cannot read the artifact /dev/zero: not a regular file (it is a "
                                 "character device)");
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(2));
}

TEST_CASE("manifest: an artifact too large to hash within the timeout is an error, on time") {
    Fixture f;
    std::string huge = f.dir.file("huge.sql.gpg");
    f.write_manifest_for(huge);
    {
        int fd = ::open(huge.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        REQUIRE(fd >= 0);
        REQUIRE(::ftruncate(fd, 64LL << 30) == 0);  // sparse: 64 GiB of zeros, no disk used
        ::close(fd);
    }
    f.context.check_timeout = std::chrono::milliseconds(200);
    auto started = std::chrono::steady_clock::now();
    f.context.started = started;
    Outcome outcome = f.run(huge);
    auto took = std::chrono::steady_clock::now() - started;
    CHECK(outcome.status == Status::error);
    const std::string prefix =
        f.manifest + ": timed out after 0.2s while hashing the artifact " + huge + " (";
    CHECK_MESSAGE(outcome.message.rfind(prefix, 0) == 0, outcome.message);
    CHECK(outcome.message.find(" bytes read)") != std::string::npos);
    CHECK(took < std::chrono::seconds(2));
}

TEST_CASE("manifest: an artifact replaced by a symlink is followed, as the file kind does") {
    Fixture f;
    f.write_manifest(Fixture::envelope());
    std::string other = f.dir.write("other.sql.gpg", "abd", 0600);
    ::unlink(f.artifact.c_str());
    f.dir.symlink("r1.sql.gpg", other);
    Outcome outcome = f.run();
    CHECK(outcome.status == Status::fail);
    CHECK(outcome.message == f.manifest + ": field 'sha256' does not match the artifact's SHA-256");
    CHECK(outcome.observed["artifact_is_symlink"] == true);

    // A link to the same bytes is the same artifact: the envelope's claims hold.
    std::string copy = f.dir.write("copy.sql.gpg", "abc", 0600);
    ::unlink(f.artifact.c_str());
    f.dir.symlink("r1.sql.gpg", copy);
    CHECK(f.run().status == Status::pass);

    ::unlink(f.artifact.c_str());
    f.dir.symlink("r1.sql.gpg", f.dir.file("nowhere"));
    outcome = f.run();
    CHECK(outcome.status == Status::fail);
    CHECK(outcome.message == f.manifest + ": the artifact " + f.artifact + " does not exist");
}

TEST_CASE("manifest: a value compared with a secret is itself secret") {
    Fixture f;
    const std::string other = "FEDCBA9876543210FEDCBA9876543210FEDCBA98";
    auto manifest = Fixture::envelope();
    manifest["gpg_fpr"] = other;
    manifest["api_password"] = "pw \"quoted\" $HOME 100%";
    f.write_manifest(manifest);
    Outcome outcome = f.run();
    CHECK(outcome.status == Status::fail);
    bool other_registered = false, password_registered = false;
    for (const auto& secret : f.context.secrets.snapshot()) {
        if (secret.value == other && secret.name == "manifest " + f.manifest + " gpg_fpr")
            other_registered = true;
        if (secret.value == "pw \"quoted\" $HOME 100%") password_registered = true;
    }
    CHECK(other_registered);
    CHECK(password_registered);
    f.context.secrets.add(kFpr, "env FPR_SECRET");  // as the run environment registers it
    Redactor redactor(f.context.secrets.snapshot());
    CHECK(redactor.scrub(outcome.message) ==
          f.manifest + ": field 'gpg_fpr' is '…FEDCBA98', expected '…01234567'");
}

TEST_CASE("manifest: field names are fixed text and a check must verify something") {
    FieldsBuilder builder;
    builder.text("path", "/m.json").text("artifact", "/a").text("sha256_field", "${var.field}");
    CHECK(!builder.make(manifest_kind()));
    REQUIRE(builder.errors.size() == 1);
    CHECK(builder.errors[0] ==
          "pack.yaml:12:3: 'sha256_field' cannot contain ${...} references: write the manifest's "
          "field name itself");

    FieldsBuilder nothing;
    nothing.text("path", "/m.json")
        .text("artifact", "/a")
        .text("sha256_field", "")
        .text("size_field", "")
        .text("ref_field", "");
    CHECK(!nothing.make(manifest_kind()));
    REQUIRE(nothing.errors.size() == 1);
    CHECK(nothing.errors[0] ==
          "pack.yaml:9:3: this manifest check verifies nothing: keep one of sha256_field, "
          "size_field, ref_field, or list 'required' or 'expect' fields");

    FieldsBuilder bad_required;
    bad_required.text("path", "/m.json").text("artifact", "/a").list("required", {"${env.X}"});
    CHECK(!bad_required.make(manifest_kind()));
    REQUIRE(bad_required.errors.size() == 1);
    CHECK(bad_required.errors[0] ==
          "pack.yaml:12:3: 'required' lists field names: each must be plain text, not empty and "
          "without ${...} references");
}
