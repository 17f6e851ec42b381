#include "gateway/app.hpp"

#include "gateway/errc.hpp"
#include "storage/log.hpp"

namespace tickgate::gateway {
namespace asio = boost::asio;

app::app(asio::io_context& io, config cfg, protocol::instrument_index instruments)
    : io_(io), config_(std::move(cfg)), instruments_(std::move(instruments)) {
  pool_ = std::make_unique<storage::connection_pool>(io_.get_executor(), config_.redis.connection);
  stream_ = std::make_unique<storage::stream_sink>(*pool_, config_.redis.stream);
  pubsub_ = std::make_unique<storage::pubsub_sink>(*pool_, config_.redis.pubsub);
  lists_ = std::make_unique<storage::list_sink>(*pool_, config_.redis.lists);
  price_ = std::make_unique<storage::price_sink>(*pool_, config_.redis.price);
  candles_ = std::make_unique<storage::candle_sink>(*pool_, config_.redis.candles);
  // The router formats and calls only the sinks that are on.
  sinks_.stream = stream_->enabled() ? stream_.get() : nullptr;
  sinks_.pubsub = pubsub_->enabled() ? pubsub_.get() : nullptr;
  sinks_.lists = lists_->enabled() ? lists_.get() : nullptr;
  sinks_.price = price_->enabled() ? price_.get() : nullptr;
  sinks_.candles = candles_->enabled() ? candles_.get() : nullptr;
  router_ = std::make_unique<tick_router>(config_, instruments_, sinks_);
  feed_ = std::make_unique<feed>(io_.get_executor(), config_, *router_);
}

app::~app() = default;

std::optional<std::string> app::start(std::vector<desired_subscription> initial) {
  started_at_ = std::chrono::steady_clock::now();
  log::info("app", "starting",
            {{"redis", storage::redact(config_.redis.connection.endpoint)},
             {"instruments", instruments_.all().size()},
             {"subscriptions", initial.size()},
             {"feed", config_.feed.enabled}});
  if (const auto ec = feed_->subscribe(std::move(initial))) {
    return "start-up subscriptions refused: " + ec.message();
  }
  pool_->start();
  if (config_.feed.enabled) feed_->start();
  return std::nullopt;
}

asio::awaitable<bool> app::shutdown() {
  // No new ticks first, then everything buffered goes out (bounded).
  co_await feed_->stop();
  candles_->flush();
  const bool drained = co_await pool_->drain(config_.shutdown_drain);
  if (!drained) {
    log::warn("app", "shutdown: Redis buffers not fully drained within the bound",
              {{"bound_ms", static_cast<std::int64_t>(config_.shutdown_drain.count())}});
  }
  pool_->stop();
  co_return drained;
}

}  // namespace tickgate::gateway
