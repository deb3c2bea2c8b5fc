# Sourced by test.sh and demo.sh: installs what building and testing libmlops needs, only what is missing.
# Debian packages through apt-get (sudo when not root); Python modules through pip, falling back to Debian's
# python3-* packages where pip may not install into the system Python (PEP 668).

MLOPS_DEB_PACKAGES=(meson ninja-build pkg-config gcc libsqlite3-dev libzstd-dev libxxhash-dev libarchive-dev
	libcmocka-dev abigail-tools valgrind clang xxhash python3)
MLOPS_PY_MODULES=(numpy pandas pytest)

mlops_sudo() {
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	else
		sudo "$@"
	fi
}

mlops_apt_updated=0
mlops_apt_install() {
	if [ "$mlops_apt_updated" = 0 ]; then
		mlops_sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q
		mlops_apt_updated=1
	fi
	mlops_sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@"
}

mlops_install_deps() {
	local missing=() p m
	for p in "${MLOPS_DEB_PACKAGES[@]}"; do
		if [ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null | cut -c1-2)" != "ii" ]; then
			missing+=("$p")
		fi
	done
	if [ "${#missing[@]}" -gt 0 ]; then
		echo "installing Debian packages: ${missing[*]}"
		mlops_apt_install "${missing[@]}"
	else
		echo "Debian packages: all present (${MLOPS_DEB_PACKAGES[*]})"
	fi

	missing=()
	for m in "${MLOPS_PY_MODULES[@]}"; do
		python3 -c "import $m" 2>/dev/null || missing+=("$m")
	done
	if [ "${#missing[@]}" -gt 0 ]; then
		echo "installing Python modules: ${missing[*]}"
		if ! python3 -m pip install --quiet "${missing[@]}"; then
			local debs=()
			for m in "${missing[@]}"; do debs+=("python3-$m"); done
			echo "pip could not install into $(command -v python3); using Debian's ${debs[*]}"
			mlops_apt_install "${debs[@]}"
		fi
	else
		echo "Python modules: all present (${MLOPS_PY_MODULES[*]}) for $(command -v python3)"
	fi
}
