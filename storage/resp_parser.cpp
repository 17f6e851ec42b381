#include "storage/resp_parser.hpp"

#include "storage/errc.hpp"

#include <charconv>
#include <cstring>
#include <system_error>

namespace tickgate::storage {
namespace {

// A length or count: ASCII digits only, at most `max`. "-1" is handled by the
// callers that accept it (RESP2 nulls).
bool parse_size(std::string_view s, std::size_t max, std::size_t& out) noexcept {
  if (s.empty() || s.size() > 20) return false;
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    const auto d = static_cast<std::uint64_t>(c - '0');
    if (v > (std::numeric_limits<std::uint64_t>::max() - d) / 10) return false;
    v = v * 10 + d;
  }
  if (v > max) return false;
  out = static_cast<std::size_t>(v);
  return true;
}

// An optional sign ('+' or '-') then what from_chars accepts.
std::string_view strip_plus(std::string_view s) noexcept {
  if (!s.empty() && s.front() == '+') {
    s.remove_prefix(1);
    if (!s.empty() && s.front() == '-') return {};  // "+-1"
  }
  return s;
}

bool valid_integer(std::string_view s) noexcept {
  s = strip_plus(s);
  if (s.empty() || s.front() == '+') return false;
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc{} && end == s.data() + s.size();
}

bool valid_double(std::string_view s) noexcept {
  s = strip_plus(s);
  if (s.empty() || s.front() == '+') return false;
  double v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  // Out-of-range magnitudes (1e999) are valid RESP; from_chars reports them
  // as result_out_of_range after consuming the whole number.
  return (ec == std::errc{} || ec == std::errc::result_out_of_range) && end == s.data() + s.size();
}

bool valid_big_number(std::string_view s) noexcept {
  if (!s.empty() && (s.front() == '+' || s.front() == '-')) s.remove_prefix(1);
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

resp_parser::resp_parser(resp_limits limits) : limits_(limits) {
  stack_.reserve(limits_.max_depth);
}

void resp_parser::reset() noexcept {
  stack_.clear();
  consumed_ = 0;
  done_ = false;
  error_ = {};
}

boost::system::result<std::optional<resp_node>> resp_parser::fail(boost::system::error_code ec) {
  error_ = ec;
  consumed_ = 0;
  done_ = false;
  return ec;
}

// A value (leaf, empty aggregate, closed aggregate) just completed at the
// current level: count it against the open aggregates and close the ones it
// fills. An attribute that closes is not a value of its parent (it annotates
// the value that follows), so closing one stops the propagation; at top level
// it does not complete the reply either.
void resp_parser::complete_value() noexcept {
  for (;;) {
    if (stack_.empty()) {
      done_ = true;
      return;
    }
    frame& f = stack_.back();
    if (f.remaining == resp_unbounded) return;  // closed by its `end` node only
    if (--f.remaining > 0) return;
    const bool attribute = f.type == resp_type::attribute;
    stack_.pop_back();
    if (attribute) return;
  }
}

boost::system::result<void> resp_parser::open(resp_type type, std::size_t count, resp_node& node) {
  node.type = type;
  node.aggregate_size = count;
  if (count == 0) {
    if (type != resp_type::attribute) complete_value();  // an empty attribute annotates nothing
    return {};
  }
  if (stack_.size() >= limits_.max_depth) return errc::resp_nesting_too_deep;
  stack_.push_back({type, count});
  return {};
}

boost::system::result<std::optional<resp_node>> resp_parser::next(std::string_view input) {
  if (error_) return error_;
  consumed_ = 0;
  done_ = false;
  if (input.empty()) return std::nullopt;

  // Every value starts with a marker byte and a line ending in CRLF.
  const std::size_t scan = std::min(input.size(), limits_.max_line + 3);
  const void* cr = std::memchr(input.data(), '\r', scan);
  if (cr == nullptr) {
    if (input.size() > limits_.max_line + 2) return fail(errc::resp_line_too_long);
    return std::nullopt;
  }
  const auto cr_pos = static_cast<std::size_t>(static_cast<const char*>(cr) - input.data());
  if (cr_pos + 1 >= input.size()) return std::nullopt;  // CR seen, LF not yet
  if (input[cr_pos + 1] != '\n') return fail(errc::resp_missing_crlf);
  if (cr_pos == 0) return fail(errc::resp_bad_type);  // "\r\n" with no marker
  if (cr_pos - 1 > limits_.max_line) return fail(errc::resp_line_too_long);
  const char marker = input[0];
  const std::string_view line = input.substr(1, cr_pos - 1);
  const std::size_t line_end = cr_pos + 2;

  resp_node node;
  node.depth = stack_.size();

  // Inside a streamed string only its parts may appear.
  const bool in_streamed_string =
      !stack_.empty() && stack_.back().type == resp_type::streamed_string;
  if (in_streamed_string && marker != ';') return fail(errc::resp_bad_type);

  // A payload of `n` bytes after the header line, followed by CRLF.
  // Returns false (need more) until it is all there.
  std::string_view payload;
  auto take_payload = [&](std::size_t n) -> boost::system::result<bool> {
    if (n > limits_.max_bulk) return errc::resp_bulk_too_long;
    if (input.size() - line_end < n + 2) return false;
    if (input[line_end + n] != '\r' || input[line_end + n + 1] != '\n') {
      return errc::resp_missing_crlf;
    }
    payload = input.substr(line_end, n);
    consumed_ = line_end + n + 2;
    return true;
  };

  switch (marker) {
    case '+':
    case '-':
    case ':':
    case ',':
    case '#':
    case '_':
    case '(': {
      switch (marker) {
        case '+': node.type = resp_type::simple_string; break;
        case '-': node.type = resp_type::simple_error; break;
        case ':':
          if (!valid_integer(line)) return fail(errc::resp_bad_integer);
          node.type = resp_type::integer;
          break;
        case ',':
          if (!valid_double(line)) return fail(errc::resp_bad_double);
          node.type = resp_type::double_type;
          break;
        case '#':
          if (line != "t" && line != "f") return fail(errc::resp_bad_boolean);
          node.type = resp_type::boolean;
          break;
        case '_':
          if (!line.empty()) return fail(errc::resp_bad_length);
          node.type = resp_type::null;
          break;
        default:
          if (!valid_big_number(line)) return fail(errc::resp_bad_big_number);
          node.type = resp_type::big_number;
          break;
      }
      node.value = line;
      consumed_ = line_end;
      complete_value();
      return node;
    }

    case '$':
    case '!':
    case '=': {
      if (marker == '$' && line == "?") {  // streamed string: parts follow
        if (stack_.size() >= limits_.max_depth) return fail(errc::resp_nesting_too_deep);
        stack_.push_back({resp_type::streamed_string, resp_unbounded});
        node.type = resp_type::streamed_string;
        node.aggregate_size = resp_unbounded;
        consumed_ = line_end;
        return node;
      }
      if (marker == '$' && line == "-1") {  // RESP2 null bulk string
        node.type = resp_type::null;
        consumed_ = line_end;
        complete_value();
        return node;
      }
      std::size_t n = 0;
      if (!parse_size(line, std::numeric_limits<std::size_t>::max() - 2, n)) {
        return fail(errc::resp_bad_length);
      }
      auto complete = take_payload(n);
      if (!complete) return fail(complete.error());
      if (!*complete) return std::nullopt;
      if (marker == '=') {
        if (payload.size() < 4 || payload[3] != ':') {
          return fail(errc::resp_bad_verbatim);
        }
        payload.remove_prefix(4);
        node.type = resp_type::verbatim_string;
      } else {
        node.type = marker == '$' ? resp_type::bulk_string : resp_type::bulk_error;
      }
      node.value = payload;
      complete_value();
      return node;
    }

    case ';': {  // a part of a streamed string
      if (!in_streamed_string) return fail(errc::resp_unexpected_chunk);
      std::size_t n = 0;
      if (!parse_size(line, std::numeric_limits<std::size_t>::max() - 2, n)) {
        return fail(errc::resp_bad_length);
      }
      if (n == 0) {
        consumed_ = line_end;
      } else {
        auto complete = take_payload(n);
        if (!complete) return fail(complete.error());
        if (!*complete) return std::nullopt;
      }
      node.type = resp_type::streamed_string_part;
      node.value = payload;
      if (n == 0) {  // the empty part ends the string
        stack_.pop_back();
        complete_value();
      }
      return node;
    }

    case '.': {  // end of a streamed aggregate
      if (!line.empty()) return fail(errc::resp_bad_length);
      if (stack_.empty() || stack_.back().remaining != resp_unbounded) {
        return fail(errc::resp_unexpected_chunk);
      }
      const bool attribute = stack_.back().type == resp_type::attribute;
      stack_.pop_back();
      node.type = resp_type::end;
      consumed_ = line_end;
      if (!attribute) complete_value();
      return node;
    }

    case '*':
    case '%':
    case '~':
    case '>':
    case '|': {
      resp_type type = resp_type::array;
      switch (marker) {
        case '%': type = resp_type::map; break;
        case '~': type = resp_type::set; break;
        case '>': type = resp_type::push; break;
        case '|': type = resp_type::attribute; break;
        default: break;
      }
      consumed_ = line_end;
      if (line == "?") {
        if (stack_.size() >= limits_.max_depth) return fail(errc::resp_nesting_too_deep);
        stack_.push_back({type, resp_unbounded});
        node.type = type;
        node.aggregate_size = resp_unbounded;
        return node;
      }
      if (marker == '*' && line == "-1") {  // RESP2 null array
        node.type = resp_type::null;
        complete_value();
        return node;
      }
      std::size_t count = 0;
      if (!parse_size(line, std::numeric_limits<std::size_t>::max() / 2, count)) {
        return fail(errc::resp_bad_length);
      }
      if (count > limits_.max_aggregate) return fail(errc::resp_aggregate_too_long);
      if (type == resp_type::map || type == resp_type::attribute) count *= 2;
      if (auto r = open(type, count, node); !r) return fail(r.error());
      return node;
    }

    default: return fail(errc::resp_bad_type);
  }
}

}  // namespace tickgate::storage
