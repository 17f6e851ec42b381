// Checks of deploy/ that need no Docker engine:
//  - the Dockerfile's runtime package list covers every shared library the
//    binaries load (ldd → dpkg -S), so a new dependency cannot slip past the
//    slim image (deploy/check-runtime.sh goes further: a clean bookworm root);
//  - the container HEALTHCHECK script speaks HTTP/1.1 to GET /health and
//    passes only on a 200 (a scripted server on loopback), and passes against
//    the gateway's REST server (redis-server + simulator + tickgate processes)
//    until the gateway stops;
//  - the systemd unit passes systemd-analyze verify (skipped without it).
#define BOOST_TEST_MODULE deploy_files
#include <boost/test/unit_test.hpp>

#include "test/support/redis_server.hpp"
#include "test/support/tickgate_process.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

using namespace tickgate;
using namespace std::chrono_literals;

namespace {

const std::filesystem::path source_dir = TICKGATE_SOURCE_DIR;
const std::string binary_dir = TICKGATE_BINARY_DIR;

std::set<std::string> words(const std::string& text) {
  std::set<std::string> out;
  std::istringstream in(text);
  std::string w;
  while (in >> w) out.insert(w);
  return out;
}

// Answers one HTTP request on a loopback port with `status_line`, recording
// the request line.
class one_shot_http_server {
public:
  explicit one_shot_http_server(std::string status_line) : status_(std::move(status_line)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    BOOST_REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    BOOST_REQUIRE(::listen(fd_, 1) == 0);
    thread_ = std::thread([this] {
      const int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      std::string request;
      char buf[1024];
      while (request.find("\r\n\r\n") == std::string::npos) {
        const auto n = ::read(c, buf, sizeof buf);
        if (n <= 0) break;
        request.append(buf, static_cast<std::size_t>(n));
      }
      request_ = request;
      const std::string reply = status_ + "\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}";
      (void)!::write(c, reply.data(), reply.size());
      ::close(c);
    });
  }
  ~one_shot_http_server() {
    ::shutdown(fd_, SHUT_RDWR);
    if (thread_.joinable()) thread_.join();
    ::close(fd_);
  }
  std::uint16_t port() const { return port_; }
  const std::string& request() {
    if (thread_.joinable()) thread_.join();
    return request_;
  }

private:
  std::string status_;
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::thread thread_;
  std::string request_;
};

test::run_result healthcheck(const std::string& listen) {
  return test::run_program({"/bin/bash", (source_dir / "deploy/healthcheck.sh").string()},
                           {{"TICKGATE_HTTP_LISTEN", listen}}, 20s);
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_runtime_image_lists_every_library_the_binaries_load) {
  const std::string dockerfile = test::read_file(source_dir / "deploy/Dockerfile");
  std::smatch m;
  BOOST_REQUIRE(std::regex_search(dockerfile, m, std::regex("\nARG RUNTIME_PACKAGES=\"([^\"]*)\"")));
  auto allowed = words(m[1]);
  // Always in a bookworm-slim image (Essential / Priority required).
  allowed.insert({"libc6", "libgcc-s1", "libstdc++6", "libzstd1", "zlib1g"});
  for (const char* binary : {"tickgate", "tickgate-cli"}) {
    BOOST_TEST_CONTEXT(binary) {
      const auto ldd = test::run_program({"/usr/bin/ldd", binary_dir + "/" + binary});
      BOOST_REQUIRE_EQUAL(ldd.status, 0);
      BOOST_TEST(ldd.out.find("not found") == std::string::npos, ldd.out);
      const std::regex lib(R"(=> (/\S+) \(0x)");
      std::size_t libraries = 0;
      for (std::sregex_iterator it(ldd.out.begin(), ldd.out.end(), lib), end; it != end; ++it) {
        const auto path = std::filesystem::canonical((*it)[1].str());
        auto owner = test::run_program({"/usr/bin/dpkg", "-S", path.string()});
        if (owner.status != 0) {  // merged /usr: dpkg knows the /lib path
          owner = test::run_program({"/usr/bin/dpkg", "-S", "/lib" + path.string().substr(std::string("/usr/lib").size())});
        }
        BOOST_REQUIRE_MESSAGE(owner.status == 0, "no package owns " << path);
        const std::string package = owner.out.substr(0, owner.out.find_first_of(":"));
        BOOST_TEST(allowed.contains(package), path << " comes from " << package
                                                    << ", which RUNTIME_PACKAGES lacks");
        ++libraries;
      }
      BOOST_TEST(libraries >= 5u);
    }
  }
}

BOOST_AUTO_TEST_CASE(the_healthcheck_passes_only_on_a_200_from_get_health) {
  {
    one_shot_http_server server("HTTP/1.1 200 OK");
    // A wildcard listen address is reached on loopback.
    const auto r = healthcheck("0.0.0.0:" + std::to_string(server.port()));
    BOOST_TEST(r.status == 0, r.err);
    BOOST_TEST(server.request().starts_with("GET /health HTTP/1.1\r\n"), server.request());
  }
  {
    one_shot_http_server server("HTTP/1.1 503 Service Unavailable");
    const auto r = healthcheck("127.0.0.1:" + std::to_string(server.port()));
    BOOST_TEST(r.status == 1);
    BOOST_TEST(r.err.find("answered: HTTP/1.1 503") != std::string::npos, r.err);
  }
  const auto port = test::free_loopback_port();
  const auto refused = healthcheck("127.0.0.1:" + std::to_string(port));
  BOOST_TEST(refused.status == 1);
  BOOST_TEST(refused.err.find("cannot connect to 127.0.0.1:" + std::to_string(port)) != std::string::npos,
             refused.err);
  BOOST_TEST(healthcheck("no-port").status == 1);
}

BOOST_AUTO_TEST_CASE(the_healthcheck_passes_against_the_gateway_while_it_runs) {
  test::redis_server redis;
  test::simulator sim;
  const auto port = test::free_loopback_port();
  const std::string listen = "127.0.0.1:" + std::to_string(port);
  test::gateway_options options;
  options.config = {{"http", {{"enabled", true}, {"listen", listen}, {"api_token", "health-t0ken"}}}};
  test::tickgate_process gateway(sim, redis.url(), std::move(options));
  BOOST_REQUIRE_MESSAGE(test::wait_for_port(port, 30s), gateway.log());
  const auto up = healthcheck(listen);
  BOOST_TEST(up.status == 0, up.err << gateway.log());
  BOOST_TEST(gateway.process().stop(10s) == 0);
  const auto down = healthcheck(listen);
  BOOST_TEST(down.status == 1);
  BOOST_TEST(down.err.find("cannot connect") != std::string::npos, down.err);
}

BOOST_AUTO_TEST_CASE(the_systemd_unit_verifies,
                     *boost::unit_test::precondition([](boost::unit_test::test_unit_id) {
                       return boost::unit_test::assertion_result(
                           std::filesystem::exists("/usr/bin/systemd-analyze"));
                     })) {
  test::temp_dir dir("tickgate-unit");
  std::string unit = test::read_file(source_dir / "deploy/tickgate.service");
  BOOST_REQUIRE(unit.find("ExecStart=/usr/local/bin/tickgate --config") != std::string::npos);
  // The unit names the installed path; verify it against the built binary.
  unit = std::regex_replace(unit, std::regex("/usr/local/bin/tickgate"), binary_dir + "/tickgate");
  const auto path = dir.path() / "tickgate.service";
  std::ofstream(path) << unit;
  const auto r = test::run_program({"/usr/bin/systemd-analyze", "verify", path.string()});
  BOOST_TEST(r.status == 0, r.out << r.err);
  BOOST_TEST(r.out + r.err == "", r.out << r.err);
  for (const char* option : {"Restart=always", "RestartPreventExitStatus=2", "NoNewPrivileges=yes",
                             "ProtectSystem=strict", "DynamicUser=yes", "SystemCallFilter=@system-service"}) {
    BOOST_TEST(unit.find(option) != std::string::npos, option);
  }
}
