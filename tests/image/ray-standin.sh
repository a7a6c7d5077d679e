#!/bin/sh
# A local stand-in for Ray's image (rayproject/ray:<version>-py311-*), for tests/test_image_build.py.
# It offers what the baked Dockerfile expects of Ray's image, and no more:
#   - user `ray`, uid 1000, group `users` (gid 100), home /home/ray (readable by every uid: ray#30959);
#   - Python 3.11 (Debian bookworm's) with pip, in /home/ray/anaconda3 (owned by ray), first on PATH;
#   - HOME=/home/ray, LANG=C.UTF-8, the default user `ray`, the working directory /home/ray;
#   - sudo (no password for ray), rsync and openssh-client, which `ray up` needs.
#   - Ray's Python environment preinstalled, as Ray's image has it: the PACKAGES given (pip requirements,
#     installed from the package index with their dependencies), Ray among them. The test gives some at
#     versions other than requirements.lock's, so that the Dockerfile's overlay of the lock must move them.
# Besides, empty /etc/pip.conf and /etc/uv/uv.toml: the test mounts its pip.conf and uv.toml over them
# during the build (a bind mount onto a missing path would leave an empty file behind in the image).
#
#   ray-standin.sh rootfs DIR MIRROR CA PACKAGES...   debootstrap a bookworm minbase into DIR (new or
#       empty), then set it up; CA (may be empty) is the host's CA bundle, which pip trusts while it
#       installs PACKAGES (an HTTPS proxy with its own CA may sit in between) and which is not left in DIR
#   ray-standin.sh import DIR IMAGE      import DIR as IMAGE with `podman import` (same storage as the build)
# Run as root. The test keys its cached stand-in on this file's hash and the arguments: change either and
# the stand-in is rebuilt.
set -eu

PYTHON_HOME=/home/ray/anaconda3

case "${1:-}" in
rootfs)
    dir=$2
    mirror=$3
    ca=$4
    shift 4
    debootstrap --variant=minbase \
        --include=python3,python3-venv,ca-certificates,rsync,openssh-client,sudo \
        bookworm "$dir" "$mirror"
    chroot "$dir" /bin/sh -eu -c "
        useradd --uid 1000 --gid 100 --create-home --home-dir /home/ray --shell /bin/bash ray
        chmod 755 /home/ray
        echo 'ray ALL=NOPASSWD: ALL' > /etc/sudoers.d/ray && chmod 440 /etc/sudoers.d/ray
        python3 -m venv $PYTHON_HOME
        : > /etc/pip.conf && mkdir -p /etc/uv && : > /etc/uv/uv.toml
        chown -R 1000:100 /home/ray
        apt-get clean
        rm -rf /var/lib/apt/lists/* /var/cache/debconf/*-old /var/log/*.log
    "
    # Only what is named here reaches pip: not the host's pip settings, nor its local wheel folders.
    cert=/etc/ssl/certs/ca-certificates.crt
    if [ -n "$ca" ]; then cert=/tmp/host-ca.pem && cp "$ca" "$dir$cert"; fi
    chroot "$dir" env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin \
        $PYTHON_HOME/bin/pip install --no-cache-dir --disable-pip-version-check --cert "$cert" "$@"
    rm -f "$dir/tmp/host-ca.pem"
    chroot "$dir" chown -R 1000:100 $PYTHON_HOME
    ;;
import)
    dir=$2
    image=$3
    tar --numeric-owner -C "$dir" -c . | podman import --quiet \
        --change "ENV PATH=$PYTHON_HOME/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
        --change "ENV HOME=/home/ray" \
        --change "ENV LANG=C.UTF-8" \
        --change "USER ray" \
        --change "WORKDIR /home/ray" \
        --change 'CMD ["/bin/bash"]' \
        - "$image"
    ;;
*)
    echo "usage: $0 rootfs DIR MIRROR CA PACKAGES... | import DIR IMAGE" >&2
    exit 2
    ;;
esac
