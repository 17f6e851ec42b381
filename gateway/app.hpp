// The composition root: owns every long-lived object (Redis connections,
// sinks, router, feed, control plane) and wires them together. One
// io_context, one thread; nothing here is shared across threads.
#pragma once

#include "gateway/config.hpp"
#include "gateway/feed.hpp"
#include "gateway/subscription_plan.hpp"
#include "gateway/tick_router.hpp"
#include "protocol/instrument.hpp"
#include "storage/connection.hpp"
#include "storage/sinks.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tickgate::gateway {

class app {
public:
  app(boost::asio::io_context& io, config cfg, protocol::instrument_index instruments);
  ~app();
  app(const app&) = delete;
  app& operator=(const app&) = delete;

  // Connects to Redis, starts the sinks and the feed with `initial`
  // subscriptions. Error text when the subscriptions are refused.
  std::optional<std::string> start(std::vector<desired_subscription> initial);

  // SIGTERM: stop the feed (no new ticks), then drain Redis buffers within
  // config.shutdown_drain. True when everything buffered was acknowledged.
  boost::asio::awaitable<bool> shutdown();

  const config& cfg() const noexcept { return config_; }
  const protocol::instrument_index& instruments() const noexcept { return instruments_; }
  storage::connection_pool& redis() noexcept { return *pool_; }
  tick_router& router() noexcept { return *router_; }
  feed& market_feed() noexcept { return *feed_; }
  const sink_set& sinks() const noexcept { return sinks_; }
  std::chrono::steady_clock::time_point started_at() const noexcept { return started_at_; }

private:
  boost::asio::io_context& io_;
  config config_;
  protocol::instrument_index instruments_;
  std::unique_ptr<storage::connection_pool> pool_;
  std::unique_ptr<storage::stream_sink> stream_;
  std::unique_ptr<storage::pubsub_sink> pubsub_;
  std::unique_ptr<storage::list_sink> lists_;
  std::unique_ptr<storage::price_sink> price_;
  std::unique_ptr<storage::candle_sink> candles_;
  sink_set sinks_;
  std::unique_ptr<tick_router> router_;
  std::unique_ptr<feed> feed_;
  std::chrono::steady_clock::time_point started_at_;
};

}  // namespace tickgate::gateway
