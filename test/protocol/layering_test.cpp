// protocol/ is sans-IO (style.md §1): no file under it may include Asio or
// Beast, nor reach up into storage/ or gateway/.
#define BOOST_TEST_MODULE layering_test
#include <boost/test/unit_test.hpp>

#include "test/support/process.hpp"

#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

namespace tickgate::test {
namespace {

namespace fs = std::filesystem;

struct violation {
  fs::path file;
  std::size_t line = 0;
  std::string text;
};

// Every #include of a forbidden header in the C++ files under `root`
// (recursively), and the number of files scanned.
std::vector<violation> forbidden_includes(const fs::path& root, std::size_t& files_scanned) {
  static const std::regex forbidden(
      R"(^\s*#\s*include\s*[<"]\s*(boost/asio|boost/beast|asio|beast|storage/|gateway/))");
  std::vector<violation> found;
  files_scanned = 0;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (!entry.is_regular_file()) continue;
    const auto ext = entry.path().extension();
    if (ext != ".hpp" && ext != ".cpp" && ext != ".h" && ext != ".ipp") continue;
    ++files_scanned;
    std::ifstream in(entry.path());
    std::string line;
    for (std::size_t n = 1; std::getline(in, line); ++n) {
      if (std::regex_search(line, forbidden)) found.push_back({entry.path(), n, line});
    }
  }
  return found;
}

}  // namespace

BOOST_AUTO_TEST_CASE(protocol_includes_no_asio_beast_storage_or_gateway) {
  std::size_t scanned = 0;
  const auto found = forbidden_includes(fs::path(TICKGATE_SOURCE_DIR) / "protocol", scanned);
  // errc, tick, frame, request, login, totp, instrument: headers and sources.
  BOOST_TEST(scanned >= 10u);
  for (const auto& v : found) {
    BOOST_ERROR(v.file.string() << ":" << v.line << ": " << v.text);
  }
  BOOST_TEST(found.empty());
}

// The scanner itself finds what it must, so the test above can fail.
BOOST_AUTO_TEST_CASE(scanner_detects_forbidden_includes) {
  temp_dir dir("tickgate-layering");
  fs::create_directories(dir.path() / "sub");
  std::ofstream(dir.path() / "a.hpp") << "#include <boost/asio/io_context.hpp>\n";
  std::ofstream(dir.path() / "sub" / "b.cpp") << "// ok\n  #  include \"boost/beast/http.hpp\"\n";
  std::ofstream(dir.path() / "c.cpp") << "#include \"storage/log.hpp\"\n#include <vector>\n";
  std::ofstream(dir.path() / "d.cpp")
      << "#include <boost/json.hpp>\n#include \"protocol/tick.hpp\"\n";
  std::ofstream(dir.path() / "e.txt") << "#include <boost/asio.hpp>\n";
  std::size_t scanned = 0;
  const auto found = forbidden_includes(dir.path(), scanned);
  BOOST_TEST(scanned == 4u);
  BOOST_TEST(found.size() == 3u);
}

}  // namespace tickgate::test
