# Shared set-up for the scripts a person types: find a JDK >= 21 and a pinned Maven.
# Sourced, not run. Sets LANES_ROOT, JAVA_HOME, LANES_JAVA, LANES_MVN; defines lanes_java_flags.

LANES_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
LANES_MIN_JDK=21
LANES_MAVEN_VERSION=3.9.11

lanes_die() { echo "lanes: $*" >&2; exit 1; }
lanes_log() { echo "lanes: $*" >&2; }

# Major version of the JDK at $1 (a JAVA_HOME), or nothing if it has no javac.
lanes_jdk_major() {
  [ -x "$1/bin/javac" ] && [ -x "$1/bin/java" ] || return 0
  local v
  v="$("$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p' | head -n1)"
  v="${v#1.}"
  echo "${v%%.*}"
}

# JAVA_HOME if it is new enough, else the newest JDK >= 21 in the usual folders.
lanes_find_jdk() {
  local cand best="" best_major=0 major
  if [ -n "${JAVA_HOME:-}" ]; then
    major="$(lanes_jdk_major "$JAVA_HOME")"
    if [ -n "$major" ] && [ "$major" -ge "$LANES_MIN_JDK" ]; then echo "$JAVA_HOME"; return 0; fi
  fi
  for cand in /usr/lib/jvm/* /usr/java/* /opt/java/* /opt/jdk* "$HOME"/.sdkman/candidates/java/* \
              "$HOME"/.jdks/* /Library/Java/JavaVirtualMachines/*/Contents/Home \
              "$(dirname "$(dirname "$(readlink -f "$(command -v javac 2>/dev/null || echo /nonexistent)")")")"; do
    [ -d "$cand" ] || continue
    major="$(lanes_jdk_major "$cand")"
    if [ -n "$major" ] && [ "$major" -ge "$LANES_MIN_JDK" ] && [ "$major" -gt "$best_major" ]; then
      best="$cand"; best_major="$major"
    fi
  done
  [ -n "$best" ] && echo "$best"
}

lanes_setup_jdk() {
  local jdk
  jdk="$(lanes_find_jdk)"
  if [ -z "$jdk" ]; then
    lanes_die "no JDK ${LANES_MIN_JDK} or newer found (looked at JAVA_HOME and /usr/lib/jvm, /opt/java, ~/.sdkman, ~/.jdks).
  Install one, for example Temurin 25 (apt: temurin-25-jdk from the Adoptium repository), or
  Debian/Ubuntu's openjdk-21-jdk or openjdk-25-jdk, then run this again (or point JAVA_HOME at it)."
  fi
  export JAVA_HOME="$jdk"
  LANES_JAVA="$JAVA_HOME/bin/java"
  # Maven's own libraries use sun.misc.Unsafe; JDK 24+ warns about it on every build.
  if [ "$(lanes_jdk_major "$JAVA_HOME")" -ge 24 ]; then
    export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
  fi
}

# A pinned Maven (the version above), fetched once from Maven Central by whatever Maven is installed
# (apt's 'maven' package on a machine that has none) and unpacked under .mvn/dist/.
lanes_setup_maven() {
  local dist="$LANES_ROOT/.mvn/dist/apache-maven-$LANES_MAVEN_VERSION"
  if [ ! -x "$dist/bin/mvn" ]; then
    if ! command -v mvn >/dev/null 2>&1; then
      if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        lanes_log "installing Maven with apt-get to bootstrap Maven $LANES_MAVEN_VERSION"
        (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq maven) >&2 \
          || lanes_die "apt-get install maven failed"
      else
        lanes_die "Maven is needed once to fetch Maven $LANES_MAVEN_VERSION: install 'maven' (apt-get install maven) and run again."
      fi
    fi
    lanes_log "fetching Maven $LANES_MAVEN_VERSION from Maven Central"
    mkdir -p "$LANES_ROOT/.mvn/dist"
    mvn -q -B dependency:copy \
        -Dartifact="org.apache.maven:apache-maven:$LANES_MAVEN_VERSION:tar.gz:bin" \
        -DoutputDirectory="$LANES_ROOT/.mvn/dist" -Dmdep.overWriteReleases=true >&2 \
      || lanes_die "could not fetch org.apache.maven:apache-maven:$LANES_MAVEN_VERSION from Maven Central"
    tar -xzf "$LANES_ROOT/.mvn/dist/apache-maven-$LANES_MAVEN_VERSION-bin.tar.gz" -C "$LANES_ROOT/.mvn/dist" \
      || lanes_die "could not unpack Maven $LANES_MAVEN_VERSION"
    rm -f "$LANES_ROOT/.mvn/dist/apache-maven-$LANES_MAVEN_VERSION-bin.tar.gz"
  fi
  LANES_MVN="$dist/bin/mvn"
}

# Fashion-MNIST (IDX, gzipped): Debian's dataset-fashion-mnist where apt can install it, else the
# official files downloaded once into data/fashion-mnist. Exports LANES_FASHION_MNIST (the folder).
LANES_FASHION_MNIST="${LANES_FASHION_MNIST:-/usr/share/datasets/fashion-mnist}"
LANES_FASHION_MNIST_URL=http://fashion-mnist.s3-website.eu-central-1.amazonaws.com
lanes_setup_fashion_mnist() {
  export LANES_FASHION_MNIST
  [ -f "$LANES_FASHION_MNIST/train-images-idx3-ubyte.gz" ] && return 0
  local local_copy="$LANES_ROOT/data/fashion-mnist"
  if [ -f "$local_copy/t10k-labels-idx1-ubyte.gz" ]; then
    LANES_FASHION_MNIST="$local_copy"
    return 0
  fi
  local install="DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist"
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo -n"
  if command -v apt-get >/dev/null 2>&1 && { [ -z "$sudo" ] || sudo -n true 2>/dev/null; }; then
    lanes_log "installing Fashion-MNIST (apt: dataset-fashion-mnist, 30 MB)"
    ($sudo sh -c "$install" || $sudo sh -c "apt-get update -qq && $install") >&2 \
      || lanes_log "could not install dataset-fashion-mnist with apt"
  fi
  [ -f "$LANES_FASHION_MNIST/train-images-idx3-ubyte.gz" ] && return 0
  if command -v curl >/dev/null 2>&1; then
    lanes_log "downloading Fashion-MNIST from $LANES_FASHION_MNIST_URL into data/fashion-mnist"
    mkdir -p "$local_copy"
    local f ok=1
    for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
      curl -fsSL --retry 2 -o "$local_copy/$f.gz.part" "$LANES_FASHION_MNIST_URL/$f.gz" \
        && mv "$local_copy/$f.gz.part" "$local_copy/$f.gz" || { ok=0; break; }
    done
    if [ "$ok" = 1 ]; then
      LANES_FASHION_MNIST="$local_copy"
      return 0
    fi
    rm -f "$local_copy"/*.part
  fi
  lanes_log "Fashion-MNIST is not installed and could not be fetched; what needs it will skip or stop." \
    "Install it with: sudo apt-get install dataset-fashion-mnist (or download the four files of" \
    "$LANES_FASHION_MNIST_URL into data/fashion-mnist)"
}

# The PyTorch peer: Debian's python3-torch, on OpenBLAS (libopenblas0; without it torch runs on the
# reference BLAS, 15-25x slower, and the comparison would be unfair).
lanes_setup_torch() {
  LANES_PYTHON=""
  lanes_find_torch_python
  if [ -z "$LANES_PYTHON" ] || [ ! -e /usr/lib/x86_64-linux-gnu/libopenblas.so.0 ]; then
    local sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo -n"
    lanes_log "installing the PyTorch peer (apt: python3-torch libopenblas0)"
    local install="DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-torch libopenblas0"
    ($sudo sh -c "$install" || $sudo sh -c "apt-get update -qq && $install") >&2 \
      || lanes_log "could not install python3-torch; the PyTorch comparisons will be skipped"
    lanes_find_torch_python
  fi
}

# Debian's torch lives in the system Python, which another python3 on the PATH may shadow.
lanes_find_torch_python() {
  local p
  for p in /usr/bin/python3 "$(command -v python3 || true)"; do
    if [ -n "$p" ] && "$p" -c 'import torch' 2>/dev/null; then
      LANES_PYTHON="$p"
      return 0
    fi
  done
}

# Flags every Lanes JVM needs.
lanes_java_flags() { echo "--add-modules jdk.incubator.vector"; }

lanes_setup() {
  lanes_setup_jdk
  lanes_setup_maven
}
