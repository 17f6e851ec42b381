// Records every live frame to <data_dir>/<session>.ticks (recording.hpp
// format), where <session> is recording.database_name, or the live list
// session N_<IST trading day> when that is empty (a new file each day).
//
// It sits on tick_router's frame observer, so it sees each frame before it is
// decoded — garbage frames too, which a replay then counts as decode errors
// exactly as the live path did. Appending is a memcpy into a buffer; the
// buffer goes to the file when it passes flush_bytes or every flush_interval
// (a timer), and at stop(). A file error is logged and counted once, and
// recording stops: the live path is never disturbed by the disk.
#pragma once

#include "gateway/config.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <variant>

namespace tickgate::gateway {

struct recorder_stats {
  std::uint64_t frames = 0;  // records appended
  std::uint64_t bytes = 0;   // bytes written to files (headers included)
  std::uint64_t files = 0;   // files opened
  std::uint64_t errors = 0;  // file errors (recording stops at the first)
  bool active = false;       // recording now
  std::string file;          // current file path
  std::string last_error;
};

class recorder {
public:
  static constexpr std::size_t flush_bytes = std::size_t{256} * 1024;
  static constexpr std::chrono::milliseconds flush_interval{1000};

  recorder(const boost::asio::any_io_executor& ex, recording_config cfg);
  ~recorder();
  recorder(const recorder&) = delete;
  recorder& operator=(const recorder&) = delete;

  // Creates data_dir if needed; false (logged, counted) when it cannot.
  bool start();
  // Flushes and closes the current file.
  void stop();

  // One live frame (the router's observer).
  void on_frame(std::span<const std::byte> frame, std::int64_t received_us);

  // Writes the buffer to the file now.
  void flush();

  const recorder_stats& stats() const noexcept { return stats_; }
  // The file a session's recording lives in.
  static std::filesystem::path file_for(const std::filesystem::path& data_dir,
                                        std::string_view database_name);

private:
  bool open_for(std::int64_t received_us);
  // An existing file: the size up to the end of its last complete record
  // (a torn tail from a crash or a failed write is cut off before
  // appending), or why it is not a recording.
  static std::variant<std::uint64_t, std::string> complete_size(const std::filesystem::path& p);
  void fail(std::string what);
  void arm_timer();

  recording_config config_;
  boost::asio::steady_timer timer_;
  bool timer_armed_ = false;
  std::FILE* file_ = nullptr;
  std::string buffer_;
  std::uint64_t committed_ = 0;  // file size after the last successful flush
  std::string session_;
  // The current IST day [from, until) when the session follows the date.
  std::int64_t day_from_us_ = 0;
  std::int64_t day_until_us_ = 0;
  bool started_ = false;
  recorder_stats stats_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace tickgate::gateway
