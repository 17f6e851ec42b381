#include "gateway/recorder.hpp"

#include "gateway/ist_time.hpp"
#include "gateway/recording.hpp"
#include "storage/log.hpp"

#include <cerrno>
#include <cstring>
#include <system_error>

namespace tickgate::gateway {

recorder::recorder(const boost::asio::any_io_executor& ex, recording_config cfg)
    : config_(std::move(cfg)), timer_(ex) {
  buffer_.reserve(flush_bytes + std::size_t{64} * 1024);
}

recorder::~recorder() {
  *alive_ = false;
  stop();
}

std::filesystem::path recorder::file_for(const std::filesystem::path& data_dir,
                                         std::string_view database_name) {
  return data_dir / (std::string(database_name) + ".ticks");
}

bool recorder::start() {
  std::error_code ec;
  std::filesystem::create_directories(config_.data_dir, ec);
  if (ec) {
    fail("cannot create recording.data_dir " + config_.data_dir.string() + ": " + ec.message());
    return false;
  }
  started_ = true;
  stats_.active = true;
  log::info("recorder", "recording live frames",
            {{"data_dir", config_.data_dir.string()},
             {"database_name", config_.database_name.empty() ? std::string("N_<IST date>")
                                                             : config_.database_name}});
  return true;
}

void recorder::stop() {
  if (file_ != nullptr) {
    flush();
    if (file_ != nullptr) {
      std::fclose(file_);
      file_ = nullptr;
    }
  }
  started_ = false;
  stats_.active = false;
  timer_.cancel();
}

void recorder::fail(std::string what) {
  ++stats_.errors;
  stats_.last_error = what;
  log::error("recorder", "recording stopped", {{"error", what}});
  if (file_ != nullptr) {
    std::fclose(file_);
    file_ = nullptr;
  }
  buffer_.clear();
  started_ = false;
  stats_.active = false;
}

bool recorder::open_for(std::int64_t received_us) {
  std::string session = config_.database_name;
  if (session.empty()) {
    session = live_session_name(received_us);
    constexpr std::int64_t day_us = 86'400'000'000;
    const std::int64_t local = received_us + ist_offset_seconds * 1'000'000;
    const std::int64_t day_start_local = local - ((local % day_us) + day_us) % day_us;
    day_from_us_ = day_start_local - ist_offset_seconds * 1'000'000;
    day_until_us_ = day_from_us_ + day_us;
  }
  if (file_ != nullptr) {
    flush();
    if (file_ != nullptr) std::fclose(file_);
    file_ = nullptr;
  }
  const auto path = file_for(config_.data_dir, session);
  // An existing file is appended to after its last complete record: a torn
  // record left by a crash would otherwise swallow everything after it.
  std::uint64_t keep = 0;
  std::error_code fs_ec;
  if (std::filesystem::exists(path, fs_ec)) {
    auto size = complete_size(path);
    if (auto* e = std::get_if<std::string>(&size)) {
      fail("not appending to " + path.string() + ": " + *e);
      return false;
    }
    keep = std::get<std::uint64_t>(size);
    if (keep != std::filesystem::file_size(path, fs_ec)) {
      std::filesystem::resize_file(path, keep, fs_ec);
      if (fs_ec) {
        fail("cannot cut the torn tail of " + path.string() + ": " + fs_ec.message());
        return false;
      }
      log::warn("recorder", "cut a torn last record before appending",
                {{"file", path.string()}, {"size", keep}});
    }
  }
  file_ = std::fopen(path.c_str(), "ab");
  if (file_ == nullptr) {
    fail("cannot open " + path.string() + ": " + std::strerror(errno));
    return false;
  }
  session_ = session;
  stats_.file = path.string();
  committed_ = keep;
  ++stats_.files;
  // A new (empty) file gets the magic; an existing one is appended to.
  if (keep == 0) buffer_.append(recording_magic);
  log::info("recorder", "recording to file", {{"file", stats_.file}});
  return true;
}

void recorder::on_frame(std::span<const std::byte> frame, std::int64_t received_us) {
  if (!started_ || frame.empty() || frame.size() > max_recorded_frame_bytes) return;
  const bool follows_date = config_.database_name.empty();
  if (file_ == nullptr ||
      (follows_date && (received_us < day_from_us_ || received_us >= day_until_us_))) {
    if (!open_for(received_us)) return;
  }
  append_recording_record(buffer_, frame, received_us);
  ++stats_.frames;
  if (buffer_.size() >= flush_bytes) {
    flush();
  } else {
    arm_timer();
  }
}

void recorder::flush() {
  if (file_ == nullptr || buffer_.empty()) return;
  const std::size_t n = std::fwrite(buffer_.data(), 1, buffer_.size(), file_);
  if (n != buffer_.size() || std::fflush(file_) != 0) {
    const int err = errno;
    const std::string path = stats_.file;
    fail("cannot write " + path + ": " + std::strerror(err));  // closes the file
    // Cut back what part of the buffer did reach the file: the file ends at
    // a complete record, and a later append starts cleanly.
    std::error_code ec;
    std::filesystem::resize_file(path, committed_, ec);
    return;
  }
  committed_ += n;
  stats_.bytes += n;
  buffer_.clear();
}

std::variant<std::uint64_t, std::string> recorder::complete_size(
    const std::filesystem::path& p) {
  std::FILE* f = std::fopen(p.c_str(), "rb");
  if (f == nullptr) return std::string("cannot read: ") + std::strerror(errno);
  std::string buf(std::size_t{1} << 20, '\0');
  std::string window;  // unread bytes: at most one chunk plus a partial record
  std::uint64_t offset = 0;  // file offset of window[0]
  bool magic_checked = false;
  std::uint64_t complete = 0;
  std::string error;
  for (;;) {
    const std::size_t n = std::fread(buf.data(), 1, buf.size(), f);
    window.append(buf.data(), n);
    std::size_t pos = 0;
    if (!magic_checked) {
      if (window.size() < recording_magic.size()) {
        if (n != 0) continue;
        if (recording_magic.substr(0, window.size()) != window) {
          error = "it does not start with the recording magic";
        }
        break;  // shorter than the magic
      }
      if (!has_recording_magic(std::as_bytes(std::span(window.data(), window.size())))) {
        error = "it does not start with the recording magic";
        break;
      }
      magic_checked = true;
      pos = recording_magic.size();
      complete = pos;
    }
    const auto bytes = std::as_bytes(std::span(window.data(), window.size()));
    for (;;) {
      const auto r = decode_recording_record(bytes.subspan(pos));
      if (r.status == recording_status::corrupt) {
        error = "corrupt record at byte " + std::to_string(offset + pos);
        break;
      }
      if (r.status == recording_status::need_more) break;
      pos += r.consumed;
      complete = offset + pos;
    }
    if (!error.empty()) break;
    window.erase(0, pos);
    offset += pos;
    if (n == 0) break;
  }
  const bool read_error = std::ferror(f) != 0;
  std::fclose(f);
  if (read_error) return std::string("read error");
  if (!error.empty()) return error;
  // A file shorter than the magic (a crash right after creating it) holds
  // nothing: start it again.
  return magic_checked ? complete : std::uint64_t{0};
}

void recorder::arm_timer() {
  if (timer_armed_) return;
  timer_armed_ = true;
  timer_.expires_after(flush_interval);
  timer_.async_wait([this, alive = alive_](const boost::system::error_code&) {
    if (!*alive) return;
    timer_armed_ = false;
    flush();
  });
}

}  // namespace tickgate::gateway
