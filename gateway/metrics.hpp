// /metrics: the gateway's counters in the Prometheus text exposition format
// (version 0.0.4). Families (all prefixed tickgate_):
// - frames_received_total, frame_bytes_received_total, ticks_decoded_total
//   and ticks_routed_total{mode,exchange}, decode_errors_total{reason}
//   (decode_errors_all_total: their total, a family of its own so that a
//   sum over reasons does not count twice),
//   unknown_instrument_ticks_total;
// - feed_*{connection}: connected, connects/reconnects/connect_failures/
//   disconnects, frames, ticks, idle timeouts, stalls, handshake refusals,
//   server errors; feed_subscribed_tokens; feed_logins_total{result};
//   feed_recovery_seconds (disconnect → first tick again, histogram);
// - redis_* per connection and per sink (storage/stats_report.hpp): writes,
//   drops, buffered bytes, the queue's memory (queue_chunk_bytes,
//   queue_ring_bytes, memory_releases_total), round-trip and frame→Redis
//   (origin_to_ack) latency histograms; sink_records_total{sink};
// - http_*: connections, requests by status; recording_* and run_*;
// - process_resident_memory_bytes, process_start_time_seconds, uptime.
// No label value ever comes from a request or a secret.
#pragma once

#include <string>

namespace tickgate::gateway {

class app;

std::string render_metrics(app& a);

}  // namespace tickgate::gateway
