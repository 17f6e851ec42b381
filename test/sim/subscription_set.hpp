// One feed connection's subscriptions and the server's rules for requests
// (smartstream-protocol.md §2, §5.1, §5.3). Plain object: the server applies
// the returned changes to the market and sends the returned error frame.
#pragma once

#include "protocol/request.hpp"
#include "protocol/tick.hpp"

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tickgate::sim {

inline constexpr std::string_view e1001_code = "E1001";
inline constexpr std::string_view e1001_message = "Invalid Request Payload";
inline constexpr std::string_view e1002_code = "E1002";
inline constexpr std::string_view e1002_message = "Invalid Request. Subscription Limit Exceeded";

// Depth-20 (§2.3): nse_cm only, at most 50 tokens ([PY]/[JS] "Quota
// exceeded" above 50; [JAVA]'s "< 50" is the off-by-one).
inline constexpr std::size_t max_depth20_tokens = 50;

struct subscription_change {
  enum class kind : std::uint8_t { added, mode_changed, removed };
  kind what = kind::added;
  std::uint8_t exchange_type = 0;
  std::string token;  // as the client spelled it (echoed in frames, §7)
  protocol::mode new_mode = protocol::mode::ltp;  // added / mode_changed
  protocol::mode old_mode = protocol::mode::ltp;  // mode_changed / removed
  friend bool operator==(const subscription_change&, const subscription_change&) = default;
};

struct apply_result {
  std::vector<subscription_change> changes;
  std::optional<protocol::server_error> error;  // the text frame to send, if any
  std::size_t ignored_tokens = 0;               // unknown exchangeType: no error, no data (§2.2)
};

// Turns a client text frame into a request, or into the E1001 reply when it
// is not a valid request (§5.1). The correlationID is echoed whenever the text
// is a JSON object with a string correlationID, even if the rest is invalid.
struct parsed_request {
  std::optional<protocol::subscription_request> request;
  std::optional<protocol::server_error> error;
};
parsed_request parse_request_text(std::string_view text);

class subscription_set {
public:
  explicit subscription_set(std::size_t max_tokens) noexcept : max_tokens_(max_tokens) {}

  // Applies one request. Rules, in order:
  //  - no tokens at all, a token that cannot travel in a frame (§3.1), or a
  //    mode-4 request with an exchangeType other than 1 or that would leave
  //    more than 50 Depth-20 tokens on the connection (§2.3): E1001, nothing
  //    applied (a failed request does not touch existing subscriptions, §2.1);
  //  - groups with an unknown exchangeType are skipped: no error, no data
  //    (§2.2), counted in ignored_tokens;
  //  - subscribe: a token already subscribed in that mode is a duplicate and
  //    ignored ([DOCX]); in another mode it moves to the new mode (the latest
  //    mode wins, one mode per token per connection); a new token is added
  //    while the connection holds fewer than max_tokens, and the rest are not
  //    subscribed and answered with E1002 (§5.1, §5.3);
  //  - unsubscribe: removes a token subscribed in the request's mode; tokens
  //    not subscribed, or subscribed in another mode, are ignored ([F-beta]:
  //    "unsubscribing tokens that are not subscribed is ignored gracefully").
  //    Keying on the mode means "subscribe in the new mode, then unsubscribe
  //    the old one" keeps the token, as a server keyed by mode would.
  // Tokens are kept as spelled: "26000" and "99926000" are two subscriptions
  // of one instrument, each echoed in its own spelling.
  apply_result apply(const protocol::subscription_request& request);

  // Removes everything (connection closed): the changes that undo it all.
  std::vector<subscription_change> clear();

  std::size_t size() const noexcept { return entries_.size(); }
  std::size_t depth20_count() const noexcept { return depth20_; }
  std::size_t max_tokens() const noexcept { return max_tokens_; }

  // (exchangeType, token) → mode, ordered for stable stats output.
  const std::map<std::pair<std::uint8_t, std::string>, protocol::mode>& entries() const noexcept {
    return entries_;
  }

private:
  std::size_t max_tokens_;
  std::size_t depth20_ = 0;
  std::map<std::pair<std::uint8_t, std::string>, protocol::mode> entries_;
};

}  // namespace tickgate::sim
