#include "test/sim/websocket_codec.hpp"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <algorithm>
#include <array>
#include <cstring>

namespace tickgate::sim {
namespace {

constexpr std::string_view websocket_guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

std::uint8_t byte_at(const std::string& s, std::size_t i) noexcept {
  return static_cast<std::uint8_t>(s[i]);
}

bool is_control(ws_opcode op) noexcept {
  return (static_cast<std::uint8_t>(op) & 0x8) != 0;
}

bool is_known_opcode(std::uint8_t op) noexcept {
  return op <= 0x2 || (op >= 0x8 && op <= 0xA);
}

// §7.4: codes a peer may send in a close frame.
bool is_valid_close_code(std::uint16_t code) noexcept {
  if (code >= 3000 && code <= 4999) return true;
  switch (code) {
    case 1000:
    case 1001:
    case 1002:
    case 1003:
    case 1007:
    case 1008:
    case 1009:
    case 1010:
    case 1011: return true;
    default: return false;
  }
}

}  // namespace

std::string sec_websocket_accept(std::string_view key) {
  std::string input;
  input.reserve(key.size() + websocket_guid.size());
  input.append(key);
  input.append(websocket_guid);
  std::array<unsigned char, SHA_DIGEST_LENGTH> digest{};
  unsigned int digest_size = 0;
  EVP_Digest(input.data(), input.size(), digest.data(), &digest_size, EVP_sha1(), nullptr);
  std::array<unsigned char, 4 * ((SHA_DIGEST_LENGTH + 2) / 3) + 1> encoded{};
  const int n = EVP_EncodeBlock(encoded.data(), digest.data(), static_cast<int>(digest_size));
  return {reinterpret_cast<const char*>(encoded.data()), static_cast<std::size_t>(n)};
}

bool is_valid_websocket_key(std::string_view key) noexcept {
  // 16 bytes → 24 base64 characters ending in "==".
  if (key.size() != 24 || key.substr(22) != "==") return false;
  return std::all_of(key.begin(), key.begin() + 22, [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '/';
  });
}

std::size_t frame_header_size(std::size_t payload_size) noexcept {
  if (payload_size < 126) return 2;
  if (payload_size <= 0xFFFF) return 4;
  return 10;
}

void append_frame_header(std::string& out, ws_opcode op, std::size_t payload_size) {
  std::array<char, 10> header{};
  header[0] = static_cast<char>(0x80 | static_cast<std::uint8_t>(op));  // FIN
  std::size_t n = 2;
  if (payload_size < 126) {
    header[1] = static_cast<char>(payload_size);
  } else if (payload_size <= 0xFFFF) {
    header[1] = 126;
    header[2] = static_cast<char>(payload_size >> 8);
    header[3] = static_cast<char>(payload_size & 0xFF);
    n = 4;
  } else {
    header[1] = 127;
    const auto size = static_cast<std::uint64_t>(payload_size);
    for (int i = 0; i < 8; ++i) header[2 + i] = static_cast<char>((size >> (56 - 8 * i)) & 0xFF);
    n = 10;
  }
  out.append(header.data(), n);
}

void append_frame(std::string& out, ws_opcode op, std::string_view payload) {
  append_frame_header(out, op, payload.size());
  out.append(payload);
}

void append_close_frame(std::string& out, std::uint16_t code, std::string_view reason) {
  reason = reason.substr(0, std::min<std::size_t>(reason.size(), 123));
  append_frame_header(out, ws_opcode::close, 2 + reason.size());
  out.push_back(static_cast<char>(code >> 8));
  out.push_back(static_cast<char>(code & 0xFF));
  out.append(reason);
}

std::uint16_t close_code_for(const boost::system::error_code& ec) noexcept {
  return ec == errc::ws_message_too_big ? 1009 : 1002;
}

std::span<char> client_frame_reader::prepare(std::size_t min_size) {
  if (buffer_.size() - end_ < min_size) {
    compact();
    if (buffer_.size() - end_ < min_size) buffer_.resize(end_ + min_size);
  }
  return {buffer_.data() + end_, buffer_.size() - end_};
}

void client_frame_reader::commit(std::size_t n) noexcept {
  end_ += std::min(n, buffer_.size() - end_);
}

void client_frame_reader::feed(std::string_view bytes) {
  auto region = prepare(bytes.size());
  std::copy(bytes.begin(), bytes.end(), region.begin());
  commit(bytes.size());
}

void client_frame_reader::compact() {
  if (begin_ == 0) return;
  std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
  end_ -= begin_;
  begin_ = 0;
}

std::optional<ws_message> client_frame_reader::next(boost::system::error_code& ec) {
  if (error_) {
    ec = error_;
    return std::nullopt;
  }
  const auto fail = [&](errc e) -> std::optional<ws_message> {
    error_ = e;
    ec = error_;
    return std::nullopt;
  };
  for (;;) {
    // §5.2 base framing: 2 header bytes, then 0/2/8 length bytes, then the
    // 4-byte masking key, then the payload.
    const std::size_t available = end_ - begin_;
    if (available < 2) return std::nullopt;
    const std::uint8_t b0 = byte_at(buffer_, begin_);
    const std::uint8_t b1 = byte_at(buffer_, begin_ + 1);
    const bool fin = (b0 & 0x80) != 0;
    if ((b0 & 0x70) != 0) return fail(errc::ws_reserved_bits);
    const std::uint8_t raw_op = b0 & 0x0F;
    if (!is_known_opcode(raw_op)) return fail(errc::ws_bad_opcode);
    const auto op = static_cast<ws_opcode>(raw_op);
    if ((b1 & 0x80) == 0) return fail(errc::ws_unmasked_frame);
    std::uint64_t length = b1 & 0x7F;
    std::size_t header = 2;
    if (is_control(op) && (!fin || length > 125)) return fail(errc::ws_bad_control_frame);
    if (length == 126) {
      if (available < 4) return std::nullopt;
      length = (std::uint64_t{byte_at(buffer_, begin_ + 2)} << 8) | byte_at(buffer_, begin_ + 3);
      if (length < 126) return fail(errc::ws_bad_length);
      header = 4;
    } else if (length == 127) {
      if (available < 10) return std::nullopt;
      length = 0;
      for (std::size_t i = 0; i < 8; ++i) length = (length << 8) | byte_at(buffer_, begin_ + 2 + i);
      if ((length >> 63) != 0 || length <= 0xFFFF) return fail(errc::ws_bad_length);
      header = 10;
    }
    // Checked before the payload arrives, so a client cannot make the server
    // buffer an oversized message.
    if (!is_control(op)) {
      const std::uint64_t so_far = fragmented_ ? message_.size() : 0;
      if (length > max_message_size_ || so_far + length > max_message_size_) {
        return fail(errc::ws_message_too_big);
      }
    }
    if (op == ws_opcode::continuation && !fragmented_)
      return fail(errc::ws_unexpected_continuation);
    if (!is_control(op) && op != ws_opcode::continuation && fragmented_) {
      return fail(errc::ws_expected_continuation);
    }
    const std::size_t size = static_cast<std::size_t>(length);
    if (available < header + 4 + size) return std::nullopt;

    std::array<char, 4> mask{};
    std::memcpy(mask.data(), buffer_.data() + begin_ + header, 4);
    char* payload = buffer_.data() + begin_ + header + 4;
    for (std::size_t i = 0; i < size; ++i) payload[i] = static_cast<char>(payload[i] ^ mask[i & 3]);
    begin_ += header + 4 + size;
    if (begin_ == end_) begin_ = end_ = 0;  // keeps the buffer from creeping
    // `payload` stays valid until the next prepare/feed: nothing moves the
    // bytes before then (begin_ == end_ only resets offsets, not contents).
    const std::string_view view(payload, size);

    if (is_control(op)) {
      if (op == ws_opcode::close && size != 0) {
        if (size < 2) return fail(errc::ws_bad_close_payload);
        const auto code = static_cast<std::uint16_t>((static_cast<std::uint8_t>(view[0]) << 8) |
                                                     static_cast<std::uint8_t>(view[1]));
        if (!is_valid_close_code(code)) return fail(errc::ws_bad_close_payload);
      }
      return ws_message{op, view};
    }
    if (op == ws_opcode::continuation) {
      message_.append(view);
      if (!fin) continue;
      const ws_opcode whole = *fragmented_;
      fragmented_.reset();
      return ws_message{whole, message_};
    }
    if (fin) return ws_message{op, view};
    fragmented_ = op;
    message_.assign(view);
  }
}

}  // namespace tickgate::sim
