#!/bin/sh
# install-deps.sh: install capsim's build and test dependencies from Debian packages
# when any is missing. Runs `apt-get update` first, as root (or via sudo).
# clang, the libFuzzer runtime (libclang_rt.fuzzer-x86_64.a, in libclang-rt-14-dev on
# Debian 12) and clang's OpenMP runtime (libomp-dev) are for `make fuzz` and `make check-integer`;
# python3-pytest runs the Python package's tests, chromium renders `capsim report`'s page in them.
set -e
PKGS="gcc make pkg-config libgsl-dev libhdf5-dev hdf5-tools libyaml-dev librandom123-dev \
libcmocka-dev netcdf-bin python3 python3-h5py python3-xarray python3-h5netcdf python3-netcdf4 \
python3-matplotlib python3-numpy python3-yaml python3-jsonschema python3-pytest chromium \
libopenmpi-dev openmpi-bin \
clang libclang-rt-14-dev libomp-dev"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "install-deps: installing:$missing" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
