#include "test/sim/subscription_set.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <set>

namespace tickgate::sim {
namespace {

using protocol::action;
using protocol::mode;

protocol::server_error make_error(std::string_view correlation_id, std::string_view code,
                                  std::string_view message) {
  return {std::string(correlation_id), std::string(code), std::string(message)};
}

std::string correlation_id_of(std::string_view text) {
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(text, ec);
  if (ec || !v.is_object()) return {};
  const auto* id = v.get_object().if_contains("correlationID");
  if (id == nullptr || !id->is_string()) return {};
  return std::string(id->get_string());
}

}  // namespace

parsed_request parse_request_text(std::string_view text) {
  parsed_request out;
  auto request = protocol::parse_subscription_request(text);
  if (request) {
    out.request = std::move(*request);
  } else {
    out.error = make_error(correlation_id_of(text), e1001_code, e1001_message);
  }
  return out;
}

apply_result subscription_set::apply(const protocol::subscription_request& request) {
  apply_result result;
  const std::string& id = request.correlation_id;
  const bool subscribe = request.request_action == action::subscribe;

  // Validation first: E1001 leaves the connection exactly as it was.
  std::size_t token_count = 0;
  std::set<std::string_view> new_depth_tokens;
  for (const auto& group : request.groups) {
    token_count += group.tokens.size();
    for (const auto& token : group.tokens) {
      if (!protocol::is_valid_token(token)) {  // §3.1: must fit a frame's token field
        result.error = make_error(id, e1001_code, e1001_message);
        return result;
      }
    }
    if (subscribe && request.request_mode == mode::depth_20) {
      if (group.exchange_type != protocol::exchange::nse_cm) {
        result.error = make_error(id, e1001_code, e1001_message);
        return result;
      }
      for (const auto& token : group.tokens) {
        const auto it = entries_.find({group.exchange_type, token});
        if (it == entries_.end() || it->second != mode::depth_20) new_depth_tokens.insert(token);
      }
    }
  }
  if (token_count == 0 || depth20_ + new_depth_tokens.size() > max_depth20_tokens) {
    result.error = make_error(id, e1001_code, e1001_message);
    return result;
  }

  bool limit_exceeded = false;
  for (const auto& group : request.groups) {
    if (!protocol::is_known_exchange_type(group.exchange_type)) {
      result.ignored_tokens += group.tokens.size();
      continue;
    }
    for (const auto& token : group.tokens) {
      auto key = std::make_pair(group.exchange_type, token);
      const auto it = entries_.find(key);
      if (!subscribe) {
        if (it == entries_.end() || it->second != request.request_mode) continue;
        if (it->second == mode::depth_20) --depth20_;
        result.changes.push_back({subscription_change::kind::removed, group.exchange_type, token,
                                  it->second, it->second});
        entries_.erase(it);
        continue;
      }
      if (it != entries_.end()) {
        if (it->second == request.request_mode) continue;  // duplicate
        if (it->second == mode::depth_20) --depth20_;
        if (request.request_mode == mode::depth_20) ++depth20_;
        result.changes.push_back({subscription_change::kind::mode_changed, group.exchange_type,
                                  token, request.request_mode, it->second});
        it->second = request.request_mode;
        continue;
      }
      if (entries_.size() >= max_tokens_) {
        limit_exceeded = true;
        continue;
      }
      if (request.request_mode == mode::depth_20) ++depth20_;
      result.changes.push_back({subscription_change::kind::added, group.exchange_type, token,
                                request.request_mode, request.request_mode});
      entries_.emplace(std::move(key), request.request_mode);
    }
  }
  if (limit_exceeded) result.error = make_error(id, e1002_code, e1002_message);
  return result;
}

std::vector<subscription_change> subscription_set::clear() {
  std::vector<subscription_change> changes;
  changes.reserve(entries_.size());
  for (const auto& [key, m] : entries_) {
    changes.push_back({subscription_change::kind::removed, key.first, key.second, m, m});
  }
  entries_.clear();
  depth20_ = 0;
  return changes;
}

}  // namespace tickgate::sim
