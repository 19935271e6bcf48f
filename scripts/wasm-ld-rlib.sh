#!/bin/sh
# Linker for Debian's rustc 1.63 targeting wasm32: its rlibs carry a raw `lib.rmeta` member that
# wasm-ld 19 refuses ("not a relocatable wasm file"). Link against copies without that member.
set -e
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
for arg; do
  shift
  case "$arg" in
    *.rlib)
      n=$((n + 1))
      copy="$tmp/$n-$(basename "$arg")"
      cp "$arg" "$copy"
      llvm-ar-19 d "$copy" lib.rmeta 2>/dev/null || true
      set -- "$@" "$copy"
      ;;
    *) set -- "$@" "$arg" ;;
  esac
done
wasm-ld-19 "$@"
