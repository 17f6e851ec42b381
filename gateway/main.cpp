// tickgate: the composition root's entry point. Parses the command line
// (design.md "Command-line contract"), loads and checks the configuration,
// runs one io_context on this thread until SIGTERM/SIGINT, drains, exits 0.
#include "gateway/app.hpp"
#include "gateway/config.hpp"
#include "gateway/instruments.hpp"
#include "storage/log.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/program_options.hpp>

#include <csignal>
#include <iostream>

namespace po = boost::program_options;
using namespace tickgate;

namespace {

struct loaded {
  gateway::config cfg;
  protocol::instrument_index instruments;
  std::vector<gateway::desired_subscription> subscriptions;
};

// Config, instrument master and start-up subscriptions; errors go to stderr
// naming the bad key or entry.
std::optional<loaded> load(const std::string& path) {
  auto parsed = gateway::load_config(path, gateway::process_env());
  if (auto* e = std::get_if<gateway::config_error>(&parsed)) {
    std::cerr << "tickgate: config error: " << e->to_string() << "\n";
    return std::nullopt;
  }
  loaded out{std::get<gateway::config>(std::move(parsed)), {}, {}};
  if (!out.cfg.instruments.scrip_master.empty()) {
    auto index = gateway::load_instrument_index(out.cfg.instruments);
    if (auto* e = std::get_if<gateway::instrument_error>(&index)) {
      std::cerr << "tickgate: config error: " << e->to_string() << "\n";
      return std::nullopt;
    }
    out.instruments = std::get<protocol::instrument_index>(std::move(index));
    auto subs = gateway::resolve_startup_subscriptions(out.cfg, out.instruments);
    if (auto* e = std::get_if<gateway::instrument_error>(&subs)) {
      std::cerr << "tickgate: config error: " << e->to_string() << "\n";
      return std::nullopt;
    }
    out.subscriptions = std::get<std::vector<gateway::desired_subscription>>(std::move(subs));
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  po::options_description options("tickgate options");
  options.add_options()
      ("config", po::value<std::string>(), "run with this JSON config file")
      ("check-config", po::value<std::string>(), "validate this config file (and its instruments) and exit")
      ("version", "print the version and exit")
      ("help", "print this help and exit");
  po::variables_map args;
  try {
    po::store(po::parse_command_line(argc, argv, options), args);
    po::notify(args);
  } catch (const po::error& e) {
    std::cerr << "tickgate: " << e.what() << "\n" << options;
    return 2;
  }
  if (args.contains("help")) {
    std::cout << options;
    return 0;
  }
  if (args.contains("version")) {
    std::cout << "tickgate " << TICKGATE_VERSION << "\n";
    return 0;
  }
  if (args.contains("check-config")) {
    const auto l = load(args["check-config"].as<std::string>());
    if (!l) return 2;
    std::cout << "config OK: " << l->instruments.all().size() << " instruments, "
              << l->subscriptions.size() << " subscriptions\n";
    return 0;
  }
  if (!args.contains("config")) {
    std::cerr << "tickgate: --config FILE is required\n" << options;
    return 2;
  }
  auto l = load(args["config"].as<std::string>());
  if (!l) return 2;
  log::set_min_level(l->cfg.log_level);

  boost::asio::io_context io(1);
  gateway::app application(io, std::move(l->cfg), std::move(l->instruments));
  if (auto error = application.start(std::move(l->subscriptions))) {
    log::error("main", "start-up failed", {{"error", *error}});
    return 1;
  }
  log::info("main", "tickgate started", {{"version", TICKGATE_VERSION}});

  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  int exit_code = 0;
  signals.async_wait([&](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    log::info("main", "signal received: draining", {{"signal", signal}});
    boost::asio::co_spawn(io, application.shutdown(), [&](std::exception_ptr e, bool drained) {
      if (e) exit_code = 1;
      log::info("main", "stopped", {{"drained", drained}});
      io.stop();
    });
  });
  io.run();
  return exit_code;
}
