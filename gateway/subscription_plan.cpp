#include "gateway/subscription_plan.hpp"

#include "gateway/errc.hpp"

#include <algorithm>
#include <tuple>

namespace tickgate::gateway {

subscription_plan::subscription_plan(int max_connections, int max_tokens_per_connection)
    : max_connections_(std::max(1, max_connections)),
      max_tokens_(std::max(1, max_tokens_per_connection)),
      shards_(static_cast<std::size_t>(max_connections_)) {}

std::string subscription_plan::packed(const token_key& key) {
  std::string out = std::to_string(key.exchange_type);
  out += ':';
  out += key.token;
  return out;
}

int subscription_plan::place() const {
  const auto room = [this](const shard& s) { return s.count < static_cast<std::size_t>(max_tokens_); };
  int best = -1;
  // 1. A live connection in use with room, least loaded.
  // 2. Any connection in use with room, least loaded.
  for (const bool need_live : {true, false}) {
    for (int i = 0; i < max_connections_; ++i) {
      const shard& s = shards_[static_cast<std::size_t>(i)];
      const bool in_use = i == 0 || s.count > 0;
      if (!in_use || !room(s) || (need_live && !s.live)) continue;
      if (best < 0 || s.count < shards_[static_cast<std::size_t>(best)].count) best = i;
    }
    if (best >= 0) return best;
  }
  // 3. The first connection not in use yet.
  for (int i = 1; i < max_connections_; ++i) {
    if (shards_[static_cast<std::size_t>(i)].count == 0) return i;
  }
  return -1;
}

std::vector<protocol::subscription_request> subscription_plan::requests(
    protocol::action action, const grouped& groups) const {
  std::vector<protocol::subscription_request> out;
  for (const auto& [mode, by_exchange] : groups) {
    protocol::subscription_request request;
    request.request_action = action;
    request.request_mode = mode;
    std::size_t in_request = 0;
    for (const auto& [exchange_type, tokens] : by_exchange) {
      std::size_t next = 0;
      while (next < tokens.size()) {
        if (in_request == static_cast<std::size_t>(max_tokens_)) {
          out.push_back(std::move(request));
          request = {};
          request.request_action = action;
          request.request_mode = mode;
          in_request = 0;
        }
        const std::size_t take =
            std::min(tokens.size() - next, static_cast<std::size_t>(max_tokens_) - in_request);
        protocol::token_group group;
        group.exchange_type = exchange_type;
        group.tokens.assign(tokens.begin() + static_cast<std::ptrdiff_t>(next),
                            tokens.begin() + static_cast<std::ptrdiff_t>(next + take));
        request.groups.push_back(std::move(group));
        next += take;
        in_request += take;
      }
    }
    if (!request.groups.empty()) out.push_back(std::move(request));
  }
  return out;
}

namespace {

// Collects per-connection (mode → exchange → tokens) and turns them into
// plan_changes in connection order.
struct change_builder {
  using grouped = std::map<protocol::mode, std::map<std::uint8_t, std::vector<std::string>>>;
  std::map<int, grouped> subscribes;
  std::map<int, grouped> unsubscribes;

  void add(std::map<int, grouped>& target, int connection, const desired_subscription& item) {
    target[connection][item.mode][item.key.exchange_type].push_back(item.key.token);
  }
};

}  // namespace

boost::system::result<std::vector<plan_change>> subscription_plan::subscribe(
    std::span<const desired_subscription> items) {
  // Count the new keys (deduplicated within the request) first: all or nothing.
  std::unordered_map<std::string, const desired_subscription*> latest;
  for (const auto& item : items) latest[packed(item.key)] = &item;
  std::size_t new_keys = 0;
  for (const auto& [k, item] : latest) {
    if (!entries_.contains(k)) ++new_keys;
  }
  if (entries_.size() + new_keys > capacity()) return make_error_code(errc::capacity_exceeded);

  change_builder changes;
  // Stable order: follow the request's order, last mention of a key wins.
  for (const auto& item : items) {
    const std::string k = packed(item.key);
    if (latest.at(k) != &item) continue;
    auto it = entries_.find(k);
    if (it != entries_.end()) {
      entry& e = it->second;
      if (e.item.mode == item.mode) continue;  // duplicate: ignored (§2.1, DOCX)
      if (shards_[static_cast<std::size_t>(e.connection)].live) {
        changes.add(changes.unsubscribes, e.connection, e.item);
        changes.add(changes.subscribes, e.connection, item);
      }
      e.item.mode = item.mode;
      continue;
    }
    const int c = place();
    if (c < 0) return make_error_code(errc::capacity_exceeded);  // unreachable after the count
    entries_.emplace(k, entry{item, c});
    ++shards_[static_cast<std::size_t>(c)].count;
    if (shards_[static_cast<std::size_t>(c)].live) changes.add(changes.subscribes, c, item);
  }

  std::vector<plan_change> out;
  for (int c = 0; c < max_connections_; ++c) {
    if (auto it = changes.unsubscribes.find(c); it != changes.unsubscribes.end()) {
      for (auto& r : requests(protocol::action::unsubscribe, it->second)) out.push_back({c, std::move(r)});
    }
    if (auto it = changes.subscribes.find(c); it != changes.subscribes.end()) {
      for (auto& r : requests(protocol::action::subscribe, it->second)) out.push_back({c, std::move(r)});
    }
  }
  return out;
}

std::vector<plan_change> subscription_plan::unsubscribe(std::span<const token_key> keys) {
  change_builder changes;
  for (const auto& key : keys) {
    auto it = entries_.find(packed(key));
    if (it == entries_.end()) continue;
    const entry& e = it->second;
    if (shards_[static_cast<std::size_t>(e.connection)].live) {
      changes.add(changes.unsubscribes, e.connection, e.item);
    }
    --shards_[static_cast<std::size_t>(e.connection)].count;
    entries_.erase(it);
  }
  std::vector<plan_change> out;
  for (auto& [c, groups] : changes.unsubscribes) {
    for (auto& r : requests(protocol::action::unsubscribe, groups)) out.push_back({c, std::move(r)});
  }
  return out;
}

std::vector<protocol::subscription_request> subscription_plan::on_connected(int index) {
  shards_.at(static_cast<std::size_t>(index)).live = true;
  grouped groups;
  for (const auto& [k, e] : entries_) {
    if (e.connection == index) groups[e.item.mode][e.item.key.exchange_type].push_back(e.item.key.token);
  }
  for (auto& [mode, by_exchange] : groups) {
    for (auto& [ex, tokens] : by_exchange) std::sort(tokens.begin(), tokens.end());
  }
  return requests(protocol::action::subscribe, groups);
}

std::vector<plan_change> subscription_plan::on_disconnected(int index) {
  shard& lost = shards_.at(static_cast<std::size_t>(index));
  lost.live = false;
  change_builder changes;
  // Move in a stable (sorted) order so tests and logs are reproducible.
  std::vector<entry*> movable;
  for (auto& [k, e] : entries_) {
    if (e.connection == index) movable.push_back(&e);
  }
  std::sort(movable.begin(), movable.end(), [](const entry* a, const entry* b) {
    return std::tie(a->item.key.exchange_type, a->item.key.token) <
           std::tie(b->item.key.exchange_type, b->item.key.token);
  });
  for (entry* e : movable) {
    int target = -1;
    for (int i = 0; i < max_connections_; ++i) {
      const shard& s = shards_[static_cast<std::size_t>(i)];
      if (i == index || !s.live || s.count >= static_cast<std::size_t>(max_tokens_)) continue;
      if (target < 0 || s.count < shards_[static_cast<std::size_t>(target)].count) target = i;
    }
    if (target < 0) break;  // no live room: the rest wait for the reconnect
    --lost.count;
    ++shards_[static_cast<std::size_t>(target)].count;
    e->connection = target;
    changes.add(changes.subscribes, target, e->item);
  }
  std::vector<plan_change> out;
  for (auto& [c, groups] : changes.subscribes) {
    for (auto& r : requests(protocol::action::subscribe, groups)) out.push_back({c, std::move(r)});
  }
  return out;
}

const desired_subscription* subscription_plan::find(const token_key& key) const {
  const auto it = entries_.find(packed(key));
  return it == entries_.end() ? nullptr : &it->second.item;
}

int subscription_plan::connection_of(const token_key& key) const {
  const auto it = entries_.find(packed(key));
  return it == entries_.end() ? -1 : it->second.connection;
}

std::vector<const desired_subscription*> subscription_plan::all() const {
  std::vector<const desired_subscription*> out;
  out.reserve(entries_.size());
  for (const auto& [k, e] : entries_) out.push_back(&e.item);
  std::sort(out.begin(), out.end(), [](const auto* a, const auto* b) {
    return std::tie(a->key.exchange_type, a->key.token) < std::tie(b->key.exchange_type, b->key.token);
  });
  return out;
}

}  // namespace tickgate::gateway
