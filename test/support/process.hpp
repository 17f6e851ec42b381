// Child processes and loopback ports for integration tests: a real
// redis-server, the simulator and the gateway run as separate processes, the
// way they run in production.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <sys/types.h>

namespace tickgate::test {

// A port that was free on 127.0.0.1 a moment ago (bound to 0, then closed).
// Callers that start a server on it retry on the rare collision.
std::uint16_t free_loopback_port();

// True once a TCP connect to 127.0.0.1:port succeeds, false after `timeout`.
bool wait_for_port(std::uint16_t port, std::chrono::milliseconds timeout);

// A unique empty directory under the system temp dir, removed with its
// contents on destruction.
class temp_dir {
public:
  explicit temp_dir(std::string_view prefix = "tickgate-test");
  ~temp_dir();
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  const std::filesystem::path& path() const noexcept { return path_; }

private:
  std::filesystem::path path_;
};

struct process_options {
  std::vector<std::string> argv;                           // argv[0] is the program path
  std::vector<std::pair<std::string, std::string>> env;    // added to the inherited environment
  std::optional<std::filesystem::path> output;             // stdout+stderr go here (appended)
  std::optional<std::filesystem::path> working_dir;
};

// A child process owned by the test: SIGTERM then SIGKILL on destruction, and
// always reaped.
class child_process {
public:
  explicit child_process(process_options options);
  ~child_process();
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;
  child_process(child_process&& other) noexcept;
  child_process& operator=(child_process&& other) noexcept;

  pid_t pid() const noexcept { return pid_; }
  bool running();
  void send_signal(int signal);
  // Exit status (WEXITSTATUS, or 128 + signal) once the child has exited
  // within `timeout`; nullopt if it is still running.
  std::optional<int> wait_for_exit(std::chrono::milliseconds timeout);
  // SIGTERM, wait up to `grace`, then SIGKILL; returns the exit status.
  int stop(std::chrono::milliseconds grace = std::chrono::seconds(5));

private:
  pid_t pid_ = -1;
  std::optional<int> status_;
};

// The whole content of a file ("" when missing).
std::string read_file(const std::filesystem::path& path);

// A program run to completion (bounded): its exit status and output.
struct run_result {
  int status = -1;  // 128 + signal when killed; -1 when it outlived the bound (then killed)
  std::string out;  // stdout
  std::string err;  // stderr
};

// Runs argv (argv[0] an absolute path) with `env` added, stdout and stderr
// captured separately, killed after `bound`.
run_result run_program(const std::vector<std::string>& argv,
                       std::vector<std::pair<std::string, std::string>> env = {},
                       std::chrono::milliseconds bound = std::chrono::seconds(60));

// Polls `predicate` every 10 ms until it holds or `timeout` passes.
template <class Predicate>
bool eventually(Predicate&& predicate, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (predicate()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace tickgate::test
