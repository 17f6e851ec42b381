// Driving an io_context from a test thread: run it in short slices until a
// condition holds (generous deadlines, never a timed assertion), and run a
// coroutine to completion.
#pragma once

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <exception>
#include <optional>
#include <stdexcept>
#include <thread>

namespace tickgate::test {

// Runs `io` until pred() holds (true) or `timeout` passes (false).
template <class Predicate>
bool run_until(boost::asio::io_context& io, Predicate&& pred,
               std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    io.restart();
    if (io.run_for(std::chrono::milliseconds(5)) == 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  return true;
}

// Runs `io` for about `d` (lets the connection make progress).
inline void run_for(boost::asio::io_context& io, std::chrono::milliseconds d) {
  const auto end = std::chrono::steady_clock::now() + d;
  run_until(
      io, [&] { return std::chrono::steady_clock::now() >= end; }, d * 2 + d);
}

// Runs the coroutine to completion on `io` and returns its value.
template <class T>
T run_coroutine(boost::asio::io_context& io, boost::asio::awaitable<T> coroutine,
                std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
  std::optional<T> result;
  std::exception_ptr error;
  bool done = false;
  boost::asio::co_spawn(io, std::move(coroutine), [&](std::exception_ptr e, T value) {
    done = true;
    error = e;
    if (!e) result.emplace(std::move(value));
  });
  if (!run_until(
          io, [&] { return done; }, timeout)) {
    throw std::runtime_error("coroutine did not finish in time");
  }
  if (error) std::rethrow_exception(error);
  return std::move(*result);
}

}  // namespace tickgate::test
