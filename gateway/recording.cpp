#include "gateway/recording.hpp"

#include <boost/endian/conversion.hpp>

#include <cstring>

namespace tickgate::gateway {

void append_recording_record(std::string& out, std::span<const std::byte> frame,
                             std::int64_t received_us) {
  unsigned char header[recording_record_header_bytes];
  boost::endian::store_little_u32(header, static_cast<std::uint32_t>(frame.size()));
  boost::endian::store_little_s64(header + 4, received_us);
  out.append(reinterpret_cast<const char*>(header), sizeof header);
  out.append(reinterpret_cast<const char*>(frame.data()), frame.size());
}

recording_decode_result decode_recording_record(std::span<const std::byte> bytes) noexcept {
  recording_decode_result r;
  if (bytes.size() < recording_record_header_bytes) return r;
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const std::uint32_t length = boost::endian::load_little_u32(p);
  if (length == 0 || length > max_recorded_frame_bytes) {
    r.status = recording_status::corrupt;
    return r;
  }
  if (bytes.size() - recording_record_header_bytes < length) return r;
  r.status = recording_status::record;
  r.consumed = recording_record_header_bytes + length;
  r.record.received_us = boost::endian::load_little_s64(p + 4);
  r.record.frame = bytes.subspan(recording_record_header_bytes, length);
  return r;
}

bool has_recording_magic(std::span<const std::byte> bytes) noexcept {
  return bytes.size() >= recording_magic.size() &&
         std::memcmp(bytes.data(), recording_magic.data(), recording_magic.size()) == 0;
}

}  // namespace tickgate::gateway
