// The storage layer's counters as the REST control plane shows them: JSON
// for /stats and the Prometheus text format for /metrics. Passwords never
// appear (URLs are redacted).
#pragma once

#include "storage/connection.hpp"
#include "storage/connection_pool.hpp"
#include "storage/sinks.hpp"

#include <boost/json/object.hpp>

#include <span>
#include <string>
#include <string_view>

namespace tickgate::storage {

// {"url": redacted, "db", "connected", every connection_stats field,
//  "buffer_limit_bytes", "queue_chunk_bytes" and "queue_ring_bytes" (the
//  request queue's memory: chunks allocated, request slot ring), "latency_us": {"round_trip": {"count","p50","p99",
//  "p999","max"}, "origin_to_ack": {…}}, "sources": {"<sink>": {"commands",
//  "acked","errors","dropped"}, …}}. Losses by cause (connection_stats):
// dropped_commands (past the byte bound only), discarded_commands
// (fire-and-forget lost to a disconnect), abandoned_commands (shutdown); a
// source's "dropped" is its share of all three.
boost::json::object to_json(const connection& c);
// {"connections": [to_json(connection), …]} ordered by db.
boost::json::object to_json(const connection_pool& pool);
// {"enabled", "records", "rejected", "commands", "acked", "errors", "dropped"}
boost::json::object to_json(const detail::sink_base& sink);

// Prometheus text format (version 0.0.4): the "# HELP" and "# TYPE" lines
// of one family, and a label value escaped (backslash, quote, newline).
void prometheus_family(std::string& out, std::string_view name, std::string_view type,
                       std::string_view help);
void append_prometheus_label_value(std::string& out, std::string_view v);

// Prometheus text format (version 0.0.4), one family at a time:
// tickgate_redis_* per connection (label db), tickgate_redis_sink_* per
// producer (labels db, sink), and the round-trip and origin-to-ack latency
// histograms in seconds.
void append_prometheus(std::string& out, const connection_pool& pool);
// tickgate_sink_records_total and tickgate_sink_rejected_total{sink="<name>"}
// for every named sink (the counters the connection does not know).
struct named_sink {
  std::string_view name;
  const detail::sink_base* sink;
};
void append_prometheus(std::string& out, std::span<const named_sink> sinks);

}  // namespace tickgate::storage
