#include "storage/request_queue.hpp"

#include <algorithm>
#include <bit>
#include <cassert>

namespace tickgate::storage {
namespace {

// Chunks kept for reuse. In steady state a chunk holds one write batch
// (kilobytes); the big ones of an outage are freed, not hoarded.
// A busy connection has a few dozen small chunks in flight; keep up to 1 MiB
// of them so it never allocates, but no chunk bigger than 256 KiB.
constexpr std::size_t max_spare_bytes = 1u << 20;
constexpr std::size_t max_spare_capacity = 256 * 1024;
// What release_memory() keeps: request slots for twice the live requests
// (at least min_ring_capacity: a busy session's in-flight window grows it
// back in a few doublings, not per request), free chunks, and the open
// chunk's capacity (a bigger empty one is replaced by a fresh one).
constexpr std::size_t min_ring_capacity = 1024;
constexpr std::size_t min_chunk_ring_capacity = 16;
constexpr std::size_t spare_chunks_after_release = 4;
constexpr std::size_t max_open_chunk_capacity = 64 * 1024;

}  // namespace

request_queue::request_queue(std::size_t limit_bytes)
    : limit_(limit_bytes),
      // Small enough that dropping the oldest requests during an outage
      // frees memory chunk by chunk, large enough to amortise the chunk
      // bookkeeping.
      chunk_limit_(std::clamp<std::size_t>(limit_bytes / 16, 4096, 1u << 20)) {
  sources_.emplace_back();  // source 0: the connection itself
  open_chunk();
}

source_id request_queue::add_source() {
  sources_.emplace_back();
  return static_cast<source_id>(sources_.size() - 1);
}

void request_queue::open_chunk() {
  chunk c;
  if (!spare_.empty()) {
    c.bytes = std::move(spare_.back());
    spare_.pop_back();
    spare_bytes_ -= c.bytes->capacity();
  } else {
    c.bytes = std::make_unique<std::string>();
    c.bytes->reserve(std::min<std::size_t>(chunk_limit_, 16384));
  }
  chunks_.push_back(std::move(c));
}

void request_queue::seal_tail() {
  chunks_.back().sealed = true;
  if (chunks_.back().live == 0) middle_freed_ = true;  // only discarded requests in it
  open_chunk();
}

void request_queue::count_refused(source_id source, std::uint32_t commands,
                                  loss_cause why) noexcept {
  count_loss(source, commands, 0, why);
}

void request_queue::count_loss(source_id source, std::uint32_t commands, std::uint64_t bytes,
                               loss_cause why) noexcept {
  switch (why) {
    case loss_cause::bound:
      ++dropped_requests_;
      dropped_commands_ += commands;
      dropped_bytes_ += bytes;
      break;
    case loss_cause::disconnect: discarded_commands_ += commands; break;
    case loss_cause::shutdown: abandoned_commands_ += commands; break;
  }
  sources_[source].dropped += commands;
}

bool request_queue::commit(std::size_t mark, request_kind kind, std::uint32_t commands,
                           source_id source, clock::time_point origin, std::uint64_t token) {
  std::string& bytes = buffer();
  assert(mark <= bytes.size());
  const std::size_t size = bytes.size() - mark;
  if (size == 0) return true;
  sources_[source].commands += commands;
  if (size + request_overhead > limit_ || size > UINT32_MAX || mark > UINT32_MAX) {
    bytes.resize(mark);
    count_loss(source, commands, size, loss_cause::bound);
    return false;
  }
  request r;
  r.chunk = first_chunk_seq_ + chunks_.size() - 1;
  r.offset = static_cast<std::uint32_t>(mark);
  r.size = static_cast<std::uint32_t>(size);
  r.commands = commands;
  r.kind = kind;
  r.source = source;
  r.token = token;
  r.origin = origin;
  requests_.push_back(r);
  ++chunks_.back().live;
  held_bytes_ += size + request_overhead;
  ++held_requests_;
  held_commands_ += commands;
  if (bytes.size() >= chunk_limit_) seal_tail();
  if (held_bytes_ > limit_) enforce_limit();
  interval_mark_ = std::max(interval_mark_, held_bytes_);
  return true;
}

void request_queue::release(request& r) {
  held_bytes_ -= r.size + request_overhead;
  --held_requests_;
  held_commands_ -= r.commands;
  chunk& c = chunk_at(r.chunk);
  assert(c.live > 0);
  if (--c.live == 0) {
    if (r.chunk == first_chunk_seq_) {
      chunk_freed_ = true;
    } else {
      middle_freed_ = true;
    }
  }
}

void request_queue::discard(request& r, std::optional<loss_cause> why) {
  release(r);
  r.st = state::discarded;
  if (why) count_loss(r.source, r.commands, r.size, *why);
}

void request_queue::set_limit(std::size_t limit_bytes) {
  limit_ = limit_bytes;
  if (held_bytes_ > limit_) enforce_limit();
}

void request_queue::enforce_limit() {
  std::uint64_t seq = std::max(drop_cursor_, next_send_);
  while (held_bytes_ > limit_ && seq < end_seq()) {
    request& r = at(seq);
    const bool droppable = r.st == state::pending && (r.kind == request_kind::durable ||
                                                      r.kind == request_kind::fire_and_forget);
    if (droppable) discard(r, loss_cause::bound);
    // Requests before `seq` are now sent, discarded or exempt (control,
    // health check): a later drop never needs to look at them again.
    if (r.st == state::discarded || !droppable) drop_cursor_ = seq + 1;
    ++seq;
  }
  trim_head();
  release_chunks();
}

void request_queue::trim_head() noexcept {
  while (!requests_.empty() && requests_.front().st == state::discarded) {
    requests_.pop_front();
    ++head_seq_;
  }
  next_send_ = std::max(next_send_, head_seq_);
  drop_cursor_ = std::max(drop_cursor_, head_seq_);
}

void request_queue::free_chunk(chunk& c) {
  c.bytes->clear();
  const std::size_t capacity = c.bytes->capacity();
  if (spare_bytes_ + capacity <= max_spare_bytes && capacity <= max_spare_capacity) {
    spare_bytes_ += capacity;
    spare_.push_back(std::move(c.bytes));
  } else {
    c.bytes.reset();
  }
  c.released = true;
}

// A chunk is freed once sealed, unused by any live request and not part of
// the write in progress.
bool request_queue::releasable(std::size_t i) const noexcept {
  const chunk& c = chunks_[i];
  return !c.released && c.sealed && c.live == 0 && !chunk_pinned(first_chunk_seq_ + i);
}

void request_queue::release_chunks() {
  // The usual case is O(1): requests are acknowledged in order, so chunks
  // empty from the front.
  if (chunk_freed_) {
    chunk_freed_ = false;
    while (chunks_.size() > 1) {
      if (releasable(0)) free_chunk(chunks_.front());
      if (!chunks_.front().released) break;
      chunks_.pop_front();
      ++first_chunk_seq_;
    }
  }
  // Requests dropped or discarded behind ones still in flight empty chunks
  // in the middle (an outage, a stalled server): free those too, so memory
  // follows the bound. Rare, so a scan is fine.
  if (middle_freed_) {
    middle_freed_ = false;
    for (std::size_t i = 1; i + 1 < chunks_.size(); ++i) {
      if (releasable(i)) free_chunk(chunks_[i]);
    }
  }
}

bool request_queue::has_pending() const noexcept {
  for (std::uint64_t seq = next_send_; seq < end_seq(); ++seq) {
    if (at(seq).st == state::pending) return true;
  }
  return false;
}

std::span<const std::string_view> request_queue::prepare_write(clock::time_point now,
                                                               std::size_t max_bytes) {
  assert(!writing_);
  write_views_.clear();
  // Seal the open chunk if it holds anything to send: from now on it is
  // only read, and producers append to a fresh one.
  if (!requests_.empty() && at(end_seq() - 1).chunk == first_chunk_seq_ + chunks_.size() - 1) {
    seal_tail();
  }
  std::size_t bytes = 0;
  std::uint64_t seq = next_send_;
  std::uint64_t last_chunk = 0;
  const char* run_end = nullptr;
  for (; seq < end_seq(); ++seq) {
    request& r = at(seq);
    if (r.st != state::pending) continue;  // discarded
    if (bytes != 0 && bytes + r.size > max_bytes) break;
    const char* data = chunk_at(r.chunk).bytes->data() + r.offset;
    if (run_end == data) {  // contiguous with the previous request: extend the view
      std::string_view& v = write_views_.back();
      v = std::string_view(v.data(), v.size() + r.size);
    } else {
      write_views_.emplace_back(data, r.size);
    }
    if (!writing_) {
      writing_ = true;
      pinned_first_ = r.chunk;
    }
    last_chunk = r.chunk;
    run_end = data + r.size;
    r.st = state::sent;
    r.sent_at = now;
    sent_commands_ += r.commands;
    bytes += r.size;
  }
  pinned_last_ = last_chunk;
  next_send_ = seq;
  return write_views_;
}

void request_queue::write_done() noexcept {
  write_views_.clear();
  if (!writing_) return;
  writing_ = false;
  // Unpinned chunks whose requests were all answered (or discarded) while
  // the write was in flight can go now. Usually none: a write's requests
  // wait for replies after it.
  for (std::uint64_t seq = std::max(pinned_first_, first_chunk_seq_); seq <= pinned_last_; ++seq) {
    const chunk& c = chunk_at(seq);
    if (c.released || c.live != 0) continue;
    if (seq == first_chunk_seq_) {
      chunk_freed_ = true;
    } else {
      middle_freed_ = true;
    }
  }
  release_chunks();
}

std::optional<request_queue::expectation> request_queue::expecting_reply() const noexcept {
  if (requests_.empty()) return std::nullopt;
  const request& r = requests_[0];  // trim_head keeps the head non-discarded
  if (r.st != state::sent) return std::nullopt;
  return expectation{r.kind, r.source, r.token};
}

std::optional<request_queue::completion> request_queue::on_reply(bool error) {
  assert(expecting_reply());
  request& r = requests_[0];
  ++r.replies;
  r.error = r.error || error;
  if (error) ++sources_[r.source].errors;
  if (r.replies < r.commands) return std::nullopt;
  completion done{r.kind, r.source, r.commands, r.error, r.token, r.origin, r.sent_at};
  sources_[r.source].acked += r.commands;
  sent_commands_ -= r.commands;
  release(r);
  r.st = state::discarded;
  trim_head();
  release_chunks();
  return done;
}

std::optional<request_queue::clock::time_point> request_queue::oldest_sent_at() const noexcept {
  if (requests_.empty() || requests_[0].st != state::sent) return std::nullopt;
  return requests_[0].sent_at;
}

std::size_t request_queue::release_memory() {
  std::size_t freed = 0;
  const std::size_t ring_target =
      std::bit_ceil(std::max(min_ring_capacity, requests_.size() * 2));
  if (requests_.capacity() > ring_target) {
    freed += (requests_.capacity() - ring_target) * sizeof(request);
    requests_.shrink_to(ring_target);
  }
  const std::size_t chunk_ring_target =
      std::bit_ceil(std::max(min_chunk_ring_capacity, chunks_.size() * 2));
  if (chunks_.capacity() > chunk_ring_target) {
    freed += (chunks_.capacity() - chunk_ring_target) * sizeof(chunk);
    chunks_.shrink_to(chunk_ring_target);
  }
  while (spare_.size() > spare_chunks_after_release) {
    const std::size_t capacity = spare_.back()->capacity();
    freed += capacity;
    spare_bytes_ -= capacity;
    spare_.pop_back();
  }
  // The open chunk, when nothing is in it yet: nobody holds a view into it
  // (views exist only for requests, and it has none).
  chunk& open = chunks_.back();
  if (open.bytes->empty() && open.bytes->capacity() > max_open_chunk_capacity) {
    freed += open.bytes->capacity();
    open.bytes = std::make_unique<std::string>();
    open.bytes->reserve(std::min<std::size_t>(chunk_limit_, 16384));
    freed -= open.bytes->capacity();
  }
  if (!writing_ && write_views_.capacity() > 1024) {
    freed += write_views_.capacity() * sizeof(std::string_view);
    std::vector<std::string_view>().swap(write_views_);
  }
  backlog_peak_ = held_bytes_;
  interval_mark_ = held_bytes_;
  return freed;
}

bool request_queue::end_interval() noexcept {
  working_set_ = std::max(last_interval_peak_, interval_mark_);
  last_interval_peak_ = interval_mark_;
  backlog_peak_ = std::max(backlog_peak_, interval_mark_);
  interval_mark_ = held_bytes_;
  return backlog_peak_ >= std::max(release_floor_bytes, release_factor * working_set_);
}

std::size_t request_queue::chunk_bytes_allocated() const noexcept {
  std::size_t n = 0;
  for (std::size_t i = 0; i < chunks_.size(); ++i) {
    if (chunks_[i].bytes) n += chunks_[i].bytes->capacity();
  }
  for (const auto& s : spare_) n += s->capacity();
  return n;
}

}  // namespace tickgate::storage
