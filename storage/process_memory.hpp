// The process's memory as the OS sees it, and giving freed heap back to it.
//
// Why: glibc malloc keeps memory the program freed (heap tops above
// M_TRIM_THRESHOLD, free pages inside arenas), and after the first large
// mmapped block is freed its dynamic mmap threshold rises, so later large
// blocks (a backlog's chunks) come from the heap and stay there once freed.
// A gateway that runs for weeks would keep the high-water mark of its worst
// Redis stall. The connection calls return_free_heap() once a backlog has
// drained (rate-limited; request_queue.hpp "Memory after a backlog").
#pragma once

#include <cstddef>
#include <optional>

namespace tickgate::storage {

// VmRSS from /proc/self/status, in bytes; std::nullopt where it cannot be
// read (not Linux). Reads a small file: not for the hot path.
std::optional<std::size_t> resident_set_bytes();

// Returns free heap pages of every malloc arena to the OS (glibc
// malloc_trim(0)). True when the allocator has such a call and it released
// something; a no-op returning false on other C libraries. Takes up to a few
// milliseconds on a large heap: call it rarely.
bool return_free_heap() noexcept;

}  // namespace tickgate::storage
