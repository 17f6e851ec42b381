#include "storage/resp_value.hpp"

#include <charconv>
#include <limits>

namespace tickgate::storage {
namespace {

// from_chars leaves the value untouched when a valid double is out of range;
// RESP allows such text, so decide from its decimal magnitude whether it
// overflowed (±inf) or underflowed (±0).
double saturate(std::string_view text) {
  const bool negative = !text.empty() && text.front() == '-';
  if (!text.empty() && (text.front() == '-' || text.front() == '+')) text.remove_prefix(1);
  const auto e = text.find_first_of("eE");
  std::int64_t exponent = 0;
  if (e != std::string_view::npos) {
    std::string_view exp = text.substr(e + 1);
    if (!exp.empty() && exp.front() == '+') exp.remove_prefix(1);
    if (std::from_chars(exp.data(), exp.data() + exp.size(), exponent).ec != std::errc{}) {
      exponent = exp.starts_with('-') ? std::numeric_limits<std::int64_t>::min() / 2
                                      : std::numeric_limits<std::int64_t>::max() / 2;
    }
    text = text.substr(0, e);
  }
  const auto dot = text.find('.');
  const std::string_view integral = text.substr(0, dot);
  const auto first_digit = integral.find_first_not_of('0');
  std::int64_t magnitude = 0;  // position of the leading significant digit
  if (first_digit != std::string_view::npos) {
    magnitude = static_cast<std::int64_t>(integral.size() - first_digit);
  } else if (dot != std::string_view::npos) {
    const auto fraction = text.substr(dot + 1);
    const auto nz = fraction.find_first_not_of('0');
    magnitude = nz == std::string_view::npos ? std::numeric_limits<std::int64_t>::min() / 2
                                             : -static_cast<std::int64_t>(nz);
  }
  const double v = magnitude + exponent > 0 ? std::numeric_limits<double>::infinity() : 0.0;
  return negative ? -v : v;
}

}  // namespace

void resp_builder::reset() {
  root_ = {};
  has_root_ = false;
  open_.clear();
  skip_above_ = resp_unbounded;
}

resp_value resp_builder::take() {
  resp_value out = std::move(root_);
  reset();
  return out;
}

void resp_builder::on_node(const resp_node& node) {
  // Nodes below an attribute belong to it: drop them until a node at the
  // attribute's own depth (the annotated value) or above arrives.
  if (skip_above_ != resp_unbounded) {
    if (node.depth > skip_above_) return;
    skip_above_ = resp_unbounded;
  }
  // The node's depth says which aggregates are still open: every aggregate
  // at that depth or deeper has been completed (by count or by `end`).
  while (open_.size() > node.depth) open_.pop_back();

  if (node.type == resp_type::attribute) {
    if (node.aggregate_size != 0) skip_above_ = node.depth;
    return;
  }
  if (node.type == resp_type::end) return;
  if (node.type == resp_type::streamed_string_part) {
    if (!open_.empty()) open_.back()->string.append(node.value);
    return;
  }

  resp_value* target = nullptr;
  if (open_.empty()) {
    root_ = {};
    has_root_ = true;
    target = &root_;
  } else {
    auto& elements = open_.back()->elements;
    target = &elements.emplace_back();
  }

  switch (node.type) {
    case resp_type::streamed_string:
      target->type = resp_type::bulk_string;
      open_.push_back(target);
      return;
    case resp_type::array:
    case resp_type::map:
    case resp_type::set:
    case resp_type::push:
      target->type = node.type;
      // Reserve only a sane amount: the count is declared by the peer.
      if (node.aggregate_size != resp_unbounded) {
        target->elements.reserve(std::min<std::size_t>(node.aggregate_size, 1024));
      }
      if (node.aggregate_size != 0) open_.push_back(target);
      return;
    default: break;
  }

  target->type = node.type;
  target->string.assign(node.value);
  const char* first = node.value.data();
  const char* last = first + node.value.size();
  switch (node.type) {
    case resp_type::integer:
      if (first != last && *first == '+') ++first;
      std::from_chars(first, last, target->integer);
      break;
    case resp_type::double_type: {
      if (first != last && *first == '+') ++first;
      // inf/-inf/nan parse as such; out-of-range magnitudes become ±inf.
      const auto [end, ec] = std::from_chars(first, last, target->number);
      if (ec == std::errc::result_out_of_range) target->number = saturate(node.value);
      (void)end;
      break;
    }
    case resp_type::boolean: target->integer = node.value == "t" ? 1 : 0; break;
    default: break;
  }
}

namespace {

void render(const resp_value& v, std::string& out) {
  switch (v.type) {
    case resp_type::null: out += "nil"; return;
    case resp_type::simple_error:
    case resp_type::bulk_error:
      out += "(error) ";
      out += v.string;
      return;
    case resp_type::integer:
    case resp_type::double_type:
    case resp_type::big_number: out += v.string; return;
    case resp_type::boolean: out += v.integer != 0 ? "true" : "false"; return;
    case resp_type::array:
    case resp_type::set:
    case resp_type::push:
    case resp_type::map: {
      const bool map = v.type == resp_type::map;
      out += map ? "{" : v.type == resp_type::set ? "~[" : v.type == resp_type::push ? ">[" : "[";
      for (std::size_t i = 0; i < v.elements.size(); ++i) {
        if (i != 0) out += map && i % 2 == 1 ? ": " : ", ";
        render(v.elements[i], out);
      }
      out += map ? "}" : "]";
      return;
    }
    default:
      out += '"';
      out += v.string;
      out += '"';
      return;
  }
}

}  // namespace

std::string to_debug_string(const resp_value& v) {
  std::string out;
  render(v, out);
  return out;
}

}  // namespace tickgate::storage
