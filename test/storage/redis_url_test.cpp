// parse_redis_url and redact: table-driven.
#define BOOST_TEST_MODULE storage_redis_url
#include <boost/test/unit_test.hpp>

#include "storage/errc.hpp"
#include "storage/redis_url.hpp"

#include <string>

namespace tickgate::test {
namespace {

using storage::errc;
using storage::redis_endpoint;

BOOST_AUTO_TEST_CASE(valid_urls) {
  struct row {
    const char* url;
    std::string host;
    std::uint16_t port;
    std::string user, password;
    int db;
    bool tls;
  };
  const row rows[] = {
      {"redis://localhost", "localhost", 6379, "", "", 0, false},
      {"redis://localhost/", "localhost", 6379, "", "", 0, false},
      {"redis://127.0.0.1:6380/4", "127.0.0.1", 6380, "", "", 4, false},
      {"rediss://cache.example.com:6390/2", "cache.example.com", 6390, "", "", 2, true},
      {"redis://:s3cret@host", "host", 6379, "", "s3cret", 0, false},
      {"redis://tickgate:p%40ss%3Aw0rd@host:1/15", "host", 1, "tickgate", "p@ss:w0rd", 15, false},
      {"redis://[::1]:7000/3", "::1", 7000, "", "", 3, false},
      {"redis://user:@host", "host", 6379, "user", "", 0, false},
  };
  for (const row& r : rows) {
    BOOST_TEST_CONTEXT(r.url) {
      auto parsed = storage::parse_redis_url(r.url);
      BOOST_REQUIRE(parsed);
      const redis_endpoint ep = parsed.value();
      BOOST_TEST(ep.host == r.host);
      BOOST_TEST(ep.port == r.port);
      BOOST_TEST(ep.user == r.user);
      BOOST_TEST(ep.password == r.password);
      BOOST_TEST(ep.db == r.db);
      BOOST_TEST(ep.tls == r.tls);
      BOOST_TEST(ep.verify_peer);
      BOOST_TEST(ep.tls_name() == r.host);
    }
  }
}

BOOST_AUTO_TEST_CASE(tls_options) {
  auto parsed = storage::parse_redis_url(
      "rediss://h:6390/1?ca_file=/etc/ca.pem&verify=false&server_name=redis.internal"
      "&cert_file=/c.pem&key_file=/k.pem");
  BOOST_REQUIRE(parsed);
  const redis_endpoint* ep = &parsed.value();
  BOOST_TEST(ep->ca_file == "/etc/ca.pem");
  BOOST_TEST(!ep->verify_peer);
  BOOST_TEST(ep->server_name == "redis.internal");
  BOOST_TEST(ep->tls_name() == "redis.internal");
  BOOST_TEST(ep->cert_file == "/c.pem");
  BOOST_TEST(ep->key_file == "/k.pem");
  for (const char* yes : {"true", "1", "yes"}) {
    auto e = storage::parse_redis_url(std::string("rediss://h?verify=") + yes);
    BOOST_REQUIRE(e);
    BOOST_TEST(e->verify_peer);
  }
}

BOOST_AUTO_TEST_CASE(invalid_urls) {
  struct row {
    const char* url;
    errc expected;
  };
  const row rows[] = {
      {"", errc::bad_url},
      {"not a url", errc::bad_url},
      {"http://localhost", errc::unsupported_scheme},
      {"unix:///tmp/redis.sock", errc::unsupported_scheme},
      {"redis:localhost", errc::bad_url},
      {"redis://", errc::bad_url},
      {"redis://h:0", errc::bad_port},
      {"redis://h:65536", errc::bad_port},
      {"redis://h:99999999999", errc::bad_port},
      {"redis://h:/", errc::bad_port},
      {"redis://h/x", errc::bad_db},
      {"redis://h/-1", errc::bad_db},
      {"redis://h/1/2", errc::bad_db},
      {"redis://h/99999999999", errc::bad_db},
      {"redis://h?verify=maybe", errc::bad_url_option},
      {"redis://h?ca_fil=/x", errc::bad_url_option},
      {"redis://h?verify", errc::bad_url_option},
      {"redis://h?cert_file=/c.pem", errc::bad_url_option},
      {"redis://secret@h", errc::bad_url},
      {"redis://h#frag", errc::bad_url},
  };
  for (const row& r : rows) {
    BOOST_TEST_CONTEXT(r.url) {
      auto ep = storage::parse_redis_url(r.url);
      BOOST_REQUIRE(!ep);
      BOOST_TEST(ep.error() == storage::make_error_code(r.expected), ep.error().message());
    }
  }
}

BOOST_AUTO_TEST_CASE(redact_never_shows_the_password) {
  struct row {
    const char* url;
    const char* redacted;
  };
  const row rows[] = {
      {"redis://localhost", "redis://localhost:6379/0"},
      {"redis://:hunter2@h:1/2", "redis://:***@h:1/2"},
      {"rediss://app:hunter2@h/3?ca_file=/ca.pem&verify=false",
       "rediss://app:***@h:6379/3?ca_file=/ca.pem&verify=false"},
      {"redis://[::1]:7000", "redis://[::1]:7000/0"},
  };
  for (const row& r : rows) {
    auto ep = storage::parse_redis_url(r.url);
    BOOST_REQUIRE(ep);
    const std::string shown = storage::redact(*ep);
    BOOST_TEST(shown == r.redacted);
    BOOST_TEST(shown.find("hunter2") == std::string::npos);
  }
  // And a redacted URL parses back to the same place.
  auto ep = storage::parse_redis_url("rediss://app:pw@h:7/3?server_name=n");
  BOOST_REQUIRE(ep);
  auto back = storage::parse_redis_url(storage::redact(*ep));
  BOOST_REQUIRE(back);
  BOOST_TEST(back->host == "h");
  BOOST_TEST(back->port == 7);
  BOOST_TEST(back->db == 3);
  BOOST_TEST(back->server_name == "n");
}

}  // namespace
}  // namespace tickgate::test
