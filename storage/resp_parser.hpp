// An incremental, sans-IO parser for Redis replies in RESP2 and RESP3.
//
// The parser turns the byte stream into a pre-order sequence of nodes, one
// per call to next(): an aggregate node (array, map, set, push, attribute)
// announces how many nodes follow as its elements, then come its elements,
// each of which may be an aggregate again. It never copies payloads: a node's
// value is a view into the caller's input.
//
// Feeding it: keep the unparsed bytes contiguous and call next() with them;
// when it returns a node, drop consumed() bytes from the front and call again;
// when it returns std::nullopt the input holds no complete node yet: read more
// bytes, append them and call again with the whole unparsed tail. A node is
// returned only when it is complete (a bulk string only once all of its bytes
// are there), so splitting the stream anywhere gives the same nodes. done()
// says whether the node just returned completed a top-level reply.
//
// Fuzz safety: every length and count is range-checked before use, nesting is
// bounded by resp_limits::max_depth with a fixed explicit stack (no
// recursion), and nothing is read past the input. Any error is sticky: the
// stream is out of sync and the only way on is reset() on a fresh stream.
//
// Reference: the RESP3 specification (github.com/redis/redis-specifications,
// protocol/RESP3.md) and the RESP2 section of redis.io/docs/reference/protocol-spec.
#pragma once

#include <boost/system/result.hpp>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>
#include <vector>

namespace tickgate::storage {

enum class resp_type : std::uint8_t {
  // Leaves.
  simple_string,    // +OK
  simple_error,     // -ERR message
  integer,          // :42
  double_type,      // ,3.14 (RESP3; also inf, -inf, nan)
  boolean,          // #t / #f (RESP3)
  null,             // _ (RESP3), $-1 and *-1 (RESP2)
  big_number,       // (3492890328409238509324850943850943825024385 (RESP3)
  bulk_string,      // $5 hello
  bulk_error,       // !21 SYNTAX invalid syntax (RESP3)
  verbatim_string,  // =15 txt:Some string (RESP3); value excludes the "txt:" prefix
  // Aggregates: aggregate_size elements follow (map and attribute: two per
  // entry, key then value), or resp_unbounded for a streamed `?` aggregate
  // whose elements end with an `end` node.
  array,      // *
  map,        // % (RESP3)
  set,        // ~ (RESP3)
  push,       // > (RESP3, out-of-band: pub/sub messages, invalidations)
  attribute,  // | (RESP3): annotates the value that follows it; not a value itself
  // RESP3 streamed strings: `$?` then parts; the last part is empty.
  streamed_string,
  streamed_string_part,
  // Terminates a streamed aggregate (`.`); carries no value.
  end,
};

inline constexpr std::size_t resp_unbounded = std::numeric_limits<std::size_t>::max();

// True for simple_error and bulk_error.
constexpr bool is_error(resp_type t) noexcept {
  return t == resp_type::simple_error || t == resp_type::bulk_error;
}
constexpr bool is_aggregate(resp_type t) noexcept {
  return t == resp_type::array || t == resp_type::map || t == resp_type::set ||
         t == resp_type::push || t == resp_type::attribute;
}

struct resp_node {
  resp_type type = resp_type::null;
  // Aggregates and streamed strings: number of element nodes that follow
  // (resp_unbounded when streamed). 0 for leaves.
  std::size_t aggregate_size = 0;
  // 0 for a top-level value, parent's depth + 1 for an element.
  std::size_t depth = 0;
  // Leaves: the payload without type marker, length header or CRLF (for a
  // verbatim string, without its "xxx:" format prefix). A view into the
  // input passed to next(): valid until the caller drops those bytes.
  std::string_view value;
};

struct resp_limits {
  std::size_t max_depth = 64;                        // nested aggregates
  std::size_t max_line = 64 * 1024;                  // bytes in a +, -, :, … line
  std::size_t max_bulk = 512u * 1024 * 1024;         // Redis' proto-max-bulk-len default
  std::size_t max_aggregate = std::size_t{1} << 32;  // declared elements
};

class resp_parser {
public:
  explicit resp_parser(resp_limits limits = {});

  // Parses the next node from the front of `input` (the caller's unparsed
  // bytes). Returns the node, std::nullopt when `input` does not yet hold a
  // complete node (nothing is consumed), or one of the errc::resp_* codes.
  boost::system::result<std::optional<resp_node>> next(std::string_view input);

  // Bytes used by the node last returned.
  std::size_t consumed() const noexcept { return consumed_; }
  // True when the node last returned completed a top-level value: a reply
  // (or a push frame) is complete and the next node starts a new one.
  bool done() const noexcept { return done_; }
  // Depth of the next node (number of open aggregates).
  std::size_t depth() const noexcept { return stack_.size(); }

  // Forgets all state, including a sticky error: for a new byte stream.
  void reset() noexcept;

private:
  struct frame {
    resp_type type;
    std::size_t remaining;  // elements still expected; resp_unbounded if streamed
  };

  boost::system::result<std::optional<resp_node>> fail(boost::system::error_code ec);
  boost::system::result<void> open(resp_type type, std::size_t count, resp_node& node);
  void complete_value() noexcept;

  resp_limits limits_;
  std::vector<frame> stack_;
  std::size_t consumed_ = 0;
  bool done_ = false;
  boost::system::error_code error_;
};

}  // namespace tickgate::storage
