// The recorder's writer thread (gateway/recorder.hpp): records reach the file
// in order and complete after stop(), across file switches; a blocked writer
// (a test hook, or a FIFO nobody opens for reading: a stuck disk) never
// blocks the caller, and the frames that did not fit the buffer are counted
// exactly; stop() writes the buffered tail, and gives up on a stuck disk
// after its bound; recording.max_bytes closes a file at its last record that
// fits (frames past it counted wherever they waited) and the next day's
// file starts again; on_frame allocates nothing on the caller's thread in
// steady state (test/support/counted_new.hpp).
#define BOOST_TEST_MODULE gateway_recorder
#include <boost/test/unit_test.hpp>

#include "gateway/recorder.hpp"
#include "gateway/recording.hpp"
#include "gateway/replay.hpp"
#include "storage/log.hpp"
#include "test/support/counted_new.hpp"
#include "test/support/process.hpp"

#include <atomic>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <vector>

#include <sys/stat.h>

using namespace tickgate;
using namespace tickgate::gateway;
using namespace std::chrono_literals;

namespace {

// A frame whose bytes say which record it is: `n` as text, padded to `size`.
std::vector<std::byte> frame_for(std::int64_t n, std::size_t size) {
  std::string s = std::to_string(n);
  s.resize(size, '.');
  std::vector<std::byte> out(s.size());
  std::memcpy(out.data(), s.data(), s.size());
  return out;
}

struct record {
  std::int64_t received_us;
  std::string frame;
};

std::vector<record> read_records(const std::filesystem::path& path, bool* clean = nullptr) {
  auto opened = recording_reader::open(path);
  BOOST_REQUIRE_MESSAGE(std::holds_alternative<recording_reader>(opened), path);
  auto& reader = std::get<recording_reader>(opened);
  std::vector<record> out;
  while (auto r = reader.next()) {
    out.push_back({r->received_us,
                   std::string(reinterpret_cast<const char*>(r->frame.data()), r->frame.size())});
  }
  if (clean != nullptr) *clean = !reader.truncated_tail() && !reader.corrupt();
  return out;
}

recording_config config_in(const std::filesystem::path& dir, std::string name) {
  recording_config cfg;
  cfg.enabled = true;
  cfg.data_dir = dir;
  cfg.database_name = std::move(name);
  return cfg;
}

// Log lines, from any thread.
struct captured_log {
  std::mutex mutex;
  std::vector<std::string> lines;
  captured_log() {
    log::set_output([this](std::string_view line) {
      std::lock_guard lk(mutex);
      lines.emplace_back(line);
    });
  }
  ~captured_log() { log::set_output(nullptr); }
  std::size_t count(std::string_view text) {
    std::lock_guard lk(mutex);
    std::size_t n = 0;
    for (const auto& l : lines) n += l.find(text) != std::string::npos ? 1 : 0;
    return n;
  }
};

// Blocks the writer thread before its first batch until released.
struct writer_gate {
  std::mutex mutex;
  std::condition_variable cv;
  bool entered = false;
  bool released = false;
  void hook() {
    std::unique_lock lk(mutex);
    entered = true;
    cv.notify_all();
    cv.wait(lk, [this] { return released; });
  }
  bool wait_entered() {
    std::unique_lock lk(mutex);
    return cv.wait_for(lk, 10s, [this] { return entered; });
  }
  void release() {
    std::lock_guard lk(mutex);
    released = true;
    cv.notify_all();
  }
};

// 2025-07-18 18:29:59 UTC is 23:59:59 IST; one second later is the 19th.
constexpr std::int64_t before_midnight_ist = 1752863399LL * 1'000'000;

}  // namespace

BOOST_AUTO_TEST_CASE(records_arrive_in_order_and_complete_after_stop_across_a_day_switch) {
  test::temp_dir dir;
  recorder_tuning tuning;
  tuning.flush_bytes = 4096;  // many small batches, so switches fall inside them
  tuning.flush_interval = 1ms;
  recorder r(config_in(dir.path(), ""), tuning);
  BOOST_REQUIRE(r.start());
  // 20 000 frames of 20..419 bytes (4.4 MB, under the 8 MiB buffer: none is
  // dropped however slow the disk), the second half after IST midnight.
  constexpr int n = 20'000;
  for (int i = 0; i < n; ++i) {
    const std::int64_t t = before_midnight_ist - n / 2 + i;  // µs steps: 1 per frame
    const auto at = i < n / 2 ? t : t + 1'000'000;
    r.on_frame(frame_for(i, 20 + static_cast<std::size_t>(i % 400)), at);
  }
  r.stop();
  bool clean18 = false;
  bool clean19 = false;
  const auto day18 = read_records(dir.path() / "N_20250718.ticks", &clean18);
  const auto day19 = read_records(dir.path() / "N_20250719.ticks", &clean19);
  BOOST_TEST(clean18);
  BOOST_TEST(clean19);
  BOOST_REQUIRE_EQUAL(day18.size(), std::size_t{n / 2});
  BOOST_REQUIRE_EQUAL(day19.size(), std::size_t{n / 2});
  for (int i = 0; i < n; ++i) {
    const record& rec =
        i < n / 2 ? day18[static_cast<std::size_t>(i)] : day19[static_cast<std::size_t>(i - n / 2)];
    const auto expected = frame_for(i, 20 + static_cast<std::size_t>(i % 400));
    BOOST_REQUIRE_EQUAL(rec.frame.size(), expected.size());
    BOOST_REQUIRE(std::memcmp(rec.frame.data(), expected.data(), expected.size()) == 0);
  }
  const auto st = r.stats();
  BOOST_TEST(st.frames == std::uint64_t{n});
  BOOST_TEST(st.dropped == 0u);
  BOOST_TEST(st.files == 2u);
  BOOST_TEST(st.buffered_bytes == 0u);
  BOOST_TEST(st.bytes == std::filesystem::file_size(dir.path() / "N_20250718.ticks") +
                             std::filesystem::file_size(dir.path() / "N_20250719.ticks"));
  BOOST_TEST(!st.active);
}

BOOST_AUTO_TEST_CASE(a_blocked_writer_does_not_block_the_caller_and_drops_are_counted_exactly) {
  test::temp_dir dir;
  captured_log logged;
  writer_gate gate;
  recorder_tuning tuning;
  tuning.buffer_bytes = 64 * 1024;
  tuning.flush_bytes = 16 * 1024;
  tuning.flush_interval = 1h;     // the writer wakes for the file switch only
  tuning.drop_log_interval = 1h;  // so exactly one drop line
  tuning.before_write = [&gate] { gate.hook(); };
  recorder r(config_in(dir.path(), "blocked"), tuning);
  BOOST_REQUIRE(r.start());

  constexpr std::size_t frame_bytes = 100;
  constexpr std::size_t record_bytes = recording_record_header_bytes + frame_bytes;
  // The first frame opens the file: the writer takes it and blocks.
  r.on_frame(frame_for(0, frame_bytes), 0);
  BOOST_REQUIRE(gate.wait_entered());
  // The buffer is empty again; 1000 frames come while the writer is stuck,
  // and every call returns.
  constexpr std::size_t fit = (64 * 1024) / record_bytes;  // 585
  for (int i = 1; i <= 1000; ++i) r.on_frame(frame_for(i, frame_bytes), i);
  auto st = r.stats();
  BOOST_TEST(st.dropped == 1000u - fit);
  BOOST_TEST(st.frames == 0u);
  BOOST_TEST(st.buffered_bytes == (1 + fit) * record_bytes);
  BOOST_TEST(st.active);
  BOOST_TEST(logged.count("frames dropped from the recording") == 1u);

  gate.release();
  r.stop();
  st = r.stats();
  BOOST_TEST(st.frames == 1u + fit);
  BOOST_TEST(st.dropped == 1000u - fit);
  BOOST_TEST(st.errors == 0u);
  // The recorded ones are the first 1 + fit, in order: the dropped ones are
  // the ones that came when the buffer was full.
  const auto records = read_records(recorder::file_for(dir.path(), "blocked"));
  BOOST_REQUIRE_EQUAL(records.size(), 1u + fit);
  for (std::size_t i = 0; i < records.size(); ++i) {
    BOOST_REQUIRE_EQUAL(records[i].received_us, static_cast<std::int64_t>(i));
  }
}

BOOST_AUTO_TEST_CASE(a_fifo_nobody_reads_stalls_the_writer_not_the_caller_and_stop_is_bounded) {
  test::temp_dir dir;
  captured_log logged;
  const auto path = recorder::file_for(dir.path(), "stuck");
  // Opening it blocks until someone opens the other end: a disk that hangs.
  BOOST_REQUIRE(::mkfifo(path.c_str(), 0600) == 0);
  recorder_tuning tuning;
  tuning.buffer_bytes = 64 * 1024;
  tuning.flush_bytes = 16 * 1024;
  tuning.stop_timeout = 200ms;
  recorder r(config_in(dir.path(), "stuck"), tuning);
  BOOST_REQUIRE(r.start());
  constexpr std::size_t record_bytes = recording_record_header_bytes + 100;
  constexpr std::uint64_t total = 20'000;  // 2.2 MB: far over both buffers
  for (std::uint64_t i = 0; i < total; ++i) {
    r.on_frame(frame_for(static_cast<std::int64_t>(i), 100), static_cast<std::int64_t>(i));
  }
  const auto st = r.stats();
  BOOST_TEST(st.frames == 0u);
  BOOST_TEST(st.bytes == 0u);
  // Every frame is either waiting in a buffer or counted as dropped.
  BOOST_TEST(st.buffered_bytes % record_bytes == 0u);
  BOOST_TEST(st.buffered_bytes <= 2 * tuning.buffer_bytes);
  BOOST_TEST(st.dropped == total - st.buffered_bytes / record_bytes);
  BOOST_TEST(st.dropped > total / 2);
  // stop() gives up after its bound and says so; the writer stays blocked in
  // open() (the process would end with it).
  const auto before = std::chrono::steady_clock::now();
  r.stop();
  BOOST_TEST((std::chrono::steady_clock::now() - before < 5s));
  BOOST_TEST(logged.count("did not take the buffered frames in time") == 1u);
}

BOOST_AUTO_TEST_CASE(stop_writes_the_buffered_tail) {
  test::temp_dir dir;
  recorder_tuning tuning;
  tuning.flush_bytes = tuning.buffer_bytes;  // never reached
  tuning.flush_interval = 1h;                // so only stop() writes the tail
  recorder r(config_in(dir.path(), "tail"), tuning);
  BOOST_REQUIRE(r.start());
  // The first frame goes with the file switch.
  r.on_frame(frame_for(0, 50), 0);
  BOOST_REQUIRE(test::eventually([&] { return r.stats().frames == 1u; }, 10s));
  for (int i = 1; i <= 300; ++i) r.on_frame(frame_for(i, 50), i);
  auto st = r.stats();
  BOOST_TEST(st.frames == 1u);
  BOOST_TEST(st.buffered_bytes == 300u * (recording_record_header_bytes + 50));
  r.stop();
  st = r.stats();
  BOOST_TEST(st.frames == 301u);
  BOOST_TEST(st.buffered_bytes == 0u);
  const auto records = read_records(recorder::file_for(dir.path(), "tail"));
  BOOST_REQUIRE_EQUAL(records.size(), 301u);
  BOOST_TEST(records.back().received_us == 300);
}

// The capped-file tests: a 1 MiB cap and 1000-byte frames, of which the
// first cap_fit (1036) fit after the file's magic.
constexpr std::uint64_t cap_bytes = 1 << 20;
constexpr std::size_t cap_frame_bytes = 1000;
constexpr std::size_t cap_record_bytes = recording_record_header_bytes + cap_frame_bytes;
constexpr std::size_t cap_fit = (cap_bytes - recording_magic.size()) / cap_record_bytes;

// Frames buffered before the writer finds the cap are not recorded, and
// counted like the ones turned away after it: the writer is held on its
// second batch (the one that reaches the cap) while 100 more frames queue
// behind it, in a third batch for the same, full file.
BOOST_AUTO_TEST_CASE(frames_past_the_cap_are_counted_wherever_they_wait) {
  test::temp_dir dir;
  auto cfg = config_in(dir.path(), "capped");
  cfg.max_bytes = cap_bytes;
  writer_gate gate;
  std::atomic<int> writes{0};
  recorder_tuning tuning;
  tuning.flush_bytes = std::size_t{64} << 20;  // no wake-up for size
  tuning.flush_interval = 200ms;               // the writer takes what waits every 200 ms
  tuning.before_write = [&] {
    if (++writes == 2) gate.hook();
  };
  recorder r(cfg, tuning);
  BOOST_REQUIRE(r.start());
  r.on_frame(frame_for(0, cap_frame_bytes), 0);  // opens the file: batch 1
  BOOST_REQUIRE(test::eventually([&] { return r.stats().frames == 1u; }, 10s));
  for (int i = 1; i < 1100; ++i) r.on_frame(frame_for(i, cap_frame_bytes), i);
  BOOST_REQUIRE(gate.wait_entered());  // batch 2 (frames 1–1099) taken, not written
  for (int i = 1100; i < 1200; ++i) r.on_frame(frame_for(i, cap_frame_bytes), i);  // batch 3
  gate.release();
  BOOST_REQUIRE(test::eventually([&] { return r.stats().capped_frames == 1200u - cap_fit; }, 10s));
  r.on_frame(frame_for(1200, cap_frame_bytes), 1200);  // turned away at once
  r.stop();
  const auto st = r.stats();
  BOOST_TEST(st.frames == cap_fit);
  BOOST_TEST(st.capped_frames == 1200u - cap_fit + 1u);
  BOOST_TEST(st.dropped == 0u);
  BOOST_TEST(st.capped_files == 1u);
  BOOST_TEST(writes.load() >= 3);  // batch 3 went through the writer
  BOOST_TEST(read_records(recorder::file_for(dir.path(), "capped")).size() == cap_fit);
}

BOOST_AUTO_TEST_CASE(max_bytes_closes_the_file_and_the_next_day_starts_again) {
  test::temp_dir dir;
  auto cfg = config_in(dir.path(), "");
  cfg.max_bytes = cap_bytes;
  captured_log logged;
  {
    recorder r(cfg);
    BOOST_REQUIRE(r.start());
    // 1200 frames on the 18th: the file stops at the last one that fits.
    for (int i = 0; i < 1200; ++i)
      r.on_frame(frame_for(i, cap_frame_bytes), before_midnight_ist - 5000 + i);
    BOOST_REQUIRE(test::eventually([&] { return r.stats().capped; }, 10s));
    auto st = r.stats();
    BOOST_TEST(!st.active);
    BOOST_TEST(st.capped_files == 1u);
    BOOST_TEST(st.frames == cap_fit);
    BOOST_TEST(st.dropped == 0u);
    BOOST_TEST(st.errors == 0u);
    BOOST_TEST(logged.count("reached recording.max_bytes") == 1u);
    // More frames that day are not recorded.
    r.on_frame(frame_for(5000, cap_frame_bytes), before_midnight_ist);
    // The 19th: a new file.
    for (int i = 0; i < 10; ++i) {
      r.on_frame(frame_for(10'000 + i, cap_frame_bytes), before_midnight_ist + 1'000'000 + i);
    }
    BOOST_REQUIRE(test::eventually([&] { return r.stats().active; }, 10s));
    r.stop();
    st = r.stats();
    BOOST_TEST(st.frames == cap_fit + 10);
    BOOST_TEST(st.files == 2u);
    BOOST_TEST(st.capped_files == 1u);
    // Every frame of the 18th that did not fit is counted: those buffered
    // before the writer found the cap, and the one turned away after.
    BOOST_TEST(st.capped_frames == 1200u - cap_fit + 1u);
    BOOST_TEST(st.dropped == 0u);
  }
  const auto day18 = dir.path() / "N_20250718.ticks";
  BOOST_TEST(std::filesystem::file_size(day18) == recording_magic.size() + cap_fit * cap_record_bytes);
  const auto records = read_records(day18);
  BOOST_REQUIRE_EQUAL(records.size(), cap_fit);
  BOOST_TEST(records.back().received_us == before_midnight_ist - 5000 + std::int64_t{cap_fit} - 1);
  const auto next = read_records(dir.path() / "N_20250719.ticks");
  BOOST_REQUIRE_EQUAL(next.size(), 10u);
  BOOST_TEST(next.front().received_us == before_midnight_ist + 1'000'000);

  // A restart on the full file (a fixed name this time) records nothing
  // more into it, and says why.
  std::filesystem::rename(day18, dir.path() / "full.ticks");
  auto fixed = config_in(dir.path(), "full");
  fixed.max_bytes = cap_bytes;
  recorder r(fixed);
  BOOST_REQUIRE(r.start());
  r.on_frame(frame_for(1, cap_frame_bytes), 1);
  r.stop();
  const auto st = r.stats();
  BOOST_TEST(st.capped);
  BOOST_TEST(st.capped_files == 1u);
  BOOST_TEST(st.frames == 0u);
  BOOST_TEST(st.capped_frames == 1u);
  BOOST_TEST(std::filesystem::file_size(dir.path() / "full.ticks") ==
             recording_magic.size() + cap_fit * cap_record_bytes);
}

BOOST_AUTO_TEST_CASE(on_frame_allocates_nothing_in_steady_state) {
  test::temp_dir dir;
  recorder_tuning tuning;
  tuning.flush_bytes = 16 * 1024;  // the writer swaps buffers often
  recorder r(config_in(dir.path(), "alloc"), tuning);
  BOOST_REQUIRE(r.start());
  const auto frame = frame_for(1, 379);  // a SnapQuote's size
  r.on_frame(frame, 0);                  // the file switch (allocates once)
  const auto before = test::allocations_on_this_thread;
  for (int i = 1; i <= 20'000; ++i) r.on_frame(frame, i);
  BOOST_TEST(test::allocations_on_this_thread - before == 0u);
  r.stop();
  BOOST_TEST(r.stats().frames == 20'001u);
}
