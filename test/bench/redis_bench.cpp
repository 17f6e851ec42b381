// tickgate-redis-bench: commands/s of storage::connection next to
// redis-benchmark, in one run, against one redis-server started here (or an
// existing one with --url), with the same command and pipeline depth.
//
//   build/test/tickgate-redis-bench [--commands N] [--depths 1,16,64,256]
//                                   [--url redis://127.0.0.1:6379/0]
//
// Depth d means what `redis-benchmark -c 1 -P d` does: write d commands, wait
// for their d replies, repeat. The connection is driven the same way: d
// send()s, then flush(). A last row per command lets the connection pipeline
// on its own (no waiting between sends: it coalesces whatever is queued into
// each write), next to redis-benchmark at a depth of 1000.
//
// Each row alternates the two clients --repeat times (default 3) and keeps
// each one's best run: on a shared machine noise only slows a run down.
// Both clients use one connection, so the figures compare client overhead per
// command against the same single-threaded server. Printed, not asserted:
// benchmarks measure, tests decide.
#include "storage/connection.hpp"
#include "storage/log.hpp"
#include "storage/resp_encoder.hpp"
#include "storage/sinks.hpp"
#include "test/support/process.hpp"
#include "test/support/redis_server.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace asio = boost::asio;
using namespace tickgate;
using namespace std::chrono_literals;

struct bench_command {
  std::string name;
  std::vector<std::string> args;
};

// The same bytes for both clients.
std::vector<bench_command> commands() {
  return {
      {"SET", {"SET", "bench:price:TCS", R"({"symbol":"TCS","price":3901.55})"}},
      {"XADD tick",
       {"XADD",
        "bench:market_data_stream:TCS",
        "MAXLEN",
        "~",
        "10000",
        "*",
        "symbol",
        "TCS",
        "token",
        "11536",
        "ltp",
        "3901.55",
        "change",
        "12.4",
        "change_percent",
        "0.32",
        "high",
        "3920",
        "low",
        "3880.1",
        "volume",
        "1234567",
        "bid",
        "3901.5",
        "ask",
        "3901.6",
        "open",
        "3890",
        "close",
        "3889.15",
        "timestamp",
        "2024-01-15T10:30:45.123456",
        "exchange_timestamp",
        "2024-01-15T10:30:45.120000",
        "sequence",
        "42"}},
  };
}

// requests per second reported by redis-benchmark --csv.
double run_redis_benchmark(std::uint16_t port, const bench_command& c, std::size_t n,
                           std::size_t depth, const std::filesystem::path& out) {
  std::vector<std::string> argv = {test::find_program("redis-benchmark").string(),
                                   "-h",
                                   "127.0.0.1",
                                   "-p",
                                   std::to_string(port),
                                   "-c",
                                   "1",
                                   "-n",
                                   std::to_string(n),
                                   "-P",
                                   std::to_string(depth),
                                   "--csv"};
  argv.insert(argv.end(), c.args.begin(), c.args.end());
  std::filesystem::remove(out);
  test::child_process p({argv, {}, out, std::nullopt});
  const auto status = p.wait_for_exit(600s);
  if (!status || *status != 0) {
    std::cerr << "redis-benchmark failed:\n" << test::read_file(out);
    std::exit(1);
  }
  // Last line: "<name>","<rps>","<avg>","<min>","<p50>","<p95>","<p99>","<max>". The
  // name may itself hold "," (JSON), so count fields from the right.
  std::istringstream lines(test::read_file(out));
  std::string line, last;
  while (std::getline(lines, line)) {
    if (!line.empty()) last = line;
  }
  std::vector<std::size_t> seps;
  for (std::size_t at = last.find("\",\""); at != std::string::npos;
       at = last.find("\",\"", at + 1)) {
    seps.push_back(at);
  }
  if (seps.size() < 7) return 0;
  return std::strtod(last.c_str() + seps[seps.size() - 7] + 3, nullptr);
}

struct result {
  double per_second = 0;
  double commands_per_write = 0;
};

// depth 0: no waiting, the connection pipelines by itself.
result run_connection(const std::string& url, const bench_command& c, std::size_t n,
                      std::size_t depth) {
  asio::io_context io(1);
  storage::connection_options o;
  o.endpoint = storage::parse_redis_url(url).value();
  storage::connection conn(io.get_executor(), o);
  const auto src = conn.add_source("bench");
  std::vector<storage::resp_arg> args(c.args.begin(), c.args.end());
  conn.start();
  std::optional<std::chrono::steady_clock::duration> elapsed;
  std::uint64_t writes = 0;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        while (!conn.connected()) co_await asio::post(io, asio::use_awaitable);
        const auto writes_before = conn.stats().writes;
        const auto start = std::chrono::steady_clock::now();
        const std::size_t batch = depth == 0 ? 256 : depth;
        for (std::size_t sent = 0; sent < n;) {
          for (std::size_t i = 0; i < batch && sent < n; ++i, ++sent) {
            conn.send(src, storage::request_kind::durable, 1, storage::clock::time_point{},
                      [&](std::string& out) { storage::append_command(out, args); });
          }
          if (depth != 0) {
            co_await conn.flush(60s);
          } else if (conn.stats().buffered_bytes > (8u << 20)) {
            co_await conn.flush(60s);  // stay well inside the outage bound
          } else {
            co_await asio::post(io, asio::use_awaitable);  // let the writer and reader run
          }
        }
        co_await conn.flush(600s);
        elapsed = std::chrono::steady_clock::now() - start;
        writes = conn.stats().writes - writes_before;
        conn.stop();
      },
      asio::detached);
  io.run();
  result r;
  const double seconds = std::chrono::duration<double>(*elapsed).count();
  r.per_second = static_cast<double>(conn.source(src).acked) / seconds;
  r.commands_per_write = static_cast<double>(n) / static_cast<double>(writes);
  return r;
}

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// One tick fanned out to all five sinks, as the gateway does it: the stream
// entry with the seed's 14 fields, pub/sub on two channels, a capped list, the
// price cache, three candle timeframes. Payloads are the seeds' shapes.
struct fan_out {
  asio::io_context& io;
  storage::connection_pool pool;
  storage::stream_sink stream{pool, {}};
  storage::pubsub_sink pubsub{pool, {}};
  storage::list_sink lists{pool, {}};
  storage::price_sink price{pool, {}};
  storage::candle_sink candles{pool, {}};
  storage::connection& conn = pool.for_db(-1);
  std::array<storage::field_view, 14> fields = {
      {{"symbol", "TCS"},
       {"token", "11536"},
       {"ltp", "3901.55"},
       {"change", "12.4"},
       {"change_percent", "0.32"},
       {"high", "3920"},
       {"low", "3880.1"},
       {"volume", "1234567"},
       {"bid", "3901.5"},
       {"ask", "3901.6"},
       {"open", "3890"},
       {"close", "3889.15"},
       {"timestamp", "2024-01-15T10:30:45.123456"},
       {"exchange_timestamp", "2024-01-15T10:30:45.120000"}}};
  std::string pub = R"({"event_type":"tick_data","ticker":"TCS","price":3901.55,)"
                    R"("volume":1234567,"timestamp":1705294845.12,"source":"angel_one",)"
                    R"("market_status":"REGULAR"})";
  std::string item = R"({"ft":1705294845,"token":"11536","e":"nse_cm","lp":3901.55,)"
                     R"("pc":0.32,"rt":"2024-01-15 10:30:45","ts":"TCS-EQ",)"
                     R"("data_type":"optiontick"})";
  double queueing_seconds = 0;

  fan_out(asio::io_context& ctx, const std::string& url)
      : io(ctx), pool(ctx.get_executor(), [&] {
          storage::connection_options o;
          o.endpoint = storage::parse_redis_url(url).value();
          return o;
        }()) {
    pool.start();
    while (!conn.connected()) io.run_one();
  }

  void tick(std::size_t i) {
    const auto now = std::chrono::steady_clock::now();
    stream.write("TCS", fields, now);
    pubsub.publish("TCS", pub, now);
    lists.push("ticks:N_20240115:optiontick:11536", item, now);
    price.set("TCS", pub, now);
    candles.update("TCS", 1705294845000 + static_cast<std::int64_t>(i), 3901.55,
                   1234567 + static_cast<std::int64_t>(i));
    queueing_seconds +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - now).count();
  }

  void finish() {
    candles.flush();
    bool done = false;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          co_await conn.flush(600s);
          done = true;
        },
        asio::detached);
    while (!done) io.run_one();
  }

  void print(const char* what, std::size_t ticks, double seconds, double cpu) {
    const auto& s = conn.stats();
    std::printf(
        "%s: %zu ticks to 5 sinks (%llu commands, %llu dropped) in %.2f s = %.0f ticks/s;"
        " client CPU %.2f us/tick, of which queueing %.2f us; %.1f commands/write;"
        " origin->ack p50 %llu us, p99 %llu us, p99.9 %llu us\n",
        what, ticks, static_cast<unsigned long long>(s.commands),
        static_cast<unsigned long long>(s.dropped_commands), seconds,
        static_cast<double>(ticks) / seconds, cpu * 1e6 / static_cast<double>(ticks),
        queueing_seconds * 1e6 / static_cast<double>(ticks),
        static_cast<double>(s.commands) / static_cast<double>(s.writes),
        static_cast<unsigned long long>(conn.origin_to_ack().quantile(0.5)),
        static_cast<unsigned long long>(conn.origin_to_ack().quantile(0.99)),
        static_cast<unsigned long long>(conn.origin_to_ack().quantile(0.999)));
  }
};

// Paced: `rate` ticks/s for `seconds`, one frame (tick) per io_context turn,
// the way the feed reader delivers them. Latency and CPU at a given load.
void run_fan_out_paced(const std::string& url, std::size_t rate, double seconds) {
  asio::io_context io(1);
  fan_out f(io, url);
  const std::size_t ticks = static_cast<std::size_t>(static_cast<double>(rate) * seconds);
  const double cpu0 = cpu_seconds();
  const auto start = std::chrono::steady_clock::now();
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        asio::steady_timer timer(io);
        std::size_t sent = 0;
        while (sent < ticks) {
          const double elapsed =
              std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
          const auto due =
              std::min(ticks, static_cast<std::size_t>(elapsed * static_cast<double>(rate)));
          if (sent >= due) {
            timer.expires_after(200us);
            co_await timer.async_wait(asio::use_awaitable);
            continue;
          }
          f.tick(sent++);
          co_await asio::post(io, asio::use_awaitable);  // next frame
        }
      },
      asio::detached);
  while (std::chrono::steady_clock::now() - start < std::chrono::duration<double>(seconds) ||
         f.conn.stats().commands < ticks * 6) {
    io.run_one();
  }
  f.finish();
  const double took =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  f.print("fan-out paced", ticks, took, cpu_seconds() - cpu0);
  f.pool.stop();
  io.run();
}

// Saturated: as fast as Redis takes them (the outage buffer kept under
// 4 MiB), one frame per io_context turn. The ceiling of one connection.
void run_fan_out_saturated(const std::string& url, std::size_t ticks) {
  asio::io_context io(1);
  fan_out f(io, url);
  const double cpu0 = cpu_seconds();
  const auto start = std::chrono::steady_clock::now();
  bool produced = false;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        for (std::size_t i = 0; i < ticks; ++i) {
          f.tick(i);
          if (f.conn.stats().buffered_bytes > (4u << 20)) {
            co_await f.conn.flush(60s);  // Redis is the limit: let it catch up
          } else {
            co_await asio::post(io, asio::use_awaitable);  // next frame
          }
        }
        produced = true;
      },
      asio::detached);
  while (!produced) io.run_one();
  f.finish();
  const double took =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  f.print("fan-out saturated", ticks, took, cpu_seconds() - cpu0);
  f.pool.stop();
  io.run();
}

void run_fan_out(const std::string& url, std::size_t ticks) {
  run_fan_out_paced(url, 20000, 3.0);
  run_fan_out_saturated(url, ticks);
}

std::vector<std::size_t> parse_list(const std::string& s) {
  std::vector<std::size_t> out;
  std::istringstream in(s);
  std::string item;
  while (std::getline(in, item, ',')) out.push_back(std::stoul(item));
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t n = 1'000'000;
  std::vector<std::size_t> depths = {1, 16, 64, 256};
  std::string url;
  std::size_t fan_out_ticks = 0;  // 0: commands / 5
  int repeat = 3;
  bool commands_table = true;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--commands") {
      n = std::stoul(argv[i + 1]);
    } else if (flag == "--depths") {
      depths = parse_list(argv[i + 1]);
    } else if (flag == "--url") {
      url = argv[i + 1];
    } else if (flag == "--repeat") {
      repeat = std::max(1, std::stoi(argv[i + 1]));
    } else if (flag == "--fan-out-ticks") {
      fan_out_ticks = std::stoul(argv[i + 1]);
    } else if (flag == "--fan-out-only") {
      commands_table = std::string_view(argv[i + 1]) != "yes";
    } else {
      std::cerr
          << "usage: tickgate-redis-bench [--commands N] [--depths 1,16,64] [--url URL]\n"
             "                            [--repeat R] [--fan-out-ticks N] [--fan-out-only yes]\n";
      return 2;
    }
  }
  tickgate::log::set_min_level(tickgate::log::level::warn);

  std::optional<test::redis_server> server;
  std::uint16_t port = 0;
  if (url.empty()) {
    server.emplace();
    url = server->url();
    port = server->port();
  } else {
    port = storage::parse_redis_url(url).value().port;
  }
  test::temp_dir tmp("tickgate-bench");

  std::printf(
      "redis-server on 127.0.0.1:%u, one connection each, %zu commands per row "
      "(depth 1: %zu), best of %d alternating runs\n",
      static_cast<unsigned>(port), n, n / 10, repeat);
  if (fan_out_ticks == 0) fan_out_ticks = std::max<std::size_t>(n / 5, 1000);
  if (!commands_table) {
    run_fan_out(url, fan_out_ticks);
    return 0;
  }
  std::printf("%-10s %6s %16s %16s %7s %14s\n", "command", "depth", "redis-benchmark/s",
              "tickgate/s", "ratio", "cmds/write");
  for (const bench_command& c : commands()) {
    std::vector<std::size_t> rows = depths;
    rows.push_back(0);
    for (std::size_t depth : rows) {
      const std::size_t rb_depth = depth == 0 ? 1000 : depth;
      // Fewer commands at depth 1 (one round trip each) keep the run short.
      const std::size_t count = depth == 1 ? n / 10 : n;
      // Alternate the two clients and keep each one's best run: on a shared
      // machine the noise only ever slows a run down.
      double theirs = 0;
      result ours;
      for (int r = 0; r < repeat; ++r) {
        theirs =
            std::max(theirs, run_redis_benchmark(port, c, count, rb_depth, tmp.path() / "rb.csv"));
        const result mine = run_connection(url, c, count, depth);
        if (mine.per_second > ours.per_second) ours = mine;
      }
      std::printf("%-10s %6s %16.0f %16.0f %7.2f %14.1f\n", c.name.c_str(),
                  depth == 0 ? "auto" : std::to_string(depth).c_str(), theirs, ours.per_second,
                  ours.per_second / theirs, ours.commands_per_write);
      std::fflush(stdout);
    }
  }
  std::printf("depth auto: the connection pipelines on its own; redis-benchmark at -P 1000\n");
  run_fan_out(url, fan_out_ticks);
  return 0;
}
