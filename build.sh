#!/usr/bin/env bash
# tokenclean's one entry point for developers and CI.
#   ./build.sh setup   install what is missing (Debian packages, npm test oracles, .NET restore); idempotent
#   ./build.sh build   setup + build everything
#   ./build.sh test    setup + build + run every test suite
# Runs unattended; says what it does; stops with the reason when something cannot be installed.
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$PWD

say() { printf '\033[1m[tokenclean]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[31m[tokenclean] error:\033[0m %s\n' "$*" >&2; exit 1; }

# Debian packages the build and the tests need. kcat: an independent Kafka client for tests (it brings Debian's
# librdkafka1 2.0.2, which tokenclean never loads: its librdkafka 2.16 comes from the librdkafka.redist NuGet
# package, see src/Ingest/Kafka/KafkaNative.cs); python3-torch: the independent plain-PyTorch references of the
# scoring tests (run in their own process: Debian's libtorch 1.13 cannot share one with TorchSharp's 2.10) and
# test-data generators; nodejs/npm: the oracles; docker-compose (1.29): validates docker-compose.yml offline,
# without a Docker engine; chromium: the browser the status page's tests drive through Playwright (its executable,
# never a downloaded browser; the tests fail on CI without it). The scoring engine itself (TorchSharp + libtorch 2.10) comes from NuGet with the restore.
APT_PACKAGES=(kcat python3-torch docker-compose chromium)

missing_apt() {
  local p
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || printf '%s ' "$p"
  done
  command -v node >/dev/null && command -v npm >/dev/null || printf 'nodejs npm '
}

setup_apt() {
  local missing
  missing=$(missing_apt)
  [ -z "$missing" ] && return 0
  say "installing Debian packages: $missing"
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || die "need root (or sudo) to install: $missing"
    sudo="sudo -n"
  fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq || die "apt-get update failed (is Debian's package registry reachable?)"
  # shellcheck disable=SC2086
  $sudo apt-get install -y -qq --no-install-recommends $missing >/tmp/tokenclean-apt.log 2>&1 \
    || { tail -20 /tmp/tokenclean-apt.log >&2; die "apt-get install failed for: $missing"; }
  missing=$(missing_apt)
  [ -z "$missing" ] || die "still missing after install: $missing"
}

setup_npm() {
  local dir=tests/oracles stamp=tests/oracles/node_modules/.tokenclean-stamp
  if [ -f "$stamp" ] && [ "$stamp" -nt "$dir/package-lock.json" ]; then return 0; fi
  say "installing the npm test oracles into $dir/node_modules (pinned by package-lock.json)"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/tmp/tokenclean-npm.log 2>&1) \
    || { tail -20 /tmp/tokenclean-npm.log >&2; die "npm ci failed in $dir"; }
  touch "$stamp"
}

setup_dotnet() {
  command -v dotnet >/dev/null || die "the .NET SDK (10.0) is required: dotnet was not found on PATH"
  local stamp=.build/restore.stamp newest
  newest=$(find . -path ./tests/oracles -prune -o \( -name '*.csproj' -o -name 'Directory.*.props' -o -name 'Directory.*.targets' -o -name global.json \) -newer "$stamp" -print 2>/dev/null | head -1 || true)
  if [ -f "$stamp" ] && [ -z "$newest" ]; then return 0; fi
  say "restoring .NET packages (the first restore downloads libtorch: ~160 MB)"
  dotnet restore Streaming.sln --verbosity quiet || die "dotnet restore failed"
  mkdir -p .build && touch "$stamp"
}

setup() { setup_apt; setup_npm; setup_dotnet; }

build() {
  setup
  say "building (Release)"
  dotnet build Streaming.sln -c Release --no-restore -nologo -clp:ErrorsOnly -v:quiet || die "build failed"
}

run_tests() {
  build
  say "running the test suites"
  local args=(test Streaming.sln -c Release --no-build --nologo)
  local log rc=0
  log=$(mktemp)
  dotnet "${args[@]}" "$@" 2>&1 | tee "$log" || rc=$?
  # One closing line over all test assemblies (dotnet test prints one summary per assembly).
  awk '/(Passed|Failed)! +- +Failed:/ { gsub(/,/, ""); for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) } }
       END { printf "Tests: %d passed, %d failed, %d skipped\n", p, f, s }' "$log"
  rm -f "$log"
  return "$rc"
}

case "${1:-}" in
  setup) setup ;;
  build) build ;;
  test) shift; run_tests "$@" ;;
  *) sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
