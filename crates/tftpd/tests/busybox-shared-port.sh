#!/bin/bash
# Shows why tests/interop.rs never runs two busybox tftp clients at once.
#
# busybox's tftp client sets SO_REUSEADDR on its unbound socket, so Linux may
# give two concurrent clients the same source port. Here a private network
# namespace narrows the ephemeral range to one port while two clients start
# (`shared`), then widens it for the server's transfer sockets; `control` never
# narrows it. With a shared port the 511- and 0-byte downloads swap most runs
# (both clients exit 0); in the control they never do.
#
#   cargo build -p tftpd
#   unshare -rn crates/tftpd/tests/busybox-shared-port.sh shared  target/debug/tftpd
#   unshare -rn crates/tftpd/tests/busybox-shared-port.sh control target/debug/tftpd
set -u
mode=$1 tftpd=$(realpath "$2") runs=${3:-10}
dir=$(mktemp -d) && trap 'rm -rf "$dir"' EXIT && cd "$dir" || exit 1
mkdir root && : >root/f0.bin && head -c 511 /dev/urandom >root/f511.bin
ip link set lo up
range=/proc/sys/net/ipv4/ip_local_port_range
swapped=0 correct=0 other=0
for i in $(seq "$runs"); do
  rm -rf out && mkdir out
  [ "$mode" = shared ] && echo "40000 40000" >$range
  busybox tftp -b 1468 -g -r f511.bin -l out/f511.bin 127.0.0.1 6969 2>/dev/null &
  a=$!
  busybox tftp -b 1468 -g -r f0.bin -l out/f0.bin 127.0.0.1 6969 2>/dev/null &
  b=$!
  sleep 0.2 # both have sent their RRQ (to no one yet) and hold their port
  ss -uanp | grep busybox | awk '{print "  busybox on", $4}'
  echo "40001 60999" >$range
  TFTPD_ROOT=$PWD/root TFTPD_LISTEN=127.0.0.1:6969 "$tftpd" >/dev/null 2>&1 &
  s=$!
  wait $a; wait $b; kill $s; wait $s 2>/dev/null
  got=$(stat -c %s out/f511.bin 2>/dev/null || echo none)/$(stat -c %s out/f0.bin 2>/dev/null || echo none)
  echo "run $i: f511.bin/f0.bin clients got $got bytes"
  case $got in 0/511) swapped=$((swapped + 1)) ;; 511/0) correct=$((correct + 1)) ;; *) other=$((other + 1)) ;; esac
done
echo "$mode: swapped=$swapped correct=$correct other=$other"
