// Deleting a family of keys the way a Redis operator would: SCAN with MATCH
// in batches and UNLINK (freed in the background), never KEYS, which blocks
// the server for the whole keyspace. Used to clear a run's session before a
// replay (design.md: "Starting a run first deletes ticks:<session>:*").
#pragma once

#include "storage/connection.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>

#include <cstdint>
#include <string_view>

namespace tickgate::storage {

// Unlinks every key matching `pattern` (Redis glob) in the connection's db
// and returns how many were removed. Runs through exec(), so it is ordered
// after every request queued before it on this connection, fails fast while
// disconnected, and each round trip is bounded by request_timeout. Keys
// written while it runs may survive (SCAN's guarantee covers keys present for
// the whole scan). count_hint: SCAN COUNT, keys examined per round trip.
boost::asio::awaitable<boost::system::result<std::uint64_t>> unlink_matching(
    connection& conn, std::string_view pattern, std::size_t count_hint = 1000);

}  // namespace tickgate::storage
