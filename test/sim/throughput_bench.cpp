// tickgate-sim-bench: how many frames per second the simulator pushes, and
// what each costs it. Starts tickgate-sim through the fixture, opens N feed
// connections (one client thread each), subscribes T tokens per connection,
// and counts the frames that arrive, checking every frame's sequence number.
//
//   build/test/tickgate-sim-bench [--connections 3] [--tokens 1000] [--rate 50]
//                                 [--mode 1] [--seconds 10] [--plain]
//
// Offered load = connections × tokens × rate frames/s. The clients read raw
// bytes after the upgrade and parse only the WebSocket header, token and
// sequence, so they cost less than the simulator and the figure is the
// simulator's. Printed: received frames/s, the simulator's CPU (from
// /proc/PID/stat) per frame and as a share of one core, its schedule slips
// (ticks it could not generate on time), sequence gaps and decode errors.
#include "protocol/request.hpp"
#include "test/sim/feed_client.hpp"
#include "test/support/simulator.hpp"

#include <unistd.h>

#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace tickgate;
using namespace std::chrono_literals;

struct bench_options {
  int connections = 3;
  int tokens = 1000;
  double rate = 50;
  int mode = 1;
  int seconds = 10;
  bool plain = false;
};

struct counters {
  std::atomic<std::uint64_t> frames{0};
  std::atomic<std::uint64_t> bytes{0};
  std::atomic<std::uint64_t> gaps{0};
  std::atomic<std::uint64_t> errors{0};
};

// CPU seconds (user + system) the process has used.
double cpu_seconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(in, line);
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
  std::istringstream rest(line.substr(line.rfind(')') + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14 || i == 15) ticks += std::stod(field);
  }
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

constexpr int first_token = 10000;

// Reads raw bytes after the upgrade and walks the frames: opcode, length,
// and for binary frames the token (offset 2) and sequence (offset 27, §3.2).
template <class Stream>
void drain(Stream& stream, counters& c, int tokens, const std::atomic<bool>& stop) {
  std::vector<std::int64_t> last(static_cast<std::size_t>(tokens), 0);
  std::vector<char> buf(1 << 20);
  std::size_t have = 0;
  boost::system::error_code ec;
  while (!stop.load(std::memory_order_relaxed)) {
    have += stream.read_some(boost::asio::buffer(buf.data() + have, buf.size() - have), ec);
    if (ec) return;
    std::size_t i = 0;
    std::uint64_t frames = 0;
    while (have - i >= 2) {
      const auto b0 = static_cast<std::uint8_t>(buf[i]);
      std::size_t len = static_cast<std::uint8_t>(buf[i + 1]) & 0x7F;
      std::size_t header = 2;
      if (len == 126) {
        if (have - i < 4) break;
        len = (std::size_t{static_cast<std::uint8_t>(buf[i + 2])} << 8) |
              static_cast<std::uint8_t>(buf[i + 3]);
        header = 4;
      } else if (len == 127) {
        if (have - i < 10) break;
        len = 0;
        for (std::size_t k = 0; k < 8; ++k)
          len = (len << 8) | static_cast<std::uint8_t>(buf[i + 2 + k]);
        header = 10;
      }
      if (have - i < header + len) break;
      const char* p = buf.data() + i + header;
      if ((b0 & 0x0F) == 0x2 && len >= 35) {
        int token = 0;
        std::from_chars(p + 2, p + 27, token);
        std::int64_t sequence = 0;
        std::memcpy(&sequence, p + 27, 8);  // little-endian on this machine
        const auto index = static_cast<std::size_t>(token - first_token);
        if (index < last.size()) {
          if (last[index] != 0 && sequence != last[index] + 1)
            c.gaps.fetch_add(1, std::memory_order_relaxed);
          last[index] = sequence;
        } else {
          c.errors.fetch_add(1, std::memory_order_relaxed);
        }
        ++frames;
      }
      i += header + len;
    }
    std::memmove(buf.data(), buf.data() + i, have - i);
    have -= i;
    c.frames.fetch_add(frames, std::memory_order_relaxed);
  }
}

int run(const bench_options& o) {
  test::simulator_options so;
  so.tls = !o.plain;
  so.rate = o.rate;
  so.extra_args = {"--log-level", "warn", "--max-connections", std::to_string(o.connections)};
  test::simulator sim(so);
  const auto session = sim.login();

  std::vector<std::string> tokens;
  for (int t = 0; t < o.tokens; ++t) tokens.push_back(std::to_string(first_token + t));
  counters c;
  std::atomic<bool> stop{false};
  std::vector<std::unique_ptr<test::feed_client>> clients;
  for (int i = 0; i < o.connections; ++i) {
    clients.push_back(std::make_unique<test::feed_client>(sim));
    if (clients.back()->connect(test::headers_for(sim, session)) != 101) {
      std::fprintf(stderr, "handshake failed\n");
      return 1;
    }
  }
  std::vector<std::thread> readers;
  for (auto& client : clients) {
    // Subscribe in batches of at most 1000 tokens (§5.3).
    client->subscribe(
        {{}, protocol::action::subscribe, static_cast<protocol::mode>(o.mode), {{1, tokens}}});
    readers.emplace_back([&, raw = client.get()] {
      raw->with_raw_stream([&](auto& stream) { drain(stream, c, o.tokens, stop); });
    });
  }

  std::this_thread::sleep_for(2s);  // warm-up: every instrument active
  const auto stats0 = sim.stats();
  const auto t0 = std::chrono::steady_clock::now();
  const double cpu0 = cpu_seconds(sim.process().pid());
  const std::uint64_t f0 = c.frames.load();
  std::this_thread::sleep_for(std::chrono::seconds(o.seconds));
  const std::uint64_t f1 = c.frames.load();
  const double cpu1 = cpu_seconds(sim.process().pid());
  const auto t1 = std::chrono::steady_clock::now();
  const auto stats1 = sim.stats();

  const double elapsed = std::chrono::duration<double>(t1 - t0).count();
  const double frames_per_s = static_cast<double>(f1 - f0) / elapsed;
  const double cpu = cpu1 - cpu0;
  const auto market = [](const boost::json::value& s, const char* k) {
    return s.at("market").at(k).to_number<double>();
  };
  const double ticks_per_s =
      (market(stats1, "ticks_generated") - market(stats0, "ticks_generated")) / elapsed;
  const double encoded_per_s =
      (market(stats1, "frames_encoded") - market(stats0, "frames_encoded")) / elapsed;

  std::printf(
      "tickgate-sim throughput: %s, %d connections x %d tokens, mode %d, rate %g/s per token, %d "
      "s\n",
      o.plain ? "plain" : "tls", o.connections, o.tokens, o.mode, o.rate, o.seconds);
  std::printf("  offered            %10.0f frames/s\n", o.rate * o.tokens * o.connections);
  std::printf("  received           %10.0f frames/s (all connections)\n", frames_per_s);
  std::printf(
      "  ticks generated    %10.0f ticks/s, frames encoded %.0f/s (once per mode, not per "
      "connection)\n",
      ticks_per_s, encoded_per_s);
  std::printf("  simulator CPU      %10.1f %% of one core, %.2f us per frame sent\n",
              100.0 * cpu / elapsed, frames_per_s > 0 ? 1e6 * cpu / (frames_per_s * elapsed) : 0.0);
  std::printf("  schedule slips     %10.0f (whole run)\n", market(stats1, "schedule_slips"));
  std::printf(
      "  sequence gaps      %10llu, unexpected frames %llu, slow disconnects %lld\n",
      static_cast<unsigned long long>(c.gaps.load()),
      static_cast<unsigned long long>(c.errors.load()),
      static_cast<long long>(stats1.at("feed").at("slow_disconnects").to_number<std::int64_t>()));

  stop = true;
  sim.drop_connections();  // unblocks the readers
  for (auto& t : readers) t.join();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  bench_options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (arg == "--connections")
      o.connections = std::stoi(next());
    else if (arg == "--tokens")
      o.tokens = std::stoi(next());
    else if (arg == "--rate")
      o.rate = std::stod(next());
    else if (arg == "--mode")
      o.mode = std::stoi(next());
    else if (arg == "--seconds")
      o.seconds = std::stoi(next());
    else if (arg == "--plain")
      o.plain = true;
    else {
      std::fprintf(
          stderr,
          "usage: tickgate-sim-bench [--connections N] [--tokens N] [--rate R] [--mode 1-4] "
          "[--seconds N] [--plain]\n");
      return 2;
    }
  }
  if (o.tokens < 1 || o.tokens > 1000 || o.connections < 1 || o.mode < 1 || o.mode > 4) {
    std::fprintf(stderr, "tokens 1–1000, connections >= 1, mode 1–4\n");
    return 2;
  }
  try {
    return run(o);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tickgate-sim-bench: %s\n", e.what());
    return 1;
  }
}
