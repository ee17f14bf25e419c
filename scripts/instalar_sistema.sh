#!/usr/bin/env bash
# Installs the Debian packages given as arguments when they are missing (apt-get, as root
# or through sudo). Called by the Makefile; safe to run again.
set -euo pipefail
faltan=()
for paquete in "$@"; do
  dpkg-query -W -f='${Status}' "$paquete" 2>/dev/null | grep -q "install ok installed" \
    || faltan+=("$paquete")
done
[ ${#faltan[@]} -eq 0 ] && exit 0
echo "Instalando paquetes del sistema: ${faltan[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${faltan[@]}"
