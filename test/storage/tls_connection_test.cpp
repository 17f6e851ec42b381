// storage::connection over rediss:// against a TLS redis-server: CA
// verification, host-name verification and SNI, client certificates, and the
// failures that must keep it from connecting (wrong CA, wrong name, missing
// CA file).
#define BOOST_TEST_MODULE storage_tls_connection
#include <boost/test/unit_test.hpp>

#include "test/storage/asio_test_helpers.hpp"  // first: it includes io_context.hpp

#include "storage/connection.hpp"
#include "storage/errc.hpp"
#include "storage/resp_encoder.hpp"
#include "test/support/redis_client.hpp"
#include "test/support/redis_server.hpp"

namespace tickgate::test {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using storage::clock;
using storage::connection;
using storage::request_kind;

storage::connection_options options_for(const storage::redis_endpoint& ep) {
  storage::connection_options o;
  o.endpoint = ep;
  o.backoff_initial = 20ms;
  o.backoff_max = 100ms;
  o.connect_timeout = 1000ms;
  return o;
}

redis_server_options tls_options(bool client_certs = false) {
  redis_server_options o;
  o.tls = true;
  o.tls_auth_clients = client_certs;
  return o;
}

// Connects, writes one key, and checks it arrived.
void expect_round_trip(asio::io_context& io, const redis_server& server,
                       const storage::redis_endpoint& ep) {
  connection conn(io.get_executor(), options_for(ep));
  const auto src = conn.add_source("t");
  conn.start();
  conn.send(src, request_kind::durable, 1, clock::now(),
            [](std::string& out) { storage::append_command(out, "SET", "tls-key", "ok"); });
  BOOST_REQUIRE(run_until(io, [&] { return conn.source(src).acked == 1; }));
  BOOST_TEST(conn.stats().connect_failures == 0u);
  redis_client client(server.url());
  BOOST_TEST(client.string({"GET", "tls-key"}) == "ok");
  client.command({"DEL", "tls-key"});
}

// Never gets through the handshake: retries, counts, buffers.
void expect_no_connection(asio::io_context& io, const storage::redis_endpoint& ep) {
  connection conn(io.get_executor(), options_for(ep));
  const auto src = conn.add_source("t");
  conn.start();
  conn.send(src, request_kind::durable, 1, clock::now(),
            [](std::string& out) { storage::append_command(out, "SET", "k", "v"); });
  BOOST_REQUIRE(run_until(io, [&] { return conn.stats().connect_failures >= 2; }));
  BOOST_TEST(!conn.connected());
  BOOST_TEST(conn.stats().connects == 0u);
  BOOST_TEST(conn.source(src).acked == 0u);
  BOOST_TEST(conn.stats().buffered_commands == 1u);
}

BOOST_AUTO_TEST_CASE(verifies_the_server_against_its_ca) {
  asio::io_context io;
  redis_server server(tls_options());
  expect_round_trip(io, server, storage::parse_redis_url(server.url()).value());
}

BOOST_AUTO_TEST_CASE(host_name_is_checked_and_sent_as_sni) {
  asio::io_context io;
  redis_server server(tls_options());
  auto ep = storage::parse_redis_url(server.url()).value();
  ep.server_name = "localhost";  // in the certificate's SAN as DNS:localhost
  expect_round_trip(io, server, ep);
  ep.server_name = "redis.example.com";  // not in the certificate
  expect_no_connection(io, ep);
}

BOOST_AUTO_TEST_CASE(an_unrelated_ca_is_refused) {
  asio::io_context io;
  redis_server server(tls_options());
  auto ep = storage::parse_redis_url(server.url()).value();
  ep.ca_file = server.tls().other_ca_cert.string();
  expect_no_connection(io, ep);
  // With verification explicitly off the same CA is irrelevant.
  ep.verify_peer = false;
  expect_round_trip(io, server, ep);
}

BOOST_AUTO_TEST_CASE(plain_redis_to_a_tls_port_fails_cleanly) {
  asio::io_context io;
  redis_server server(tls_options());
  auto ep = storage::parse_redis_url(server.url()).value();
  ep.tls = false;
  expect_no_connection(io, ep);
}

BOOST_AUTO_TEST_CASE(client_certificates) {
  asio::io_context io;
  redis_server server(tls_options(true));
  expect_round_trip(io, server, storage::parse_redis_url(server.url()).value());
  auto ep = storage::parse_redis_url(server.url()).value();
  ep.cert_file.clear();
  ep.key_file.clear();
  expect_no_connection(io, ep);
}

BOOST_AUTO_TEST_CASE(missing_ca_file_never_connects) {
  asio::io_context io;
  redis_server server(tls_options());
  auto ep = storage::parse_redis_url(server.url()).value();
  ep.ca_file = (server.dir() / "does-not-exist.pem").string();
  expect_no_connection(io, ep);
}

BOOST_AUTO_TEST_CASE(reconnects_over_tls_after_a_restart) {
  asio::io_context io;
  redis_server server(tls_options());
  connection conn(io.get_executor(), options_for(storage::parse_redis_url(server.url()).value()));
  const auto src = conn.add_source("t");
  conn.start();
  BOOST_REQUIRE(run_until(io, [&] { return conn.connected(); }));
  server.kill();
  BOOST_REQUIRE(run_until(io, [&] { return !conn.connected(); }));
  for (int i = 0; i < 100; ++i) {
    conn.send(src, request_kind::durable, 1, clock::now(),
              [&](std::string& out) { storage::append_command(out, "RPUSH", "l", i); });
  }
  server.restart();
  BOOST_REQUIRE(run_until(io, [&] { return conn.source(src).acked == 100; }));
  redis_client client(server.url());
  BOOST_TEST(client.integer({"LLEN", "l"}) == 100);
  BOOST_TEST(conn.stats().reconnects == 1u);
}

}  // namespace
}  // namespace tickgate::test
