#include "pg_cluster.hpp"

#include <fcntl.h>
#include <glob.h>
#include <pwd.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <memory>
#include <pqxx/pqxx>
#include <sstream>
#include <stdexcept>
#include <vector>

extern char** environ;

namespace preflight::testing {

namespace {

bool is_root() { return geteuid() == 0; }

// Server programs refuse to run as root: run them as the `postgres` OS user then.
std::vector<std::string> as_postgres(std::vector<std::string> argv) {
    if (!is_root()) return argv;
    std::vector<std::string> prefix;
    if (access("/usr/sbin/runuser", X_OK) == 0)
        prefix = {"/usr/sbin/runuser", "-u", "postgres", "--"};
    else
        prefix = {"/usr/bin/setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups"};
    argv.insert(argv.begin(), prefix.begin(), prefix.end());
    return argv;
}

// Runs argv (no shell) with stdout and stderr appended to `log`; returns the exit status.
int run(const std::vector<std::string>& argv, const std::string& log) {
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    pid_t pid = 0;
    int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) return -1;
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string read_all(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

void write_file(const std::string& path, const std::string& text, bool append) {
    std::ofstream out(path, append ? std::ios::app : std::ios::trunc);
    out << text;
    if (!out) throw std::runtime_error("cannot write " + path);
}

void give_to_postgres(const std::string& path) {
    if (!is_root()) return;
    if (const passwd* pw = getpwnam("postgres"))
        if (chown(path.c_str(), pw->pw_uid, pw->pw_gid) != 0)
            throw std::runtime_error("cannot chown " + path + " to postgres");
}

std::string tail(const std::string& text) {
    return text.size() > 2000 ? text.substr(text.size() - 2000) : text;
}

}  // namespace

std::string postgres_bindir() {
    if (FILE* pipe = popen("pg_config --bindir 2>/dev/null", "r")) {
        char buffer[512] = {};
        std::string dir = fgets(buffer, sizeof buffer, pipe) ? buffer : "";
        pclose(pipe);
        while (!dir.empty() && (dir.back() == '\n' || dir.back() == '\r')) dir.pop_back();
        if (!dir.empty() && access((dir + "/initdb").c_str(), X_OK) == 0) return dir;
    }
    glob_t found{};
    std::vector<std::string> dirs;
    if (glob("/usr/lib/postgresql/*/bin/initdb", 0, nullptr, &found) == 0)
        for (size_t i = 0; i < found.gl_pathc; ++i) {
            std::string path = found.gl_pathv[i];
            dirs.push_back(path.substr(0, path.size() - 7));
        }
    globfree(&found);
    // Newest major version: compare numerically ("9.6" < "15").
    std::sort(dirs.begin(), dirs.end(), [](const std::string& a, const std::string& b) {
        auto major = [](const std::string& d) { return std::atof(d.c_str() + 20); };
        return major(a) < major(b);
    });
    return dirs.empty() ? "" : dirs.back();
}

PgCluster& PgCluster::shared() {
    static std::unique_ptr<PgCluster> cluster(new PgCluster());
    return *cluster;
}

PgCluster::PgCluster() : bindir_(postgres_bindir()) {
    if (bindir_.empty()) throw std::runtime_error("PostgreSQL server binaries not found");
    char pattern[] = "/tmp/preflight-pg-XXXXXX";
    if (!mkdtemp(pattern)) throw std::runtime_error("mkdtemp failed");
    dir_ = pattern;
    give_to_postgres(dir_);
    const std::string data = dir_ + "/data", log = dir_ + "/setup.log";

    // The watchdog stops the server and removes the directory once our end of its pipe
    // closes, which happens however this process ends.
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
    std::string stop_command;
    for (const auto& a : as_postgres({bindir_ + "/pg_ctl", "-D", data, "-m", "immediate", "stop"}))
        stop_command += "'" + a + "' ";
    const std::string script = "cat >/dev/null; " + stop_command + ">/dev/null 2>&1; rm -rf '" +
                               dir_ + "'";
    watchdog_ = fork();
    if (watchdog_ == 0) {
        setsid();
        dup2(fds[0], 0);
        execl("/bin/sh", "sh", "-c", script.c_str(), static_cast<char*>(nullptr));
        _exit(127);
    }
    close(fds[0]);
    watchdog_pipe_ = fds[1];

    if (run(as_postgres({bindir_ + "/initdb", "-D", data, "-U", "postgres", "-A", "trust", "-N",
                         "-E", "UTF8", "--locale=C"}),
            log) != 0)
        throw std::runtime_error("initdb failed:\n" + tail(read_all(log)));
    write_file(data + "/pg_hba.conf",
               "local all postgres trust\n"
               "local all all scram-sha-256\n",
               false);
    write_file(data + "/postgresql.conf",
               "\nlisten_addresses = ''\n"
               "unix_socket_directories = '" + dir_ + "'\n"
               "password_encryption = 'scram-sha-256'\n"
               "max_locks_per_transaction = 1024\n"
               "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n",
               true);
    give_to_postgres(data + "/pg_hba.conf");
    if (run(as_postgres({bindir_ + "/pg_ctl", "-D", data, "-l", dir_ + "/server.log", "-w", "-t",
                         "60", "start"}),
            log) != 0)
        throw std::runtime_error("the test cluster did not start:\n" +
                                 tail(read_all(dir_ + "/server.log")));
    running_ = true;
}

PgCluster::~PgCluster() { stop(); }

void PgCluster::stop() noexcept {
    if (running_)
        run(as_postgres({bindir_ + "/pg_ctl", "-D", dir_ + "/data", "-m", "fast", "-w", "stop"}),
            "/dev/null");
    running_ = false;
    if (watchdog_pipe_ >= 0) close(watchdog_pipe_);
    watchdog_pipe_ = -1;
    if (watchdog_ > 0) waitpid(watchdog_, nullptr, 0);
    watchdog_ = -1;
}

std::string PgCluster::conninfo(const std::string& user, const std::string& database) const {
    return "host=" + dir_ + " user=" + user + " dbname=" + database;
}

void PgCluster::admin(const std::string& sql) const {
    pqxx::connection connection(conninfo("postgres"));
    pqxx::nontransaction transaction(connection);
    transaction.exec(sql);
}

}  // namespace preflight::testing
