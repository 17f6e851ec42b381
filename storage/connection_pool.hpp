// One connection per logical database in use, all to the same endpoint.
// Redis' SELECT is per connection, and a pipelined connection cannot switch
// databases between requests without a round trip, so each DB gets its own
// connection, created the first time a sink asks for it.
#pragma once

#include "storage/connection.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <vector>

namespace tickgate::storage {

class connection_pool {
public:
  // `base.endpoint.db` is the default database (the URL's).
  connection_pool(boost::asio::any_io_executor ex, connection_options base);
  connection_pool(const connection_pool&) = delete;
  connection_pool& operator=(const connection_pool&) = delete;

  // The connection for `db` (-1: the URL's db), created on first use and
  // started at once if the pool is already started. Precondition: db >= -1.
  // The reference stays valid for the pool's lifetime.
  connection& for_db(int db);

  void start();
  // Drains every connection concurrently within one shared bound.
  boost::asio::awaitable<bool> drain(std::chrono::milliseconds bound);
  void stop();

  int default_db() const noexcept { return base_.endpoint.db; }
  const connection_options& base_options() const noexcept { return base_; }
  // Every connection, ordered by db, for /stats and /metrics.
  std::vector<std::pair<int, connection*>> connections() const;
  // True when every connection is up (and there is at least one).
  bool all_connected() const noexcept;
  // True when pred(connection) holds for one of them; allocates nothing
  // (the replayer asks before every frame).
  template <class Pred>
  bool any_connection(Pred&& pred) const {
    for (const auto& entry : by_db_) {
      if (pred(*entry.second)) return true;
    }
    return false;
  }

private:
  boost::asio::any_io_executor ex_;
  connection_options base_;
  std::map<int, std::unique_ptr<connection>> by_db_;
  bool started_ = false;
};

}  // namespace tickgate::storage
