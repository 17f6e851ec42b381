#include "gateway/replay.hpp"

#include "gateway/tick_router.hpp"
#include "storage/log.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace tickgate::gateway {
namespace asio = boost::asio;

namespace {
std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}
}  // namespace

// --- recording_reader -------------------------------------------------------

std::variant<recording_reader, std::string> recording_reader::open(
    const std::filesystem::path& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return "cannot open " + path.string() + ": " + std::strerror(errno);
  std::byte magic[recording_magic.size()];
  if (std::fread(magic, 1, sizeof magic, f) != sizeof magic || !has_recording_magic(magic)) {
    std::fclose(f);
    return path.string() + " is not a tickgate recording (bad magic)";
  }
  std::error_code ec;
  const std::uint64_t size = std::filesystem::file_size(path, ec);
  if (ec) {
    std::fclose(f);
    return "cannot size " + path.string() + ": " + ec.message();
  }
  return recording_reader(f, size > recording_magic.size() ? size - recording_magic.size() : 0);
}

recording_reader::recording_reader(recording_reader&& other) noexcept
    : file_(std::exchange(other.file_, nullptr)),
      remaining_(other.remaining_),
      buffer_(std::move(other.buffer_)),
      begin_(other.begin_),
      eof_(other.eof_),
      corrupt_(other.corrupt_),
      truncated_(other.truncated_) {}

recording_reader& recording_reader::operator=(recording_reader&& other) noexcept {
  if (this != &other) {
    if (file_ != nullptr) std::fclose(file_);
    file_ = std::exchange(other.file_, nullptr);
    remaining_ = other.remaining_;
    buffer_ = std::move(other.buffer_);
    begin_ = other.begin_;
    eof_ = other.eof_;
    corrupt_ = other.corrupt_;
    truncated_ = other.truncated_;
  }
  return *this;
}

recording_reader::~recording_reader() {
  if (file_ != nullptr) std::fclose(file_);
}

std::optional<recording_record> recording_reader::next() {
  for (;;) {
    const auto unread = std::span<const std::byte>(buffer_).subspan(begin_);
    const auto r = decode_recording_record(unread);
    if (r.status == recording_status::record) {
      begin_ += r.consumed;
      return r.record;
    }
    if (r.status == recording_status::corrupt) {
      corrupt_ = true;
      return std::nullopt;
    }
    if (eof_ || file_ == nullptr) {
      truncated_ = !unread.empty();
      return std::nullopt;
    }
    // Compact, then read another chunk (at least a whole record's worth).
    buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(begin_));
    begin_ = 0;
    const std::size_t have = buffer_.size();
    const std::size_t chunk =
        static_cast<std::size_t>(std::min<std::uint64_t>(std::size_t{64} * 1024, remaining_));
    buffer_.resize(have + chunk);
    const std::size_t n = chunk == 0 ? 0 : std::fread(buffer_.data() + have, 1, chunk, file_);
    buffer_.resize(have + n);
    remaining_ -= n;
    if (n < chunk || remaining_ == 0) eof_ = true;
  }
}

// --- replayer ---------------------------------------------------------------

std::string_view run_state_name(run_state s) noexcept {
  switch (s) {
    case run_state::idle: return "idle";
    case run_state::running: return "running";
    case run_state::finished: return "finished";
    case run_state::stopped: return "stopped";
    case run_state::failed: return "failed";
  }
  return "unknown";
}

struct replayer::shared {
  shared(const asio::any_io_executor& ex, tick_router& r) : router(&r), timer(ex), idle(ex) {}
  tick_router* router;
  asio::steady_timer timer;  // pacing
  asio::steady_timer idle;   // cancelled when a run ends (wait_idle)
  run_status status;
  std::uint64_t generation = 0;
  bool alive = true;
};

replayer::replayer(const asio::any_io_executor& ex, tick_router& router)
    : ex_(ex), state_(std::make_shared<shared>(ex, router)) {}

replayer::~replayer() {
  state_->alive = false;
  stop();
}

bool replayer::running() const noexcept {
  return state_->status.state == run_state::running;
}
const run_status& replayer::status() const noexcept {
  return state_->status;
}

void replayer::start(recording_reader reader, std::string database_name,
                     std::optional<double> interval_seconds) {
  stop();
  run_status& st = state_->status;
  st.state = run_state::running;
  st.database_name = std::move(database_name);
  st.interval_seconds = interval_seconds;
  st.frames = 0;
  st.ticks = 0;
  st.error.clear();
  st.started_ms = now_ms();
  st.ended_ms = 0;
  ++st.runs_started;
  const std::uint64_t generation = ++state_->generation;
  log::info("run", "replay started",
            {{"database_name", st.database_name},
             {"interval_seconds", interval_seconds ? *interval_seconds : -1.0}});
  asio::co_spawn(ex_, run(state_, std::move(reader), generation, congested_), [](const std::exception_ptr& e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      log::error("run", "replay failed", {{"error", ex.what()}});
    }
  });
}

void replayer::stop() {
  run_status& st = state_->status;
  if (st.state != run_state::running) return;
  ++state_->generation;
  st.state = run_state::stopped;
  st.ended_ms = now_ms();
  state_->timer.cancel();
  state_->idle.cancel();
  if (state_->alive) {
    log::info("run", "replay stopped",
              {{"database_name", st.database_name}, {"frames", st.frames}});
  }
}

asio::awaitable<void> replayer::wait_idle() {
  auto s = state_;
  while (s->status.state == run_state::running) {
    s->idle.expires_after(std::chrono::hours(24));
    co_await s->idle.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

asio::awaitable<void> replayer::run(std::shared_ptr<shared> s, recording_reader reader,
                                    std::uint64_t generation, std::function<bool()> congested) {
  const auto still_mine = [&] { return s->alive && s->generation == generation; };
  const std::optional<double> interval = s->status.interval_seconds;
  const auto fixed = interval ? std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                    std::chrono::duration<double>(*interval))
                              : std::chrono::steady_clock::duration::zero();
  std::int64_t previous_us = 0;
  bool first = true;
  std::size_t since_yield = 0;
  auto next_at = std::chrono::steady_clock::now();
  for (;;) {
    auto record = reader.next();
    if (!record) break;
    // Pace: wait until this frame is due (the first one goes at once).
    if (!first) {
      std::chrono::steady_clock::duration gap = fixed;
      if (!interval) {
        const std::int64_t delta_us = std::max<std::int64_t>(0, record->received_us - previous_us);
        gap = std::min<std::chrono::steady_clock::duration>(std::chrono::microseconds(delta_us),
                                                            max_recorded_gap);
      }
      next_at += gap;
      if (gap > std::chrono::steady_clock::duration::zero() &&
          next_at > std::chrono::steady_clock::now()) {
        s->timer.expires_at(next_at);
        co_await s->timer.async_wait(asio::as_tuple(asio::use_awaitable));
        since_yield = 0;
      } else if (++since_yield >= replay_batch) {
        // As fast as possible, but never starving the feed, REST or Redis.
        since_yield = 0;
        co_await asio::post(s->timer.get_executor(), asio::use_awaitable);
      }
      if (!still_mine()) co_return;
    }
    // Backpressure: Redis is behind (or away); wait for it to catch up.
    while (congested && congested()) {
      s->timer.expires_after(std::chrono::milliseconds(5));
      co_await s->timer.async_wait(asio::as_tuple(asio::use_awaitable));
      if (!still_mine()) co_return;
      since_yield = 0;
      next_at = std::chrono::steady_clock::now();
    }
    first = false;
    previous_us = record->received_us;
    const auto received = std::chrono::steady_clock::now();
    if (s->router->route_frame(record->frame, received, record->received_us,
                               s->status.database_name)) {
      ++s->status.ticks;
    }
    ++s->status.frames;
    ++s->status.frames_total;
  }
  if (!still_mine()) co_return;
  run_status& st = s->status;
  st.ended_ms = now_ms();
  if (reader.corrupt()) {
    st.state = run_state::failed;
    st.error = "corrupt record after frame " + std::to_string(st.frames);
    log::error("run", "replay ended at a corrupt record",
               {{"database_name", st.database_name}, {"frames", st.frames}});
  } else {
    st.state = run_state::finished;
    log::info("run", "replay finished",
              {{"database_name", st.database_name}, {"frames", st.frames}, {"ticks", st.ticks}});
  }
  s->idle.cancel();
}

}  // namespace tickgate::gateway
