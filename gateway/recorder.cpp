#include "gateway/recorder.hpp"

#include "gateway/ist_time.hpp"
#include "gateway/recording.hpp"
#include "storage/log.hpp"

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string_view>
#include <system_error>
#include <variant>
#include <vector>

#include <sys/resource.h>
#include <unistd.h>

namespace tickgate::gateway {

namespace {

constexpr int writer_nice = 10;

// An existing file: the size up to the end of its last complete record (a
// torn tail from a crash or a failed write is cut off before appending), or
// why it is not a recording.
std::variant<std::uint64_t, std::string> complete_size(const std::filesystem::path& p) {
  std::FILE* f = std::fopen(p.c_str(), "rb");
  if (f == nullptr) return std::string("cannot read: ") + std::strerror(errno);
  std::string buf(std::size_t{1} << 20, '\0');
  std::string window;        // unread bytes: at most one chunk plus a partial record
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

}  // namespace

struct recorder::shared {
  // From `offset` on, a batch's records go to `session`'s file.
  struct file_switch {
    std::size_t offset = 0;
    std::uint64_t records = 0;  // records before it in the batch
    std::uint64_t generation = 0;
    std::string session;
  };
  struct batch {
    std::string bytes;
    std::uint64_t records = 0;
    std::vector<file_switch> switches;  // in order; usually none
    bool empty() const noexcept { return bytes.empty() && switches.empty(); }
    void clear() noexcept {
      bytes.clear();
      records = 0;
      switches.clear();
    }
  };

  shared(recording_config c, recorder_tuning t) : config(std::move(c)), tuning(std::move(t)) {}

  const recording_config config;
  const recorder_tuning tuning;

  std::mutex mutex;
  std::condition_variable wake;  // the writer: flush_bytes buffered, a switch, stop
  std::condition_variable idle;  // stop(): the writer has finished
  // Under the mutex.
  batch front;                // on_frame appends here
  std::size_t in_flight = 0;  // bytes the writer is writing now
  bool wake_sent = false;
  bool stopping = false;
  bool finished = false;
  recorder_stats stats;  // active and buffered_bytes are computed by stats()

  std::atomic<bool> failed{false};
  // The generation whose file reached max_bytes (on_frame stops buffering it).
  std::atomic<std::uint64_t> capped_generation{0};

  // Writer thread only.
  batch back;
  std::FILE* file = nullptr;
  std::filesystem::path path;
  std::uint64_t generation = 0;
  std::uint64_t committed = 0;  // file size after the last successful write
  bool need_magic = false;
  bool capped_now = false;  // the current file reached max_bytes

  void run();
  void write_batch();
  void open(const file_switch& sw);
  void write_segment(std::string_view bytes, std::uint64_t records);
  void close_file() noexcept;
  void fail(std::string what);
};

void recorder::shared::run() {
  // Recording yields to the live path: on a busy machine the writer waits
  // for the CPU rather than preempting the io_context thread (frames then
  // drop from the recording, counted, never from the live path).
  ::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), writer_nice);
  std::unique_lock lk(mutex);
  auto next_flush = std::chrono::steady_clock::now() + tuning.flush_interval;
  for (;;) {
    wake.wait_until(lk, next_flush, [this] {
      return stopping || front.bytes.size() >= tuning.flush_bytes || !front.switches.empty();
    });
    if (front.empty()) {
      if (stopping) break;
      next_flush = std::chrono::steady_clock::now() + tuning.flush_interval;
      continue;
    }
    std::swap(front, back);
    in_flight = back.bytes.size();
    wake_sent = false;
    lk.unlock();
    if (tuning.before_write) tuning.before_write();
    write_batch();
    back.clear();
    lk.lock();
    in_flight = 0;
    next_flush = std::chrono::steady_clock::now() + tuning.flush_interval;
  }
  lk.unlock();
  close_file();
  lk.lock();
  finished = true;
  idle.notify_all();
}

void recorder::shared::write_batch() {
  const std::string_view all = back.bytes;
  std::size_t from = 0;
  std::uint64_t records_from = 0;
  for (const file_switch& sw : back.switches) {
    write_segment(all.substr(from, sw.offset - from), sw.records - records_from);
    open(sw);
    from = sw.offset;
    records_from = sw.records;
  }
  write_segment(all.substr(from), back.records - records_from);
}

void recorder::shared::close_file() noexcept {
  if (file != nullptr) {
    std::fclose(file);
    file = nullptr;
  }
}

void recorder::shared::fail(std::string what) {
  log::error("recorder", "recording stopped", {{"error", what}});
  close_file();
  failed.store(true, std::memory_order_relaxed);
  std::lock_guard lk(mutex);
  ++stats.errors;
  stats.last_error = std::move(what);
}

void recorder::shared::open(const file_switch& sw) {
  close_file();
  capped_now = false;
  if (failed.load(std::memory_order_relaxed)) return;
  generation = sw.generation;
  path = file_for(config.data_dir, sw.session);
  // An existing file is appended to after its last complete record: a torn
  // record left by a crash would otherwise swallow everything after it.
  std::uint64_t keep = 0;
  std::error_code fs_ec;
  if (std::filesystem::exists(path, fs_ec)) {
    auto size = complete_size(path);
    if (auto* e = std::get_if<std::string>(&size)) {
      fail("not appending to " + path.string() + ": " + *e);
      return;
    }
    keep = std::get<std::uint64_t>(size);
    if (keep != std::filesystem::file_size(path, fs_ec)) {
      std::filesystem::resize_file(path, keep, fs_ec);
      if (fs_ec) {
        fail("cannot cut the torn tail of " + path.string() + ": " + fs_ec.message());
        return;
      }
      log::warn("recorder", "cut a torn last record before appending",
                {{"file", path.string()}, {"size", keep}});
    }
  }
  file = std::fopen(path.c_str(), "ab");
  if (file == nullptr) {
    fail("cannot open " + path.string() + ": " + std::strerror(errno));
    return;
  }
  committed = keep;
  // A new (empty) file gets the magic; an existing one is appended to.
  need_magic = keep == 0;
  {
    std::lock_guard lk(mutex);
    ++stats.files;
  }
  log::info("recorder", "recording to file", {{"file", path.string()}});
}

void recorder::shared::write_segment(std::string_view bytes, std::uint64_t records) {
  if (capped_now) {
    // Buffered before on_frame saw the cap: not recorded, counted.
    std::lock_guard lk(mutex);
    stats.capped_frames += records;
    return;
  }
  if (file == nullptr || (bytes.empty() && !need_magic)) return;
  const std::size_t head = need_magic ? recording_magic.size() : 0;
  const std::uint64_t max = config.max_bytes;
  bool cap = false;
  if (max != 0 && committed + head + bytes.size() > max) {
    // The whole records that fit; the file ends at the last of them.
    const std::uint64_t segment_records = records;
    const std::uint64_t room = max > committed + head ? max - committed - head : 0;
    const auto all = std::as_bytes(std::span(bytes.data(), bytes.size()));
    std::size_t fit = 0;
    records = 0;
    for (;;) {
      const auto r = decode_recording_record(all.subspan(fit));
      if (r.status != recording_status::record || fit + r.consumed > room) break;
      fit += r.consumed;
      ++records;
    }
    bytes = bytes.substr(0, fit);
    cap = true;
    std::lock_guard lk(mutex);
    stats.capped_frames += segment_records - records;
  }
  if (head + bytes.size() != 0) {
    const bool ok = (head == 0 || std::fwrite(recording_magic.data(), 1, head, file) == head) &&
                    std::fwrite(bytes.data(), 1, bytes.size(), file) == bytes.size() &&
                    std::fflush(file) == 0;
    if (!ok) {
      const int err = errno;
      fail("cannot write " + path.string() + ": " + std::strerror(err));  // closes the file
      // Cut back what part of the batch did reach the file: the file ends at
      // a complete record, and a later append starts cleanly.
      std::error_code ec;
      std::filesystem::resize_file(path, committed, ec);
      return;
    }
    committed += head + bytes.size();
    need_magic = false;
    std::lock_guard lk(mutex);
    stats.bytes += head + bytes.size();
    stats.frames += records;
  }
  if (cap) {
    close_file();
    capped_now = true;
    capped_generation.store(generation, std::memory_order_relaxed);
    log::warn("recorder", "recording stopped for this file: it reached recording.max_bytes",
              {{"file", path.string()},
               {"size", committed},
               {"max_bytes", max},
               {"resumes", config.database_name.empty() ? "with the next day's file"
                                                        : "after a restart with a larger cap"}});
    std::lock_guard lk(mutex);
    ++stats.capped_files;
    stats.capped = true;
  }
}

recorder::recorder(recording_config cfg, recorder_tuning tuning)
    : config_(std::move(cfg)),
      tuning_(tuning),
      shared_(std::make_shared<shared>(config_, std::move(tuning))) {}

recorder::~recorder() {
  stop();
}

std::filesystem::path recorder::file_for(const std::filesystem::path& data_dir,
                                         std::string_view database_name) {
  return data_dir / (std::string(database_name) + ".ticks");
}

bool recorder::start() {
  if (started_ || writer_.joinable()) return started_;
  std::error_code ec;
  std::filesystem::create_directories(config_.data_dir, ec);
  if (ec) {
    std::string what =
        "cannot create recording.data_dir " + config_.data_dir.string() + ": " + ec.message();
    log::error("recorder", "recording stopped", {{"error", what}});
    std::lock_guard lk(shared_->mutex);
    ++shared_->stats.errors;
    shared_->stats.last_error = std::move(what);
    return false;
  }
  {
    std::lock_guard lk(shared_->mutex);
    if (shared_->finished) return false;  // stopped: a recorder starts once
    // Both buffers at their bound now: on_frame never allocates for a frame.
    shared_->front.bytes.reserve(tuning_.buffer_bytes);
    shared_->back.bytes.reserve(tuning_.buffer_bytes);
  }
  writer_ = std::thread([s = shared_] { s->run(); });
  started_ = true;
  log::info("recorder", "recording live frames",
            {{"data_dir", config_.data_dir.string()},
             {"database_name",
              config_.database_name.empty() ? std::string("N_<IST date>") : config_.database_name},
             {"max_bytes", config_.max_bytes}});
  return true;
}

void recorder::stop() {
  started_ = false;
  if (!writer_.joinable()) return;
  shared& s = *shared_;
  std::unique_lock lk(s.mutex);
  s.stopping = true;
  s.wake.notify_one();
  if (s.idle.wait_for(lk, tuning_.stop_timeout, [&s] { return s.finished; })) {
    lk.unlock();
    writer_.join();
    return;
  }
  const std::uint64_t left = s.front.bytes.size() + s.in_flight;
  lk.unlock();
  // The disk is stuck: shutdown does not wait for it. The writer keeps the
  // shared state and writes (or not) while the process lives.
  log::error("recorder", "the disk did not take the buffered frames in time; not waiting longer",
             {{"buffered_bytes", left},
              {"waited_ms", static_cast<std::int64_t>(tuning_.stop_timeout.count())}});
  writer_.detach();
}

void recorder::on_frame(std::span<const std::byte> frame, std::int64_t received_us) {
  if (!started_ || frame.empty() || frame.size() > max_recorded_frame_bytes) return;
  shared& s = *shared_;
  if (s.failed.load(std::memory_order_relaxed)) return;
  const bool follows_date = config_.database_name.empty();
  bool switched = false;
  if (generation_ == 0 ||
      (follows_date && (received_us < day_from_us_ || received_us >= day_until_us_))) {
    if (follows_date) {
      session_ = live_session_name(received_us);
      const ist_day_span day = ist_day_of(received_us);
      day_from_us_ = day.from_us;
      day_until_us_ = day.until_us;
    } else {
      session_ = config_.database_name;
    }
    ++generation_;
    switched = true;
  } else if (s.capped_generation.load(std::memory_order_relaxed) == generation_) {
    ++capped_skipped_;  // this file is full; the next day's file starts again
    return;
  }
  const std::size_t need = recording_record_header_bytes + frame.size();
  bool wake = false;
  std::uint64_t dropped = 0;
  {
    std::lock_guard lk(s.mutex);
    shared::batch& b = s.front;
    if (switched) {
      b.switches.push_back({b.bytes.size(), b.records, generation_, session_});
      s.stats.file = file_for(config_.data_dir, session_).string();
      s.stats.capped = false;
      wake = true;
    }
    if (b.bytes.size() + need > tuning_.buffer_bytes) {
      dropped = ++s.stats.dropped;
    } else {
      append_recording_record(b.bytes, frame, received_us);
      ++b.records;
      if (!s.wake_sent && b.bytes.size() >= tuning_.flush_bytes) {
        s.wake_sent = true;
        wake = true;
      }
    }
  }
  if (wake) s.wake.notify_one();
  if (dropped != 0) {
    const auto now = std::chrono::steady_clock::now();
    if (dropped_at_last_log_ == 0 || now - last_drop_log_ >= tuning_.drop_log_interval) {
      log::warn("recorder", "the disk is not keeping up: frames dropped from the recording",
                {{"dropped", dropped - dropped_at_last_log_},
                 {"dropped_total", dropped},
                 {"buffer_bytes", tuning_.buffer_bytes}});
      last_drop_log_ = now;
      dropped_at_last_log_ = dropped;
    }
  }
}

recorder_stats recorder::stats() const {
  std::lock_guard lk(shared_->mutex);
  recorder_stats st = shared_->stats;
  st.buffered_bytes = shared_->front.bytes.size() + shared_->in_flight;
  st.capped_frames += capped_skipped_;
  st.active = started_ && !shared_->failed.load(std::memory_order_relaxed) && !st.capped;
  return st;
}

}  // namespace tickgate::gateway
