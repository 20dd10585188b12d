#!/usr/bin/env bash
# Debian's Chromium 150, unpacked into a cache folder (never installed over the
# system's chromium), for the device-bound sessions browser test
# (cmd/vigil/dbsc_browser_test.go): Chromium 153-156 ignore the
# Secure-Session-Registration header, 150 binds sessions headless with a
# software key.
#
# Prints the path of the chromium binary and nothing else on success; exits 1
# with a message on stderr when the packages cannot be had or a library it
# needs cannot be installed. Run it again and it reuses the cache.
#
#   VIGIL_CHROMIUM150_DIR  the cache folder
#                          (default ${XDG_CACHE_HOME:-$HOME/.cache}/vigil/chromium-150)
set -euo pipefail

version=150.0.7871.100-1~deb12u1
dir="${VIGIL_CHROMIUM150_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/vigil/chromium-150}"
root="$dir/root"
bin="$root/usr/lib/chromium/chromium"
stamp="$dir/unpacked-$version"

fail() { printf 'chromium150: %s\n' "$*" >&2; exit 1; }

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo -n"; fi

mkdir -p "$dir" || fail "cannot create the cache folder $dir"

if [ ! -f "$stamp" ] || [ ! -x "$bin" ]; then
	debs="$dir/debs"
	mkdir -p "$debs"
	log="$dir/apt.log"
	fetch() {
		(cd "$debs" && apt-get download \
			"chromium=$version" "chromium-common=$version") >"$log" 2>&1
	}
	if ! fetch; then
		# The package lists may be stale or absent: refresh them once.
		$sudo apt-get update >>"$log" 2>&1 || true
		fetch || fail "cannot download chromium and chromium-common $version with apt-get (see $log): $(grep -E '^E:' "$log" | head -n2 | tr '\n' ' ')"
	fi
	# Unpack beside the cache and move into place, so an interrupted run
	# never leaves a half-unpacked tree behind the stamp.
	tmp="$dir/root.tmp"
	rm -rf "$tmp"
	mkdir -p "$tmp"
	for deb in "$debs"/chromium_*.deb "$debs"/chromium-common_*.deb; do
		[ -f "$deb" ] || fail "apt-get download left no package in $debs"
		dpkg -x "$deb" "$tmp" || fail "cannot unpack $deb"
	done
	[ -x "$tmp/usr/lib/chromium/chromium" ] || fail "the downloaded packages have no usr/lib/chromium/chromium"
	rm -rf "$root"
	mv "$tmp" "$root"
	rm -rf "$debs" "$log" "$dir"/unpacked-*
	: >"$stamp"
fi

# The shared libraries it links that this machine lacks: the system's
# chromium 156, if installed, pulls in what it needs, not necessarily these.
# Each is a library package of Debian 12 (from chromium's Depends), which
# installs beside any chromium without touching it.
declare -A pkg=(
	[libdouble-conversion.so.3]=libdouble-conversion3
	[libFLAC.so.12]=libflac12
	[libharfbuzz-subset.so.0]=libharfbuzz-subset0
	[libminizip.so.1]=libminizip1
	[libopenh264.so.7]=libopenh264-7
	[libopenjp2.so.7]=libopenjp2-7
	[libopus.so.0]=libopus0
	[libpulse.so.0]=libpulse0
	[libXNVCtrl.so.0]=libxnvctrl0
	[libnss3.so]=libnss3
	[libnssutil3.so]=libnss3
	[libsmime3.so]=libnss3
	[libnspr4.so]=libnspr4
	[libplc4.so]=libnspr4
	[libplds4.so]=libnspr4
	[libasound.so.2]=libasound2
	[libatk-1.0.so.0]=libatk1.0-0
	[libatk-bridge-2.0.so.0]=libatk-bridge2.0-0
	[libatspi.so.0]=libatspi2.0-0
	[libcups.so.2]=libcups2
	[libdav1d.so.6]=libdav1d6
	[libdbus-1.so.3]=libdbus-1-3
	[libgbm.so.1]=libgbm1
	[libcairo.so.2]=libcairo2
	[libpango-1.0.so.0]=libpango-1.0-0
	[libXcomposite.so.1]=libxcomposite1
	[libXdamage.so.1]=libxdamage1
	[libXrandr.so.2]=libxrandr2
	[libxkbcommon.so.0]=libxkbcommon0
	[liblcms2.so.2]=liblcms2-2
	[libjpeg.so.62]=libjpeg62-turbo
)
missing_libs() { ldd "$bin" 2>/dev/null | awk '/=> not found/ { print $1 }' | sort -u; }
libs=$(missing_libs)
if [ -n "$libs" ]; then
	need=""
	for lib in $libs; do
		p="${pkg[$lib]:-}"
		[ -n "$p" ] || fail "chromium $version needs $lib, which this script does not know how to install"
		case " $need " in *" $p "*) ;; *) need="$need $p" ;; esac
	done
	log="$dir/apt-install.log"
	install() { $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $need >"$log" 2>&1; }
	if ! install; then
		$sudo apt-get update >>"$log" 2>&1 || true
		install || fail "cannot install the libraries chromium $version needs:$need (see $log)"
	fi
	rm -f "$log"
	libs=$(missing_libs)
	[ -z "$libs" ] || fail "chromium $version still lacks: $(echo $libs)"
fi

printf '%s\n' "$bin"
