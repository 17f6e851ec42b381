// The REST control plane's routes (design.md "REST control plane"; request
// and response shapes from the seeds market-data-redis-streamer.md and
// per-token-tick-lists.md). Socket-free: handle() takes a parsed request and
// returns the response, so it is tested and fuzzed without a server;
// http_server feeds it from the network.
//
// Contract for every route: JSON in, JSON out; bad input (unknown route,
// wrong method, bad JSON, unknown symbol, limit out of range, bad tick_type,
// bad query) is a 4xx with {"error":{"code","message"}} and changes nothing;
// a Redis outage is a 503 (Redis reads fail fast, they are never buffered).
// Mutating routes (the POSTs) need "Authorization: Bearer <token>" when
// http.api_token is set, compared in constant time; error bodies never echo
// a header or a secret.
#pragma once

#include "gateway/http_server.hpp"

#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <string>

namespace tickgate::gateway {

class app;

class control_api {
public:
  static constexpr std::uint64_t max_limit = 10'000;   // ?limit= on /api/redis-ticks
  static constexpr std::uint64_t default_limit = 100;  // seed default

  explicit control_api(app& a);

  boost::asio::awaitable<http_response> handle(const http_request& req);

  // The list session the tick routes read when none is named: the last
  // run's database_name once a run was started, else the live session
  // (N_<IST trading day>).
  std::string current_session();

  // Shutdown has begun: start-run answers 503 shutting_down (also when
  // the shutdown comes while it awaits Redis).
  void stop() noexcept { stopping_ = true; }
  bool stopping() const noexcept { return stopping_; }

private:
  app& app_;
  bool stopping_ = false;
  bool run_starting_ = false;  // start-run is flushing Redis (between awaits)
};

}  // namespace tickgate::gateway
