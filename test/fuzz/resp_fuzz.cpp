// Fuzz target: the incremental RESP2/RESP3 reply parser (storage/resp_parser.hpp)
// and the reply builder the control plane uses (storage/resp_value.hpp).
//
// Oracle beyond "no crash": the parser promises that splitting the byte
// stream anywhere gives the same nodes. The input is parsed once whole and
// once fed in chunks whose sizes come from the input's first byte; both runs
// must produce the same node sequence and end in the same state.
#include "storage/resp_parser.hpp"
#include "storage/resp_value.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

using namespace tickgate;

namespace {

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "resp_fuzz: %s\n", what);
  std::abort();
}

struct seen_node {
  storage::resp_type type;
  std::size_t aggregate_size;
  std::size_t depth;
  std::string value;
  bool done;
  bool operator==(const seen_node&) const = default;
};

struct run {
  std::vector<seen_node> nodes;
  bool failed = false;
  std::size_t replies = 0;
};

// Feeds `input` `chunk` bytes at a time (everything at once when chunk == 0),
// keeping the unparsed tail contiguous as the connection does.
run parse(std::string_view input, std::size_t chunk) {
  storage::resp_limits limits;
  limits.max_depth = 16;
  limits.max_line = 256;
  limits.max_bulk = 4096;
  limits.max_aggregate = 1024;
  storage::resp_parser parser(limits);
  storage::resp_builder builder;
  run out;
  std::string buffer;
  std::size_t offset = 0;
  while (true) {
    const std::size_t take = chunk == 0 ? input.size() - offset : std::min(chunk, input.size() - offset);
    buffer.append(input.substr(offset, take));
    offset += take;
    while (true) {
      const auto r = parser.next(buffer);
      if (!r) {
        out.failed = true;
        // Sticky: the same error again.
        if (parser.next(buffer)) fail("error is not sticky");
        return out;
      }
      if (!r->has_value()) break;
      const storage::resp_node& node = **r;
      if (parser.consumed() == 0 || parser.consumed() > buffer.size()) fail("bad consumed()");
      out.nodes.push_back({node.type, node.aggregate_size, node.depth, std::string(node.value), parser.done()});
      builder.on_node(node);
      if (parser.done()) {
        const auto value = builder.take();
        (void)storage::to_debug_string(value);
        ++out.replies;
      }
      buffer.erase(0, parser.consumed());
    }
    if (offset == input.size()) return out;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t chunk = 1 + data[0] % 7;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  const run whole = parse(input, 0);
  const run split = parse(input, chunk);
  if (whole.failed != split.failed) fail("split input changes success");
  if (whole.nodes != split.nodes) fail("split input changes the nodes");
  return 0;
}
