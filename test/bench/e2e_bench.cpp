// tickgate-e2e-bench: the gateway end to end against a real redis-server,
// next to the Redis ceiling, in one run (issue 6, design.md "Performance
// targets").
//
//   build/test/tickgate-e2e-bench [--tokens 3000] [--ticks 200000] [--rate 20000]
//       [--seconds 5] [--burst 100000] [--process-seconds 10] [--soak SECONDS]
//       [--url redis://…]
//
// Phases 1–4 run the gateway in this process: the composition root itself
// (gateway::app: connection pool, the five sinks with their default
// configuration, the tick router) with the feed switched off, and a replayer
// in the same thread handing it SmartStream SnapQuote frames through
// tick_router::on_frame, exactly where the feed's WebSocket reader hands them
// over, one frame per io_context turn. Frames come pre-encoded from
// synthetic_market.hpp (a few stores per frame), so the source is never the
// bottleneck. Each phase has a fresh gateway and an empty Redis:
//  1. throughput: --ticks frames as fast as Redis takes them (the gateway
//     pauses only while more than 4 MiB wait for Redis); every byte the
//     connection writes is captured (connection_options::write_tap);
//  2. ceiling: `redis-cli --pipe` writes the captured command stream — the
//     same commands for the same ticks — as fast as Redis accepts it;
//     ratio = gateway ticks/s ÷ ceiling ticks/s;
//  3. paced: --rate ticks/s for --seconds: frame-received → Redis-acknowledged
//     latency (the connection's origin_to_ack histogram, per request: a tick
//     is 4 requests, acknowledged by the same read) and CPU per tick;
//  4. burst: --burst ticks within one second (market open).
// Paced phases also print the feeding loop's late wake-ups (≥ 5 ms): the
// loop runs on the gateway's thread, so a latency spike without one was not
// the gateway's work. Every phase prints its CPU per tick split into user
// and system time, wake-ups (voluntary context switches: the fixed cost of a
// steady stream), preemptions and the hypervisor's steal time.
// After each, the bench proves no tick was lost: nothing dropped or refused,
// and every token's stream holds exactly the ticks sent to it, the newest
// entry carrying the token's last sequence number.
//  5. process: the tickgate binary against tickgate-sim over TLS at --rate
//     ticks/s spread over the tokens, for --process-seconds (or --soak
//     SECONDS): the gateway process's CPU per tick and RSS with everything
//     included (TLS, WebSocket, logging), RSS sampled every tenth (drift =
//     last vs first), its origin_to_ack latency from GET /stats (since
//     start-up), then a drain and the loss check (every stream holds
//     sequences 1..n in n entries).
//  6. feed-only: the same for 5 s with every sink off (not with --soak):
//     the CPU per tick of receiving the feed alone, the floor under 5's.
//
// Prints a table and, last, one machine-readable line:
//   ticks_per_s=… redis_ceiling_ratio=… p50_us=… p99_us=… p999_us=…
//   cpu_us_per_tick=… rss_mb=…
// (throughput from 1–2, latency from 3, CPU and RSS from 5, or from 3 with
// --process-seconds 0). Figures, not verdicts; exit status 1 if a tick was
// lost.
#include "gateway/app.hpp"
#include "gateway/config.hpp"
#include "storage/histogram.hpp"
#include "storage/log.hpp"
#include "test/bench/synthetic_market.hpp"
#include "test/support/http_client.hpp"
#include "test/support/process.hpp"
#include "test/support/redis_client.hpp"
#include "test/support/redis_server.hpp"
#include "test/support/simulator.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace asio = boost::asio;
using namespace tickgate;
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

// CPU time and context switches of a process, cumulative. Voluntary
// switches are the process going to sleep (epoll_wait with nothing ready):
// each is a wake-up later, the main fixed cost of a steady stream.
struct cpu_sample {
  double user = 0;    // seconds
  double system = 0;  // seconds
  std::uint64_t voluntary = 0;
  std::uint64_t involuntary = 0;  // preempted
  // Seconds on a CPU to the nanosecond (schedstat), when known: another
  // process's user and system time come in clock ticks (10 ms), too coarse
  // for a 5-s phase at ~100 ms of CPU.
  std::optional<double> on_cpu;

  double total() const { return on_cpu ? *on_cpu : user + system; }
  // user and system time in their proportion, summing to total().
  double user_share() const { return user + system > 0 ? total() * user / (user + system) : 0; }
  double system_share() const { return total() - user_share(); }
  cpu_sample operator-(const cpu_sample& o) const {
    std::optional<double> d;
    if (on_cpu && o.on_cpu) d = *on_cpu - *o.on_cpu;
    return {user - o.user, system - o.system, voluntary - o.voluntary, involuntary - o.involuntary,
            d};
  }
};

// CPU time the hypervisor ran something else while this VM's CPUs had work
// ("steal" in /proc/stat, all CPUs), in ms; 0 on bare metal. A latency spike
// in a phase with steal time may be nobody's in this machine.
double steal_ms() {
  std::ifstream in("/proc/stat");
  std::string cpu;
  in >> cpu;  // "cpu": the sum over CPUs
  std::array<double, 8> fields{};  // user nice system idle iowait irq softirq steal
  for (double& f : fields) in >> f;
  return fields[7] * 1000.0 / static_cast<double>(sysconf(_SC_CLK_TCK));
}

cpu_sample self_cpu() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  const auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return {seconds(u.ru_utime), seconds(u.ru_stime), static_cast<std::uint64_t>(u.ru_nvcsw),
          static_cast<std::uint64_t>(u.ru_nivcsw), std::nullopt};
}

// The number after `field` on its /proc/PID/status line (0 when absent).
double process_status_value(pid_t pid, std::string_view field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field, 0) == 0) return std::strtod(line.c_str() + field.size(), nullptr);
  }
  return 0;
}

// A /proc/PID/status size in MiB: "VmRSS:" (resident, file-backed pages of
// the binary and libraries included) or "RssAnon:" (heap and stacks only).
double process_status_mb(pid_t pid, std::string_view field = "VmRSS:") {
  return process_status_value(pid, field) / 1024.0;  // the sizes are in kB
}

std::int64_t epoch_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct options {
  std::size_t tokens = 3000;
  std::size_t ticks = 200'000;
  std::size_t rate = 20'000;
  double seconds = 5;
  std::size_t burst = 100'000;
  double process_seconds = 10;
  double soak = 0;
  std::string url;
};

struct phase_result {
  std::string name;
  std::size_t ticks = 0;
  double seconds = 0;  // first frame → last acknowledgement
  cpu_sample cpu;      // the gateway's, over the phase
  double steal_ms = 0;  // taken by the hypervisor over the phase (all CPUs)
  metrics::histogram latency;
  std::uint64_t commands = 0;
  std::uint64_t writes = 0;
  std::uint64_t dropped = 0;
  std::uint64_t errors = 0;
  double rss = 0;
  std::vector<double> rss_samples;
  std::vector<double> rss_anon_samples;  // the heap's part of it
  // The process phase: p50, p99, p99.9, max from the gateway's /stats.
  std::optional<std::array<std::uint64_t, 4>> process_latency;
  // The process phase's measured window alone (no start-up): requests
  // acknowledged within each /metrics bucket bound, cumulative.
  std::map<double, std::uint64_t> window_buckets;
  // Paced phases: the feeding loop's late wake-ups (≥ 5 ms) — the gateway's
  // thread was busy or not scheduled — as (seconds into the phase, ms late).
  std::vector<std::pair<double, double>> stalls;
  std::string loss;  // "" when nothing was lost, else what
  bool loss_checked = true;  // false: nothing stored to check (feed only)
};

// How a phase feeds frames.
struct pacing {
  std::size_t ticks = 0;
  std::size_t rate = 0;  // 0: as fast as Redis takes them
};

class bench_run {
public:
  bench_run(options o, std::string url) : opt_(std::move(o)), url_(std::move(url)), market_(opt_.tokens) {}

  // One phase on a fresh gateway. `capture`: every byte written to Redis.
  phase_result run(const std::string& name, pacing p, std::FILE* capture) {
    {
      test::redis_client admin(url_);
      admin.command({"FLUSHALL"});
    }
    std::vector<std::int64_t> first_seq(market_.size());
    for (std::size_t i = 0; i < market_.size(); ++i) first_seq[i] = market_.sequence(i) + 1;

    asio::io_context io(1);
    gateway::config cfg;
    cfg.feed.enabled = false;
    cfg.http.enabled = false;
    cfg.log_level = log::level::warn;
    cfg.redis.connection.endpoint = storage::parse_redis_url(url_).value();
    if (capture != nullptr) {
      cfg.redis.connection.write_tap = [capture](std::string_view bytes) {
        std::fwrite(bytes.data(), 1, bytes.size(), capture);
      };
    }
    std::vector<gateway::desired_subscription> subscriptions;
    for (const auto& in : market_.instruments()) {
      subscriptions.push_back({{in.exchange_type, in.token}, market_.mode(), in.exchange});
    }
    gateway::app app(io, cfg, protocol::instrument_index(market_.instruments()));
    if (auto error = app.start(std::move(subscriptions))) {
      std::cerr << "gateway start failed: " << *error << "\n";
      std::exit(1);
    }
    storage::connection& conn = app.redis().for_db(-1);
    while (!conn.connected()) io.run_one();

    phase_result r;
    r.name = name;
    r.ticks = p.ticks;
    const cpu_sample cpu0 = self_cpu();
    const double steal0 = steal_ms();
    const auto start = steady::now();
    bool done = false;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          asio::steady_timer timer(io);
          for (std::size_t sent = 0; sent < p.ticks;) {
            if (p.rate != 0) {
              const double elapsed = std::chrono::duration<double>(steady::now() - start).count();
              const auto due = std::min(
                  p.ticks, static_cast<std::size_t>(elapsed * static_cast<double>(p.rate)));
              if (sent >= due) {
                timer.expires_after(100us);
                const auto asleep = steady::now();
                co_await timer.async_wait(asio::use_awaitable);
                const auto late = steady::now() - asleep - 100us;
                if (late >= 5ms) {
                  r.stalls.emplace_back(
                      std::chrono::duration<double>(asleep - start).count(),
                      std::chrono::duration<double, std::milli>(late).count());
                }
                continue;
              }
            } else if (conn.stats().buffered_bytes > (4u << 20)) {
              co_await conn.flush(60s);  // Redis is the limit: let it catch up
            }
            const std::int64_t now_us = epoch_us();
            const auto frame = market_.next(sent % market_.size(), now_us / 1000);
            app.router().on_frame(frame, steady::now(), now_us);
            ++sent;
            co_await asio::post(io, asio::use_awaitable);  // the next frame
          }
          // Latency: every tick's requests, acknowledged, before the forced
          // flush below. That flush writes every symbol's changed candles at
          // once (~9 000 HSETs and EXPIREs at 3000 tokens, which Redis takes
          // ~50 ms to run): the shutdown drain's cost, not a tick's, and
          // counted in, it alone made p99.9 ~30 ms in every phase.
          co_await conn.flush(120s);
          r.latency = conn.origin_to_ack();
          // Time, CPU and the ceiling's command stream include the flush.
          if (app.sinks().candles != nullptr) app.sinks().candles->flush();
          co_await conn.flush(120s);
          r.seconds = std::chrono::duration<double>(steady::now() - start).count();
          r.cpu = self_cpu() - cpu0;
          r.steal_ms = steal_ms() - steal0;
          r.rss = process_status_mb(getpid());
          co_await app.shutdown();
          done = true;
        },
        asio::detached);
    while (!done) io.run_one();
    io.run();
    const auto& s = conn.stats();
    r.commands = s.commands;
    r.writes = s.writes;
    r.dropped = s.dropped_commands;
    r.errors = s.error_replies;
    r.loss = check_loss(first_seq, r);
    return r;
  }

  bench::synthetic_market& market() noexcept { return market_; }

private:
  // "" when every tick of the phase is in Redis.
  std::string check_loss(const std::vector<std::int64_t>& first_seq, const phase_result& r) {
    std::ostringstream problems;
    if (r.dropped != 0) problems << r.dropped << " commands dropped; ";
    if (r.errors != 0) problems << r.errors << " error replies; ";
    test::redis_client client(url_);
    std::size_t short_streams = 0;
    std::int64_t total = 0;
    for (std::size_t i = 0; i < market_.size(); ++i) {
      const std::int64_t expected = market_.sequence(i) - first_seq[i] + 1;
      if (expected <= 0) continue;
      const std::string key = "market_data_stream:" + market_.instruments()[i].symbol;
      const std::int64_t len = client.integer({"XLEN", key});
      total += len;
      bool ok = len == expected;
      if (ok) {
        // The newest entry carries the token's last sequence number.
        const auto last = client.command({"XREVRANGE", key, "+", "-", "COUNT", "1"});
        ok = false;
        const std::string want = std::to_string(market_.sequence(i));
        if (last.elements.size() == 1 && last.elements[0].elements.size() == 2) {
          const auto& fields = last.elements[0].elements[1].elements;
          for (std::size_t f = 0; f + 1 < fields.size(); f += 2) {
            if (fields[f].string == "sequence") ok = fields[f + 1].string == want;
          }
        }
      }
      if (!ok) ++short_streams;
    }
    if (short_streams != 0) {
      problems << short_streams << " streams incomplete (" << total << " entries for " << r.ticks
               << " ticks); ";
    }
    return problems.str();
  }

  options opt_;
  std::string url_;
  bench::synthetic_market market_;
};

// Ticks/s Redis accepts for the captured stream, through `redis-cli --pipe`
// (one connection, writes and reads overlapped, replies counted).
struct ceiling_result {
  double seconds = 0;
  std::uint64_t replies = 0;
  std::uint64_t errors = 0;
  std::uint64_t bytes = 0;
};

ceiling_result run_ceiling(const std::string& url, std::uint16_t port,
                           const std::filesystem::path& capture, const std::filesystem::path& dir) {
  {
    test::redis_client admin(url);
    admin.command({"FLUSHALL"});
  }
  const auto out = dir / "pipe.out";
  std::filesystem::remove(out);
  const std::string cmd = test::find_program("redis-cli").string() + " -h 127.0.0.1 -p " +
                          std::to_string(port) + " --pipe < '" + capture.string() + "'";
  const auto start = steady::now();
  test::child_process p({{"/bin/sh", "-c", cmd}, {}, out, std::nullopt});
  const auto status = p.wait_for_exit(600s);
  ceiling_result r;
  r.seconds = std::chrono::duration<double>(steady::now() - start).count();
  r.bytes = std::filesystem::file_size(capture);
  const std::string text = test::read_file(out);
  if (!status || *status != 0) {
    std::cerr << "redis-cli --pipe failed:\n" << text;
    std::exit(1);
  }
  // "errors: 0, replies: 1234"
  if (const auto at = text.find("errors: "); at != std::string::npos) {
    r.errors = std::strtoull(text.c_str() + at + 8, nullptr, 10);
  }
  if (const auto at = text.find("replies: "); at != std::string::npos) {
    r.replies = std::strtoull(text.c_str() + at + 9, nullptr, 10);
  }
  return r;
}


// --- The real binaries ------------------------------------------------------

// cpu_sample of another process: /proc/PID/stat (utime, stime),
// /proc/PID/status (context switches) and the first field of every thread's
// /proc/PID/task/TID/schedstat (ns on a CPU).
cpu_sample process_cpu(pid_t pid) {
  cpu_sample c;
  {
    std::error_code ec;
    double ns = 0;
    bool any = false;
    for (const auto& task :
         std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec)) {
      std::ifstream in(task.path() / "schedstat");
      double thread_ns = 0;
      if (in >> thread_ns) {
        ns += thread_ns;
        any = true;
      }
    }
    if (any) c.on_cpu = ns / 1e9;
  }
  {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // Fields after the ")" that closes the command name: state is field 3,
    // utime 14, stime 15 (clock ticks).
    const auto close = text.rfind(')');
    if (close == std::string::npos) return c;
    std::istringstream fields(text.substr(close + 2));
    std::string f;
    const auto tick = static_cast<double>(sysconf(_SC_CLK_TCK));
    for (int i = 3; i <= 15 && fields >> f; ++i) {
      if (i == 14) c.user = std::strtod(f.c_str(), nullptr) / tick;
      if (i == 15) c.system = std::strtod(f.c_str(), nullptr) / tick;
    }
  }
  c.voluntary = static_cast<std::uint64_t>(process_status_value(pid, "voluntary_ctxt_switches:"));
  c.involuntary = static_cast<std::uint64_t>(process_status_value(pid, "nonvoluntary_ctxt_switches:"));
  return c;
}

// tickgate_redis_origin_to_ack_seconds from GET /metrics, every database
// summed: requests acknowledged within each bucket bound (seconds; +Inf as
// infinity), cumulative. Empty when the gateway does not answer.
std::map<double, std::uint64_t> origin_to_ack_buckets(std::uint16_t http_port) {
  std::map<double, std::uint64_t> buckets;
  std::string body;
  try {
    body = test::http_call(http_port, "GET", "/metrics").body;
  } catch (const std::exception& e) {
    std::cerr << "GET /metrics: " << e.what() << "\n";
    return buckets;
  }
  std::istringstream lines(body);
  std::string line;
  constexpr std::string_view family = "tickgate_redis_origin_to_ack_seconds_bucket{";
  while (std::getline(lines, line)) {
    if (!line.starts_with(family)) continue;
    const auto le = line.find("le=\"");
    const auto close = line.find("\"}", le);
    if (le == std::string::npos || close == std::string::npos) continue;
    const std::string bound = line.substr(le + 4, close - le - 4);
    const double seconds = bound == "+Inf" ? std::numeric_limits<double>::infinity()
                                           : std::strtod(bound.c_str(), nullptr);
    buckets[seconds] += std::strtoull(line.c_str() + close + 2, nullptr, 10);
  }
  return buckets;
}

// A scrip master (OpenAPIScripMaster.json rows) for the synthetic market.
std::string scrip_master_json(const bench::synthetic_market& market) {
  boost::json::array rows;
  for (const auto& in : market.instruments()) {
    rows.push_back({{"token", in.token},
                    {"symbol", in.trading_symbol},
                    {"name", in.name},
                    {"expiry", in.expiry},
                    {"strike", std::to_string(static_cast<long long>(in.strike * 100)) + ".000000"},
                    {"lotsize", std::to_string(in.lot_size)},
                    {"instrumenttype", in.instrument_type},
                    {"exch_seg", in.exchange},
                    {"tick_size", "5.000000"}});
  }
  return boost::json::serialize(rows);
}

// The tickgate binary against tickgate-sim (TLS, SmartStream over
// WebSocket) at `rate` ticks/s over all tokens, for `seconds` after a
// warm-up: the gateway process's CPU per tick and RSS, everything included
// (TLS, WebSocket, decode, records, sinks, Redis I/O, logging). Then
// SIGTERM (drain) and the loss check: the simulator numbers each token's
// ticks from 1 and pauses tokens nobody subscribes to, so every stream must
// hold sequences 1..n with n entries.
//
// With `sinks` false ("feed only") every sink is off: the same process
// receives, decodes and routes the same ticks and writes nothing. Its CPU
// per tick is the floor the sinks add to; ticks are counted from /stats.
phase_result run_process(const std::string& url, const bench::synthetic_market& market,
                         std::size_t rate, double seconds, std::size_t rss_samples,
                         const std::filesystem::path& dir, bool sinks = true) {
  {
    test::redis_client admin(url);
    admin.command({"FLUSHALL"});
  }
  test::simulator_options so;
  so.rate = static_cast<double>(rate) / static_cast<double>(market.size());
  so.extra_args = {"--log-level", "warn"};
  test::simulator sim(so);

  const std::uint16_t http_port = test::free_loopback_port();
  const auto master = dir / "scrip_master.json";
  std::ofstream(master) << scrip_master_json(market);
  boost::json::array subscribe;
  for (const auto& in : market.instruments()) {
    subscribe.push_back({{"token", in.token}, {"exchange", in.exchange}, {"mode", "snap_quote"}});
  }
  const boost::json::object cfg{
      {"angel",
       {{"api_key", sim.credentials().api_key},
        {"client_code", sim.credentials().client_code},
        {"pin", sim.credentials().pin},
        {"totp_secret", sim.credentials().totp_secret},
        {"login_url", sim.login_base_url()},
        {"feed_url", sim.feed_url()},
        {"ca_file", sim.ca_file().string()}}},
      {"feed", {{"stall_market_hours_only", false}}},
      {"instruments", {{"scrip_master", master.string()}, {"subscribe", subscribe}}},
      {"redis", sinks ? boost::json::object{{"url", url}}
                      : boost::json::object{{"url", url},
                                            {"sinks",
                                             {{"stream", {{"enabled", false}}},
                                              {"pubsub", {{"enabled", false}}},
                                              {"lists", {{"enabled", false}}},
                                              {"price", {{"enabled", false}}},
                                              {"candles", {{"enabled", false}}}}}}},
      {"http", {{"listen", "127.0.0.1:" + std::to_string(http_port)}}},
      {"log", {{"level", "warn"}}},
  };
  const auto config_path = dir / "tickgate.json";
  std::ofstream(config_path) << boost::json::serialize(cfg);
  const auto log_path = dir / "tickgate.log";
  test::child_process gateway(test::process_options{
      {std::string(TICKGATE_BINARY_DIR) + "/tickgate", "--config", config_path.string()},
      {},
      log_path,
      {}});

  test::redis_client db(url);
  std::vector<std::string> exists{"EXISTS"};
  for (const auto& in : market.instruments()) exists.push_back("market_data_stream:" + in.symbol);
  const auto all_streams = [&] {
    return db.command(exists).integer == static_cast<std::int64_t>(market.size());
  };
  // Feed only: the ticks every feed connection received, from /stats.
  const auto received = [&]() -> std::int64_t {
    try {
      const auto stats = boost::json::parse(test::http_call(http_port, "GET", "/stats").body);
      std::int64_t total = 0;
      for (const auto& c : stats.at("feed").at("connections").as_array()) {
        total += c.at("ticks").to_number<std::int64_t>();
      }
      return total;
    } catch (const std::exception&) {
      return 0;  // not listening yet
    }
  };
  const auto stored = [&] {
    if (!sinks) return received();
    std::int64_t total = 0;
    for (std::size_t i = 1; i < exists.size(); ++i) total += db.integer({"XLEN", exists[i]});
    return total;
  };
  const auto ready = [&] {
    if (sinks) return all_streams();
    const std::int64_t before = received();
    std::this_thread::sleep_for(200ms);
    return before > 0 && received() > before;
  };
  if (!test::eventually(ready, 60s)) {
    std::cerr << "the gateway did not reach every token within 60 s; its log:\n"
              << test::read_file(log_path);
    std::exit(1);
  }
  std::this_thread::sleep_for(2s);  // warm-up: every connection subscribed and steady

  phase_result r;
  r.name = sinks ? "process" : "feed-only";
  r.loss_checked = sinks;
  const pid_t pid = gateway.pid();
  const cpu_sample cpu0 = process_cpu(pid);
  const double steal0 = steal_ms();
  const std::int64_t stored0 = stored();
  const auto buckets0 =
      sinks ? origin_to_ack_buckets(http_port) : std::map<double, std::uint64_t>{};
  const auto start = steady::now();
  for (std::size_t i = 1; i <= std::max<std::size_t>(rss_samples, 1); ++i) {
    std::this_thread::sleep_until(start + std::chrono::duration_cast<steady::duration>(
                                              std::chrono::duration<double>(
                                                  seconds * static_cast<double>(i) /
                                                  static_cast<double>(std::max<std::size_t>(rss_samples, 1)))));
    r.rss_samples.push_back(process_status_mb(pid));
    r.rss_anon_samples.push_back(process_status_mb(pid, "RssAnon:"));
  }
  const cpu_sample cpu1 = process_cpu(pid);
  r.steal_ms = steal_ms() - steal0;
  const std::int64_t stored1 = stored();
  if (sinks) {
    r.window_buckets = origin_to_ack_buckets(http_port);
    for (auto& [bound, n] : r.window_buckets) {
      const auto before = buckets0.find(bound);
      if (before != buckets0.end()) n -= std::min(n, before->second);
    }
  }
  // The gateway's own frame-received → Redis-acknowledged histogram, from
  // GET /stats (since start-up, subscription burst included).
  if (sinks) {
    try {
      const auto reply = test::http_call(http_port, "GET", "/stats");
      const auto stats = boost::json::parse(reply.body);
      const auto* conns =
          stats.as_object().at("redis").as_object().at("connections").as_array().data();
      const auto& c = conns[0].as_object();
      const auto& lat = c.at("latency_us").as_object().at("origin_to_ack").as_object();
      r.process_latency = {
          lat.at("p50").to_number<std::uint64_t>(), lat.at("p99").to_number<std::uint64_t>(),
          lat.at("p999").to_number<std::uint64_t>(), lat.at("max").to_number<std::uint64_t>()};
      r.dropped = c.at("dropped_commands").to_number<std::uint64_t>();
      r.commands = c.at("commands").to_number<std::uint64_t>();
      r.writes = c.at("writes").to_number<std::uint64_t>();
    } catch (const std::exception& e) {
      std::cerr << "GET /stats: " << e.what() << "\n";
    }
  }
  r.seconds = std::chrono::duration<double>(steady::now() - start).count();
  r.ticks = static_cast<std::size_t>(stored1 - stored0);
  r.cpu = cpu1 - cpu0;
  r.rss = r.rss_samples.back();

  const int status = gateway.stop(10s);
  std::ostringstream problems;
  if (status != 0) problems << "tickgate exited with " << status << "; ";
  if (r.dropped != 0) problems << r.dropped << " commands dropped (outage bound: Redis fell behind); ";
  std::size_t gaps = 0;
  for (std::size_t i = 1; sinks && i < exists.size(); ++i) {
    const std::int64_t len = db.integer({"XLEN", exists[i]});
    const auto first = db.command({"XRANGE", exists[i], "-", "+", "COUNT", "1"});
    const auto last = db.command({"XREVRANGE", exists[i], "+", "-", "COUNT", "1"});
    const auto sequence_of = [](const storage::resp_value& v) -> std::int64_t {
      if (v.elements.size() != 1 || v.elements[0].elements.size() != 2) return -1;
      const auto& fields = v.elements[0].elements[1].elements;
      for (std::size_t f = 0; f + 1 < fields.size(); f += 2) {
        if (fields[f].string == "sequence") return std::strtoll(fields[f + 1].string.c_str(), nullptr, 10);
      }
      return -1;
    };
    if (sequence_of(first) != 1 || sequence_of(last) != len) {
      if (gaps++ == 0) {
        problems << exists[i] << ": " << len << " entries, sequences " << sequence_of(first)
                 << ".." << sequence_of(last) << "; ";
      }
    }
  }
  if (gaps != 0) {
    problems << gaps << " streams with a gap (want sequences 1..n in n entries); ";
    // The usual cause: a feed connection dropped (by the simulator, as a
    // slow reader) and the resubscribed token resumed at the next tick.
    std::istringstream log(test::read_file(log_path));
    std::string line;
    std::size_t shown = 0;
    while (std::getline(log, line) && shown < 5) {
      if (line.find("\"warn\"") != std::string::npos || line.find("\"error\"") != std::string::npos) {
        problems << "\n  tickgate: " << line;
        ++shown;
      }
    }
  }
  r.loss = problems.str();
  return r;
}

// The process phase's window (start-up excluded) from the /metrics bucket
// deltas: each quantile as the bucket bound it falls under, and the share
// acknowledged within 1 ms (p99 < 1 ms holds when that is at least 99 %).
void print_window(const phase_result& r) {
  const auto& b = r.window_buckets;
  const auto all = b.find(std::numeric_limits<double>::infinity());
  if (all == b.end() || all->second == 0) return;
  const auto total = static_cast<double>(all->second);
  const auto bound_of = [&](double q) {
    for (const auto& [bound, n] : b) {
      if (static_cast<double>(n) >= q * total) {
        return std::isinf(bound) ? std::string("> 5 s")
                                 : "<= " + std::to_string(static_cast<long>(bound * 1e6)) + " us";
      }
    }
    return std::string("?");
  };
  const auto within_1ms = b.find(0.001);
  const double pct =
      within_1ms == b.end() ? 0 : 100.0 * static_cast<double>(within_1ms->second) / total;
  std::printf(
      "  %s window (%.0f s, start-up excluded; /metrics buckets): p50 %s, p99 %s, p99.9 %s; "
      "%.2f %% of %.0f requests acknowledged within 1 ms\n",
      r.name.c_str(), r.seconds, bound_of(0.5).c_str(), bound_of(0.99).c_str(),
      bound_of(0.999).c_str(), pct, total);
  std::printf("process_window_within_1ms_pct=%.2f\n", pct);
}

std::string quantile_text(const phase_result& r, double q) {
  if (r.process_latency) {
    const auto& l = *r.process_latency;
    return std::to_string(q >= 1 ? l[3] : q >= 0.999 ? l[2] : q >= 0.99 ? l[1] : l[0]);
  }
  if (r.latency.count() == 0) return "-";
  return std::to_string(q >= 1 ? r.latency.max() : r.latency.quantile(q));
}

void print_row(const phase_result& r) {
  const char* loss = !r.loss.empty() ? r.loss.c_str() : r.loss_checked ? "none lost" : "-";
  std::printf("%-11s %8zu %8.2f %10.0f %7.2f %7s %7s %7s %8s %6s %7.1f  %s\n", r.name.c_str(),
              r.ticks, r.seconds, static_cast<double>(r.ticks) / r.seconds,
              r.cpu.total() * 1e6 / static_cast<double>(std::max<std::size_t>(r.ticks, 1)),
              quantile_text(r, 0.5).c_str(), quantile_text(r, 0.99).c_str(),
              quantile_text(r, 0.999).c_str(), quantile_text(r, 1).c_str(),
              r.writes == 0 ? "-"
                            : std::to_string(static_cast<int>(static_cast<double>(r.commands) /
                                                              static_cast<double>(r.writes)))
                                  .c_str(),
              r.rss, loss);
  if (r.ticks != 0 && r.seconds > 0) {
    const double ticks = static_cast<double>(r.ticks);
    std::printf(
        "  %s: CPU per tick user %.2f + system %.2f us; %.0f wake-ups/s (%.1f ticks each), "
        "%.0f preemptions/s; steal %.0f ms\n",
        r.name.c_str(), r.cpu.user_share() * 1e6 / ticks, r.cpu.system_share() * 1e6 / ticks,
        static_cast<double>(r.cpu.voluntary) / r.seconds,
        ticks / static_cast<double>(std::max<std::uint64_t>(r.cpu.voluntary, 1)),
        static_cast<double>(r.cpu.involuntary) / r.seconds, r.steal_ms);
  }
  if (!r.stalls.empty()) {
    std::printf("  %s: the feeding loop woke >= 5 ms late %zu times (s into the phase: ms late):",
                r.name.c_str(), r.stalls.size());
    for (std::size_t i = 0; i < r.stalls.size() && i < 12; ++i) {
      std::printf(" %.2f:%.1f", r.stalls[i].first, r.stalls[i].second);
    }
    std::printf("%s\n", r.stalls.size() > 12 ? " …" : "");
  }
  std::fflush(stdout);
}

int usage() {
  std::cerr << "usage: tickgate-e2e-bench [--tokens N] [--ticks N] [--rate N] [--seconds S]\n"
               "                          [--burst N] [--process-seconds S] [--soak SECONDS]\n"
               "                          [--url redis://…]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  options o;
  try {
    for (int i = 1; i < argc; i += 2) {
      const std::string flag = argv[i];
      if (i + 1 >= argc) return usage();
      const std::string value = argv[i + 1];
      if (flag == "--tokens") {
        o.tokens = std::stoul(value);
      } else if (flag == "--ticks") {
        o.ticks = std::stoul(value);
      } else if (flag == "--rate") {
        o.rate = std::stoul(value);
      } else if (flag == "--seconds") {
        o.seconds = std::stod(value);
      } else if (flag == "--burst") {
        o.burst = std::stoul(value);
      } else if (flag == "--process-seconds") {
        o.process_seconds = std::stod(value);
      } else if (flag == "--soak") {
        o.soak = std::stod(value);
      } else if (flag == "--url") {
        o.url = value;
      } else {
        return usage();
      }
    }
  } catch (const std::exception&) {
    return usage();
  }
  if (o.tokens == 0 || o.ticks == 0 || o.rate == 0) return usage();
  log::set_min_level(log::level::warn);

  std::optional<test::redis_server> server;
  std::string url = o.url;
  if (url.empty()) {
    // Like a production Redis for ticks: no persistence in the way.
    server.emplace(test::redis_server_options{{}, {}, false, false, false, {"save \"\"", "appendonly no"}});
    url = server->url();
  }
  const std::uint16_t port = storage::parse_redis_url(url).value().port;
  test::temp_dir tmp("tickgate-e2e-bench");
  bench_run run(o, url);

  std::printf("tickgate end to end: %zu tokens (SnapQuote), all five sinks, redis-server on "
              "127.0.0.1:%u\n",
              o.tokens, static_cast<unsigned>(port));
  std::printf("%-11s %8s %8s %10s %7s %7s %7s %7s %8s %6s %7s  %s\n", "phase", "ticks", "seconds",
              "ticks/s", "cpu_us", "p50_us", "p99_us", "p999_us", "max_us", "cmd/wr", "rss_mb",
              "loss check");

  // 1. Throughput, capturing the command stream.
  const auto capture_path = tmp.path() / "commands.resp";
  std::FILE* capture = std::fopen(capture_path.c_str(), "wb");
  if (capture == nullptr) {
    std::cerr << "cannot write " << capture_path << "\n";
    return 1;
  }
  static char capture_buffer[1 << 20];
  std::setvbuf(capture, capture_buffer, _IOFBF, sizeof capture_buffer);
  const phase_result through = run.run("throughput", {o.ticks, 0}, capture);
  std::fclose(capture);
  print_row(through);

  // 2. The ceiling: the same commands through redis-cli --pipe.
  const ceiling_result ceiling = run_ceiling(url, port, capture_path, tmp.path());
  const double gateway_tps = static_cast<double>(through.ticks) / through.seconds;
  const double ceiling_tps = static_cast<double>(through.ticks) / ceiling.seconds;
  std::printf("%-11s %8zu %8.2f %10.0f %7s %7s %7s %7s %8s %6s %7s  %llu replies, %llu errors, "
              "%.1f MB (redis-cli --pipe, same %llu commands)\n",
              "ceiling", through.ticks, ceiling.seconds, ceiling_tps, "-", "-", "-", "-", "-", "-",
              "-", static_cast<unsigned long long>(ceiling.replies),
              static_cast<unsigned long long>(ceiling.errors),
              static_cast<double>(ceiling.bytes) / 1e6,
              static_cast<unsigned long long>(through.commands));
  std::fflush(stdout);

  // 3. Paced, 4. burst.
  const auto paced_ticks = static_cast<std::size_t>(static_cast<double>(o.rate) * o.seconds);
  const phase_result paced = run.run("paced", {paced_ticks, o.rate}, nullptr);
  print_row(paced);
  const phase_result burst = run.run("burst", {o.burst, o.burst}, nullptr);
  print_row(burst);

  // 5. The real binaries (tickgate + tickgate-sim over TLS): CPU per tick and
  // RSS of the gateway process; with --soak, for that long, RSS drift.
  std::optional<phase_result> process;
  const double process_seconds = o.soak > 0 ? o.soak : o.process_seconds;
  if (process_seconds > 0) {
    process = run_process(url, run.market(), o.rate, process_seconds, 10, tmp.path());
    print_row(*process);
    print_window(*process);
    const auto& samples = process->rss_samples;
    const double first = samples.front();
    const double last = samples.back();
    const double peak = *std::max_element(samples.begin(), samples.end());
    std::printf("process RSS (MiB, every tenth of %.0f s):", process_seconds);
    for (double v : samples) std::printf(" %.1f", v);
    std::printf("\nrss_first_mb=%.1f rss_last_mb=%.1f rss_peak_mb=%.1f rss_drift_pct=%.2f\n", first,
                last, peak, (last - first) * 100.0 / first);
    // RssAnon: heap and stacks. Growth here is memory the gateway holds;
    // growth only in RSS is code and data pages of the binary and libraries
    // touched for the first time.
    const auto& anon = process->rss_anon_samples;
    std::printf("process RssAnon (MiB, same samples):");
    for (double v : anon) std::printf(" %.1f", v);
    std::printf("\nrss_anon_first_mb=%.1f rss_anon_last_mb=%.1f rss_anon_drift_pct=%.2f\n",
                anon.front(), anon.back(), (anon.back() - anon.front()) * 100.0 / anon.front());
  }
  // 6. The same process with every sink off: what receiving the feed alone
  // costs at this rate (TLS, WebSocket, decode, routing, wake-ups), the
  // floor under the process phase's CPU per tick.
  std::optional<phase_result> feed_only;
  if (o.process_seconds > 0 && o.soak == 0) {
    feed_only = run_process(url, run.market(), o.rate, std::min(o.process_seconds, 5.0), 1,
                            tmp.path(), false);
    print_row(*feed_only);
    std::printf("feed_only_cpu_us_per_tick=%.2f\n",
                feed_only->cpu.total() * 1e6 /
                    static_cast<double>(std::max<std::size_t>(feed_only->ticks, 1)));
  }

  const bool lost = !through.loss.empty() || !paced.loss.empty() || !burst.loss.empty() ||
                    (process && !process->loss.empty()) || (feed_only && !feed_only->loss.empty());
  // CPU and RSS: the gateway process when it ran (everything included),
  // else the in-process paced phase.
  const phase_result& cost = process ? *process : paced;
  std::printf("cpu_us: gateway CPU per tick; latency: frame received -> Redis acknowledged, us; "
              "cmd/wr: commands per socket write; process: tickgate + tickgate-sim (TLS) at "
              "%zu ticks/s\n",
              o.rate);
  std::printf("ticks_per_s=%.0f redis_ceiling_ratio=%.2f p50_us=%llu p99_us=%llu p999_us=%llu "
              "cpu_us_per_tick=%.2f rss_mb=%.1f%s\n",
              gateway_tps, gateway_tps / ceiling_tps,
              static_cast<unsigned long long>(paced.latency.quantile(0.5)),
              static_cast<unsigned long long>(paced.latency.quantile(0.99)),
              static_cast<unsigned long long>(paced.latency.quantile(0.999)),
              cost.cpu.total() * 1e6 / static_cast<double>(std::max<std::size_t>(cost.ticks, 1)), cost.rss,
              lost ? " LOST_TICKS" : "");
  return lost ? 1 : 0;
}
