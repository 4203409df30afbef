#!/usr/bin/env bash
# Back up a running strata: ask it for a fresh checkpoint (SAVE) and copy the
# checkpoint to DEST. The copy is a complete store: start strata on it with
#   strata-server --dir DEST
#
# usage: tools/backup.sh [-h host] [-p port] [-a password] DEST
# Run it on the server's machine (the checkpoint is a local directory).
set -euo pipefail
host=127.0.0.1 port=6379 auth=()
while getopts "h:p:a:" opt; do
  case "$opt" in
    h) host="$OPTARG" ;;
    p) port="$OPTARG" ;;
    a) auth=(-a "$OPTARG" --no-auth-warning) ;;
    *) echo "usage: $0 [-h host] [-p port] [-a password] DEST" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[ $# -eq 1 ] || { echo "usage: $0 [-h host] [-p port] [-a password] DEST" >&2; exit 2; }
dest="$1"
[ -e "$dest" ] && { echo "$dest already exists" >&2; exit 1; }

cli=(redis-cli -h "$host" -p "$port" "${auth[@]}")
reply=$("${cli[@]}" SAVE)
[ "$reply" = "OK" ] || { echo "SAVE failed: $reply" >&2; exit 1; }
cpdir=$("${cli[@]}" --raw CONFIG GET checkpoint-dir | sed -n 2p)
if [ -z "$cpdir" ]; then
  cpdir="$("${cli[@]}" --raw CONFIG GET dir | sed -n 2p)/checkpoint"
fi
# Copy to a temporary name first so DEST only ever holds a whole copy.
cp -a "$cpdir" "$dest.partial"
sync "$dest.partial" 2>/dev/null || sync
mv "$dest.partial" "$dest"
echo "backup of $host:$port written to $dest"
