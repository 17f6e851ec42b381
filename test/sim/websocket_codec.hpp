// The server side of RFC 6455 framing, sans-IO.
//
// Why not Beast's websocket::stream: the simulator must push >= 100 000
// frames/s from one thread, and Beast writes one message per async_write
// (one TLS record and one syscall per 51-byte tick). Here a tick is framed
// once per mode into bytes that are appended to every subscriber's write
// buffer, and each connection flushes its whole buffer in one write. Owning
// the framing also makes the fault injections exact: a dropped connection is
// a TCP close with no close frame, a stall answers no pings at all. The HTTP
// upgrade itself is parsed by Beast; the test clients are Beast's websocket
// client, which checks this code against an independent implementation.
#pragma once

#include "test/sim/errc.hpp"

#include <boost/system/error_code.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace tickgate::sim {

enum class ws_opcode : std::uint8_t {
  continuation = 0x0,
  text = 0x1,
  binary = 0x2,
  close = 0x8,
  ping = 0x9,
  pong = 0xA,
};

// RFC 6455 §4.2.2: base64(SHA-1(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")).
std::string sec_websocket_accept(std::string_view key);

// True when `key` is the base64 encoding of 16 bytes (§4.2.1 item 5).
bool is_valid_websocket_key(std::string_view key) noexcept;

// Size of the header of an unmasked server frame carrying `payload_size` bytes:
// 2, 4 or 10.
std::size_t frame_header_size(std::size_t payload_size) noexcept;

// Appends the header of one final (FIN), unmasked server frame.
void append_frame_header(std::string& out, ws_opcode op, std::size_t payload_size);

// Appends a whole final, unmasked server frame.
void append_frame(std::string& out, ws_opcode op, std::string_view payload);

// Appends a close frame with `code` and a reason cut to fit 125 bytes.
void append_close_frame(std::string& out, std::uint16_t code, std::string_view reason = {});

// The close code the server sends for a framing error (§7.4.1): 1009 for
// ws_message_too_big, 1002 otherwise.
std::uint16_t close_code_for(const boost::system::error_code& ec) noexcept;

// One complete message from the client: a data message (text/binary, with its
// fragments joined) or a control frame (close/ping/pong). `payload` is valid
// until the next call to prepare(), commit(), feed() or next().
struct ws_message {
  ws_opcode op = ws_opcode::text;
  std::string_view payload;
};

// Incremental parser of client frames. Bytes go in through prepare()/commit()
// (read straight into the parser's buffer) or feed(); complete messages come
// out of next(). Frames may be split at any byte.
//
// Enforced (each error is sticky; the caller sends close_code_for(error) and
// drops the connection): frames masked, RSV bits clear (no extension is ever
// negotiated), known opcodes, control frames final and <= 125 bytes, minimal
// 16/64-bit lengths, continuation only inside a fragmented message, close
// payload empty or >= 2 bytes, and each data message <= max_message_size.
// Text is not validated as UTF-8 here; the request parser rejects what is not
// JSON (answered with E1001, §5.1).
class client_frame_reader {
public:
  explicit client_frame_reader(std::size_t max_message_size) noexcept
      : max_message_size_(max_message_size) {}

  // A writable region of at least `min_size` bytes at the end of the buffer.
  std::span<char> prepare(std::size_t min_size);
  // Marks `n` bytes of the last prepare() region as received.
  void commit(std::size_t n) noexcept;
  // Copies `bytes` in (tests; leftover bytes read with the HTTP upgrade).
  void feed(std::string_view bytes);

  // The next complete message, nullopt when more bytes are needed or on
  // error (then `ec` is set and stays set).
  std::optional<ws_message> next(boost::system::error_code& ec);

  // Bytes received but not yet returned as messages.
  std::size_t buffered() const noexcept { return end_ - begin_; }

private:
  void compact();

  std::size_t max_message_size_;
  std::string buffer_;  // [begin_, end_) unparsed; [end_, size) free
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
  std::string message_;                  // fragments of a data message in progress
  std::optional<ws_opcode> fragmented_;  // opcode of that message
  boost::system::error_code error_;
};

}  // namespace tickgate::sim
