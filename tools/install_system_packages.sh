#!/usr/bin/env bash
# Installs the Debian packages AI Core builds and tests with — only the missing ones.
# Idempotent: on a machine that has them all it makes no network call and takes
# well under a second. Uses sudo when not run as root.
set -euo pipefail

PACKAGES=(
  # toolchain
  g++ cmake ninja-build pkg-config
  # make test builds the same sources in several build folders: ccache compiles each once
  ccache
  # Python 3.11 with venv and the headers the bridge embeds
  python3 python3-venv python3-dev
  # C++ tests and benchmarks (no sources are downloaded at configure time)
  libgtest-dev libgmock-dev libbenchmark-dev
  # JSON parsing of voice presets (header-only)
  nlohmann-json3-dev
  # msgpack (C) for the bridge's event/command wire format
  libmsgpack-dev
  # PortAudio headers for aicore-host --play
  portaudio19-dev
  # RealtimeSanitizer runtime (libclang_rt.rtsan-x86_64.a) for the real-time proof
  libclang-rt-19-dev
  # audio: PortAudio for optional playback (sounddevice)
  libportaudio2
  # speech: CMU Flite linked in-process, the default run-time text-to-speech (vocal.tts)
  flite1-dev
  # espeak-ng: the shipped voice lines were rendered with it; the optional TTS backend
  espeak-ng
  # the cloud gateway's PostgreSQL store: its tests start their own server (initdb, pg_ctl)
  postgresql
  # the QA report's test opens the HTML report in headless Chromium (docs/qa.md)
  chromium
  # make package: the copied third-party libraries get $ORIGIN-relative RPATHs (docs/packaging.md)
  patchelf
  # QA instruction counts (callgrind: aicore bench's "instructions" suite) and the header
  # whose client request lets aicore-host start callgrind's instrumentation at its first frame
  valgrind
)

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages: all ${#PACKAGES[@]} present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
echo "system packages: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
