// tickgate-recorder-bench: what recording costs the io_context thread — the
// time of each recorder::on_frame call, paced at --rate frames/s, while the
// recorder's writer thread writes to --dir (default: a temp dir), and, with
// --stuck yes, while the writer hangs on a FIFO nobody reads (a stuck disk:
// frames beyond the buffer are dropped, the caller must not notice).
//
//   build/test/tickgate-recorder-bench [--frames 300000] [--rate 100000]
//                                      [--frame-bytes 379] [--dir DIR] [--stuck yes]
//
// Prints mean, p50, p99, p99.9 and max per call, and the frames recorded and
// dropped. Printed, not asserted: benchmarks measure, tests decide. On a
// shared machine the max is mostly the scheduler.
#include "gateway/recorder.hpp"
#include "storage/log.hpp"
#include "test/support/process.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

using namespace tickgate;
using steady = std::chrono::steady_clock;

int main(int argc, char** argv) {
  std::size_t frames = 300'000;
  std::size_t rate = 100'000;
  std::size_t frame_bytes = 379;  // a SnapQuote
  std::string dir_arg;
  bool stuck = false;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--frames") {
      frames = std::stoul(argv[i + 1]);
    } else if (flag == "--rate") {
      rate = std::max<std::size_t>(1, std::stoul(argv[i + 1]));
    } else if (flag == "--frame-bytes") {
      frame_bytes = std::clamp<std::size_t>(std::stoul(argv[i + 1]), 1, 1 << 20);
    } else if (flag == "--dir") {
      dir_arg = argv[i + 1];
    } else if (flag == "--stuck") {
      stuck = std::string(argv[i + 1]) == "yes";
    } else {
      std::cerr << "usage: tickgate-recorder-bench [--frames N] [--rate FRAMES_PER_S]\n"
                   "                               [--frame-bytes B] [--dir DIR] [--stuck yes]\n";
      return 2;
    }
  }
  log::set_min_level(log::level::error);
  std::optional<test::temp_dir> temp;
  if (dir_arg.empty()) temp.emplace("tickgate-recorder-bench");
  const std::filesystem::path dir = dir_arg.empty() ? temp->path() : std::filesystem::path(dir_arg);

  gateway::recording_config cfg;
  cfg.enabled = true;
  cfg.data_dir = dir;
  cfg.database_name = "recorder-bench";
  const auto file = gateway::recorder::file_for(dir, cfg.database_name);
  std::filesystem::remove(file);
  if (stuck && ::mkfifo(file.c_str(), 0600) != 0) {
    std::cerr << "cannot make the FIFO " << file << "\n";
    return 1;
  }
  gateway::recorder_tuning tuning;
  tuning.stop_timeout = std::chrono::milliseconds(stuck ? 100 : 60'000);
  gateway::recorder r(cfg, tuning);
  if (!r.start()) return 1;

  const std::vector<std::byte> frame(frame_bytes, std::byte{0x5a});
  std::vector<std::uint32_t> ns(frames);
  const auto step = std::chrono::nanoseconds(1'000'000'000 / static_cast<std::int64_t>(rate));
  const auto start = steady::now();
  for (std::size_t i = 0; i < frames; ++i) {
    const auto due = start + step * static_cast<std::int64_t>(i);
    while (steady::now() < due) {
    }
    const auto t0 = steady::now();
    r.on_frame(frame, static_cast<std::int64_t>(i));
    ns[i] = static_cast<std::uint32_t>(std::chrono::nanoseconds(steady::now() - t0).count());
  }
  r.stop();
  const auto st = r.stats();
  if (!stuck) std::filesystem::remove(file);

  double sum = 0;
  for (const auto v : ns) sum += v;
  std::sort(ns.begin(), ns.end());
  const auto at = [&](double q) {
    return ns[static_cast<std::size_t>(q * static_cast<double>(ns.size() - 1))];
  };
  std::printf(
      "recorder/on_frame %s: %zu frames of %zu bytes at %zu/s: mean %.0f ns, p50 %u ns, p99 %u "
      "ns, p99.9 %u ns, max %u ns; recorded %llu, dropped %llu\n",
      stuck ? "(writer stuck on a FIFO)" : "(writer on disk)", frames, frame_bytes, rate,
      sum / static_cast<double>(ns.size()), at(0.5), at(0.99), at(0.999), ns.back(),
      static_cast<unsigned long long>(st.frames), static_cast<unsigned long long>(st.dropped));
  // A stuck writer is left blocked in open(): the process ends without it.
  std::fflush(stdout);
  if (stuck) std::_Exit(0);
  return 0;
}
