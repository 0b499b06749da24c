# Sourced by the install scripts: apt_install_missing PKG... installs the given
# Debian packages (nothing when the list is empty), as root or through sudo.
apt_install_missing() {
    (($#)) || return 0
    local sudo=""
    [[ $(id -u) == 0 ]] || sudo=sudo
    echo "installing: $*"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}
