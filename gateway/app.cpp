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
  replayer_ = std::make_unique<replayer>(io_.get_executor(), *router_);
  replayer_->set_backpressure([this] {
    return pool_->any_connection([](const storage::connection& c) {
      return c.stats().buffered_bytes > c.options().buffer_limit_bytes / 4;
    });
  });
  control_ = std::make_unique<control_api>(*this);
  if (config_.recording.enabled) {
    recorder_ = std::make_unique<recorder>(config_.recording);
  }
  if (config_.http.enabled) {
    http_ = std::make_unique<http_server>(
        io_.get_executor(), config_.http,
        [this](const http_request& req) { return control_->handle(req); });
  }
}

app::~app() = default;

std::vector<storage::named_sink> app::named_sinks() const {
  return {{"stream", stream_.get()},
          {"pubsub", pubsub_.get()},
          {"lists", lists_.get()},
          {"price", price_.get()},
          {"candles", candles_.get()}};
}

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
  if (http_) {
    if (const auto ec = http_->listen()) {
      return "http: cannot listen on " + config_.http.host + ":" +
             std::to_string(config_.http.port) + ": " +
             (ec == boost::system::errc::permission_denied
                  ? std::string("a non-loopback address needs http.api_token (or "
                                "TICKGATE_API_TOKEN or TICKGATE_API_TOKEN_FILE)")
                  : ec.message());
    }
  }
  if (recorder_ && recorder_->start()) {
    router_->set_frame_observer([r = recorder_.get()](std::span<const std::byte> frame,
                                                      std::int64_t received_us) {
      r->on_frame(frame, received_us);
    });
  }
  pool_->start();
  if (config_.feed.enabled) feed_->start();
  if (http_) {
    http_->start();
    const auto endpoint = http_->local_endpoint();
    log::info("http", "listening",
              {{"host", endpoint.address().to_string()},
               {"port", static_cast<unsigned>(endpoint.port())},
               {"auth", !config_.http.api_token.empty()}});
  }
  return std::nullopt;
}

asio::awaitable<bool> app::shutdown() {
  // No new ticks first, then everything buffered goes out (bounded).
  if (http_) http_->stop();
  control_->stop();
  replayer_->stop();
  co_await feed_->stop();
  if (recorder_) recorder_->stop();
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
