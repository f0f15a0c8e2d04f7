#!/bin/sh
# Builds the oneDNN shim: bench/dnnl_shim/build.sh [OUTPUT_DIR]  (default: this folder).
# Needs g++ and oneDNN's headers and library (Debian: apt-get install libdnnl-dev).
set -e
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here}
mkdir -p "$out"
g++ -O2 -std=c++17 -shared -fPIC -fopenmp -Wall -o "$out/libconvgen_dnnl.so" "$here/convgen_dnnl.cpp" -ldnnl
echo "built $out/libconvgen_dnnl.so"
