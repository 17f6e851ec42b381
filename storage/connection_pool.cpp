#include "storage/connection_pool.hpp"

#include <boost/asio/use_awaitable.hpp>

namespace tickgate::storage {

connection_pool::connection_pool(boost::asio::any_io_executor ex, connection_options base)
    : ex_(std::move(ex)), base_(std::move(base)) {}

connection& connection_pool::for_db(int db) {
  if (db < 0) db = base_.endpoint.db;
  auto it = by_db_.find(db);
  if (it == by_db_.end()) {
    connection_options options = base_;
    options.endpoint.db = db;
    it = by_db_.emplace(db, std::make_unique<connection>(ex_, std::move(options))).first;
    if (started_) it->second->start();
  }
  return *it->second;
}

void connection_pool::start() {
  started_ = true;
  for (auto& [db, c] : by_db_) c->start();
}

boost::asio::awaitable<bool> connection_pool::drain(std::chrono::milliseconds bound) {
  // Every connection keeps flushing on its own while we wait on one of them,
  // so waiting in turn against one deadline drains them all concurrently.
  const auto deadline = clock::now() + bound;
  for (auto& [db, c] : by_db_) c->stop_accepting();
  bool all = true;
  for (auto& [db, c] : by_db_) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
    all = co_await c->drain(std::max(left, std::chrono::milliseconds(0))) && all;
  }
  co_return all;
}

void connection_pool::stop() {
  for (auto& [db, c] : by_db_) c->stop();
}

std::vector<std::pair<int, connection*>> connection_pool::connections() const {
  std::vector<std::pair<int, connection*>> out;
  for (const auto& [db, c] : by_db_) out.emplace_back(db, c.get());
  return out;
}

bool connection_pool::all_connected() const noexcept {
  if (by_db_.empty()) return false;
  for (const auto& [db, c] : by_db_) {
    if (!c->connected()) return false;
  }
  return true;
}

}  // namespace tickgate::storage
