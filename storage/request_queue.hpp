// The connection's request queue and outage buffer, as a plain object: it
// decides what to write, which reply belongs to which request, what to replay
// after a reconnect and what to drop past the byte bound. No sockets, no
// timers; the connection drives it and the tests drive it directly.
//
// Bytes: producers append RESP commands straight into the open chunk
// (buffer()) and commit() them as one request, so a request is encoded once
// and never copied. A chunk is sealed when the writer takes it (and when it
// outgrows chunk_limit) and is never modified afterwards, so the views handed
// to a write stay valid while new requests are appended elsewhere. A chunk
// returns to a small free list once none of its requests needs its bytes:
// in steady state nothing is allocated.
//
// Lifecycle of a request: pending (to be written) → sent (written on the
// current connection, waiting for `commands` replies) → acknowledged and
// removed. A disconnect rewinds every sent request to pending, so what was
// not acknowledged is written again, in order, before anything newer; except
// fire-and-forget, control and health-check requests, which are discarded.
//
// Losses, counted apart by cause (in commands; each also in the producer's
// source_counters::dropped, which is their sum per producer):
// - dropped: past the byte bound (below), the only loss a bigger bound
//   prevents; dropped_requests/commands/bytes count nothing else.
// - discarded: fire-and-forget (PUBLISH) requests on the wire or still
//   queued when the connection dropped, and those refused while it was down
//   (count_refused): pub/sub is fire-and-forget, never replayed, by design.
// - abandoned: shutdown: refused once stopping, or still queued at clear().
// Control and health-check requests are never counted as lost.
//
// Bound: held bytes are the encoded bytes plus request_overhead for every
// pending or sent request. When a commit takes them past the limit, the
// oldest pending durable or fire-and-forget requests are dropped (and
// counted) until the rest fits. The limit can change (set_limit): a lower one
// drops the same way at once. Sent requests are never dropped: they are on
// the wire, and are either acknowledged or, after a disconnect, become the
// oldest pending ones.
//
// Memory after a backlog: while Redis falls behind, the queue holds the
// backlog (chunks of up to chunk_limit bytes, request slots of 56 bytes in a
// ring that only grows). Once it has drained, release_memory() gives back what the
// backlog grew: the ring is cut back to a modest capacity (the live requests
// are moved, in order; views handed to a write point into chunks, which do not
// move), only a few free chunks are kept and an outgrown open chunk is
// replaced. This is the only path that shrinks the ring: an emptied ring is
// no longer freed on the spot (it was, above 65 536 slots = 3.5 MiB). A
// ring that large served a backlog of more than 32 768 requests (> 2 MiB of
// bytes and overhead) for as long as it lasted; keeping it until the release
// (two intervals after the drain, or up to 10 s when the caller released
// just before) does not raise what the process peaked at, and one path means
// a backlog's ring and chunks leave together, followed by the heap trim that
// returns the pages to the OS.
//
// When a release is worth it is decided per interval (the caller ends one
// with end_interval(), the connection on its health tick, about 1 s): the
// high-water mark of held bytes since the last release is at least
// release_floor_bytes and at least release_factor times the working set (the
// high-water mark of the last two intervals: the interval a drain ends in
// still shows part of it, and one quiet second is not a new steady state).
// So a backlog of 1 MiB or more gives its memory back once the queue has
// been back under a quarter of it for two intervals, however short the stall
// was, while a steady load whose peaks stay within 4x of each other never
// does. A drain whose last quarter takes longer than two intervals is
// released before it ends, then again after each further 4x fall (a handful
// of times at most: 4^4 × 1 MiB = 256 MiB). Tracking the mark is one
// comparison per commit; the rest happens once per interval. The release
// itself is the caller's to rate-limit (the connection: at most every 10 s,
// then it returns freed heap to the OS: process_memory.hpp).
#pragma once

#include "storage/ring_buffer.hpp"

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tickgate::storage {

enum class request_kind : std::uint8_t {
  durable,          // at-least-once: replayed after a reconnect until acknowledged
  fire_and_forget,  // PUBLISH: never replayed; discarded while the connection is down
  control,          // exec(): never replayed; fails when the connection drops
  health_check,     // PING: never replayed, never counted as dropped
};

using source_id = std::uint16_t;

// Per-producer counters, all in commands.
struct source_counters {
  std::uint64_t commands = 0;  // committed to the queue
  std::uint64_t acked = 0;     // replied to (error replies included)
  std::uint64_t errors = 0;    // error replies
  // Never delivered, whatever the cause: the sum of the producer's share of
  // request_queue's dropped, discarded and abandoned commands.
  std::uint64_t dropped = 0;
};

// Why a request was lost (see request_queue's header comment).
enum class loss_cause : std::uint8_t {
  bound,       // dropped past the byte bound
  disconnect,  // fire-and-forget while the connection was (going) down
  shutdown,    // refused once stopping, or still queued at clear()
};

class request_queue {
public:
  using clock = std::chrono::steady_clock;

  // Accounted per request on top of its bytes: the metadata kept for it.
  static constexpr std::size_t request_overhead = 64;

  // What a completed request was, for stats and latency histograms.
  struct completion {
    request_kind kind;
    source_id source;
    std::uint32_t commands;
    bool error;  // at least one reply was an error
    std::uint64_t token;
    clock::time_point origin;
    clock::time_point sent_at;
  };

  // limit_bytes: the outage bound (see above). Source 0 exists from the start
  // ("connection": health checks and control requests).
  explicit request_queue(std::size_t limit_bytes);
  request_queue(const request_queue&) = delete;
  request_queue& operator=(const request_queue&) = delete;

  source_id add_source();
  const source_counters& source(source_id id) const noexcept { return sources_[id]; }
  std::size_t source_count() const noexcept { return sources_.size(); }

  // --- Producers ---------------------------------------------------------
  // The open chunk. Append whole RESP commands to it, then commit() them;
  // `mark` is buffer().size() before appending.
  std::string& buffer() noexcept { return *chunks_.back().bytes; }
  // Records buffer()[mark, end) as one request of `commands` commands.
  // Returns false when it was not queued because it alone exceeds the bound
  // (its bytes are removed and it is counted as dropped, a bound loss). May
  // drop older requests to honour the bound.
  bool commit(std::size_t mark, request_kind kind, std::uint32_t commands, source_id source,
              clock::time_point origin, std::uint64_t token = 0);
  // Counts a request the connection refused before encoding it: `why` is
  // disconnect (fire-and-forget while down) or shutdown (stopping).
  void count_refused(source_id source, std::uint32_t commands, loss_cause why) noexcept;

  // --- Writer ------------------------------------------------------------
  bool has_pending() const noexcept;
  // Marks pending requests sent, in order, until about max_bytes (at least
  // one request), and returns their bytes as views. The views stay valid
  // until write_done(), which must follow (also when the write failed).
  std::span<const std::string_view> prepare_write(clock::time_point now, std::size_t max_bytes);
  void write_done() noexcept;

  // --- Reader ------------------------------------------------------------
  // The kind and token of the request the next reply belongs to, if any.
  struct expectation {
    request_kind kind;
    source_id source;
    std::uint64_t token;
  };
  std::optional<expectation> expecting_reply() const noexcept;
  // Accounts one reply. Returns the request when this reply completed it;
  // std::nullopt when it needs more replies. Precondition: expecting_reply().
  std::optional<completion> on_reply(bool error);

  // --- Connection events -------------------------------------------------
  // The connection dropped: every sent durable request becomes pending again
  // (replayed first, in order); fire-and-forget, control and health-check
  // requests are discarded, calling on_control(token) for each control one;
  // the fire-and-forget ones count as discarded (loss_cause::disconnect).
  // Returns the number of durable commands that will be written again.
  // Precondition: no write in progress (write_done() was called).
  template <class OnControl>
  std::size_t rewind(OnControl&& on_control);
  // Discards everything (stop). Durable and fire-and-forget requests count as
  // abandoned (loss_cause::shutdown).
  template <class OnControl>
  void clear(OnControl&& on_control);

  // --- Introspection -----------------------------------------------------
  // Requests are numbered in commit order. The number the next commit gets:
  std::uint64_t next_sequence() const noexcept { return end_seq(); }
  // True when every request numbered below `seq` is gone (acknowledged,
  // dropped or discarded).
  bool done_before(std::uint64_t seq) const noexcept { return head_seq_ >= seq; }
  bool empty() const noexcept { return held_requests_ == 0; }
  std::size_t held_bytes() const noexcept { return held_bytes_; }
  std::size_t held_requests() const noexcept { return held_requests_; }
  std::size_t held_commands() const noexcept { return held_commands_; }
  std::size_t sent_commands() const noexcept { return sent_commands_; }
  std::size_t limit() const noexcept { return limit_; }
  // Changes the bound: the connection raises it to its backlog bound while
  // Redis is connected and lowers it to the outage bound at a disconnect.
  // Lowering it drops the oldest pending requests at once, as a commit past
  // it would.
  void set_limit(std::size_t limit_bytes);
  // When the oldest request still waiting for a reply was written.
  std::optional<clock::time_point> oldest_sent_at() const noexcept;
  // Lost past the byte bound only.
  std::uint64_t dropped_requests() const noexcept { return dropped_requests_; }
  std::uint64_t dropped_commands() const noexcept { return dropped_commands_; }
  std::uint64_t dropped_bytes() const noexcept { return dropped_bytes_; }
  // Fire-and-forget lost to a disconnect (in flight, queued, or refused while down).
  std::uint64_t discarded_commands() const noexcept { return discarded_commands_; }
  // Lost to shutdown (refused once stopping, or still queued at clear()).
  std::uint64_t abandoned_commands() const noexcept { return abandoned_commands_; }
  // Memory held by chunks (open, sealed and free), for tests and /stats.
  std::size_t chunk_bytes_allocated() const noexcept;
  // Request slots allocated (the ring's capacity), and their bytes.
  std::size_t request_capacity() const noexcept { return requests_.capacity(); }
  std::size_t request_ring_bytes() const noexcept { return requests_.capacity() * sizeof(request); }

  // --- Memory after a backlog (see the header comment) --------------------
  // A release is worth it after a high-water mark of at least this: 5 % of
  // the gateway's ~20 MB RSS, the soak's tolerance; smaller excursions
  // cannot move it past that, and the spare-chunk list keeps 1 MiB anyway.
  static constexpr std::size_t release_floor_bytes = 1u << 20;
  // ... and of at least this many times the working set now.
  static constexpr std::size_t release_factor = 4;
  // Most held bytes since construction or the last release_memory().
  std::size_t held_bytes_peak() const noexcept { return std::max(backlog_peak_, interval_mark_); }
  // The working set: most held bytes during the last two intervals
  // end_interval() closed.
  std::size_t working_set() const noexcept { return working_set_; }
  // Ends an interval; true when release_memory() is worth calling now: the
  // high-water mark since the last release is at least release_floor_bytes
  // and at least release_factor times the working set. Stays true on later
  // calls until release_memory() while the queue stays that low, so a
  // rate-limited caller can release later.
  bool end_interval() noexcept;
  // Gives back request slots and free chunks beyond what the current load
  // needs, and restarts the high-water mark from the bytes held now. Safe in
  // any state, also while a write is in progress. Returns the bytes freed
  // (slot and chunk capacity).
  std::size_t release_memory();

private:
  enum class state : std::uint8_t { pending, sent, discarded };

  struct request {
    std::uint64_t chunk = 0;  // sequence number of the chunk holding the bytes
    std::uint32_t offset = 0;
    std::uint32_t size = 0;
    std::uint32_t commands = 0;
    std::uint32_t replies = 0;
    request_kind kind = request_kind::durable;
    state st = state::pending;
    bool error = false;
    source_id source = 0;
    std::uint64_t token = 0;
    clock::time_point origin{};
    clock::time_point sent_at{};
  };

  struct chunk {
    std::unique_ptr<std::string> bytes;  // stable address: writes hold views into it
    std::uint32_t live = 0;              // pending or sent requests in it
    bool sealed = false;
    bool released = false;
  };

  request& at(std::uint64_t seq) noexcept { return requests_[seq - head_seq_]; }
  const request& at(std::uint64_t seq) const noexcept { return requests_[seq - head_seq_]; }
  chunk& chunk_at(std::uint64_t seq) noexcept { return chunks_[seq - first_chunk_seq_]; }
  std::uint64_t end_seq() const noexcept { return head_seq_ + requests_.size(); }

  void open_chunk();
  void seal_tail();
  // Stops holding the request's bytes (acknowledged or discarded).
  void release(request& r);
  // Stops holding the request and counts it lost for `why` (none: not a loss).
  void discard(request& r, std::optional<loss_cause> why);
  void count_loss(source_id source, std::uint32_t commands, std::uint64_t bytes,
                  loss_cause why) noexcept;
  void enforce_limit();
  void trim_head() noexcept;
  void release_chunks();
  void free_chunk(chunk& c);
  bool releasable(std::size_t index) const noexcept;
  bool chunk_pinned(std::uint64_t seq) const noexcept {
    return writing_ && seq >= pinned_first_ && seq <= pinned_last_;
  }

  std::size_t limit_;
  std::size_t chunk_limit_;
  ring_buffer<request> requests_;
  std::uint64_t head_seq_ = 0;     // sequence number of requests_[0]
  std::uint64_t next_send_ = 0;    // first request not yet sent (or end)
  std::uint64_t drop_cursor_ = 0;  // no droppable request before this one
  ring_buffer<chunk> chunks_;
  std::uint64_t first_chunk_seq_ = 0;
  std::vector<std::unique_ptr<std::string>> spare_;
  std::size_t spare_bytes_ = 0;  // capacity held by spare_
  std::vector<std::string_view> write_views_;
  bool writing_ = false;
  bool chunk_freed_ = false;   // the front chunk may have become releasable
  bool middle_freed_ = false;  // a chunk behind it may have
  std::uint64_t pinned_first_ = 0;
  std::uint64_t pinned_last_ = 0;

  std::size_t held_bytes_ = 0;
  // Most held_bytes_ since end_interval() or release_memory() (the one
  // comparison per commit), the last interval's, the larger of the last two
  // intervals' (the working set), and the most in intervals closed since
  // release_memory().
  std::size_t interval_mark_ = 0;
  std::size_t last_interval_peak_ = 0;
  std::size_t working_set_ = 0;
  std::size_t backlog_peak_ = 0;
  std::size_t held_requests_ = 0;
  std::size_t held_commands_ = 0;
  std::size_t sent_commands_ = 0;
  std::uint64_t dropped_requests_ = 0;
  std::uint64_t dropped_commands_ = 0;
  std::uint64_t dropped_bytes_ = 0;
  std::uint64_t discarded_commands_ = 0;
  std::uint64_t abandoned_commands_ = 0;
  std::vector<source_counters> sources_;
};

template <class OnControl>
std::size_t request_queue::rewind(OnControl&& on_control) {
  std::size_t replayed = 0;
  for (std::uint64_t seq = head_seq_; seq < end_seq(); ++seq) {
    request& r = at(seq);
    if (r.st == state::discarded) continue;
    if (r.kind == request_kind::durable) {
      if (r.st == state::sent) {
        r.st = state::pending;
        sent_commands_ -= r.commands;
        replayed += r.commands;
        r.replies = 0;
        r.error = false;
      }
      continue;
    }
    if (r.st == state::sent) sent_commands_ -= r.commands;
    const std::uint64_t token = r.token;
    const bool control = r.kind == request_kind::control;
    discard(r, r.kind == request_kind::fire_and_forget
                   ? std::optional<loss_cause>(loss_cause::disconnect)
                   : std::nullopt);
    if (control) on_control(token);
  }
  next_send_ = head_seq_;
  drop_cursor_ = head_seq_;
  trim_head();
  release_chunks();
  return replayed;
}

template <class OnControl>
void request_queue::clear(OnControl&& on_control) {
  for (std::uint64_t seq = head_seq_; seq < end_seq(); ++seq) {
    request& r = at(seq);
    if (r.st == state::discarded) continue;
    if (r.st == state::sent) sent_commands_ -= r.commands;
    const std::uint64_t token = r.token;
    const bool control = r.kind == request_kind::control;
    discard(r, r.kind == request_kind::durable || r.kind == request_kind::fire_and_forget
                   ? std::optional<loss_cause>(loss_cause::shutdown)
                   : std::nullopt);
    if (control) on_control(token);
  }
  next_send_ = end_seq();
  drop_cursor_ = end_seq();
  trim_head();
  release_chunks();
}

}  // namespace tickgate::storage
