// Checks of deploy/ that need no Docker engine:
//  - the Dockerfile's runtime package list covers every shared library the
//    binaries load (ldd → dpkg -S), so a new dependency cannot slip past the
//    slim image (deploy/check-runtime.sh goes further: a clean bookworm root);
//  - the container HEALTHCHECK script speaks HTTP/1.1 to GET /health and
//    passes only on a 200 (a scripted server on loopback), and passes against
//    the gateway's REST server (redis-server + simulator + tickgate processes)
//    until the gateway stops;
//  - the systemd unit passes systemd-analyze verify (skipped without it);
//  - docker-compose.yml keeps every secret out of `docker inspect` and process
//    arguments: no secret is interpolated anywhere, no service's environment
//    holds one (only <NAME>_FILE paths to /run/secrets/… it mounts), every
//    secret is a declared file-based compose secret under deploy/secrets/
//    (which git and both build-context ignore files exclude); read as YAML by
//    Debian's python3-yaml, merge keys resolved. `docker-compose config`
//    validates both profiles when it is installed. No Docker engine is
//    needed, and none runs the stack here;
//  - deploy/redis-with-secret.sh (the redis service's entrypoint and health
//    check) starts a real redis-server whose password is the secret file's,
//    in neither its argv nor its environment, and its ping passes only with
//    the right password.
#define BOOST_TEST_MODULE deploy_files
#include <boost/test/unit_test.hpp>

#include "test/support/redis_client.hpp"
#include "test/support/redis_server.hpp"
#include "test/support/tickgate_process.hpp"

#include <boost/json.hpp>

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

using namespace tickgate;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

const std::filesystem::path source_dir = TICKGATE_SOURCE_DIR;
const std::string binary_dir = TICKGATE_BINARY_DIR;

std::set<std::string> words(const std::string& text) {
  std::set<std::string> out;
  std::istringstream in(text);
  std::string w;
  while (in >> w) out.insert(w);
  return out;
}

// Answers one HTTP request on a loopback port with `status_line`, recording
// the request line.
class one_shot_http_server {
public:
  explicit one_shot_http_server(std::string status_line) : status_(std::move(status_line)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    BOOST_REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    BOOST_REQUIRE(::listen(fd_, 1) == 0);
    thread_ = std::thread([this] {
      const int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      std::string request;
      char buf[1024];
      while (request.find("\r\n\r\n") == std::string::npos) {
        const auto n = ::read(c, buf, sizeof buf);
        if (n <= 0) break;
        request.append(buf, static_cast<std::size_t>(n));
      }
      request_ = request;
      const std::string reply = status_ + "\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}";
      (void)!::write(c, reply.data(), reply.size());
      ::close(c);
    });
  }
  ~one_shot_http_server() {
    ::shutdown(fd_, SHUT_RDWR);
    if (thread_.joinable()) thread_.join();
    ::close(fd_);
  }
  std::uint16_t port() const { return port_; }
  const std::string& request() {
    if (thread_.joinable()) thread_.join();
    return request_;
  }

private:
  std::string status_;
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::thread thread_;
  std::string request_;
};

test::run_result healthcheck(const std::string& listen) {
  return test::run_program({"/bin/bash", (source_dir / "deploy/healthcheck.sh").string()},
                           {{"TICKGATE_HTTP_LISTEN", listen}}, 20s);
}

}  // namespace

// Not in a sanitizer build: its binaries load the sanitizer runtimes (and keep
// libraries --as-needed would drop); the image never ships those.
BOOST_AUTO_TEST_CASE(the_runtime_image_lists_every_library_the_binaries_load,
                     *boost::unit_test::enable_if<TICKGATE_SANITIZED == 0>()) {
  const std::string dockerfile = test::read_file(source_dir / "deploy/Dockerfile");
  std::smatch m;
  BOOST_REQUIRE(std::regex_search(dockerfile, m, std::regex("\nARG RUNTIME_PACKAGES=\"([^\"]*)\"")));
  auto allowed = words(m[1]);
  // Always in a bookworm-slim image (Essential / Priority required).
  allowed.insert({"libc6", "libgcc-s1", "libstdc++6", "libzstd1", "zlib1g"});
  for (const char* binary : {"tickgate", "tickgate-cli"}) {
    BOOST_TEST_CONTEXT(binary) {
      const auto ldd = test::run_program({"/usr/bin/ldd", binary_dir + "/" + binary});
      BOOST_REQUIRE_EQUAL(ldd.status, 0);
      BOOST_TEST(ldd.out.find("not found") == std::string::npos, ldd.out);
      const std::regex lib(R"(=> (/\S+) \(0x)");
      std::size_t libraries = 0;
      for (std::sregex_iterator it(ldd.out.begin(), ldd.out.end(), lib), end; it != end; ++it) {
        const auto path = std::filesystem::canonical((*it)[1].str());
        auto owner = test::run_program({"/usr/bin/dpkg", "-S", path.string()});
        if (owner.status != 0) {  // merged /usr: dpkg knows the /lib path
          owner = test::run_program({"/usr/bin/dpkg", "-S", "/lib" + path.string().substr(std::string("/usr/lib").size())});
        }
        BOOST_REQUIRE_MESSAGE(owner.status == 0, "no package owns " << path);
        const std::string package = owner.out.substr(0, owner.out.find_first_of(":"));
        BOOST_TEST(allowed.contains(package), path << " comes from " << package
                                                    << ", which RUNTIME_PACKAGES lacks");
        ++libraries;
      }
      BOOST_TEST(libraries >= 5u);
    }
  }
}

BOOST_AUTO_TEST_CASE(the_healthcheck_passes_only_on_a_200_from_get_health) {
  {
    one_shot_http_server server("HTTP/1.1 200 OK");
    // A wildcard listen address is reached on loopback.
    const auto r = healthcheck("0.0.0.0:" + std::to_string(server.port()));
    BOOST_TEST(r.status == 0, r.err);
    BOOST_TEST(server.request().starts_with("GET /health HTTP/1.1\r\n"), server.request());
  }
  {
    one_shot_http_server server("HTTP/1.1 503 Service Unavailable");
    const auto r = healthcheck("127.0.0.1:" + std::to_string(server.port()));
    BOOST_TEST(r.status == 1);
    BOOST_TEST(r.err.find("answered: HTTP/1.1 503") != std::string::npos, r.err);
  }
  const auto port = test::free_loopback_port();
  const auto refused = healthcheck("127.0.0.1:" + std::to_string(port));
  BOOST_TEST(refused.status == 1);
  BOOST_TEST(refused.err.find("cannot connect to 127.0.0.1:" + std::to_string(port)) != std::string::npos,
             refused.err);
  BOOST_TEST(healthcheck("no-port").status == 1);
}

BOOST_AUTO_TEST_CASE(the_healthcheck_passes_against_the_gateway_while_it_runs) {
  test::redis_server redis;
  test::simulator sim;
  const auto port = test::free_loopback_port();
  const std::string listen = "127.0.0.1:" + std::to_string(port);
  test::gateway_options options;
  options.config = {{"http", {{"enabled", true}, {"listen", listen}, {"api_token", "health-t0ken"}}}};
  test::tickgate_process gateway(sim, redis.url(), std::move(options));
  BOOST_REQUIRE_MESSAGE(test::wait_for_port(port, 30s), gateway.log());
  const auto up = healthcheck(listen);
  BOOST_TEST(up.status == 0, up.err << gateway.log());
  BOOST_TEST(gateway.process().stop(10s) == 0);
  const auto down = healthcheck(listen);
  BOOST_TEST(down.status == 1);
  BOOST_TEST(down.err.find("cannot connect") != std::string::npos, down.err);
}

BOOST_AUTO_TEST_CASE(the_systemd_unit_verifies,
                     *boost::unit_test::precondition([](boost::unit_test::test_unit_id) {
                       return boost::unit_test::assertion_result(
                           std::filesystem::exists("/usr/bin/systemd-analyze"));
                     })) {
  test::temp_dir dir("tickgate-unit");
  std::string unit = test::read_file(source_dir / "deploy/tickgate.service");
  BOOST_REQUIRE(unit.find("ExecStart=/usr/local/bin/tickgate --config") != std::string::npos);
  // The unit names the installed path; verify it against the built binary.
  unit = std::regex_replace(unit, std::regex("/usr/local/bin/tickgate"), binary_dir + "/tickgate");
  const auto path = dir.path() / "tickgate.service";
  std::ofstream(path) << unit;
  const auto r = test::run_program({"/usr/bin/systemd-analyze", "verify", path.string()});
  BOOST_TEST(r.status == 0, r.out << r.err);
  BOOST_TEST(r.out + r.err == "", r.out << r.err);
  for (const char* option : {"Restart=always", "RestartPreventExitStatus=2", "NoNewPrivileges=yes",
                             "ProtectSystem=strict", "DynamicUser=yes", "SystemCallFilter=@system-service"}) {
    BOOST_TEST(unit.find(option) != std::string::npos, option);
  }
}

namespace {

// The secrets the compose deployment carries, as compose secret names; each
// is read by the gateway through <NAME uppercased>_FILE.
const std::set<std::string> compose_secrets{"redis_password",    "tickgate_api_token", "angel_api_key",
                                            "angel_client_code", "angel_pin",          "angel_totp_secret"};

// Variables that hold a secret's value: never in a service's environment.
const std::set<std::string> secret_variables{"REDIS_PASSWORD",    "REDISCLI_AUTH", "TICKGATE_API_TOKEN",
                                             "ANGEL_API_KEY",     "ANGEL_PIN",     "ANGEL_TOTP_SECRET",
                                             "ANGEL_CLIENT_CODE", "REDIS_URL_FILE"};

// deploy/docker-compose.yml as JSON (python3-yaml's safe_load: anchors and
// `<<` merge keys resolved, as compose resolves them).
json::object compose_document() {
  const auto r = test::run_program(
      {TICKGATE_SYSTEM_PYTHON, "-c",
       "import json, sys, yaml; json.dump(yaml.safe_load(open(sys.argv[1])), sys.stdout)",
       (source_dir / "deploy/docker-compose.yml").string()});
  BOOST_REQUIRE_MESSAGE(r.status == 0, "python3-yaml: " << r.err);
  return json::parse(r.out).as_object();
}

// Every string in a value (a command in list or string form, a health check).
void strings_in(const json::value& v, std::vector<std::string>& out) {
  if (v.is_string()) out.emplace_back(v.as_string());
  if (v.is_array()) {
    for (const auto& e : v.as_array()) strings_in(e, out);
  }
  if (v.is_object()) {
    for (const auto& kv : v.as_object()) strings_in(kv.value(), out);
  }
}

// A service's environment as NAME → value (map or list form).
std::map<std::string, std::string> environment_of(const json::object& service) {
  std::map<std::string, std::string> out;
  const auto* env = service.if_contains("environment");
  if (env == nullptr) return out;
  if (env->is_object()) {
    for (const auto& kv : env->as_object()) {
      out[std::string(kv.key())] = kv.value().is_string() ? std::string(kv.value().as_string())
                                                          : json::serialize(kv.value());
    }
  } else {
    for (const auto& e : env->as_array()) {
      const std::string entry(e.as_string());
      const auto eq = entry.find('=');
      out[entry.substr(0, eq)] = eq == std::string::npos ? "" : entry.substr(eq + 1);
    }
  }
  return out;
}

// The secret names a service mounts (short or long syntax).
std::set<std::string> secrets_of(const json::object& service) {
  std::set<std::string> out;
  if (const auto* list = service.if_contains("secrets")) {
    for (const auto& e : list->as_array()) {
      out.emplace(e.is_string() ? e.as_string() : e.as_object().at("source").as_string());
    }
  }
  return out;
}

bool has_line(const std::string& text, const std::string& line) {
  std::istringstream in(text);
  std::string l;
  while (std::getline(in, l)) {
    if (l == line) return true;
  }
  return false;
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_compose_file_interpolates_no_secret) {
  // Anywhere, comments aside: ${REDIS_PASSWORD}, $TICKGATE_API_TOKEN, ${ANGEL_PIN:-} …
  std::istringstream in(test::read_file(source_dir / "deploy/docker-compose.yml"));
  const std::regex variable(R"(\$\{?([A-Za-z_][A-Za-z0-9_]*))");
  const std::regex secret_name("PASSWORD|PASS|PIN|TOKEN|SECRET|API_KEY|AUTH|CLIENT_CODE", std::regex::icase);
  std::string line;
  std::size_t variables = 0;
  while (std::getline(in, line)) {
    const auto hash = line.find('#');
    if (hash != std::string::npos && line.find_first_not_of(' ') == hash) continue;
    for (std::sregex_iterator it(line.begin(), line.end(), variable), end; it != end; ++it) {
      ++variables;
      BOOST_TEST(!std::regex_search((*it)[1].str(), secret_name), "interpolates a secret: " << line);
    }
  }
  BOOST_TEST(variables >= 5u);  // REDIS_PORT, HTTP_PORT, SIM_RATE, … are still there
}

BOOST_AUTO_TEST_CASE(the_compose_services_take_secrets_only_as_mounted_files) {
  const json::object doc = compose_document();
  // Declared: file-based, under deploy/secrets/, one file per secret.
  BOOST_REQUIRE_MESSAGE(doc.contains("secrets"), "no top-level secrets: section");
  const auto& declared = doc.at("secrets").as_object();
  std::set<std::string> names;
  for (const auto& kv : declared) {
    names.emplace(kv.key());
    BOOST_TEST(kv.value().as_object().at("file").as_string() == "./secrets/" + std::string(kv.key()));
  }
  BOOST_TEST(names == compose_secrets);

  const auto& services = doc.at("services").as_object();
  BOOST_REQUIRE(services.contains("redis") && services.contains("tickgate") && services.contains("tickgate-demo"));
  for (const auto& [name, value] : services) {
    BOOST_TEST_CONTEXT("service " << name) {
      const json::object& service = value.as_object();
      const auto mounted = secrets_of(service);
      for (const auto& s : mounted) BOOST_TEST(compose_secrets.contains(s), s << " is not declared");
      // Environment: no secret value (nor, the test above, interpolation of
      // one); *_FILE only to a secret it mounts.
      for (const auto& [variable, text] : environment_of(service)) {
        BOOST_TEST_CONTEXT(variable << "=" << text) {
          BOOST_TEST(!secret_variables.contains(variable));
          if (variable.ends_with("_FILE") && text.starts_with("/run/secrets/")) {
            const std::string secret = text.substr(std::string("/run/secrets/").size());
            BOOST_TEST(mounted.contains(secret), "not mounted in this service");
            std::string expected = secret;
            std::transform(expected.begin(), expected.end(), expected.begin(), ::toupper);
            BOOST_TEST(variable == expected + "_FILE");
          }
          if (variable == "REDIS_URL") BOOST_TEST(text.find('@') == std::string::npos, "a URL with a password");
        }
      }
      // Command lines (entrypoint, command, health check): no password option.
      std::vector<std::string> argv;
      for (const char* key : {"entrypoint", "command", "healthcheck"}) {
        if (const auto* v = service.if_contains(key)) strings_in(*v, argv);
      }
      for (const auto& arg : argv) {
        BOOST_TEST_CONTEXT(arg) {
          BOOST_TEST(arg.find("requirepass") == std::string::npos);
          BOOST_TEST(arg.find("REDISCLI_AUTH") == std::string::npos);
          BOOST_TEST((arg != "-a" && arg != "--pass" && arg != "--askpass"));
        }
      }
    }
  }

  // The gateways read the Redis password and the API token from files …
  for (const char* gateway : {"tickgate", "tickgate-demo"}) {
    BOOST_TEST_CONTEXT(gateway) {
      const auto& service = services.at(gateway).as_object();
      const auto env = environment_of(service);
      BOOST_TEST(env.at("REDIS_PASSWORD_FILE") == "/run/secrets/redis_password");
      BOOST_TEST(env.at("TICKGATE_API_TOKEN_FILE") == "/run/secrets/tickgate_api_token");
      BOOST_TEST(env.at("REDIS_URL") == "redis://redis:6379/0");
    }
  }
  // … and live its Angel One credentials.
  const auto live = environment_of(services.at("tickgate").as_object());
  for (const char* variable : {"ANGEL_API_KEY", "ANGEL_CLIENT_CODE", "ANGEL_PIN", "ANGEL_TOTP_SECRET"}) {
    std::string secret = variable;
    std::transform(secret.begin(), secret.end(), secret.begin(), ::tolower);
    BOOST_TEST(live.at(std::string(variable) + "_FILE") == "/run/secrets/" + secret);
  }
  BOOST_TEST(secrets_of(services.at("tickgate").as_object()) == compose_secrets);

  // Redis: no environment at all; the password file through the script, as
  // entrypoint and as health check, mounted where both look for it.
  const auto& redis = services.at("redis").as_object();
  BOOST_TEST(environment_of(redis).empty());
  BOOST_TEST(secrets_of(redis) == std::set<std::string>{"redis_password"});
  const std::string script = "/usr/local/lib/tickgate/redis-with-secret.sh";
  BOOST_TEST(json::serialize(redis.at("entrypoint")) == json::serialize(json::array{"sh", script, "server"}));
  BOOST_TEST(json::serialize(redis.at("healthcheck").at("test")) ==
             json::serialize(json::array{"CMD", "sh", script, "ping"}));
  std::vector<std::string> volumes;
  strings_in(redis.at("volumes"), volumes);
  BOOST_TEST(std::count(volumes.begin(), volumes.end(), "./redis-with-secret.sh:" + script + ":ro") == 1);
  std::vector<std::string> tmpfs;
  strings_in(redis.at("tmpfs"), tmpfs);
  BOOST_TEST(std::count(tmpfs.begin(), tmpfs.end(), "/run/redis") == 1);  // the generated redis.conf

  // The secret files stay out of git and out of every build context.
  BOOST_TEST(has_line(test::read_file(source_dir / ".gitignore"), "/deploy/secrets/"));
  BOOST_TEST(has_line(test::read_file(source_dir / ".dockerignore"), "deploy/secrets"));
  BOOST_TEST(has_line(test::read_file(source_dir / "deploy/Dockerfile.dockerignore"), "deploy/secrets"));
}

BOOST_AUTO_TEST_CASE(docker_compose_config_validates_both_profiles,
                     *boost::unit_test::precondition([](boost::unit_test::test_unit_id) {
                       return boost::unit_test::assertion_result(
                           std::filesystem::exists("/usr/bin/docker-compose"));
                     })) {
  // Schema and interpolation (no engine needed), with the example .env.
  test::temp_dir dir("tickgate-compose");
  std::filesystem::copy_file(source_dir / "deploy/.env.example", dir.path() / ".env");
  for (const char* profile : {"live", "demo"}) {
    BOOST_TEST_CONTEXT(profile) {
      const auto r = test::run_program({"/usr/bin/docker-compose", "--env-file", (dir.path() / ".env").string(),
                                        "-f", (source_dir / "deploy/docker-compose.yml").string(), "--profile",
                                        profile, "config", "-q"});
      BOOST_TEST(r.status == 0, r.out << r.err);
    }
  }
}

namespace {

const std::string redis_script = (source_dir / "deploy/redis-with-secret.sh").string();

test::run_result redis_ping(std::uint16_t port, const std::filesystem::path& password_file) {
  return test::run_program({"/bin/sh", redis_script, "ping", "-p", std::to_string(port)},
                           {{"REDIS_PASSWORD_FILE", password_file.string()}}, 20s);
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_redis_script_sets_the_password_from_the_file_alone) {
  test::temp_dir dir("tickgate-redis-secret");
  // Quote, backslash and space need escaping in redis.conf; the CRLF goes.
  const std::string password = "rs-5ecr3t \"q\" \\b-31337";
  const auto password_file = dir.path() / "redis_password";
  std::ofstream(password_file, std::ios::binary) << password << "\r\n";
  const auto config_dir = dir.path() / "run-redis";
  const auto port = test::free_loopback_port();
  test::child_process redis(test::process_options{
      {"/bin/sh", redis_script, "server", "--port", std::to_string(port), "--bind", "127.0.0.1", "--save", "",
       "--appendonly", "no", "--dir", dir.path().string()},
      {{"REDIS_PASSWORD_FILE", password_file.string()}, {"REDIS_CONFIG_DIR", config_dir.string()}},
      dir.path() / "redis.out",
      dir.path()});
  BOOST_REQUIRE_MESSAGE(test::wait_for_port(port, 20s), test::read_file(dir.path() / "redis.out"));

  // The password is required, and it is exactly the file's first line.
  storage::redis_endpoint endpoint;
  endpoint.port = port;
  {
    test::redis_client anonymous(endpoint);
    BOOST_TEST(anonymous.command({"PING"}).string.starts_with("NOAUTH"));
    BOOST_TEST((anonymous.command({"AUTH", password + "\r"}).type == storage::resp_type::simple_error));
  }
  endpoint.password = password;
  test::redis_client db(endpoint);
  BOOST_TEST(db.command({"PING"}).string == "PONG");
  BOOST_TEST(db.command({"CONFIG", "GET", "appendonly"}).elements.at(1).string == "no");  // the options pass through

  // Not in the server's arguments or environment (the script exec'd it).
  const auto proc = std::filesystem::path("/proc") / std::to_string(redis.pid());
  const std::string argv = test::read_file(proc / "cmdline");
  BOOST_TEST(argv.find("redis-server") != std::string::npos, argv);
  BOOST_TEST(argv.find("5ecr3t") == std::string::npos);
  BOOST_TEST(test::read_file(proc / "environ").find("5ecr3t") == std::string::npos);
  // The generated config: owner-only, in an owner-only directory.
  struct stat st {};
  BOOST_REQUIRE(::stat((config_dir / "redis.conf").c_str(), &st) == 0);
  BOOST_TEST((st.st_mode & 0777) == 0600u);
  BOOST_REQUIRE(::stat(config_dir.c_str(), &st) == 0);
  BOOST_TEST((st.st_mode & 0777) == 0700u);

  // The health check: passes with the file's password only, never prints one.
  const auto ok = redis_ping(port, password_file);
  BOOST_TEST(ok.status == 0, ok.out << ok.err);
  const auto wrong_file = dir.path() / "wrong";
  std::ofstream(wrong_file) << "rs-wr0ng-27\n";
  const auto wrong = redis_ping(port, wrong_file);
  BOOST_TEST(wrong.status == 1);
  BOOST_TEST((wrong.out + wrong.err).find("wr0ng") == std::string::npos, wrong.out << wrong.err);
  const auto missing = redis_ping(port, dir.path() / "no-such-file");
  BOOST_TEST(missing.status == 1);
  BOOST_TEST(missing.err.find("cannot read " + (dir.path() / "no-such-file").string()) != std::string::npos,
             missing.err);
  BOOST_TEST(redis.stop(10s) == 0);
}

BOOST_AUTO_TEST_CASE(the_redis_script_refuses_a_missing_empty_or_multiline_password) {
  test::temp_dir dir("tickgate-redis-secret");
  const auto empty = dir.path() / "empty";
  std::ofstream(empty) << "\n";
  const auto two_lines = dir.path() / "two-lines";
  std::ofstream(two_lines) << "rs-line-one\nrs-line-two\n";
  const std::vector<std::pair<std::filesystem::path, std::string>> cases{
      {dir.path() / "missing", "cannot read " + (dir.path() / "missing").string()},
      {empty, empty.string() + " is empty"},
      {two_lines, two_lines.string() + " holds more than one line"},
  };
  for (const auto& [file, message] : cases) {
    BOOST_TEST_CONTEXT(file) {
      const auto r = test::run_program({"/bin/sh", redis_script, "server", "--port", "0"},
                                       {{"REDIS_PASSWORD_FILE", file.string()},
                                        {"REDIS_CONFIG_DIR", (dir.path() / "conf").string()}},
                                       20s);
      BOOST_TEST(r.status == 1);
      BOOST_TEST(r.err.find(message) != std::string::npos, r.err);
      BOOST_TEST(r.err.find("rs-line") == std::string::npos, r.err);
      BOOST_TEST(!std::filesystem::exists(dir.path() / "conf" / "redis.conf"));
    }
  }
}
