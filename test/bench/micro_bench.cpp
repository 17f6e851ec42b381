// tickgate-micro-bench: Google Benchmark micro-benchmarks of the hot path's
// pieces (issue 6), each on its own, no network:
//   decode/<mode>        protocol::decode_frame into a reused tick (GB/s);
//   records/build        gateway::tick_records::build (all sink records);
//   sink/<name>          one record through a sink into its connection's
//                        queue: RESP encoding plus the request bookkeeping;
//   resp/encode_xadd     the stream sink's XADD for a SnapQuote tick;
//   resp/encode_2x_publish  the pub/sub sink's two PUBLISH commands;
//   resp/parse_replies   storage::resp_parser over the replies of one tick;
//   router/on_frame      a SnapQuote frame through the whole router: decode,
//                        records, the five sinks (queue only);
//   websocket/read_*     Beast's WebSocket client reading SnapQuote binary
//                        messages already in its input, as the feed reads
//                        them (co_await async_read_some per message) and
//                        synchronously: what a message costs before the
//                        router sees it, without TLS or system calls.
// The connections are never started, so sinks only queue; every 1024
// records the connection is replaced (outside the timing) before its outage
// bound would start dropping. (pubsub_sink refuses to queue on a connection
// that is down, so resp/encode_2x_publish stands in for it.)
//
//   build/test/tickgate-micro-bench [--benchmark_min_time=0.2] [--benchmark_filter=decode]
#include "gateway/config.hpp"
#include "gateway/tick_records.hpp"
#include "gateway/tick_router.hpp"
#include "protocol/frame.hpp"
#include "storage/connection.hpp"
#include "storage/log.hpp"
#include "storage/resp_encoder.hpp"
#include "storage/resp_parser.hpp"
#include "storage/sinks.hpp"
#include "test/bench/synthetic_market.hpp"

#include <benchmark/benchmark.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/_experimental/test/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>

#include <array>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <tuple>

namespace {

namespace asio = boost::asio;
using namespace tickgate;

// Small enough that a connection's queue stays near the size it has in
// service (the writer takes it at every write), large enough that the
// untimed replacement is rare.
constexpr std::size_t records_per_connection = 1024;
constexpr std::size_t connection_buffer_limit = 4u << 20;

// One instrument per class of the synthetic market, in `m`.
struct one_tick {
  explicit one_tick(protocol::mode m, std::size_t which = 1) : market(3, m), index_(which) {
    const auto f = market.next(index_, 1'705'294'845'120);
    frame.assign(f.begin(), f.end());
    const auto ec = protocol::decode_frame(frame, tick);
    if (ec) throw std::runtime_error("bad frame: " + ec.message());
  }
  const protocol::instrument& instrument() const { return market.instruments()[index_]; }

  bench::synthetic_market market;
  std::size_t index_;
  std::vector<std::byte> frame;
  protocol::tick tick;
};

void decode(benchmark::State& state, protocol::mode m) {
  const one_tick t(m);
  protocol::tick out;
  for (auto _ : state) {
    const auto ec = protocol::decode_frame(t.frame, out);
    benchmark::DoNotOptimize(ec);
    benchmark::DoNotOptimize(out);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * t.frame.size()));
}
BENCHMARK_CAPTURE(decode, ltp, protocol::mode::ltp);
BENCHMARK_CAPTURE(decode, quote, protocol::mode::quote);
BENCHMARK_CAPTURE(decode, snap_quote, protocol::mode::snap_quote);
BENCHMARK_CAPTURE(decode, depth_20, protocol::mode::depth_20);

void records_build(benchmark::State& state) {
  const one_tick t(protocol::mode::snap_quote);
  gateway::tick_records records;
  const std::int64_t received_us = 1'705'294'845'123'456;
  for (auto _ : state) {
    records.build(t.tick, t.instrument(), 100, received_us);
    benchmark::DoNotOptimize(records.stream_fields().data());
  }
}
BENCHMARK(records_build)->Name("records/build");

// A sink on a connection that is never started, replaced every
// records_per_connection records (untimed).
template <class Sink>
struct sink_rig {
  using options = typename Sink::options;
  explicit sink_rig(options o) : opt(std::move(o)) { reset(); }
  void reset() {
    sink.reset();
    conn.reset();
    storage::connection_options co;
    co.buffer_limit_bytes = connection_buffer_limit;
    conn = std::make_unique<storage::connection>(io.get_executor(), co);
    sink = std::make_unique<Sink>(*conn, opt);
  }
  template <class Write>
  void run(benchmark::State& state, Write&& write) {
    std::size_t n = 0;
    for (auto _ : state) {
      write(*sink);
      if (++n == records_per_connection) {
        state.PauseTiming();
        bytes += conn->stats().buffered_bytes;
        reset();
        n = 0;
        state.ResumeTiming();
      }
    }
    bytes += conn->stats().buffered_bytes;
    state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
  }
  asio::io_context io;
  options opt;
  std::unique_ptr<storage::connection> conn;
  std::unique_ptr<Sink> sink;
  std::size_t bytes = 0;
};

struct built_records {
  built_records() : t(protocol::mode::snap_quote) {
    records.build(t.tick, t.instrument(), 100, 1'705'294'845'123'456);
  }
  one_tick t;
  gateway::tick_records records;
};

void sink_stream(benchmark::State& state) {
  const built_records r;
  sink_rig<storage::stream_sink> rig({});
  const auto origin = storage::clock::now();
  rig.run(state, [&](storage::stream_sink& s) {
    s.write(r.t.instrument().symbol, r.records.stream_fields(), origin);
  });
}
BENCHMARK(sink_stream)->Name("sink/stream_xadd");

// pubsub_sink refuses fire-and-forget requests while its connection is down,
// so its encoding is measured on its own: the sink's two PUBLISH commands.
void resp_encode_publish(benchmark::State& state) {
  const built_records r;
  std::string out;
  out.reserve(4096);
  const std::string all = "tickstock.all_ticks";
  for (auto _ : state) {
    out.clear();
    storage::append_command(out, "PUBLISH", all, r.records.pubsub_json());
    storage::append_array_header(out, 3);
    storage::append_bulk(out, "PUBLISH");
    storage::append_bulk(out, "tickstock.ticks.", r.t.instrument().symbol);
    storage::append_bulk(out, r.records.pubsub_json());
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * out.size()));
}
BENCHMARK(resp_encode_publish)->Name("resp/encode_2x_publish");

void sink_lists(benchmark::State& state) {
  const built_records r;
  sink_rig<storage::list_sink> rig({});
  const auto origin = storage::clock::now();
  const std::string key = "ticks:N_20240115:optiontick:" + r.t.instrument().token;
  rig.run(state, [&](storage::list_sink& s) { s.push(key, r.records.list_json(), origin); });
}
BENCHMARK(sink_lists)->Name("sink/lists_lpush_ltrim");

void sink_price(benchmark::State& state) {
  const built_records r;
  sink_rig<storage::price_sink> rig({});
  const auto origin = storage::clock::now();
  rig.run(state, [&](storage::price_sink& s) {
    s.set(r.t.instrument().symbol, r.records.price_json(), origin);
  });
}
BENCHMARK(sink_price)->Name("sink/price_set");

void sink_candles(benchmark::State& state) {
  const built_records r;
  sink_rig<storage::candle_sink> rig({});
  std::int64_t ms = r.records.event_time_ms();
  std::int64_t volume = 1'000'000;
  rig.run(state, [&](storage::candle_sink& s) {
    ++ms;  // a period closes every 60 000 ticks: mostly in-memory updates
    s.update(r.t.instrument().symbol, ms, r.records.ltp(), ++volume);
  });
}
BENCHMARK(sink_candles)->Name("sink/candles_update");

void resp_encode_xadd(benchmark::State& state) {
  const built_records r;
  std::string out;
  out.reserve(4096);
  const auto fields = r.records.stream_fields();
  for (auto _ : state) {
    out.clear();
    storage::append_array_header(out, 6 + 2 * fields.size());
    storage::append_bulk(out, "XADD");
    storage::append_bulk(out, "market_data_stream:", r.t.instrument().symbol);
    storage::append_bulk(out, "MAXLEN");
    storage::append_bulk(out, "~");
    storage::append_bulk(out, "10000");
    storage::append_bulk(out, "*");
    for (const auto& f : fields) {
      storage::append_bulk(out, f.name);
      storage::append_bulk(out, f.value);
    }
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * out.size()));
}
BENCHMARK(resp_encode_xadd)->Name("resp/encode_xadd");

void resp_parse(benchmark::State& state) {
  // The replies to one tick of all sinks: XADD id, 2× PUBLISH, LPUSH, LTRIM, SET.
  std::string one = "$15\r\n1705294845123-0\r\n:0\r\n:0\r\n:57\r\n+OK\r\n+OK\r\n";
  std::string input;
  for (int i = 0; i < 256; ++i) input += one;
  storage::resp_parser parser;
  std::size_t replies = 0;
  for (auto _ : state) {
    std::string_view rest = input;
    while (!rest.empty()) {
      auto node = parser.next(rest);
      if (!node || !*node) throw std::runtime_error("parse failed");
      rest.remove_prefix(parser.consumed());
      replies += parser.done() ? 1 : 0;
    }
  }
  benchmark::DoNotOptimize(replies);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * input.size()));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * 256));  // ticks
}
BENCHMARK(resp_parse)->Name("resp/parse_replies_256_ticks");

// The whole router with the five sinks on one unstarted connection.
// flush_every == 0: candles flush on their own 250 ms cadence (wall clock);
// otherwise every flush_every ticks and never on the clock, which makes the
// instruction count per tick repeatable (valgrind --tool=callgrind, see
// test/bench/README.md): 5000 ticks = 250 ms at 20 000 ticks/s.
void router_on_frame(benchmark::State& state, std::size_t flush_every) {
  bench::synthetic_market market(3000);
  const protocol::instrument_index index(market.instruments());
  gateway::config cfg;
  if (flush_every != 0) cfg.redis.candles.flush_interval = std::chrono::hours(24);
  asio::io_context io;
  // The candle sink keeps its own connection for the whole run (a fresh
  // book would make every flush smaller); the tick sinks' connection is
  // replaced every records_per_connection ticks.
  storage::connection_options candle_co;
  candle_co.buffer_limit_bytes = 1u << 30;
  storage::connection candle_conn(io.get_executor(), candle_co);
  storage::candle_sink candles(candle_conn, cfg.redis.candles);
  struct rig {
    rig(asio::io_context& io, const gateway::config& cfg, storage::candle_sink& c) : candles(&c) {
      storage::connection_options co;
      co.buffer_limit_bytes = connection_buffer_limit;
      conn = std::make_unique<storage::connection>(io.get_executor(), co);
      stream = std::make_unique<storage::stream_sink>(*conn, cfg.redis.stream);
      pubsub = std::make_unique<storage::pubsub_sink>(*conn, cfg.redis.pubsub);
      lists = std::make_unique<storage::list_sink>(*conn, cfg.redis.lists);
      price = std::make_unique<storage::price_sink>(*conn, cfg.redis.price);
    }
    gateway::sink_set sinks() {
      return {stream.get(), pubsub.get(), lists.get(), price.get(), candles};
    }
    std::unique_ptr<storage::connection> conn;
    std::unique_ptr<storage::stream_sink> stream;
    std::unique_ptr<storage::pubsub_sink> pubsub;
    std::unique_ptr<storage::list_sink> lists;
    std::unique_ptr<storage::price_sink> price;
    storage::candle_sink* candles;
  };
  auto r = std::make_unique<rig>(io, cfg, candles);
  auto router = std::make_unique<gateway::tick_router>(cfg, index, r->sinks());
  std::size_t i = 0;
  std::size_t n = 0;
  std::size_t ticks = 0;
  std::int64_t us = 1'705'294'845'123'456;
  for (auto _ : state) {
    us += 50;
    router->on_frame(market.next(i, us / 1000), storage::clock::now(), us);
    if (++i == market.size()) i = 0;
    if (flush_every != 0 && ++ticks % flush_every == 0) candles.flush();
    if (++n == records_per_connection) {
      state.PauseTiming();
      router.reset();
      r = std::make_unique<rig>(io, cfg, candles);
      router = std::make_unique<gateway::tick_router>(cfg, index, r->sinks());
      n = 0;
      state.ResumeTiming();
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));  // ticks
}
BENCHMARK_CAPTURE(router_on_frame, 5_sinks, 0)->Name("router/on_frame_5_sinks");
BENCHMARK_CAPTURE(router_on_frame, 5_sinks_flush_every_5000, 5000)
    ->Name("router/on_frame_5_sinks_fixed")
    ->Iterations(60'000);

// A WebSocket client and server over Beast's in-memory test stream pair,
// handshake done. The server's writes land in the client's input.
template <class Executor>
struct websocket_pair {
  using stream = boost::beast::websocket::stream<boost::beast::test::basic_stream<Executor>>;
  websocket_pair() : client(io.get_executor()), server(io.get_executor()) {
    client.next_layer().connect(server.next_layer());
    bool accepted = false;
    server.async_accept([&](boost::system::error_code ec) {
      if (ec) throw std::runtime_error("accept: " + ec.message());
      accepted = true;
    });
    bool connected = false;
    client.async_handshake("127.0.0.1", "/smart-stream", [&](boost::system::error_code ec) {
      if (ec) throw std::runtime_error("handshake: " + ec.message());
      connected = true;
    });
    io.run();
    io.restart();
    if (!accepted || !connected) throw std::runtime_error("no handshake");
    server.binary(true);
  }
  // `count` copies of `message` into the client's input.
  void send(std::span<const std::byte> message, std::size_t count) {
    for (std::size_t i = 0; i < count; ++i) {
      server.write(asio::buffer(message.data(), message.size()));
    }
  }
  asio::io_context io{1};  // as gateway/main.cpp: one thread
  stream client;
  stream server;
};

constexpr std::size_t websocket_batch = 1000;

// One benchmark's pair and reading state; run() times read_batch(), which
// reads websocket_batch SnapQuote messages put into the client's input.
template <class Executor>
struct websocket_bench {
  // After a read: true when it completed a message (counted, buffer cleared).
  bool message_read() {
    if (!ws.client.is_message_done()) return false;
    bytes += buffer.size();
    buffer.clear();
    return true;
  }
  template <class ReadBatch>
  void run(benchmark::State& state, ReadBatch read_batch) {
    for (auto _ : state) {
      state.PauseTiming();
      ws.send(t.frame, websocket_batch);
      ws.io.restart();
      state.ResumeTiming();
      read_batch();
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * websocket_batch));
    state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
  }

  const one_tick t{protocol::mode::snap_quote};
  websocket_pair<Executor> ws;
  boost::beast::flat_buffer buffer;
  std::size_t bytes = 0;
};

// As gateway::feed::read_frames: a coroutine, one async_read_some per message
// (the feed's frame bound + 1), as_tuple(use_awaitable). The stream's
// executor, the coroutine's, and whether the read's handler is bound to the
// concrete executor vary.
template <class StreamExecutor, class CoroutineExecutor, bool bind_handler>
void websocket_read_coroutine(benchmark::State& state) {
  websocket_bench<StreamExecutor> b;
  b.run(state, [&] {
    asio::co_spawn(
        b.ws.io.get_executor(),
        [&]() -> asio::awaitable<void, CoroutineExecutor> {
          const auto token = asio::as_tuple(asio::use_awaitable_t<CoroutineExecutor>{});
          for (std::size_t read = 0; read < websocket_batch;) {
            boost::system::error_code ec;
            if constexpr (bind_handler) {
              std::tie(ec, std::ignore) = co_await b.ws.client.async_read_some(
                  b.buffer, 65537, asio::bind_executor(b.ws.io.get_executor(), token));
            } else {
              std::tie(ec, std::ignore) = co_await b.ws.client.async_read_some(b.buffer, 65537, token);
            }
            if (ec) throw std::runtime_error("read: " + ec.message());
            if (b.message_read()) ++read;
          }
        },
        asio::detached);
    b.ws.io.run();
  });
}
using any_executor = asio::any_io_executor;
using concrete_executor = asio::io_context::executor_type;
// The feed before: everything on any_io_executor.
BENCHMARK_TEMPLATE(websocket_read_coroutine, any_executor, any_executor, false)
    ->Name("websocket/read_coroutine_per_message");
BENCHMARK_TEMPLATE(websocket_read_coroutine, concrete_executor, any_executor, false)
    ->Name("websocket/read_coroutine_concrete_executor_per_message");
BENCHMARK_TEMPLATE(websocket_read_coroutine, concrete_executor, any_executor, true)
    ->Name("websocket/read_coroutine_bound_per_message");
// The feed now: stream and coroutine on the concrete executor.
BENCHMARK_TEMPLATE(websocket_read_coroutine, concrete_executor, concrete_executor, false)
    ->Name("websocket/read_coroutine_all_concrete_per_message");

// The same reads chained through a plain completion handler (no coroutine).
void websocket_read_callback(benchmark::State& state) {
  websocket_bench<any_executor> b;
  std::size_t read = 0;
  std::function<void(boost::system::error_code, std::size_t)> on_read;
  const auto start_read = [&] { b.ws.client.async_read_some(b.buffer, 65537, on_read); };
  on_read = [&](boost::system::error_code ec, std::size_t) {
    if (ec) throw std::runtime_error("read: " + ec.message());
    if (b.message_read() && ++read == websocket_batch) return;
    start_read();
  };
  b.run(state, [&] {
    read = 0;
    start_read();
    b.ws.io.run();
  });
}
BENCHMARK(websocket_read_callback)->Name("websocket/read_callback_per_message");

// The same messages read synchronously: Beast's framing alone.
void websocket_read_sync(benchmark::State& state) {
  websocket_bench<any_executor> b;
  b.run(state, [&] {
    for (std::size_t read = 0; read < websocket_batch;) {
      b.ws.client.read_some(b.buffer, 65537);
      if (b.message_read()) ++read;
    }
  });
}
BENCHMARK(websocket_read_sync)->Name("websocket/read_sync_per_message");

}  // namespace

int main(int argc, char** argv) {
  tickgate::log::set_min_level(tickgate::log::level::error);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
