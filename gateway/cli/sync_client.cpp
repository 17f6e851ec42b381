#include "gateway/cli/sync_client.hpp"

#include "storage/resp_encoder.hpp"
#include "storage/resp_parser.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>

#include <openssl/ssl.h>

#include <optional>

namespace tickgate::gateway::cli {
namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;
using clock = std::chrono::steady_clock;

struct sync_client::impl {
  asio::io_context io{1};
  std::optional<asio::ssl::context> tls;
  std::optional<tcp::socket> plain;
  std::optional<asio::ssl::stream<tcp::socket>> secure;
  std::chrono::milliseconds timeout;
  std::string name;  // host:port, for messages
  std::string buffer;
  std::size_t parsed = 0;  // bytes of buffer already consumed by the parser
  storage::resp_parser parser;
  storage::resp_builder builder;

  tcp::socket& socket() { return secure ? secure->next_layer() : *plain; }

  // Runs the io_context until the operation that set `done` completes or
  // `deadline` passes; on timeout closes the socket (the connection is then
  // unusable) and throws.
  void wait(const bool& done, clock::time_point deadline, const std::string& what) {
    io.restart();
    const auto now = clock::now();
    if (deadline > now) io.run_for(deadline - now);
    if (done) return;
    error_code ignored;
    socket().close(ignored);
    io.restart();
    io.run();  // let the aborted handlers finish
    throw redis_failure(what + " " + name + ": timed out");
  }

  void connect(const storage::redis_endpoint& ep) {
    const auto deadline = clock::now() + timeout;
    tcp::resolver resolver(io);
    bool done = false;
    error_code ec;
    tcp::resolver::results_type results;
    resolver.async_resolve(ep.host, std::to_string(ep.port),
                           [&](error_code e, tcp::resolver::results_type r) {
                             ec = e;
                             results = std::move(r);
                             done = true;
                           });
    wait(done, deadline, "resolve");
    if (ec) throw redis_failure("cannot resolve " + ep.host + ": " + ec.message());

    if (ep.tls) {
      tls.emplace(asio::ssl::context::tls_client);
      SSL_CTX_set_min_proto_version(tls->native_handle(), TLS1_2_VERSION);
      if (ep.verify_peer) {
        tls->set_verify_mode(asio::ssl::verify_peer, ec);
        if (!ec && ep.ca_file.empty()) tls->set_default_verify_paths(ec);
        if (!ec && !ep.ca_file.empty()) tls->load_verify_file(ep.ca_file, ec);
      } else {
        tls->set_verify_mode(asio::ssl::verify_none, ec);
      }
      if (!ec && !ep.cert_file.empty()) {
        tls->use_certificate_chain_file(ep.cert_file, ec);
        if (!ec) tls->use_private_key_file(ep.key_file, asio::ssl::context::pem, ec);
      }
      if (ec) throw redis_failure("TLS set-up: " + ec.message());
      secure.emplace(io, *tls);
    } else {
      plain.emplace(io);
    }

    done = false;
    asio::async_connect(socket(), results, [&](error_code e, const tcp::endpoint&) {
      ec = e;
      done = true;
    });
    wait(done, deadline, "connect to");
    if (ec) throw redis_failure("cannot connect to " + name + ": " + ec.message());
    socket().set_option(tcp::no_delay(true), ec);

    if (secure) {
      const std::string& server = ep.tls_name();
      error_code not_ip;
      asio::ip::make_address(server, not_ip);
      if (not_ip) {  // SNI takes host names only
        SSL_ctrl(secure->native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                 const_cast<char*>(server.c_str()));
      }
      if (ep.verify_peer) secure->set_verify_callback(asio::ssl::host_name_verification(server));
      done = false;
      secure->async_handshake(asio::ssl::stream_base::client, [&](error_code e) {
        ec = e;
        done = true;
      });
      wait(done, deadline, "TLS handshake with");
      if (ec) throw redis_failure("TLS handshake with " + name + ": " + ec.message());
    }
  }

  void write_all(const std::string& bytes, clock::time_point deadline) {
    bool done = false;
    error_code ec;
    auto handler = [&](error_code e, std::size_t) {
      ec = e;
      done = true;
    };
    if (secure) {
      asio::async_write(*secure, asio::buffer(bytes), handler);
    } else {
      asio::async_write(*plain, asio::buffer(bytes), handler);
    }
    wait(done, deadline, "write to");
    if (ec) throw redis_failure("write to " + name + ": " + ec.message());
  }

  void read_more(clock::time_point deadline) {
    if (parsed > 0) {
      buffer.erase(0, parsed);
      parsed = 0;
    }
    const std::size_t old = buffer.size();
    buffer.resize(old + 16384);
    bool done = false;
    error_code ec;
    std::size_t n = 0;
    auto handler = [&](error_code e, std::size_t got) {
      ec = e;
      n = got;
      done = true;
    };
    auto into = asio::buffer(buffer.data() + old, 16384);
    if (secure) {
      secure->async_read_some(into, handler);
    } else {
      plain->async_read_some(into, handler);
    }
    try {
      wait(done, deadline, "reply from");
    } catch (...) {
      buffer.resize(old);
      throw;
    }
    buffer.resize(old + n);
    if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated) {
      throw redis_failure("connection closed by " + name);
    }
    if (ec) throw redis_failure("read from " + name + ": " + ec.message());
  }

  storage::resp_value read_reply(clock::time_point deadline) {
    for (;;) {
      auto next = parser.next(std::string_view(buffer).substr(parsed));
      if (!next) throw redis_failure("unparsable reply from " + name + ": " + next.error().message());
      if (!next->has_value()) {
        read_more(deadline);
        continue;
      }
      builder.on_node(**next);
      parsed += parser.consumed();
      if (parser.done()) return builder.take();
    }
  }
};

sync_client::sync_client(const storage::redis_endpoint& endpoint, std::chrono::milliseconds timeout)
    : impl_(std::make_unique<impl>()) {
  impl_->timeout = timeout;
  impl_->name = endpoint.host + ":" + std::to_string(endpoint.port);
  impl_->connect(endpoint);
  if (!endpoint.password.empty()) {
    command_args auth{"AUTH"};
    if (!endpoint.user.empty()) auth.push_back(endpoint.user);
    auth.push_back(endpoint.password);
    const auto reply = command(auth);
    // Redis' error text (WRONGPASS …) never repeats the password.
    if (reply.is_error()) throw redis_failure("authentication failed: " + reply.string);
  }
  select(endpoint.db);
}

sync_client::~sync_client() = default;

storage::resp_value sync_client::command(const command_args& args,
                                         std::chrono::milliseconds extra_wait) {
  std::string out;
  std::vector<storage::resp_arg> list(args.begin(), args.end());
  storage::append_command(out, list);
  const auto deadline = clock::now() + impl_->timeout + extra_wait;
  impl_->write_all(out, deadline);
  return impl_->read_reply(deadline);
}

std::vector<storage::resp_value> sync_client::pipeline(const std::vector<command_args>& commands) {
  std::string out;
  for (const auto& args : commands) {
    std::vector<storage::resp_arg> list(args.begin(), args.end());
    storage::append_command(out, list);
  }
  const auto deadline = clock::now() + impl_->timeout;
  std::vector<storage::resp_value> replies;
  if (commands.empty()) return replies;
  impl_->write_all(out, deadline);
  replies.reserve(commands.size());
  for (std::size_t i = 0; i < commands.size(); ++i) replies.push_back(impl_->read_reply(deadline));
  return replies;
}

void sync_client::select(int db) {
  if (db == db_) return;
  const auto reply = command({"SELECT", std::to_string(db)});
  if (reply.is_error()) throw redis_failure("SELECT " + std::to_string(db) + ": " + reply.string);
  db_ = db;
}

const storage::resp_value& check_reply(const storage::resp_value& reply, const std::string& what) {
  if (reply.is_error()) throw redis_failure(what + ": " + reply.string);
  return reply;
}

std::string reply_text(const storage::resp_value& reply, const std::string& what) {
  check_reply(reply, what);
  if (reply.type == storage::resp_type::integer) return std::to_string(reply.integer);
  return reply.string;
}

}  // namespace tickgate::gateway::cli
