#!/usr/bin/env bash
# Builds this example against the org.plscj:plsc artifact in the local Maven repository (`mvn install` at the root of
# the checkout puts it there) and trains it on 2 workers through `plsc launch --exec`. CI runs it after the test suite
# (.ci/run). STEPS (default 100) sets the steps; the program exits 1 unless the loss of the last 10 steps is below 3/4 of the first.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
mvn -B -q -f "$here/pom.xml" compile
classpath="$here/target/classes:$(cat "$here/target/classpath.txt")"
# why these -D: the JavaCPP settings the plsc script gives its own JVMs (native memory beyond the heap, one unpacked copy
# of the native libraries); the launcher passes its environment (the allocator plsc preloads) on to the workers
"$root/plsc" launch --nproc 2 --master-port 0 --exec -- \
  java -Dorg.bytedeco.javacpp.maxPhysicalBytes=0 -Dorg.bytedeco.javacpp.maxBytes=0 \
  -Dorg.bytedeco.javacpp.cachedir="${PLSC_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/plsc-javacpp}" \
  -cp "$classpath" org.plscj.examples.HeadInYourLoop "${STEPS:-100}"
