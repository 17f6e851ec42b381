#include "storage/unlink_matching.hpp"

#include "storage/errc.hpp"
#include "storage/resp_encoder.hpp"

#include <string>
#include <vector>

namespace tickgate::storage {

boost::asio::awaitable<boost::system::result<std::uint64_t>> unlink_matching(
    connection& conn, std::string_view pattern, std::size_t count_hint) {
  std::uint64_t removed = 0;
  std::string cursor = "0";
  do {
    std::string scan;
    append_command(scan, "SCAN", cursor, "MATCH", pattern, "COUNT", count_hint);
    auto r = co_await conn.exec(std::move(scan), 1);
    if (!r) co_return r.error();
    const resp_value& reply = r.value().front();
    if (reply.type != resp_type::array || reply.elements.size() != 2 ||
        reply.elements[1].type != resp_type::array) {
      co_return errc::unexpected_reply;
    }
    cursor = reply.elements[0].string;
    const auto& keys = reply.elements[1].elements;
    if (keys.empty()) continue;
    std::vector<resp_arg> args;
    args.reserve(keys.size() + 1);
    args.emplace_back("UNLINK");
    for (const resp_value& k : keys) args.emplace_back(k.string);
    std::string unlink;
    append_command(unlink, std::span<const resp_arg>(args));
    auto u = co_await conn.exec(std::move(unlink), 1);
    if (!u) co_return u.error();
    const resp_value& n = u.value().front();
    if (n.type != resp_type::integer) co_return errc::unexpected_reply;
    removed += static_cast<std::uint64_t>(n.integer);
  } while (cursor != "0");
  co_return removed;
}

}  // namespace tickgate::storage
