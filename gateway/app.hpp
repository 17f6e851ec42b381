// The composition root: owns every long-lived object (Redis connections,
// sinks, router, feed, control plane) and wires them together. One
// io_context, one thread; nothing here is shared across threads.
#pragma once

#include "gateway/config.hpp"
#include "gateway/control_api.hpp"
#include "gateway/feed.hpp"
#include "gateway/http_server.hpp"
#include "gateway/recorder.hpp"
#include "gateway/replay.hpp"
#include "gateway/subscription_plan.hpp"
#include "gateway/tick_router.hpp"
#include "protocol/instrument.hpp"
#include "storage/connection.hpp"
#include "storage/sinks.hpp"
#include "storage/stats_report.hpp"

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

  // Connects to Redis, starts the sinks, the REST server (when
  // http.enabled), the recorder (when recording.enabled) and the feed with
  // `initial` subscriptions. Error text when the subscriptions are refused
  // or the REST server cannot listen.
  std::optional<std::string> start(std::vector<desired_subscription> initial);

  // SIGTERM: stop the REST server, a running replay and the feed (no new
  // ticks), close the recording, then drain Redis buffers within
  // config.shutdown_drain. True when everything buffered was acknowledged.
  boost::asio::awaitable<bool> shutdown();

  const config& cfg() const noexcept { return config_; }
  const protocol::instrument_index& instruments() const noexcept { return instruments_; }
  storage::connection_pool& redis() noexcept { return *pool_; }
  tick_router& router() noexcept { return *router_; }
  feed& market_feed() noexcept { return *feed_; }
  const sink_set& sinks() const noexcept { return sinks_; }
  std::chrono::steady_clock::time_point started_at() const noexcept { return started_at_; }
  // Every sink by its name (enabled or not), for /stats and /metrics.
  std::vector<storage::named_sink> named_sinks() const;
  replayer& runs() noexcept { return *replayer_; }
  control_api& control() noexcept { return *control_; }
  // nullptr when off.
  const recorder* frame_recorder() const noexcept { return recorder_.get(); }
  const http_server* http() const noexcept { return http_.get(); }
  http_server* http() noexcept { return http_.get(); }

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
  std::unique_ptr<recorder> recorder_;
  std::unique_ptr<replayer> replayer_;
  std::unique_ptr<control_api> control_;
  std::unique_ptr<http_server> http_;
  std::chrono::steady_clock::time_point started_at_;
};

}  // namespace tickgate::gateway
