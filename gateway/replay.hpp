// Runs (design.md "Recording and runs", seed per-token-tick-lists.md): a
// recorded session replayed through the live path — tick_router's
// route_frame, so decode → route → every enabled sink — with the run's
// database_name as the per-token lists' session ("ticks:<database_name>:…").
//
// Pace: `interval` per tick when given (0: as fast as the sinks take it,
// yielding to the io_context every replay_batch frames), else the recorded
// pace (gaps between receive times, each capped at max_recorded_gap). Each
// frame is routed with its recorded receive time, so the records a run
// writes are those of the session it replays.
//
// recording_reader reads a file in chunks (recording.hpp format); a
// truncated tail ends the file, a corrupt record ends it with an error.
#pragma once

#include "gateway/recording.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace tickgate::gateway {

class tick_router;

class recording_reader {
public:
  // Opens `path` and checks the magic. Error text (names the file) otherwise.
  // Reads no further than the file's size at open: what is appended later
  // (a file still being recorded) is not part of this read.
  static std::variant<recording_reader, std::string> open(const std::filesystem::path& path);

  recording_reader(recording_reader&& other) noexcept;
  recording_reader& operator=(recording_reader&& other) noexcept;
  ~recording_reader();

  // The next record (its frame view valid until the next call), or nullopt
  // at the end of the file or at a corrupt record (see corrupt()).
  std::optional<recording_record> next();
  bool corrupt() const noexcept { return corrupt_; }
  bool truncated_tail() const noexcept { return truncated_; }

private:
  recording_reader(std::FILE* file, std::uint64_t remaining) : file_(file), remaining_(remaining) {}
  std::FILE* file_ = nullptr;
  std::uint64_t remaining_ = 0;  // bytes left up to the size seen at open
  std::vector<std::byte> buffer_;
  std::size_t begin_ = 0;  // unread bytes are buffer_[begin_, end())
  bool eof_ = false;
  bool corrupt_ = false;
  bool truncated_ = false;
};

enum class run_state : std::uint8_t { idle, running, finished, stopped, failed };
std::string_view run_state_name(run_state s) noexcept;

struct run_status {
  run_state state = run_state::idle;
  std::string database_name;
  std::optional<double> interval_seconds;  // nullopt: recorded pace
  std::uint64_t frames = 0;                // frames replayed this run
  std::uint64_t ticks = 0;                 // of which decoded to a tick
  std::uint64_t runs_started = 0;
  std::uint64_t frames_total = 0;  // over all runs
  std::int64_t started_ms = 0;     // epoch ms
  std::int64_t ended_ms = 0;
  std::string error;  // why the last run failed (corrupt file)
};

class replayer {
public:
  static constexpr std::size_t replay_batch = 256;
  static constexpr std::chrono::seconds max_recorded_gap{10};

  replayer(const boost::asio::any_io_executor& ex, tick_router& router);
  ~replayer();
  replayer(const replayer&) = delete;
  replayer& operator=(const replayer&) = delete;

  // Starts replaying `reader` (state must not be running).
  // Backpressure for runs: while `congested` says so, the replay waits
  // (checked before every frame), so a fast run can never push live writes
  // out of a Redis connection's outage buffer. The app passes "some
  // connection buffers more than a quarter of its bound".
  void set_backpressure(std::function<bool()> congested) {
    congested_ = std::move(congested);
  }

  void start(recording_reader reader, std::string database_name,
             std::optional<double> interval_seconds);
  // Stops the running replay (no-op otherwise); frames already routed stay.
  void stop();
  // Completes once no replay is running.
  boost::asio::awaitable<void> wait_idle();

  bool running() const noexcept;
  const run_status& status() const noexcept;

private:
  struct shared;
  static boost::asio::awaitable<void> run(std::shared_ptr<shared> s, recording_reader reader,
                                          std::uint64_t generation,
                                          std::function<bool()> congested);

  boost::asio::any_io_executor ex_;
  std::shared_ptr<shared> state_;
  std::function<bool()> congested_;
};

}  // namespace tickgate::gateway
