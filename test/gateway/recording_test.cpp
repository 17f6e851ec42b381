// The recording format (gateway/recording.hpp), its file reader and the
// recorder, without a network: golden bytes, every split point, corrupt and
// truncated input, and a recorder → reader round trip on a temp file.
#define BOOST_TEST_MODULE gateway_recording
#include <boost/test/unit_test.hpp>

#include "gateway/recorder.hpp"
#include "gateway/recording.hpp"
#include "gateway/replay.hpp"
#include "test/support/process.hpp"

#include <fstream>

using namespace tickgate;
using namespace tickgate::gateway;

namespace {

std::vector<std::byte> bytes_of(std::string_view s) {
  std::vector<std::byte> out(s.size());
  std::memcpy(out.data(), s.data(), s.size());
  return out;
}

std::string frame_text(std::size_t n, char fill) {
  return std::string(n, fill);
}

void write_file(const std::filesystem::path& p, const std::string& content) {
  std::ofstream(p, std::ios::binary) << content;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_record_is_length_time_and_frame_little_endian) {
  std::string out;
  const auto frame = bytes_of("\x01\x02\x03");
  append_recording_record(out, frame, 0x0102030405060708);
  const std::string expected("\x03\x00\x00\x00\x08\x07\x06\x05\x04\x03\x02\x01\x01\x02\x03", 15);
  BOOST_TEST(out == expected);

  const auto encoded = bytes_of(out);
  const auto decoded = decode_recording_record(encoded);
  BOOST_TEST(static_cast<int>(decoded.status) == static_cast<int>(recording_status::record));
  BOOST_TEST(decoded.consumed == 15u);
  BOOST_TEST(decoded.record.received_us == 0x0102030405060708);
  BOOST_TEST(decoded.record.frame.size() == 3u);
  BOOST_TEST(std::memcmp(decoded.record.frame.data(), "\x01\x02\x03", 3) == 0);
}

BOOST_AUTO_TEST_CASE(every_split_point_needs_more) {
  std::string out;
  append_recording_record(out, bytes_of(frame_text(51, 'x')), -5);
  const auto all = bytes_of(out);
  for (std::size_t n = 0; n < all.size(); ++n) {
    BOOST_TEST_CONTEXT(n) {
      const auto r = decode_recording_record(std::span<const std::byte>(all).first(n));
      BOOST_TEST(static_cast<int>(r.status) == static_cast<int>(recording_status::need_more));
      BOOST_TEST(r.consumed == 0u);
    }
  }
  const auto r = decode_recording_record(all);
  BOOST_TEST(static_cast<int>(r.status) == static_cast<int>(recording_status::record));
  BOOST_TEST(r.record.received_us == -5);
}

BOOST_AUTO_TEST_CASE(zero_or_huge_lengths_are_corrupt) {
  const std::string zero(
      "\x00\x00\x00\x00"
      "\x00\x00\x00\x00\x00\x00\x00\x00",
      12);
  BOOST_TEST(static_cast<int>(decode_recording_record(bytes_of(zero)).status) ==
             static_cast<int>(recording_status::corrupt));
  const std::string huge(
      "\xff\xff\xff\x7f"
      "\x00\x00\x00\x00\x00\x00\x00\x00",
      12);
  BOOST_TEST(static_cast<int>(decode_recording_record(bytes_of(huge)).status) ==
             static_cast<int>(recording_status::corrupt));
  BOOST_TEST(has_recording_magic(bytes_of("TGTICKS1rest")));
  BOOST_TEST(!has_recording_magic(bytes_of("TGTICKS")));
  BOOST_TEST(!has_recording_magic(bytes_of("XGTICKS1")));
}

BOOST_AUTO_TEST_CASE(reader_reads_records_across_chunks_and_stops_at_a_truncated_tail) {
  test::temp_dir dir;
  std::string content(recording_magic);
  // Enough records to cross the reader's 64 KiB chunks, of varying sizes.
  for (int i = 0; i < 1000; ++i) {
    append_recording_record(
        content, bytes_of(frame_text(51 + static_cast<std::size_t>(i % 400), char('a' + i % 26))),
        1000 + i);
  }
  const std::string complete = content;
  content.append("\x40\x00\x00", 3);  // a record cut inside its header
  write_file(dir.path() / "a.ticks", content);

  auto opened = recording_reader::open(dir.path() / "a.ticks");
  BOOST_REQUIRE(std::holds_alternative<recording_reader>(opened));
  auto& reader = std::get<recording_reader>(opened);
  int n = 0;
  while (auto r = reader.next()) {
    BOOST_REQUIRE_EQUAL(r->received_us, 1000 + n);
    BOOST_REQUIRE_EQUAL(r->frame.size(), 51u + static_cast<std::size_t>(n % 400));
    BOOST_REQUIRE(static_cast<char>(r->frame[0]) == char('a' + n % 26));
    ++n;
  }
  BOOST_TEST(n == 1000);
  BOOST_TEST(reader.truncated_tail());
  BOOST_TEST(!reader.corrupt());

  // Corrupt in the middle: the records before it, then corrupt().
  std::string bad = complete.substr(0, recording_magic.size());
  append_recording_record(bad, bytes_of("abc"), 1);
  bad.append(std::string("\x00\x00\x00\x00", 4) + std::string(8, '\0') + "zzz");
  write_file(dir.path() / "b.ticks", bad);
  auto b = std::get<recording_reader>(recording_reader::open(dir.path() / "b.ticks"));
  BOOST_TEST(b.next().has_value());
  BOOST_TEST(!b.next().has_value());
  BOOST_TEST(b.corrupt());

  write_file(dir.path() / "c.ticks", "not a recording");
  BOOST_TEST(std::holds_alternative<std::string>(recording_reader::open(dir.path() / "c.ticks")));
  BOOST_TEST(
      std::holds_alternative<std::string>(recording_reader::open(dir.path() / "missing.ticks")));
  // An empty recording (magic only) has no records and is not truncated.
  write_file(dir.path() / "d.ticks", std::string(recording_magic));
  auto d = std::get<recording_reader>(recording_reader::open(dir.path() / "d.ticks"));
  BOOST_TEST(!d.next().has_value());
  BOOST_TEST(!d.truncated_tail());
}

BOOST_AUTO_TEST_CASE(recorder_appends_frames_that_the_reader_returns) {
  test::temp_dir dir;
  recording_config cfg;
  cfg.enabled = true;
  cfg.data_dir = dir.path() / "sub" / "dir";
  cfg.database_name = "run1";
  {
    recorder r(cfg);
    BOOST_REQUIRE(r.start());
    for (int i = 0; i < 5000; ++i) r.on_frame(bytes_of(frame_text(123, 'q')), 10 * i);
    r.stop();
    BOOST_TEST(r.stats().frames == 5000u);
    BOOST_TEST(r.stats().errors == 0u);
    BOOST_TEST(r.stats().bytes == recording_magic.size() + 5000u * (12u + 123u));
  }
  // A second recorder appends to the same file (no second magic).
  {
    recorder r(cfg);
    BOOST_REQUIRE(r.start());
    r.on_frame(bytes_of("last"), 7);
    r.stop();
  }
  const auto path = recorder::file_for(cfg.data_dir, "run1");
  auto reader = std::get<recording_reader>(recording_reader::open(path));
  int n = 0;
  std::int64_t last = -1;
  while (auto rec = reader.next()) {
    last = rec->received_us;
    ++n;
  }
  BOOST_TEST(n == 5001);
  BOOST_TEST(last == 7);
  BOOST_TEST(!reader.truncated_tail());
  BOOST_TEST(!reader.corrupt());
}

BOOST_AUTO_TEST_CASE(a_torn_last_record_is_cut_before_appending) {
  test::temp_dir dir;
  recording_config cfg;
  cfg.enabled = true;
  cfg.data_dir = dir.path();
  cfg.database_name = "torn";
  const auto path = recorder::file_for(cfg.data_dir, "torn");
  // Three complete records, then the first 20 bytes of a fourth (a crash
  // mid-write): header and part of the frame.
  std::string content(recording_magic);
  for (int i = 0; i < 3; ++i) append_recording_record(content, bytes_of(frame_text(50, 'a')), i);
  std::string fourth;
  append_recording_record(fourth, bytes_of(frame_text(50, 'b')), 3);
  content += fourth.substr(0, 20);
  write_file(path, content);
  {
    recorder r(cfg);
    BOOST_REQUIRE(r.start());
    r.on_frame(bytes_of("new-1"), 100);
    r.on_frame(bytes_of("new-2"), 101);
    r.stop();
    BOOST_TEST(r.stats().errors == 0u);
  }
  auto reader = std::get<recording_reader>(recording_reader::open(path));
  std::vector<std::int64_t> times;
  std::vector<std::string> frames;
  while (auto rec = reader.next()) {
    times.push_back(rec->received_us);
    frames.emplace_back(reinterpret_cast<const char*>(rec->frame.data()), rec->frame.size());
  }
  const std::vector<std::int64_t> expected{0, 1, 2, 100, 101};
  BOOST_TEST(times == expected, boost::test_tools::per_element());
  BOOST_REQUIRE(frames.size() == 5u);
  BOOST_TEST(frames[3] == "new-1");
  BOOST_TEST(frames[4] == "new-2");
  BOOST_TEST(!reader.truncated_tail());
  BOOST_TEST(!reader.corrupt());

  // A file cut inside the magic starts again; a file that is not a
  // recording is left alone and the recorder reports why.
  write_file(path, std::string(recording_magic.substr(0, 5)));
  {
    recorder r(cfg);
    BOOST_REQUIRE(r.start());
    r.on_frame(bytes_of("x"), 5);
    r.stop();
    BOOST_TEST(r.stats().errors == 0u);
  }
  BOOST_TEST(std::filesystem::file_size(path) == recording_magic.size() + 12u + 1u);
  write_file(path, "not a recording at all");
  {
    recorder r(cfg);
    BOOST_REQUIRE(r.start());
    r.on_frame(bytes_of("x"), 5);
    r.stop();  // the writer thread opens the file
    BOOST_TEST(r.stats().errors == 1u);
    BOOST_TEST(r.stats().last_error.find("magic") != std::string::npos);
  }
  BOOST_TEST(test::read_file(path) == "not a recording at all");
}

BOOST_AUTO_TEST_CASE(the_reader_stops_at_the_size_seen_at_open) {
  test::temp_dir dir;
  const auto path = dir.path() / "growing.ticks";
  std::string content(recording_magic);
  for (int i = 0; i < 3; ++i) append_recording_record(content, bytes_of("old"), i);
  write_file(path, content);
  auto reader = std::get<recording_reader>(recording_reader::open(path));
  // Appended after the open (a recorder still writing): not read.
  std::string more;
  for (int i = 0; i < 3; ++i) append_recording_record(more, bytes_of("new"), 10 + i);
  std::ofstream(path, std::ios::binary | std::ios::app) << more;
  int n = 0;
  while (auto rec = reader.next()) {
    BOOST_TEST(rec->received_us < 10);
    ++n;
  }
  BOOST_TEST(n == 3);
  BOOST_TEST(!reader.truncated_tail());
}

BOOST_AUTO_TEST_CASE(without_a_name_the_file_follows_the_ist_day) {
  test::temp_dir dir;
  recording_config cfg;
  cfg.enabled = true;
  cfg.data_dir = dir.path();
  recorder r(cfg);
  BOOST_REQUIRE(r.start());
  // 2025-07-18 18:29:59 UTC is 23:59:59 IST; one second later is the 19th.
  const std::int64_t before_midnight_ist = 1752863399LL * 1'000'000;
  r.on_frame(bytes_of("a"), before_midnight_ist);
  r.on_frame(bytes_of("b"), before_midnight_ist + 1'000'000);
  r.stop();
  BOOST_TEST(std::filesystem::exists(dir.path() / "N_20250718.ticks"));
  BOOST_TEST(std::filesystem::exists(dir.path() / "N_20250719.ticks"));
  BOOST_TEST(r.stats().files == 2u);
}

BOOST_AUTO_TEST_CASE(an_unwritable_data_dir_is_an_error_not_a_crash) {
  test::temp_dir dir;
  write_file(dir.path() / "file", "x");
  recording_config cfg;
  cfg.enabled = true;
  cfg.data_dir = dir.path() / "file" / "below";
  recorder r(cfg);
  BOOST_TEST(!r.start());
  r.on_frame(bytes_of("a"), 1);
  BOOST_TEST(r.stats().errors == 1u);
  BOOST_TEST(r.stats().frames == 0u);
  BOOST_TEST(!r.stats().active);
}
