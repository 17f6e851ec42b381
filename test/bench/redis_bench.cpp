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
// Both clients use one connection, so the figures compare client overhead per
// command against the same single-threaded server. Printed, not asserted:
// benchmarks measure, tests decide.
#include "storage/connection.hpp"
#include "storage/log.hpp"
#include "storage/resp_encoder.hpp"
#include "test/support/process.hpp"
#include "test/support/redis_server.hpp"

// GCC 12: a spurious -Wnull-dereference in io_context's executor comparison.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <boost/asio/io_context.hpp>
#pragma GCC diagnostic pop
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

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
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--commands") {
      n = std::stoul(argv[i + 1]);
    } else if (flag == "--depths") {
      depths = parse_list(argv[i + 1]);
    } else if (flag == "--url") {
      url = argv[i + 1];
    } else {
      std::cerr << "usage: tickgate-redis-bench [--commands N] [--depths 1,16,64] [--url URL]\n";
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

  std::printf("redis-server on 127.0.0.1:%u, one connection each, %zu commands per row\n",
              static_cast<unsigned>(port), n);
  std::printf("%-10s %6s %16s %16s %7s %14s\n", "command", "depth", "redis-benchmark/s",
              "tickgate/s", "ratio", "cmds/write");
  for (const bench_command& c : commands()) {
    std::vector<std::size_t> rows = depths;
    rows.push_back(0);
    for (std::size_t depth : rows) {
      const std::size_t rb_depth = depth == 0 ? 1000 : depth;
      // Fewer commands at depth 1 (one round trip each) keep the run short.
      const std::size_t count = depth == 1 ? n / 10 : n;
      const double theirs = run_redis_benchmark(port, c, count, rb_depth, tmp.path() / "rb.csv");
      const result ours = run_connection(url, c, count, depth);
      std::printf("%-10s %6s %16.0f %16.0f %7.2f %14.1f\n", c.name.c_str(),
                  depth == 0 ? "auto" : std::to_string(depth).c_str(), theirs, ours.per_second,
                  ours.per_second / theirs, ours.commands_per_write);
      std::fflush(stdout);
    }
  }
  std::printf("depth auto: the connection pipelines on its own; redis-benchmark at -P 1000\n");
  return 0;
}
