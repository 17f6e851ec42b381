// Records every live frame to <data_dir>/<session>.ticks (recording.hpp
// format), where <session> is recording.database_name, or the live list
// session N_<IST trading day> when that is empty (a new file each day).
//
// It sits on tick_router's frame observer, so it sees each frame before it is
// decoded — garbage frames too, which a replay then counts as decode errors
// exactly as the live path did.
//
// The disk is never touched on the io_context thread: on_frame() appends the
// record to a bounded in-memory buffer under a mutex (a memcpy, no allocation
// once the buffers are reserved), and a writer thread of the recorder's own
// (at nice 10: on a busy machine it yields the CPU to the io_context thread)
// swaps that buffer for its second one and does the opening, torn-tail
// cutting, fwrite/fflush and cut-back. The writer wakes when flush_bytes are
// buffered, every flush_interval, at a file switch and at stop(). When the
// disk cannot keep up and the buffer is full, frames are dropped from the
// recording (never from the live path), counted in stats().dropped and logged
// at most every drop_log_interval.
//
// A file error is logged and counted once, and recording stops. A file that
// reaches recording.max_bytes is closed at its last record that fits (logged,
// counted in stats().capped_files); recording resumes with the next day's
// file when the name follows the date.
#pragma once

#include "gateway/config.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>

namespace tickgate::gateway {

struct recorder_stats {
  std::uint64_t frames = 0;          // records written to files
  std::uint64_t bytes = 0;           // bytes written to files (headers included)
  std::uint64_t files = 0;           // files opened
  std::uint64_t errors = 0;          // file errors (recording stops at the first)
  std::uint64_t dropped = 0;         // frames not recorded: the buffer was full (disk too slow)
  std::uint64_t capped_files = 0;    // files closed at recording.max_bytes
  std::uint64_t capped_frames = 0;   // frames not recorded: their file had reached max_bytes
  std::uint64_t buffered_bytes = 0;  // waiting for the writer thread
  bool active = false;               // recording now
  bool capped = false;               // the current file reached recording.max_bytes
  std::string file;                  // current file path
  std::string last_error;
};

// Production defaults; tests shrink them and may block the writer.
struct recorder_tuning {
  // Per buffer (there are two: one filling, one being written): a frame
  // that does not fit is dropped. 8 MiB is several seconds of a busy feed.
  std::size_t buffer_bytes = std::size_t{8} << 20;
  std::size_t flush_bytes = std::size_t{256} * 1024;
  std::chrono::milliseconds flush_interval{1000};
  // stop() waits this long for the writer to write what is buffered; a
  // writer stuck on the disk after that is left behind (logged).
  std::chrono::milliseconds stop_timeout{5000};
  std::chrono::milliseconds drop_log_interval{10'000};
  // Called on the writer thread before each batch is written (tests).
  std::function<void()> before_write;
};

class recorder {
public:
  explicit recorder(recording_config cfg, recorder_tuning tuning = {});
  ~recorder();
  recorder(const recorder&) = delete;
  recorder& operator=(const recorder&) = delete;

  // Creates data_dir if needed and starts the writer thread; false (logged,
  // counted) when the directory cannot be made.
  bool start();
  // Writes what is buffered (waiting at most tuning.stop_timeout), closes
  // the file and ends the writer thread.
  void stop();

  // One live frame (the router's observer). Never waits on the disk.
  void on_frame(std::span<const std::byte> frame, std::int64_t received_us);

  // A snapshot (the writer thread updates them).
  recorder_stats stats() const;
  // The file a session's recording lives in.
  static std::filesystem::path file_for(const std::filesystem::path& data_dir,
                                        std::string_view database_name);

  // What the writer thread and on_frame share (a writer left behind by
  // stop() keeps it alive).
  struct shared;

private:
  recording_config config_;
  recorder_tuning tuning_;
  std::shared_ptr<shared> shared_;
  std::thread writer_;
  // io_context thread only.
  bool started_ = false;
  std::string session_;
  std::uint64_t generation_ = 0;  // increments at each file switch
  std::uint64_t capped_skipped_ = 0;  // frames on_frame turned away from a full file
  // The current IST day [from, until) when the session follows the date.
  std::int64_t day_from_us_ = 0;
  std::int64_t day_until_us_ = 0;
  std::chrono::steady_clock::time_point last_drop_log_{};
  std::uint64_t dropped_at_last_log_ = 0;
};

}  // namespace tickgate::gateway
