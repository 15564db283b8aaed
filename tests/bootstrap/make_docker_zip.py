#!/usr/bin/python3
"""Builds a docker-<version>.zip for the bootstrap tests: the layout of the Windows
docker zips (NANO.md 1.2: one top-level folder docker\\ holding docker.exe and
dockerd.exe), with stand-ins the test server runs in place of the real programs
(tests/server/docker_standin.py):

    nanosh-standin-docker <engine version>
    build <commit>
    program docker|dockerd
    <padding to --size bytes>

  make_docker_zip.py [--version 17.06.2-ee-16] [--too-new] [--size BYTES] OUT_DIR
  make_docker_zip.py --hostile OUT_DIR

--too-new makes the engine 23.0.1, which refuses to run on build 14393 (NANO.md 1.7).
--hostile writes docker-hostile.zip for the zip reader's tests: the two usual
entries, one named ../evil.exe, and one (docker/huge.exe) whose central directory
declares an uncompressed size of 2^32-1 bytes for a few bytes of data.
The path of the zip written is printed on stdout.
"""
import argparse
import os
import struct
import sys
import zipfile

DEFAULT_VERSION = '17.06.2-ee-16'
TOO_NEW_VERSION = '23.0.1'
BUILD = '9ef4f0a'
FIXED_TIME = (2017, 9, 5, 12, 0, 0)        # so that two builds of one zip are the same bytes


def standin(program, version, size):
    head = ('nanosh-standin-docker %s\nbuild %s\nprogram %s\n' % (version, BUILD, program)).encode('ascii')
    if size > len(head):
        # Padding that differs per program, so that the two files never share a hash.
        pattern = ('%s %s padding\n' % (program, version)).encode('ascii')
        head += (pattern * (size // len(pattern) + 1))[:size - len(head)]
    return head


def add(z, name, data):
    info = zipfile.ZipInfo(name, FIXED_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    z.writestr(info, data)


def build(out_dir, version, size):
    path = os.path.join(out_dir, 'docker-%s.zip' % version)
    with zipfile.ZipFile(path, 'w') as z:
        add(z, 'docker/docker.exe', standin('docker', version, size))
        add(z, 'docker/dockerd.exe', standin('dockerd', version, size))
    return path


def build_hostile(out_dir):
    path = os.path.join(out_dir, 'docker-hostile.zip')
    with zipfile.ZipFile(path, 'w') as z:
        add(z, 'docker/docker.exe', standin('docker', DEFAULT_VERSION, 0))
        add(z, 'docker/dockerd.exe', standin('dockerd', DEFAULT_VERSION, 0))
        add(z, '../evil.exe', b'nanosh-standin-docker evil\n')
        info = zipfile.ZipInfo('docker/huge.exe', FIXED_TIME)
        info.compress_type = zipfile.ZIP_STORED
        z.writestr(info, b'tiny')
    absurd_size(path, b'docker/huge.exe', 0xFFFFFFFF)
    return path


def absurd_size(path, name, size):
    """Rewrites the uncompressed size of one entry, in its local header and its central
    directory record, to size (APPNOTE 4.3.7, 4.3.12)."""
    with open(path, 'r+b') as f:
        data = bytearray(f.read())
        at = 0
        while True:
            at = data.find(b'PK\x03\x04', at)
            if at < 0:
                break
            n = struct.unpack_from('<H', data, at + 26)[0]
            if data[at + 30:at + 30 + n] == name:
                struct.pack_into('<I', data, at + 22, size)
            at += 4
        at = 0
        while True:
            at = data.find(b'PK\x01\x02', at)
            if at < 0:
                break
            n = struct.unpack_from('<H', data, at + 28)[0]
            if data[at + 46:at + 46 + n] == name:
                struct.pack_into('<I', data, at + 24, size)
            at += 4
        f.seek(0)
        f.write(data)


def main(argv=None):
    ap = argparse.ArgumentParser(description='stand-in docker zips for the bootstrap tests')
    ap.add_argument('out_dir')
    ap.add_argument('--version', default=DEFAULT_VERSION, help='engine version (default %s)' % DEFAULT_VERSION)
    ap.add_argument('--too-new', action='store_true', help='engine %s, too new for 14393' % TOO_NEW_VERSION)
    ap.add_argument('--size', type=int, default=0, help='size of each file in bytes (default: just the header)')
    ap.add_argument('--hostile', action='store_true', help='a zip with ../evil.exe and an absurd declared size')
    a = ap.parse_args(argv)
    os.makedirs(a.out_dir, exist_ok=True)
    if a.hostile:
        print(build_hostile(a.out_dir))
    else:
        print(build(a.out_dir, TOO_NEW_VERSION if a.too_new else a.version, a.size))
    return 0


if __name__ == '__main__':
    sys.exit(main())
