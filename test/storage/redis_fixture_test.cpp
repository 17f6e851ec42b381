// The redis-server fixture and the blocking client the other storage tests
// rely on: plain, requirepass + ACL user, TLS (with and without client
// certificates), kill + restart on the same port, pause/resume, persistence.
#define BOOST_TEST_MODULE storage_redis_fixture
#include <boost/test/unit_test.hpp>

#include "test/support/redis_client.hpp"
#include "test/support/redis_server.hpp"

#include <thread>

namespace tickgate::test {
namespace {

using namespace std::chrono_literals;

BOOST_AUTO_TEST_CASE(plain_server_round_trip) {
  redis_server server;
  redis_client client(server.url());
  BOOST_TEST(client.string({"SET", "k", "v"}) == "OK");
  BOOST_TEST(client.string({"GET", "k"}) == "v");
  BOOST_TEST(client.string({"GET", "missing"}).empty());
  redis_client db3(server.url(3));
  BOOST_TEST(db3.string({"GET", "k"}).empty());  // a different logical DB
}

BOOST_AUTO_TEST_CASE(requirepass_and_acl_users) {
  redis_server_options options;
  options.password = "s3cret";
  options.users.push_back({"app", "apppw"});
  redis_server server(options);
  BOOST_CHECK_THROW(redis_client(server.url_as("app", "wrong")), std::runtime_error);
  redis_client as_default(server.url());
  redis_client as_app(server.url_as("app", "apppw"));
  BOOST_TEST(as_app.string({"ACL", "WHOAMI"}) == "app");
  BOOST_TEST(as_default.string({"ACL", "WHOAMI"}) == "default");
  // Without credentials, commands are refused.
  auto ep = storage::parse_redis_url("redis://127.0.0.1:" + std::to_string(server.port()));
  BOOST_REQUIRE(ep);
  redis_client anonymous(ep.value());
  BOOST_TEST(anonymous.command({"GET", "x"}).string.starts_with("NOAUTH"));
}

BOOST_AUTO_TEST_CASE(tls_server) {
  redis_server_options options;
  options.tls = true;
  redis_server server(options);
  redis_client client(server.url());
  BOOST_TEST(client.string({"PING"}) == "PONG");
  // The unrelated CA does not verify the server.
  auto ep = storage::parse_redis_url(server.url()).value();
  ep.ca_file = server.tls().other_ca_cert.string();
  BOOST_CHECK_THROW((redis_client(ep)), std::runtime_error);
}

BOOST_AUTO_TEST_CASE(tls_server_requiring_client_certificates) {
  redis_server_options options;
  options.tls = true;
  options.tls_auth_clients = true;
  redis_server server(options);
  redis_client client(server.url());  // url() carries the client certificate
  BOOST_TEST(client.string({"PING"}) == "PONG");
  auto ep = storage::parse_redis_url(server.url()).value();
  ep.cert_file.clear();
  ep.key_file.clear();
  BOOST_CHECK_THROW(
      {
        redis_client anonymous(ep);
        anonymous.command({"PING"});  // TLS 1.3 reports the missing cert on first read
      },
      std::runtime_error);
}

BOOST_AUTO_TEST_CASE(kill_and_restart_on_the_same_port) {
  redis_server server;
  const auto port = server.port();
  {
    redis_client client(server.url());
    client.command({"SET", "k", "v"});
  }
  server.kill();
  BOOST_TEST(!server.running());
  BOOST_CHECK_THROW(redis_client(server.url(), 1s), std::runtime_error);
  server.restart();
  BOOST_TEST(server.port() == port);
  redis_client client(server.url());
  BOOST_TEST(client.string({"GET", "k"}).empty());  // no persistence by default
}

BOOST_AUTO_TEST_CASE(persistence_survives_a_kill) {
  redis_server_options options;
  options.persistence = true;
  redis_server server(options);
  {
    redis_client client(server.url());
    client.command({"SET", "k", "v"});
  }
  server.kill();
  server.restart();
  redis_client client(server.url());
  BOOST_TEST(client.string({"GET", "k"}) == "v");
}

BOOST_AUTO_TEST_CASE(pause_stops_answers_until_resume) {
  redis_server server;
  redis_client client(server.url(), 300ms);
  server.pause();
  BOOST_CHECK_THROW(client.command({"PING"}), std::runtime_error);  // times out
  server.resume();
  redis_client fresh(server.url());
  BOOST_TEST(fresh.string({"PING"}) == "PONG");
}

}  // namespace
}  // namespace tickgate::test
