#include "storage/stats_report.hpp"

#include <charconv>
#include <cstdint>
#include <functional>

namespace tickgate::storage {
namespace {

namespace json = boost::json;

json::object latency(const metrics::histogram& h) {
  json::object o;
  o["count"] = h.count();
  o["p50"] = h.quantile(0.5);
  o["p99"] = h.quantile(0.99);
  o["p999"] = h.quantile(0.999);
  o["max"] = h.max();
  return o;
}

void append_number(std::string& out, std::uint64_t v) {
  char buf[24];
  out.append(buf, static_cast<std::size_t>(std::to_chars(buf, buf + sizeof buf, v).ptr - buf));
}

void append_seconds(std::string& out, std::uint64_t micros) {
  char buf[32];
  const double s = static_cast<double>(micros) / 1e6;
  out.append(buf, static_cast<std::size_t>(std::to_chars(buf, buf + sizeof buf, s).ptr - buf));
}


void series(std::string& out, std::string_view name, int db, std::uint64_t value,
            std::string_view sink = {}) {
  out += name;
  out += "{db=\"";
  out += std::to_string(db);
  if (!sink.empty()) {
    out += "\",sink=\"";
    append_prometheus_label_value(out, sink);
  }
  out += "\"} ";
  append_number(out, value);
  out += '\n';
}

struct counter {
  std::string_view name;
  std::string_view type;
  std::string_view help;
  std::function<std::uint64_t(const connection&)> value;
};

const std::vector<counter>& connection_families() {
  static const std::vector<counter> families = {
      {"tickgate_redis_connected", "gauge", "1 when the connection is up",
       [](const connection& c) { return c.connected() ? 1u : 0u; }},
      {"tickgate_redis_requests_total", "counter", "Requests queued",
       [](const connection& c) { return c.stats().requests; }},
      {"tickgate_redis_commands_total", "counter", "Commands queued",
       [](const connection& c) { return c.stats().commands; }},
      {"tickgate_redis_writes_total", "counter", "Socket writes (pipelined batches)",
       [](const connection& c) { return c.stats().writes; }},
      {"tickgate_redis_bytes_written_total", "counter", "Bytes written",
       [](const connection& c) { return c.stats().bytes_written; }},
      {"tickgate_redis_bytes_read_total", "counter", "Bytes read",
       [](const connection& c) { return c.stats().bytes_read; }},
      {"tickgate_redis_replies_total", "counter", "Replies matched to requests",
       [](const connection& c) { return c.stats().replies; }},
      {"tickgate_redis_error_replies_total", "counter", "Error replies",
       [](const connection& c) { return c.stats().error_replies; }},
      {"tickgate_redis_push_frames_total", "counter", "RESP3 push frames ignored",
       [](const connection& c) { return c.stats().push_frames; }},
      {"tickgate_redis_dropped_commands_total", "counter",
       "Commands dropped past the outage or backlog byte bound (the oldest first)",
       [](const connection& c) { return c.stats().dropped_commands; }},
      {"tickgate_redis_dropped_bytes_total", "counter", "Bytes of commands dropped past the bound",
       [](const connection& c) { return c.stats().dropped_bytes; }},
      {"tickgate_redis_discarded_commands_total", "counter",
       "Fire-and-forget (PUBLISH) commands lost to a disconnect by design: in flight or queued "
       "when it dropped, or sent while down",
       [](const connection& c) { return c.stats().discarded_commands; }},
      {"tickgate_redis_abandoned_commands_total", "counter",
       "Commands lost to shutdown: sent once stopping, or still queued at stop",
       [](const connection& c) { return c.stats().abandoned_commands; }},
      {"tickgate_redis_replayed_commands_total", "counter",
       "Commands written again after a reconnect",
       [](const connection& c) { return c.stats().replayed_commands; }},
      {"tickgate_redis_connects_total", "counter", "Successful handshakes",
       [](const connection& c) { return c.stats().connects; }},
      {"tickgate_redis_reconnects_total", "counter", "Successful handshakes after the first",
       [](const connection& c) { return c.stats().reconnects; }},
      {"tickgate_redis_connect_failures_total", "counter", "Failed connection attempts",
       [](const connection& c) { return c.stats().connect_failures; }},
      {"tickgate_redis_disconnects_total", "counter", "Established connections lost",
       [](const connection& c) { return c.stats().disconnects; }},
      {"tickgate_redis_timeouts_total", "counter", "Connections declared dead by request_timeout",
       [](const connection& c) { return c.stats().timeouts; }},
      {"tickgate_redis_health_checks_total", "counter", "PINGs sent on idle connections",
       [](const connection& c) { return c.stats().health_checks; }},
      {"tickgate_redis_protocol_errors_total", "counter", "Unparsable or unexpected replies",
       [](const connection& c) { return c.stats().protocol_errors; }},
      {"tickgate_redis_memory_releases_total", "counter",
       "Times a drained backlog's queue memory and free heap were given back",
       [](const connection& c) { return c.stats().memory_releases; }},
      {"tickgate_redis_buffered_bytes", "gauge", "Outage buffer in use (bytes + overhead)",
       [](const connection& c) { return c.stats().buffered_bytes; }},
      {"tickgate_redis_buffer_limit_bytes", "gauge", "Outage buffer bound",
       [](const connection& c) {
         return static_cast<std::uint64_t>(c.options().buffer_limit_bytes);
       }},
      {"tickgate_redis_backlog_limit_bytes", "gauge", "Queue bound while Redis is connected",
       [](const connection& c) {
         return static_cast<std::uint64_t>(c.options().backlog_limit_bytes);
       }},
      {"tickgate_redis_buffered_commands", "gauge", "Commands waiting to be written or answered",
       [](const connection& c) { return c.stats().buffered_commands; }},
      {"tickgate_redis_in_flight_commands", "gauge", "Commands written, waiting for a reply",
       [](const connection& c) { return c.stats().in_flight_commands; }},
      {"tickgate_redis_queue_chunk_bytes", "gauge",
       "Bytes the request queue's chunks hold allocated (open, sealed and free)",
       [](const connection& c) {
         return static_cast<std::uint64_t>(c.queue().chunk_bytes_allocated());
       }},
      {"tickgate_redis_queue_ring_bytes", "gauge",
       "Bytes of the request queue's request slot ring (its capacity)",
       [](const connection& c) {
         return static_cast<std::uint64_t>(c.queue().request_ring_bytes());
       }},
  };
  return families;
}

void histogram_family(std::string& out, const connection_pool& pool, std::string_view name,
                      std::string_view help,
                      const metrics::histogram& (connection::*which)() const noexcept) {
  static constexpr std::uint64_t bounds_us[] = {50,     100,    250,    500,     1000,
                                                2500,   5000,   10000,  25000,   50000,
                                                100000, 250000, 500000, 1000000, 5000000};
  prometheus_family(out, name, "histogram", help);
  for (const auto& [db, c] : pool.connections()) {
    const metrics::histogram& h = (c->*which)();
    const std::string labels = "db=\"" + std::to_string(db) + "\"";
    for (std::uint64_t b : bounds_us) {
      out += name;
      out += "_bucket{" + labels + ",le=\"";
      append_seconds(out, b);
      out += "\"} ";
      append_number(out, h.count_at_or_below(b));
      out += '\n';
    }
    out += name;
    out += "_bucket{" + labels + ",le=\"+Inf\"} ";
    append_number(out, h.count());
    out += '\n';
    out += name;
    out += "_sum{" + labels + "} ";
    append_seconds(out, h.sum());
    out += '\n';
    out += name;
    out += "_count{" + labels + "} ";
    append_number(out, h.count());
    out += '\n';
  }
}

}  // namespace

void prometheus_family(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

// Label values here are numbers and sink names chosen by the program; escape
// anyway so a future caller cannot break the format.
void append_prometheus_label_value(std::string& out, std::string_view v) {
  for (char c : v) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

json::object to_json(const connection& c) {
  const connection_stats& s = c.stats();
  json::object o;
  o["url"] = c.redacted_url();
  o["db"] = c.options().endpoint.db;
  o["connected"] = c.connected();
  o["requests"] = s.requests;
  o["commands"] = s.commands;
  o["writes"] = s.writes;
  o["bytes_written"] = s.bytes_written;
  o["bytes_read"] = s.bytes_read;
  o["replies"] = s.replies;
  o["error_replies"] = s.error_replies;
  o["push_frames"] = s.push_frames;
  o["dropped_commands"] = s.dropped_commands;
  o["dropped_bytes"] = s.dropped_bytes;
  o["discarded_commands"] = s.discarded_commands;
  o["abandoned_commands"] = s.abandoned_commands;
  o["replayed_commands"] = s.replayed_commands;
  o["connects"] = s.connects;
  o["reconnects"] = s.reconnects;
  o["connect_failures"] = s.connect_failures;
  o["disconnects"] = s.disconnects;
  o["timeouts"] = s.timeouts;
  o["health_checks"] = s.health_checks;
  o["protocol_errors"] = s.protocol_errors;
  o["memory_releases"] = s.memory_releases;
  o["buffered_bytes"] = s.buffered_bytes;
  o["buffer_limit_bytes"] = c.options().buffer_limit_bytes;
  o["backlog_limit_bytes"] = c.options().backlog_limit_bytes;
  o["buffered_commands"] = s.buffered_commands;
  o["in_flight_commands"] = s.in_flight_commands;
  o["queue_chunk_bytes"] = c.queue().chunk_bytes_allocated();
  o["queue_ring_bytes"] = c.queue().request_ring_bytes();
  json::object lat;
  lat["round_trip"] = latency(c.round_trip());
  lat["origin_to_ack"] = latency(c.origin_to_ack());
  o["latency_us"] = std::move(lat);
  json::object sources;
  for (source_id i = 0; i < c.source_count(); ++i) {
    const source_counters& sc = c.source(i);
    json::object so;
    so["commands"] = sc.commands;
    so["acked"] = sc.acked;
    so["errors"] = sc.errors;
    so["dropped"] = sc.dropped;
    sources[c.source_name(i)] = std::move(so);
  }
  o["sources"] = std::move(sources);
  return o;
}

json::object to_json(const connection_pool& pool) {
  json::array list;
  for (const auto& [db, c] : pool.connections()) list.push_back(to_json(*c));
  json::object o;
  o["connections"] = std::move(list);
  return o;
}

json::object to_json(const detail::sink_base& sink) {
  const sink_stats s = sink.stats();
  json::object o;
  o["enabled"] = sink.enabled();
  if (sink.target() != nullptr) o["db"] = sink.target()->options().endpoint.db;
  o["records"] = s.records;
  o["rejected"] = s.rejected;
  o["commands"] = s.commands;
  o["acked"] = s.acked;
  o["errors"] = s.errors;
  o["dropped"] = s.dropped;
  return o;
}

void append_prometheus(std::string& out, const connection_pool& pool) {
  const auto conns = pool.connections();
  for (const counter& f : connection_families()) {
    prometheus_family(out, f.name, f.type, f.help);
    for (const auto& [db, c] : conns) series(out, f.name, db, f.value(*c));
  }
  struct source_family {
    std::string_view name, help;
    std::uint64_t source_counters::*field;
  };
  static constexpr source_family source_families[] = {
      {"tickgate_redis_sink_commands_total", "Commands queued by a sink",
       &source_counters::commands},
      {"tickgate_redis_sink_acked_total", "Commands of a sink Redis answered",
       &source_counters::acked},
      {"tickgate_redis_sink_errors_total", "Error replies to a sink's commands",
       &source_counters::errors},
      {"tickgate_redis_sink_dropped_total",
       "Commands of a sink never delivered: dropped past the bound, discarded or abandoned",
       &source_counters::dropped},
  };
  for (const source_family& f : source_families) {
    prometheus_family(out, f.name, "counter", f.help);
    for (const auto& [db, c] : conns) {
      for (source_id i = 0; i < c->source_count(); ++i) {
        series(out, f.name, db, c->source(i).*f.field, c->source_name(i));
      }
    }
  }
  histogram_family(out, pool, "tickgate_redis_round_trip_seconds", "Write to reply, per request",
                   &connection::round_trip);
  histogram_family(out, pool, "tickgate_redis_origin_to_ack_seconds",
                   "Caller's origin (frame received) to reply, per request",
                   &connection::origin_to_ack);
}

void append_prometheus(std::string& out, std::span<const named_sink> sinks) {
  struct sink_family {
    std::string_view name, help;
    std::uint64_t sink_stats::*field;
  };
  static constexpr sink_family families[] = {
      {"tickgate_sink_records_total", "Records a sink accepted", &sink_stats::records},
      {"tickgate_sink_rejected_total", "Records a sink refused as malformed",
       &sink_stats::rejected},
  };
  for (const sink_family& f : families) {
    prometheus_family(out, f.name, "counter", f.help);
    for (const named_sink& s : sinks) {
      out += f.name;
      out += "{sink=\"";
      append_prometheus_label_value(out, s.name);
      out += "\"} ";
      append_number(out, s.sink->stats().*f.field);
      out += '\n';
    }
  }
}

}  // namespace tickgate::storage
