// tickgate-sim: the composition root. Parses the command line, prepares TLS,
// runs the server on one io_context in one thread until SIGINT/SIGTERM.
#include "storage/log.hpp"
#include "test/sim/certificate.hpp"
#include "test/sim/options.hpp"
#include "test/sim/server.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/context.hpp>

#include <csignal>
#include <cstdio>
#include <exception>
#include <memory>
#include <optional>

namespace {

namespace asio = boost::asio;
using namespace tickgate;

void log_exception(const std::exception_ptr& e) {
  if (!e) return;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    log::error("sim", "task failed", {{"error", ex.what()}});
  }
}

int run(const sim::sim_options& options) {
  log::set_min_level(options.log_level);
  std::optional<asio::ssl::context> tls;
  if (options.tls_dir) {
    bool generated = false;
    if (const auto ec = sim::ensure_certificate(*options.tls_dir, &generated)) {
      log::error("sim", "certificate",
                 {{"dir", options.tls_dir->string()}, {"error", ec.message()}});
      return 1;
    }
    const auto files = sim::certificate_files(*options.tls_dir);
    if (generated) log::info("sim", "certificate generated", {{"cert", files.cert.string()}});
    tls.emplace(asio::ssl::context::tls_server);
    boost::system::error_code ec;
    tls->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                         asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                         asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use,
                     ec);
    if (!ec) tls->use_certificate_chain_file(files.cert.string(), ec);
    if (!ec) tls->use_private_key_file(files.key.string(), asio::ssl::context::pem, ec);
    if (ec) {
      log::error("sim", "cannot load certificate",
                 {{"dir", options.tls_dir->string()}, {"error", ec.message()}});
      return 1;
    }
  }

  // --replay: the recording must open (and be one) before we listen.
  std::optional<gateway::recording_reader> replay;
  if (options.replay) {
    auto reader = gateway::recording_reader::open(*options.replay);
    if (auto* error = std::get_if<std::string>(&reader)) {
      log::error("sim", "cannot replay", {{"error", *error}});
      return 1;
    }
    replay.emplace(std::get<gateway::recording_reader>(std::move(reader)));
  }

  asio::io_context ioc(1);
  // On the heap so that a shutdown that cannot drain (below) can leave it
  // alive while the io_context destroys the remaining coroutine frames.
  auto server = std::make_unique<sim::server>(ioc, options, tls ? &*tls : nullptr);
  if (const auto ec = server->listen()) {
    log::error("sim", "cannot listen",
               {{"host", options.host},
                {"port", static_cast<unsigned>(options.port)},
                {"error", ec.message()}});
    return 1;
  }
  const auto endpoint = server->local_endpoint();
  // The readiness line scripts and the test fixture wait for: written at
  // every --log-level.
  log::write(log::level::info, "sim", "listening",
             {{"host", endpoint.address().to_string()},
              {"port", static_cast<unsigned>(endpoint.port())},
              {"tls", options.tls_dir.has_value()},
              {"rate", options.rate},
              {"seed", options.seed},
              {"auth_style", sim::auth_style_name(options.auth)}});

  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    log::info("sim", "stopping", {{"signal", signal}});
    server->stop();
    ioc.stop();
  });
  asio::co_spawn(ioc, server->run_acceptor(), log_exception);
  if (replay) {
    asio::co_spawn(ioc, server->run_replay(std::move(*replay)), log_exception);
  } else {
    asio::co_spawn(ioc, server->run_market(), log_exception);
  }
  ioc.run();

  // Drain: stop() closed every socket, so the remaining coroutines finish
  // promptly and the io_context runs out of work (bounded at 5 s). Their
  // frames' destructors may touch the server, so it must outlive them; if the
  // drain does not finish, the server is left alive on purpose while the
  // io_context destroys what is left.
  ioc.restart();
  ioc.run_for(std::chrono::seconds(5));
  if (!ioc.stopped()) {
    log::warn("sim", "shutdown did not drain within 5 s; exiting anyway");
    static_cast<void>(server.release());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // A peer that disappears mid-write must be an error code, not a signal.
  std::signal(SIGPIPE, SIG_IGN);
  const auto outcome = sim::parse_sim_options(argc, argv);
  if (const auto* help = std::get_if<sim::help_text>(&outcome)) {
    std::fputs(help->text.c_str(), stdout);
    return 0;
  }
  if (const auto* error = std::get_if<sim::option_error>(&outcome)) {
    std::fprintf(stderr, "tickgate-sim: %s (see --help)\n", error->message.c_str());
    return 2;
  }
  try {
    return run(std::get<sim::sim_options>(outcome));
  } catch (const std::exception& e) {
    log::error("sim", "fatal", {{"error", e.what()}});
    return 1;
  }
}
