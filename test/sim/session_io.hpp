// The I/O half of a feed connection: one reader and one writer coroutine over
// a stream the session owns (beast::tcp_stream, or ssl::stream over it).
// Included by server.cpp only.
//
// Reader: reads into client_frame_reader, answers text "ping" with text
// "pong" and control pings with control pongs carrying the same payload (§4:
// SDKs use either style), hands other text to the server (requests, §2), and
// answers a client close by echoing it. During a stall it holds on to what it
// read and answers nothing until the stall ends.
// Writer: flushes the whole send buffer in one write under a deadline
// (--write-timeout-ms; past it the client is slow and the socket is closed),
// pauses during a stall, and after a queued close frame waits (bounded) for
// the reader to see the peer's close before closing TLS/TCP.
#pragma once

#include "storage/log.hpp"
#include "test/sim/feed_connection.hpp"
#include "test/sim/server.hpp"
#include "test/sim/websocket_codec.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <chrono>
#include <string>
#include <type_traits>

namespace tickgate::sim {

using plain_stream = boost::beast::tcp_stream;
using tls_stream = boost::asio::ssl::stream<boost::beast::tcp_stream>;

// Time a graceful close may take: the peer's close frame, then TLS close_notify.
inline constexpr std::chrono::seconds close_bound{2};
// Largest client message: subscription requests for 1000 tokens are ~12 KB.
inline constexpr std::size_t max_client_message = 1u << 20;

template <class Stream>
class basic_feed_session final : public feed_connection {
public:
  basic_feed_session(Stream stream, feed_session_host& host, std::uint64_t id,
                     std::string client_code, std::string remote, const sim_options& options)
      : feed_connection(id, std::move(client_code), std::move(remote),
                        options.max_tokens_per_connection, options.max_queue_bytes),
        stream_(std::move(stream)),
        host_(host),
        reader_(max_client_message),
        wake_(stream_.get_executor()),
        pause_(stream_.get_executor()),
        write_timeout_(options.write_timeout_ms) {}

  // Runs until both coroutines finish. `leftover`: bytes read past the
  // upgrade request (a client may pipeline its first frame).
  boost::asio::awaitable<void> run(std::string_view leftover) {
    using namespace boost::asio::experimental::awaitable_operators;
    reader_.feed(leftover);
    co_await (run_reader() && run_writer());
  }

private:
  using clock = std::chrono::steady_clock;

  auto& lowest() noexcept { return boost::beast::get_lowest_layer(stream_); }

  void wake_writer() noexcept override {
    if (writer_waiting_) wake_.cancel();
  }
  void close_transport() noexcept override {
    boost::system::error_code ignored;
    lowest().socket().close(ignored);
    pause_.cancel();
    wake_.cancel();
  }
  void on_close_queued() override { close_deadline_ = clock::now() + close_bound; }

  // Waits on `timer` until the stall is over or the connection is closed.
  boost::asio::awaitable<void> wait_while_stalled(boost::asio::steady_timer& timer, bool writer) {
    for (;;) {
      const auto end = host_.stall_end();
      if (clock::now() >= end || current_state() == state::closed) co_return;
      timer.expires_at(end);
      if (writer) writer_waiting_ = true;
      co_await timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
      if (writer) writer_waiting_ = false;
    }
  }

  boost::asio::awaitable<void> run_reader() {
    namespace asio = boost::asio;
    // Bytes that arrived with the upgrade request.
    bool reading = handle_messages();
    while (reading && current_state() != state::closed) {
      const auto region = reader_.prepare(16 * 1024);
      lowest().expires_never();
      auto [ec, n] = co_await stream_.async_read_some(asio::buffer(region.data(), region.size()),
                                                      asio::as_tuple(asio::use_awaitable));
      if (ec) {
        if (current_state() != state::closed) {
          log::info("sim", "feed connection closed by peer",
                    {{"conn", id()}, {"error", ec.message()}});
          abort("peer closed: " + ec.message());
        }
        break;
      }
      reader_.commit(n);
      co_await wait_while_stalled(pause_, false);
      reading = handle_messages();
    }
    reader_done_ = true;
    wake_.cancel();  // harmless when the writer is not waiting
  }

  // Returns false when the reader should stop (the peer's close arrived, or
  // a framing error).
  bool handle_messages() {
    boost::system::error_code ec;
    while (auto message = reader_.next(ec)) {
      switch (message->op) {
        case ws_opcode::text:
          if (!is_open()) break;
          if (trim(message->payload) == "ping") {
            ++host_.counters().text_pings;
            enqueue_text("pong");
          } else {
            host_.on_request(*this, message->payload);
          }
          break;
        case ws_opcode::ping: {
          ++host_.counters().control_pings;
          std::string frame;
          append_frame(frame, ws_opcode::pong, message->payload);
          enqueue(frame, frame_class::control);
          break;
        }
        case ws_opcode::close: {
          // §5.5.1: echo the peer's status code (1000 when it sent none).
          std::uint16_t code = 1000;
          if (message->payload.size() >= 2) {
            code =
                static_cast<std::uint16_t>((static_cast<std::uint8_t>(message->payload[0]) << 8) |
                                           static_cast<std::uint8_t>(message->payload[1]));
          }
          log::info("sim", "feed connection close received", {{"conn", id()}, {"code", code}});
          close_gracefully(code);
          return false;
        }
        case ws_opcode::binary:  // clients have nothing binary to say; ignored
        case ws_opcode::pong:
        case ws_opcode::continuation: break;
      }
    }
    if (ec) {
      ++host_.counters().protocol_errors;
      log::warn("sim", "feed connection protocol error", {{"conn", id()}, {"error", ec.message()}});
      close_gracefully(close_code_for(ec), "protocol error");
      return false;
    }
    return true;
  }

  boost::asio::awaitable<void> run_writer() {
    namespace asio = boost::asio;
    for (;;) {
      if (current_state() == state::closed) break;
      co_await wait_while_stalled(wake_, true);
      if (current_state() == state::closed) break;
      if (take_pending()) {
        lowest().expires_after(write_timeout_);
        auto [ec, n] = co_await asio::async_write(stream_, asio::buffer(inflight()),
                                                  asio::as_tuple(asio::use_awaitable));
        if (ec) {
          if (current_state() != state::closed) {
            const bool timeout = ec == boost::beast::error::timeout;
            if (timeout) {
              ++host_.counters().slow_disconnects;
              log::warn("sim", "slow client: write timed out", {{"conn", id()}});
            }
            abort(timeout ? "write timeout" : "write failed: " + ec.message());
          }
          break;
        }
        written();
        continue;
      }
      if (current_state() == state::closing) {
        if (reader_done_) {
          co_await shutdown_transport();
          break;
        }
        if (clock::now() >= close_deadline_) {
          abort("close timeout");
          break;
        }
        wake_.expires_at(close_deadline_);
      } else {
        wake_.expires_at(clock::time_point::max());
      }
      writer_waiting_ = true;
      co_await wake_.async_wait(asio::as_tuple(asio::use_awaitable));
      writer_waiting_ = false;
    }
  }

  // After the close handshake: TLS close_notify (bounded), then TCP close.
  boost::asio::awaitable<void> shutdown_transport() {
    namespace asio = boost::asio;
    if constexpr (std::is_same_v<Stream, tls_stream>) {
      lowest().expires_after(close_bound);
      co_await stream_.async_shutdown(asio::as_tuple(asio::use_awaitable));
    } else {
      boost::system::error_code ignored;
      lowest().socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
    }
    mark_closed();
    close_transport();
  }

  static std::string_view trim(std::string_view s) noexcept {
    while (!s.empty() &&
           (s.front() == ' ' || s.front() == '\n' || s.front() == '\r' || s.front() == '\t'))
      s.remove_prefix(1);
    while (!s.empty() &&
           (s.back() == ' ' || s.back() == '\n' || s.back() == '\r' || s.back() == '\t'))
      s.remove_suffix(1);
    return s;
  }

  Stream stream_;
  feed_session_host& host_;
  client_frame_reader reader_;
  boost::asio::steady_timer wake_;   // the writer's: new bytes, state changes, stall end
  boost::asio::steady_timer pause_;  // the reader's: stall end
  std::chrono::milliseconds write_timeout_;
  clock::time_point close_deadline_{};
  bool writer_waiting_ = false;
  bool reader_done_ = false;
};

}  // namespace tickgate::sim
