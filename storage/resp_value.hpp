// A parsed Redis reply as an owning tree, for the control plane (exec) and
// tests. The hot path never builds one: it only looks at the top-level node.
#pragma once

#include "storage/resp_parser.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tickgate::storage {

struct resp_value {
  resp_type type = resp_type::null;
  // Strings, errors, big numbers, verbatim strings (without "txt:"), and the
  // text of integers, doubles and booleans as received.
  std::string string;
  std::int64_t integer = 0;  // integer; boolean as 1/0
  double number = 0;         // double
  // Aggregates; a map holds key, value, key, value, …
  std::vector<resp_value> elements;

  bool is_error() const noexcept { return storage::is_error(type); }
  bool is_null() const noexcept { return type == resp_type::null; }
  // Leaves with a string payload: simple, bulk and verbatim strings.
  bool is_string() const noexcept {
    return type == resp_type::simple_string || type == resp_type::bulk_string ||
           type == resp_type::verbatim_string;
  }

  friend bool operator==(const resp_value&, const resp_value&) = default;
};

// A compact human-readable rendering for logs and test failures, e.g.
// [1, "a", nil, {"k": 2}, (error) ERR x]. Never used on a secret.
std::string to_debug_string(const resp_value& v);

// Assembles the nodes of one reply into a resp_value. Attributes are parsed
// and dropped (no Redis command needs them); a streamed string becomes one
// bulk_string.
class resp_builder {
public:
  // Precondition: `node` is the next node of the reply being built, in the
  // order the parser returned it.
  void on_node(const resp_node& node);
  // The finished reply; call once the parser reported done(). Leaves the
  // builder ready for the next reply.
  resp_value take();
  void reset();

private:
  resp_value root_;
  bool has_root_ = false;
  std::vector<resp_value*> open_;            // open aggregates, outermost first
  std::size_t skip_above_ = resp_unbounded;  // inside an attribute at this depth
};

}  // namespace tickgate::storage
