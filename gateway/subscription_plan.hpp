// The desired subscription state and its placement on feed connections
// (smartstream-protocol.md §5.3, §8.4, §8.7):
// - at most `max_tokens_per_connection` tokens per connection and at most
//   `max_connections` connections; a request past the total capacity is
//   refused whole, nothing changes;
// - tokens go to the least-loaded of the connections in use, and a new
//   connection is taken into use only when those are full;
// - when a connection is lost its tokens move to live connections with room;
//   the rest stay with it and are replayed when it reconnects;
// - after every (re)connect the connection's whole state is replayed, batched
//   into one request per (mode), each grouped by exchangeType (§8.7);
// - a token changing mode is unsubscribed in the old mode and subscribed in
//   the new one on its connection.
// Plain object: it says what to send; the feed connections send it.
#pragma once

#include "protocol/request.hpp"
#include "protocol/tick.hpp"

#include <boost/system/result.hpp>

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace tickgate::gateway {

struct token_key {
  std::uint8_t exchange_type = 0;
  std::string token;
  friend bool operator==(const token_key&, const token_key&) = default;
};

struct desired_subscription {
  token_key key;
  protocol::mode mode = protocol::mode::snap_quote;
  std::string segment;  // scrip-master exch_seg, for session hours
};

// A request to send on a connection now (it is live).
struct plan_change {
  int connection = 0;
  protocol::subscription_request request;  // correlation_id left empty
};

class subscription_plan {
public:
  subscription_plan(int max_connections, int max_tokens_per_connection);

  int max_connections() const noexcept { return max_connections_; }
  int max_tokens_per_connection() const noexcept { return max_tokens_; }
  std::size_t capacity() const noexcept {
    return static_cast<std::size_t>(max_connections_) * static_cast<std::size_t>(max_tokens_);
  }
  std::size_t size() const noexcept { return entries_.size(); }

  // Adds subscriptions or changes their mode. Fails (and changes nothing)
  // when the resulting number of tokens would exceed capacity():
  // errc::capacity_exceeded. Duplicates in the same mode are no-ops.
  boost::system::result<std::vector<plan_change>> subscribe(
      std::span<const desired_subscription> items);

  // Removes subscriptions; keys not subscribed are ignored.
  std::vector<plan_change> unsubscribe(std::span<const token_key> keys);

  // Connection `index` is connected and ready: the requests replaying its
  // whole state (possibly none).
  std::vector<protocol::subscription_request> on_connected(int index);

  // Connection `index` was lost: its tokens move to live connections with
  // room; returns the subscribe requests those connections must send.
  std::vector<plan_change> on_disconnected(int index);

  bool live(int index) const { return shards_.at(static_cast<std::size_t>(index)).live; }
  std::size_t tokens_on(int index) const {
    return shards_.at(static_cast<std::size_t>(index)).count;
  }
  // Connections that should be open: those holding tokens, and always the
  // first one.
  bool wanted(int index) const { return index == 0 || tokens_on(index) > 0; }

  // Whether `index` holds a subscription whose segment satisfies `pred`.
  template <class Pred>
  bool any_on(int index, Pred&& pred) const {
    for (const auto& [k, e] : entries_) {
      if (e.connection == index && pred(e.item)) return true;
    }
    return false;
  }

  // The subscription for a key, or nullptr.
  const desired_subscription* find(const token_key& key) const;
  int connection_of(const token_key& key) const;  // -1 when not subscribed

  // All subscriptions (for /symbols), in a stable order.
  std::vector<const desired_subscription*> all() const;

private:
  struct entry {
    desired_subscription item;
    int connection = -1;
  };
  struct shard {
    std::size_t count = 0;
    bool live = false;
  };

  static std::string packed(const token_key& key);
  int place() const;  // connection for one more token, -1 when full

  // Builds requests for (connection, action) from (mode → exchange → tokens).
  using grouped = std::map<protocol::mode, std::map<std::uint8_t, std::vector<std::string>>>;
  std::vector<protocol::subscription_request> requests(protocol::action action,
                                                       const grouped& groups) const;

  int max_connections_;
  int max_tokens_;
  std::unordered_map<std::string, entry> entries_;
  std::vector<shard> shards_;
};

}  // namespace tickgate::gateway
