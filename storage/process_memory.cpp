#include "storage/process_memory.hpp"

#include <cstdio>
#include <cstring>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace tickgate::storage {

std::optional<std::size_t> resident_set_bytes() {
  std::FILE* f = std::fopen("/proc/self/status", "r");
  if (f == nullptr) return std::nullopt;
  std::optional<std::size_t> out;
  char line[256];
  while (std::fgets(line, sizeof line, f) != nullptr) {
    unsigned long long kib = 0;
    if (std::strncmp(line, "VmRSS:", 6) == 0 && std::sscanf(line + 6, "%llu", &kib) == 1) {
      out = static_cast<std::size_t>(kib) * 1024;
      break;
    }
  }
  std::fclose(f);
  return out;
}

bool return_free_heap() noexcept {
#if defined(__GLIBC__)
  return malloc_trim(0) != 0;
#else
  return false;
#endif
}

}  // namespace tickgate::storage
