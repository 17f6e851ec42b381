#include "gateway/metrics.hpp"

#include "gateway/app.hpp"
#include "gateway/recorder.hpp"
#include "gateway/replay.hpp"
#include "protocol/errc.hpp"
#include "storage/process_memory.hpp"
#include "storage/stats_report.hpp"

#include <charconv>
#include <vector>

namespace tickgate::gateway {
namespace {

// Every gateway family is named tickgate_<name>.
void family(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  storage::prometheus_family(out, "tickgate_" + std::string(name), type, help);
}

template <class Number>
void sample(std::string& out, std::string_view name,
            std::initializer_list<std::pair<std::string_view, std::string_view>> labels,
            Number value) {
  out += "tickgate_";
  out += name;
  if (labels.size() > 0) {
    out += '{';
    bool first = true;
    for (const auto& [k, v] : labels) {
      if (!first) out += ',';
      first = false;
      out += k;
      out += "=\"";
      storage::append_prometheus_label_value(out, v);
      out += '"';
    }
    out += '}';
  }
  out += ' ';
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, value);
  out.append(buf, static_cast<std::size_t>(r.ptr - buf));
  out += '\n';
}

std::string_view exchange_label(std::uint8_t exchange_type) {
  switch (exchange_type) {
    case 1: return "nse_cm";
    case 2: return "nse_fo";
    case 3: return "bse_cm";
    case 4: return "bse_fo";
    case 5: return "mcx_fo";
    case 7: return "ncx_fo";
    case 13: return "cde_fo";
    default: return "other";
  }
}

// A histogram recorded in `units_per_second` units (1e6: µs, 1e3: ms),
// exposed in seconds with cumulative buckets at `bounds` (in its units).
void histogram_seconds(std::string& out, std::string_view name, std::string_view help,
                       const metrics::histogram& h, double units_per_second,
                       std::initializer_list<std::uint64_t> bounds) {
  family(out, name, "histogram", help);
  const std::string bucket = std::string(name) + "_bucket";
  for (std::uint64_t b : bounds) {
    char le[32];
    const auto r = std::to_chars(le, le + sizeof le, static_cast<double>(b) / units_per_second);
    sample(out, bucket, {{"le", std::string_view(le, static_cast<std::size_t>(r.ptr - le))}},
           h.count_at_or_below(b));
  }
  sample(out, bucket, {{"le", "+Inf"}}, h.count());
  sample(out, std::string(name) + "_sum", {}, static_cast<double>(h.sum()) / units_per_second);
  sample(out, std::string(name) + "_count", {}, h.count());
}

}  // namespace

std::string render_metrics(app& a) {
  std::string out;
  out.reserve(std::size_t{64} * 1024);

  // --- ticks ---
  const router_stats& rs = a.router().stats();
  family(out, "frames_received_total", "counter", "Binary frames received (live and replayed)");
  sample(out, "frames_received_total", {}, rs.frames);
  family(out, "frame_bytes_received_total", "counter", "Bytes of binary frames received");
  sample(out, "frame_bytes_received_total", {}, rs.bytes);
  const auto per_mode_exchange =
      [&](std::string_view name, std::string_view help,
          const std::array<std::array<std::uint64_t, router_stats::exchange_slots>, 5>& m) {
        family(out, name, "counter", help);
        for (std::size_t mode = 1; mode <= 4; ++mode) {
          for (std::size_t slot = 0; slot < router_stats::exchange_slots; ++slot) {
            if (m[mode][slot] == 0) continue;
            sample(out, name,
                   {{"mode", protocol::mode_name(static_cast<protocol::mode>(mode))},
                    {"exchange", exchange_label(exchange_type_of_slot(slot))}},
                   m[mode][slot]);
          }
        }
      };
  per_mode_exchange("ticks_decoded_total", "Frames decoded to a tick, by mode and exchange",
                    rs.decoded);
  per_mode_exchange("ticks_routed_total", "Ticks handed to the sinks, by mode and exchange",
                    rs.routed);
  family(out, "ticks_routed_all_total", "counter", "Ticks handed to the sinks");
  sample(out, "ticks_routed_all_total", {}, rs.routed_total);
  // The total in its own family: a reason="all" series beside the reasons
  // would be counted twice by sum(tickgate_decode_errors_total).
  family(out, "decode_errors_all_total", "counter", "Frames that failed to decode");
  sample(out, "decode_errors_all_total", {}, rs.decode_errors);
  family(out, "decode_errors_total", "counter", "Frames that failed to decode, by reason");
  for (std::size_t code = 0; code < rs.decode_errors_by_code.size(); ++code) {
    if (rs.decode_errors_by_code[code] == 0) continue;
    // Slot 0: codes beyond the table.
    const std::string reason =
        code == 0 ? std::string("other")
                  : protocol::make_error_code(static_cast<protocol::errc>(code)).message();
    sample(out, "decode_errors_total", {{"reason", reason}}, rs.decode_errors_by_code[code]);
  }
  family(out, "unknown_instrument_ticks_total", "counter",
         "Ticks for tokens not in the scrip master");
  sample(out, "unknown_instrument_ticks_total", {}, rs.unknown_instrument);

  // --- feed ---
  const auto& fs = a.market_feed().connection_stats();
  struct feed_counter {
    std::string_view name, type, help;
    std::uint64_t feed_connection_stats::*field;
  };
  static constexpr feed_counter feed_counters[] = {
      {"feed_connects_total", "counter", "Successful WebSocket handshakes",
       &feed_connection_stats::connects},
      {"feed_connect_failures_total", "counter", "Failed connection attempts",
       &feed_connection_stats::connect_failures},
      {"feed_disconnects_total", "counter", "Established connections lost",
       &feed_connection_stats::disconnects},
      {"feed_handshake_401_total", "counter", "Handshakes refused with 401",
       &feed_connection_stats::handshake_401},
      {"feed_handshake_429_total", "counter", "Handshakes refused with 429",
       &feed_connection_stats::handshake_429},
      {"feed_idle_timeouts_total", "counter", "Reconnects after no frame for idle_timeout",
       &feed_connection_stats::idle_timeouts},
      {"feed_stalls_total", "counter", "Reconnects after no tick in the regular session",
       &feed_connection_stats::stalls},
      {"feed_frames_total", "counter", "Binary frames received", &feed_connection_stats::frames},
      {"feed_bytes_total", "counter", "Bytes of binary frames received",
       &feed_connection_stats::bytes},
      {"feed_ticks_total", "counter", "Frames that decoded to a tick",
       &feed_connection_stats::ticks},
      {"feed_oversized_frames_total", "counter", "Frames above max_frame_bytes, discarded",
       &feed_connection_stats::oversized_frames},
      {"feed_server_errors_total", "counter", "Error messages from the server",
       &feed_connection_stats::server_errors},
      {"feed_pings_sent_total", "counter", "Heartbeat pings sent",
       &feed_connection_stats::pings_sent},
  };
  family(out, "feed_connected", "gauge", "1 while the connection is subscribed");
  for (std::size_t k = 0; k < fs.size(); ++k) {
    sample(out, "feed_connected", {{"connection", std::to_string(k)}},
           fs[k].state == connection_state::subscribed ? 1 : 0);
  }
  family(out, "feed_reconnects_total", "counter", "Successful handshakes after the first");
  for (std::size_t k = 0; k < fs.size(); ++k) {
    sample(out, "feed_reconnects_total", {{"connection", std::to_string(k)}},
           fs[k].connects > 0 ? fs[k].connects - 1 : 0);
  }
  for (const feed_counter& f : feed_counters) {
    family(out, f.name, f.type, f.help);
    for (std::size_t k = 0; k < fs.size(); ++k) {
      sample(out, f.name, {{"connection", std::to_string(k)}}, fs[k].*f.field);
    }
  }
  const subscription_plan& plan = a.market_feed().plan();
  family(out, "feed_subscribed_tokens", "gauge", "Tokens placed on the connection");
  for (int k = 0; k < plan.max_connections(); ++k) {
    sample(out, "feed_subscribed_tokens", {{"connection", std::to_string(k)}}, plan.tokens_on(k));
  }
  family(out, "symbols_tracked", "gauge", "Instruments in the desired subscription state");
  sample(out, "symbols_tracked", {}, plan.size());
  const login_stats& ls = a.market_feed().login();
  family(out, "feed_logins_total", "counter", "Login attempts by result");
  sample(out, "feed_logins_total", {{"result", "succeeded"}}, ls.succeeded);
  sample(out, "feed_logins_total", {{"result", "rejected"}}, ls.rejected);
  sample(out, "feed_logins_total", {{"result", "rate_limited"}}, ls.rate_limited);
  sample(out, "feed_logins_total", {{"result", "failed"}}, ls.failed);
  // recovery_ms() records milliseconds.
  histogram_seconds(
      out, "feed_recovery_seconds", "Disconnect to the first tick again, per reconnect",
      a.market_feed().recovery_ms(), 1e3, {100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000});

  // --- Redis and sinks ---
  storage::append_prometheus(out, a.redis());
  const auto sinks = a.named_sinks();
  storage::append_prometheus(out, sinks);

  // --- HTTP ---
  if (const http_server* h = a.http()) {
    const http_server_stats& hs = h->stats();
    family(out, "http_connections_accepted_total", "counter", "HTTP connections accepted");
    sample(out, "http_connections_accepted_total", {}, hs.connections_accepted);
    family(out, "http_connections_rejected_total", "counter",
           "HTTP connections refused (max_connections)");
    sample(out, "http_connections_rejected_total", {}, hs.connections_rejected);
    family(out, "http_connections_open", "gauge", "HTTP connections open");
    sample(out, "http_connections_open", {}, hs.connections_open);
    family(out, "http_timeouts_total", "counter",
           "HTTP connections closed by a read, idle or write deadline");
    sample(out, "http_timeouts_total", {}, hs.timeouts);
    family(out, "http_responses_total", "counter", "HTTP responses by status");
    for (const auto& [status, n] : hs.responses_by_status) {
      sample(out, "http_responses_total", {{"status", std::to_string(status)}}, n);
    }
  }

  // --- recording and runs ---
  const recorder_stats rec =
      a.frame_recorder() != nullptr ? a.frame_recorder()->stats() : recorder_stats{};
  family(out, "recording_active", "gauge", "1 while live frames are recorded");
  sample(out, "recording_active", {}, rec.active ? 1 : 0);
  family(out, "recording_frames_total", "counter", "Frames recorded");
  sample(out, "recording_frames_total", {}, rec.frames);
  family(out, "recording_errors_total", "counter", "Recording file errors");
  sample(out, "recording_errors_total", {}, rec.errors);
  family(out, "recording_dropped_frames_total", "counter",
         "Frames not recorded: the recording buffer was full (the disk did not keep up)");
  sample(out, "recording_dropped_frames_total", {}, rec.dropped);
  family(out, "recording_buffered_bytes", "gauge", "Recorded bytes waiting for the writer thread");
  sample(out, "recording_buffered_bytes", {}, rec.buffered_bytes);
  family(out, "recording_capped_files_total", "counter",
         "Recording files closed at recording.max_bytes");
  sample(out, "recording_capped_files_total", {}, rec.capped_files);
  family(out, "recording_capped_frames_total", "counter",
         "Frames not recorded: their file had reached recording.max_bytes");
  sample(out, "recording_capped_frames_total", {}, rec.capped_frames);
  const run_status& run = a.runs().status();
  family(out, "run_active", "gauge", "1 while a run (replay) is active");
  sample(out, "run_active", {}, run.state == run_state::running ? 1 : 0);
  family(out, "runs_started_total", "counter", "Runs started");
  sample(out, "runs_started_total", {}, run.runs_started);
  family(out, "run_frames_replayed_total", "counter", "Frames replayed by runs");
  sample(out, "run_frames_replayed_total", {}, run.frames_total);

  // --- process ---
  family(out, "process_resident_memory_bytes", "gauge", "Resident set size");
  sample(out, "process_resident_memory_bytes", {},
         storage::resident_set_bytes().value_or(0));
  const double uptime =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - a.started_at()).count();
  family(out, "process_start_time_seconds", "gauge", "Start time of the process, epoch seconds");
  sample(out, "process_start_time_seconds", {},
         std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
                 .count() -
             uptime);
  family(out, "uptime_seconds", "gauge", "Seconds since start");
  sample(out, "uptime_seconds", {}, uptime);
  family(out, "build_info", "gauge", "Version of the running binary");
  sample(out, "build_info", {{"version", TICKGATE_VERSION}}, 1);
  return out;
}

}  // namespace tickgate::gateway
