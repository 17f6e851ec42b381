// Counts heap allocations made through the global operator new, so tests can
// prove that a hot-path function allocates nothing. Linking
// allocation_counter.cpp into a test binary replaces the global allocation
// functions of that binary only (a separate TU, so GCC does not inline the
// replacement into callers and misreport new/free pairs).
#pragma once

#include <cstddef>

namespace tickgate::test {

// Allocations made so far by this process (single-threaded tests).
std::size_t allocation_count() noexcept;

}  // namespace tickgate::test
