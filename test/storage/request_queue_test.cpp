// request_queue without sockets: write batching, reply matching, replay
// order after a disconnect, the byte bound and its drop policy, losses
// counted apart by cause, chunk reuse, memory given back after a drained
// backlog (and requests intact across it).
#define BOOST_TEST_MODULE storage_request_queue
#include <boost/test/unit_test.hpp>

#include "storage/request_queue.hpp"
#include "storage/resp_encoder.hpp"

#include <cstdio>
#include <string>
#include <vector>

namespace tickgate::test {
namespace {

using storage::request_kind;
using storage::request_queue;
using clock_type = request_queue::clock;

const clock_type::time_point t0{};

// Appends one request whose bytes are `text` (the queue does not parse them).
bool push(request_queue& q, std::string_view text, request_kind kind = request_kind::durable,
          std::uint32_t commands = 1, storage::source_id source = 0, std::uint64_t token = 0) {
  std::string& buf = q.buffer();
  const std::size_t mark = buf.size();
  buf.append(text);
  return q.commit(mark, kind, commands, source, t0, token);
}

std::string write_all(request_queue& q, std::size_t max_bytes = SIZE_MAX) {
  std::string out;
  for (std::string_view v : q.prepare_write(t0, max_bytes)) out += v;
  q.write_done();
  return out;
}

// Replies to everything sent, returning completed tokens/sizes.
std::size_t ack_all(request_queue& q, bool error = false) {
  std::size_t completed = 0;
  while (q.expecting_reply()) {
    if (q.on_reply(error)) ++completed;
  }
  return completed;
}

BOOST_AUTO_TEST_CASE(pipelines_everything_pending_into_one_write) {
  request_queue q(1 << 20);
  BOOST_TEST(!q.has_pending());
  BOOST_TEST(push(q, "A"));
  BOOST_TEST(push(q, "BB"));
  BOOST_TEST(push(q, "CCC"));
  BOOST_TEST(q.has_pending());
  const auto views = q.prepare_write(t0, SIZE_MAX);
  BOOST_REQUIRE_EQUAL(views.size(), 1u);  // contiguous: one view
  BOOST_TEST(views[0] == "ABBCCC");
  q.write_done();
  BOOST_TEST(!q.has_pending());
  BOOST_TEST(q.sent_commands() == 3u);
  BOOST_TEST(q.held_bytes() == 6 + 3 * request_queue::request_overhead);
  BOOST_TEST(ack_all(q) == 3u);
  BOOST_TEST(q.empty());
  BOOST_TEST(q.held_bytes() == 0u);
  BOOST_TEST(q.source(0).commands == 3u);
  BOOST_TEST(q.source(0).acked == 3u);
}

BOOST_AUTO_TEST_CASE(multi_command_requests_complete_on_their_last_reply) {
  request_queue q(1 << 20);
  const auto src = q.add_source();
  push(q, "LPUSH+LTRIM", request_kind::durable, 2, src);
  push(q, "SET", request_kind::durable, 1, src);
  write_all(q);
  BOOST_TEST(!q.on_reply(false).has_value());  // LPUSH
  auto done = q.on_reply(true);                // LTRIM fails
  BOOST_REQUIRE(done);
  BOOST_TEST(done->commands == 2u);
  BOOST_TEST(done->error);
  BOOST_TEST(done->source == src);
  done = q.on_reply(false);
  BOOST_REQUIRE(done);
  BOOST_TEST(!done->error);
  BOOST_TEST(q.source(src).acked == 3u);
  BOOST_TEST(q.source(src).errors == 1u);
  BOOST_TEST(!q.expecting_reply());
}

BOOST_AUTO_TEST_CASE(appends_during_a_write_leave_its_bytes_alone) {
  request_queue q(1 << 20);
  push(q, "first");
  const auto views = q.prepare_write(t0, SIZE_MAX);
  const std::string_view v = views[0];
  const std::string copy(v);
  for (int i = 0; i < 10000; ++i) push(q, "more bytes that would move a growing string");
  BOOST_TEST(v == copy);
  q.write_done();
  BOOST_TEST(q.has_pending());
}

BOOST_AUTO_TEST_CASE(write_batches_respect_max_bytes) {
  request_queue q(1 << 20);
  for (int i = 0; i < 10; ++i) push(q, "0123456789");
  BOOST_TEST(write_all(q, 35).size() == 30u);  // whole requests only
  BOOST_TEST(write_all(q, 5).size() == 10u);   // at least one request
  BOOST_TEST(write_all(q).size() == 60u);
  BOOST_TEST(q.sent_commands() == 10u);
}

BOOST_AUTO_TEST_CASE(disconnect_replays_unacknowledged_requests_first_in_order) {
  request_queue q(1 << 20);
  std::vector<std::uint64_t> failed_control;
  push(q, "1;");
  push(q, "2;");
  push(q, "pub;", request_kind::fire_and_forget);
  push(q, "3;");
  push(q, "ctl;", request_kind::control, 1, 0, 77);
  push(q, "ping;", request_kind::health_check);
  BOOST_TEST(write_all(q) == "1;2;pub;3;ctl;ping;");
  BOOST_TEST(q.on_reply(false).has_value());  // "1;" acknowledged
  push(q, "4;");                              // queued after the write, before the drop
  push(q, "pub2;", request_kind::fire_and_forget);
  q.rewind([&](std::uint64_t token) { failed_control.push_back(token); });
  BOOST_TEST(failed_control == std::vector<std::uint64_t>{77});
  // Both publishes (one on the wire, one queued) are discarded by design,
  // not dropped: the bound had nothing to do with it.
  BOOST_TEST(q.discarded_commands() == 2u);
  BOOST_TEST(q.dropped_commands() == 0u);
  BOOST_TEST(q.dropped_bytes() == 0u);
  BOOST_TEST(q.sent_commands() == 0u);
  push(q, "5;");
  BOOST_TEST(write_all(q) == "2;3;4;5;");
  BOOST_TEST(ack_all(q) == 4u);
  BOOST_TEST(q.empty());
}

BOOST_AUTO_TEST_CASE(replayed_requests_survive_repeated_disconnects) {
  request_queue q(1 << 20);
  for (int i = 0; i < 5; ++i) push(q, std::to_string(i) + ";");
  for (int round = 0; round < 3; ++round) {
    BOOST_TEST(write_all(q) == "0;1;2;3;4;");
    q.rewind([](std::uint64_t) {});
  }
  BOOST_TEST(write_all(q) == "0;1;2;3;4;");
  BOOST_TEST(ack_all(q) == 5u);
  BOOST_TEST(q.dropped_commands() == 0u);
}

BOOST_AUTO_TEST_CASE(past_the_bound_the_oldest_pending_are_dropped_and_counted) {
  // Each request is 10 bytes + overhead: room for exactly 5.
  const std::size_t per = 10 + request_queue::request_overhead;
  request_queue q(5 * per);
  const auto src = q.add_source();
  for (int i = 0; i < 12; ++i) {
    std::string text = "req-" + std::to_string(100 + i) + "...";
    text.resize(10, '.');
    BOOST_TEST(push(q, text, request_kind::durable, 1, src));
    BOOST_TEST(q.held_bytes() <= q.limit());
  }
  BOOST_TEST(q.held_requests() == 5u);
  BOOST_TEST(q.dropped_requests() == 7u);
  BOOST_TEST(q.dropped_commands() == 7u);
  BOOST_TEST(q.dropped_bytes() == 70u);
  BOOST_TEST(q.source(src).dropped == 7u);
  BOOST_TEST(write_all(q) == "req-107...req-108...req-109...req-110...req-111...");
}

// The connection raises the bound while Redis is connected (the backlog
// bound) and lowers it to the outage bound at a disconnect: lowering it cuts
// the oldest pending at once; sent requests count but are kept.
BOOST_AUTO_TEST_CASE(lowering_the_bound_drops_the_oldest_pending_at_once) {
  const std::size_t per = 10 + request_queue::request_overhead;
  request_queue q(3 * per);
  q.set_limit(8 * per);  // connected: the backlog bound
  BOOST_TEST(q.limit() == 8 * per);
  push(q, "sent-0....");
  write_all(q);  // on the wire
  for (int i = 0; i < 6; ++i) BOOST_TEST(push(q, "pend-" + std::to_string(i) + "...."));
  BOOST_TEST(q.held_requests() == 7u);  // past the outage bound, within the backlog
  BOOST_TEST(q.dropped_requests() == 0u);
  q.rewind([](std::uint64_t) {});  // disconnected…
  q.set_limit(3 * per);            // …the outage bound again
  BOOST_TEST(q.held_requests() == 3u);
  BOOST_TEST(q.held_bytes() <= q.limit());
  BOOST_TEST(q.dropped_requests() == 4u);
  BOOST_TEST(q.dropped_bytes() == 40u);
  // The oldest went: the replayed request first (it is pending again), then
  // pend-0..2; the newest stay.
  BOOST_TEST(write_all(q) == "pend-3....pend-4....pend-5....");
  q.set_limit(q.limit());  // no change, no drop
  BOOST_TEST(q.dropped_requests() == 4u);
}

BOOST_AUTO_TEST_CASE(sent_requests_are_not_dropped) {
  const std::size_t per = 10 + request_queue::request_overhead;
  request_queue q(4 * per);
  push(q, "sent-0....");
  push(q, "sent-1....");
  write_all(q);  // on the wire, no reply yet (a stalled server)
  for (int i = 0; i < 5; ++i) push(q, "pend-" + std::to_string(i) + "....");
  // Two sent + the two newest pending fit; pend-0..2 were dropped.
  BOOST_TEST(q.held_requests() == 4u);
  BOOST_TEST(q.dropped_requests() == 3u);
  q.rewind([](std::uint64_t) {});
  BOOST_TEST(write_all(q) == "sent-0....sent-1....pend-3....pend-4....");
}

BOOST_AUTO_TEST_CASE(control_and_health_requests_are_exempt_from_the_bound) {
  const std::size_t per = 10 + request_queue::request_overhead;
  request_queue q(3 * per);
  push(q, "control...", request_kind::control, 1, 0, 5);
  for (int i = 0; i < 6; ++i) push(q, "durable-" + std::to_string(i) + ".");
  BOOST_TEST(write_all(q) == "control...durable-4.durable-5.");
}

BOOST_AUTO_TEST_CASE(a_request_larger_than_the_bound_is_refused) {
  request_queue q(100);
  push(q, "keep");
  std::string& buf = q.buffer();
  const std::size_t before = buf.size();
  BOOST_TEST(!push(q, std::string(100, 'x')));
  BOOST_TEST(q.buffer().size() == before);  // its bytes were taken back
  BOOST_TEST(q.dropped_requests() == 1u);
  BOOST_TEST(write_all(q) == "keep");
}

BOOST_AUTO_TEST_CASE(fire_and_forget_pending_at_disconnect_is_discarded) {
  request_queue q(1 << 20);
  const auto pub = q.add_source();
  push(q, "p1", request_kind::fire_and_forget, 2, pub);
  push(q, "d1");
  q.rewind([](std::uint64_t) {});
  BOOST_TEST(q.source(pub).dropped == 2u);
  BOOST_TEST(q.discarded_commands() == 2u);
  BOOST_TEST(q.dropped_commands() == 0u);
  BOOST_TEST(write_all(q) == "d1");
}

// The soak's false alarm: PUBLISHes on the wire when the connection drops
// are discarded (by design), drops past the bound are dropped; neither
// counter sees the other's, and each producer's `dropped` is its share of both.
BOOST_AUTO_TEST_CASE(in_flight_publishes_and_bound_drops_are_counted_apart) {
  const std::size_t per = 10 + request_queue::request_overhead;
  request_queue q(6 * per);
  const auto pub = q.add_source();
  const auto xadd = q.add_source();
  for (int i = 0; i < 3; ++i) push(q, "publish-" + std::to_string(i) + ".", request_kind::fire_and_forget, 1, pub);
  push(q, "xadd-sent.", request_kind::durable, 1, xadd);
  write_all(q);  // four on the wire
  // Six more durable: two fit beside the four sent, the four oldest pending go.
  for (int i = 0; i < 6; ++i) push(q, "xadd-pnd-" + std::to_string(i), request_kind::durable, 1, xadd);
  BOOST_TEST(q.dropped_commands() == 4u);
  BOOST_TEST(q.dropped_bytes() == 40u);
  BOOST_TEST(q.discarded_commands() == 0u);
  q.rewind([](std::uint64_t) {});  // the connection drops
  BOOST_TEST(q.discarded_commands() == 3u);
  BOOST_TEST(q.dropped_requests() == 4u);
  BOOST_TEST(q.dropped_commands() == 4u);
  BOOST_TEST(q.dropped_bytes() == 40u);
  BOOST_TEST(q.abandoned_commands() == 0u);
  BOOST_TEST(q.source(pub).dropped == 3u);
  BOOST_TEST(q.source(xadd).dropped == 4u);
  // The durable one on the wire is replayed first, then the newest pending.
  BOOST_TEST(write_all(q) == "xadd-sent.xadd-pnd-4xadd-pnd-5");
}

BOOST_AUTO_TEST_CASE(clear_counts_everything_as_abandoned) {
  request_queue q(1 << 20);
  std::vector<std::uint64_t> failed;
  push(q, "a");
  push(q, "b", request_kind::fire_and_forget);
  push(q, "c", request_kind::control, 1, 0, 9);
  write_all(q);
  push(q, "d");
  q.clear([&](std::uint64_t t) { failed.push_back(t); });
  BOOST_TEST(q.empty());
  BOOST_TEST(q.abandoned_commands() == 3u);  // a, b, d; the control one failed instead
  BOOST_TEST(q.source(0).dropped == 3u);
  BOOST_TEST(q.dropped_requests() == 0u);
  BOOST_TEST(q.discarded_commands() == 0u);
  BOOST_TEST(failed == std::vector<std::uint64_t>{9});
  BOOST_TEST(!q.has_pending());
  BOOST_TEST(!q.expecting_reply());
}

BOOST_AUTO_TEST_CASE(oldest_sent_at_tracks_the_head) {
  request_queue q(1 << 20);
  BOOST_TEST(!q.oldest_sent_at());
  push(q, "a");
  push(q, "b");
  const auto t1 = t0 + std::chrono::seconds(1);
  const auto t2 = t0 + std::chrono::seconds(2);
  q.prepare_write(t1, 1);
  q.write_done();
  q.prepare_write(t2, 1);
  q.write_done();
  BOOST_TEST((q.oldest_sent_at() == t1));
  q.on_reply(false);
  BOOST_TEST((q.oldest_sent_at() == t2));
  q.on_reply(false);
  BOOST_TEST(!q.oldest_sent_at());
}

BOOST_AUTO_TEST_CASE(memory_stays_bounded_through_a_long_outage) {
  const std::size_t limit = 256 * 1024;
  request_queue q(limit);
  std::string payload(200, 'p');
  for (int i = 0; i < 100000; ++i) push(q, payload);
  BOOST_TEST(q.held_bytes() <= limit);
  // Chunks hold at most the bound plus one chunk and the free list.
  BOOST_TEST(q.chunk_bytes_allocated() <= 2 * limit);
  BOOST_TEST(q.dropped_requests() + q.held_requests() == 100000u);
  // Once replayed and acknowledged, the outage's memory is given back.
  write_all(q);
  ack_all(q);
  BOOST_TEST(q.empty());
  BOOST_TEST(q.chunk_bytes_allocated() <= 8u * 256 * 1024);
}

BOOST_AUTO_TEST_CASE(steady_state_reuses_chunks) {
  request_queue q(1 << 20);
  auto cycle = [&] {
    for (int i = 0; i < 50; ++i) push(q, "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n");
    write_all(q);
    ack_all(q);
  };
  for (int i = 0; i < 10; ++i) cycle();
  const std::size_t allocated = q.chunk_bytes_allocated();
  for (int i = 0; i < 1000; ++i) cycle();
  BOOST_TEST(q.chunk_bytes_allocated() == allocated);
}

BOOST_AUTO_TEST_CASE(refused_requests_are_counted_by_cause_and_per_source) {
  request_queue q(1 << 20);
  const auto src = q.add_source();
  q.count_refused(src, 2, storage::loss_cause::disconnect);  // PUBLISH while down
  q.count_refused(src, 3, storage::loss_cause::shutdown);    // anything once stopping
  BOOST_TEST(q.discarded_commands() == 2u);
  BOOST_TEST(q.abandoned_commands() == 3u);
  BOOST_TEST(q.dropped_commands() == 0u);
  BOOST_TEST(q.dropped_requests() == 0u);
  BOOST_TEST(q.source(src).dropped == 5u);
}


// Request `i` of a backlog: distinct bytes of a fixed size (~500 bytes).
std::string numbered(std::uint64_t i) {
  char head[16];
  std::snprintf(head, sizeof head, "R%08llu|", static_cast<unsigned long long>(i));
  return head + std::string(490, static_cast<char>('a' + i % 26));
}

// A busy session's steady state: 50 small requests written and acknowledged.
void steady_cycle(request_queue& q) {
  for (int i = 0; i < 50; ++i) push(q, "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n");
  write_all(q);
  ack_all(q);
}

// Redis stops answering: `n` requests are written (64 KiB at a time) and
// wait for replies.
void build_backlog(request_queue& q, std::uint64_t first, std::uint64_t n) {
  for (std::uint64_t i = first; i < first + n; ++i) {
    BOOST_REQUIRE(push(q, numbered(i), request_kind::durable, 1, 0, i));
    if (i % 128 == 0) write_all(q, 64 * 1024);
  }
  while (q.has_pending()) write_all(q, 64 * 1024);
}

// The connection's health tick: ends an interval and releases when due
// (the connection also rate-limits to one release per 10 s; a test that
// needs it counts intervals). Returns whether it released.
bool health_tick(request_queue& q) {
  if (!q.end_interval()) return false;
  q.release_memory();
  return true;
}

BOOST_AUTO_TEST_CASE(a_drained_backlog_gives_its_memory_back) {
  request_queue q(256u << 20);
  for (int i = 0; i < 10; ++i) steady_cycle(q);
  BOOST_TEST(!q.end_interval());
  const std::size_t steady_chunks = q.chunk_bytes_allocated();
  const std::size_t steady_ring = q.request_capacity();

  build_backlog(q, 1, 20000);  // ~11 MB held
  BOOST_TEST(q.held_bytes_peak() > 10u << 20);
  BOOST_TEST(!q.end_interval());  // still held
  BOOST_TEST(q.request_capacity() >= 20000u);
  ack_all(q);
  BOOST_TEST(q.empty());
  // The interval the drain ended in still shows the backlog, and the
  // working set spans two intervals.
  BOOST_TEST(!q.end_interval());
  BOOST_TEST(!q.end_interval());
  BOOST_TEST(q.end_interval());
  BOOST_TEST(q.working_set() == 0u);
  // The ring kept the backlog's capacity (32768 slots, 2 MiB).
  BOOST_TEST(q.request_capacity() >= 20000u);

  const std::size_t freed = q.release_memory();
  BOOST_TEST(freed >= (32768u - 1024u) * request_queue::request_overhead / 2);
  BOOST_TEST(q.request_capacity() <= std::max<std::size_t>(steady_ring, 1024));
  BOOST_TEST(q.chunk_bytes_allocated() <= steady_chunks + (1u << 20));
  BOOST_TEST(!q.end_interval());  // the mark restarts from what is held
  BOOST_TEST(q.held_bytes_peak() == q.held_bytes());

  // And the queue goes on as before.
  for (int i = 0; i < 10; ++i) steady_cycle(q);
  BOOST_TEST(q.empty());
  BOOST_TEST(q.source(0).acked == 20000u + 20u * 50u);
}

// The soak's case: a stall of ~90 ms at the bench's rate leaves a backlog of
// a few MB, well above the steady state but far below the old 8 MiB
// threshold. It is released once, two intervals after it drained.
BOOST_AUTO_TEST_CASE(a_3_mib_backlog_is_released_once_after_it_drains) {
  request_queue q(256u << 20);
  int releases = 0;
  for (int tick = 0; tick < 20; ++tick) {
    for (int i = 0; i < 10; ++i) steady_cycle(q);
    releases += health_tick(q);
  }
  BOOST_TEST(releases == 0);
  const std::size_t steady_ring = q.request_capacity();

  // 5600 requests of ~500 bytes: a 3 MiB backlog in an 8192-slot ring.
  build_backlog(q, 1, 5600);
  const std::size_t backlog = q.held_bytes();
  BOOST_TEST(backlog > 3u << 20);
  BOOST_TEST(backlog < 4u << 20);
  BOOST_TEST(q.request_capacity() >= 5600u);
  BOOST_TEST(!health_tick(q));  // held: nothing to give back yet
  ack_all(q);                   // Redis catches up
  BOOST_TEST(q.held_bytes_peak() == backlog);
  BOOST_TEST(!health_tick(q));  // this interval held the backlog
  for (int i = 0; i < 10; ++i) steady_cycle(q);
  BOOST_TEST(!health_tick(q));  // so did the one before
  std::vector<int> released_at;
  for (int tick = 0; tick < 200; ++tick) {
    for (int i = 0; i < 10; ++i) steady_cycle(q);
    if (health_tick(q)) released_at.push_back(tick);
  }
  BOOST_TEST(released_at == std::vector<int>{0}, released_at.size() << " releases");
  BOOST_TEST(q.request_capacity() <= std::max<std::size_t>(steady_ring, 1024));
  BOOST_TEST(q.source(0).acked == 5600u + 221u * 10u * 50u);
}

// A steady working set of a few hundred KiB whose peaks vary 2x from one
// interval to the next, with a quiet interval now and then: never a release.
// (A floor-only rule would release here when the working set reaches the
// floor; the 4x factor is what keeps a busy steady state from releasing
// every 10 s.)
BOOST_AUTO_TEST_CASE(a_steady_working_set_never_asks_for_a_release) {
  for (const std::uint64_t window : {400u, 2400u}) {  // ~220 KiB and ~1.3 MiB in flight
    request_queue q(256u << 20);
    std::uint64_t next = 1;
    auto fill_to = [&](std::uint64_t in_flight) {
      while (q.held_requests() < in_flight) push(q, numbered(next++));
      write_all(q, 64 * 1024);
    };
    auto ack = [&](std::uint64_t n) {
      for (std::uint64_t i = 0; i < n && q.expecting_reply(); ++i) q.on_reply(false);
    };
    std::size_t peak = 0;
    for (int tick = 0; tick < 600; ++tick) {
      // An interval: the window swings between half and all of `window`
      // (a quiet interval every 50th: a tenth of it).
      const std::uint64_t top = tick % 50 == 49 ? window / 10 : (tick % 2 ? window : window / 2);
      for (int step = 0; step < 20; ++step) {
        fill_to(top);
        peak = std::max(peak, q.held_bytes());
        ack(top / 4);
      }
      BOOST_TEST_REQUIRE(!q.end_interval(), "window " << window << ", tick " << tick);
    }
    BOOST_TEST_MESSAGE("window " << window << ": held at most " << peak << " bytes");
    BOOST_TEST(peak > window * 500);
    if (window == 2400u) BOOST_TEST(peak > request_queue::release_floor_bytes);
  }
}

// The ring of a backlog of 100 000 requests (131 072 slots, 7 MiB) is not
// freed when it empties: it goes with the rest at the release.
BOOST_AUTO_TEST_CASE(a_ring_of_100000_idle_slots_goes_back_with_the_release) {
  request_queue q(256u << 20);
  for (int i = 0; i < 100000; ++i) BOOST_REQUIRE(push(q, "*1\r\n$4\r\nPING\r\n"));
  write_all(q, 64 * 1024);
  while (q.has_pending()) write_all(q, 64 * 1024);
  BOOST_TEST(q.held_bytes() < 8u << 20);
  ack_all(q);
  BOOST_TEST(q.empty());
  BOOST_TEST_REQUIRE(q.request_capacity() == 131072u);  // idle, still allocated
  BOOST_TEST(!q.end_interval());  // this interval held the backlog
  BOOST_TEST(!q.end_interval());  // and so the working set still shows it
  BOOST_TEST(q.end_interval());
  const std::size_t ring_bytes = q.request_ring_bytes();
  const std::size_t slot = ring_bytes / q.request_capacity();
  BOOST_TEST(slot >= 32u);
  BOOST_TEST(slot <= request_queue::request_overhead);
  const std::size_t freed = q.release_memory();
  BOOST_TEST(freed >= ring_bytes - 1024 * slot);
  BOOST_TEST(q.request_capacity() == 1024u);
  BOOST_TEST(q.request_ring_bytes() == 1024 * slot);
  BOOST_TEST(!q.end_interval());
}

BOOST_AUTO_TEST_CASE(requests_stay_intact_in_order_across_a_release) {
  request_queue q(256u << 20);
  constexpr std::uint64_t n = 20000;
  build_backlog(q, 1, n);
  // Redis answers all but the last 100 written.
  for (std::uint64_t i = 1; i <= n - 100; ++i) {
    const auto done = q.on_reply(false);
    BOOST_REQUIRE(done);
    BOOST_TEST_REQUIRE(done->token == i);
  }
  for (std::uint64_t i = n + 1; i <= n + 100; ++i) {
    BOOST_REQUIRE(push(q, numbered(i), request_kind::durable, 1, 0, i));
  }
  // A write of the first 10 new ones is in flight during the release.
  const auto views = q.prepare_write(t0, 10 * numbered(1).size());
  const std::size_t ring_before = q.request_capacity();
  q.release_memory();
  BOOST_TEST(q.request_capacity() < ring_before);
  BOOST_TEST(q.request_capacity() <= 1024u);
  std::string written;
  for (std::string_view v : views) written += v;
  std::string expected;
  for (std::uint64_t i = n + 1; i <= n + 10; ++i) expected += numbered(i);
  BOOST_TEST(written == expected);  // the views still point at the bytes
  q.write_done();
  BOOST_TEST(q.held_requests() == 200u);
  BOOST_TEST(q.sent_commands() == 110u);

  // The connection drops: what was sent is replayed first, then the rest,
  // in order, from the moved ring and the untouched chunks.
  BOOST_TEST(q.rewind([](std::uint64_t) {}) == 110u);
  expected.clear();
  for (std::uint64_t i = n - 99; i <= n + 100; ++i) expected += numbered(i);
  BOOST_TEST(write_all(q) == expected);
  for (std::uint64_t i = n - 99; i <= n + 100; ++i) {
    const auto done = q.on_reply(i == n);
    BOOST_REQUIRE(done);
    BOOST_TEST_REQUIRE(done->token == i);
    BOOST_TEST(done->error == (i == n));
  }
  BOOST_TEST(q.empty());
  BOOST_TEST(q.held_bytes() == 0u);
  BOOST_TEST(q.source(0).acked == n + 100);
  BOOST_TEST(q.source(0).errors == 1u);
}

}  // namespace
}  // namespace tickgate::test
