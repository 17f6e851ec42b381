// Counts heap allocations by replacing the global operator new/delete: in
// total (allocations) and on the calling thread (allocations_on_this_thread,
// so a thread of the code under test does not count against the caller).
// Include it in exactly one source file of a test executable: the
// replacements are definitions, one per program.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <new>

// The replacements pair malloc with free; GCC, inlining them, takes that for
// a new/free mismatch.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

namespace tickgate::test {
inline std::atomic<std::uint64_t> allocations{0};
inline thread_local std::uint64_t allocations_on_this_thread = 0;
}  // namespace tickgate::test

void* operator new(std::size_t n) {
  tickgate::test::allocations.fetch_add(1, std::memory_order_relaxed);
  ++tickgate::test::allocations_on_this_thread;
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) {
  return operator new(n);
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete[](void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
  std::free(p);
}
