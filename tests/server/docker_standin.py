"""The stand-in docker.exe and dockerd.exe the simulated host runs
(tests/bootstrap/make_docker_zip.py builds them into a docker-<version>.zip).

A stand-in is a small text file whose first line marks it and names the engine
version, then the build and the program:

    nanosh-standin-docker 17.06.2-ee-16
    build 9ef4f0a
    program dockerd

(padding may follow, to give the file a size).  The cmd layer runs
`docker ...` and `dockerd ...` only when the file it finds is a stand-in
(host_programs.py); anything else cannot run in the simulator.
"""
import re

MAGIC = b'nanosh-standin-docker '
HEAD_BYTES = 4096


def read(host_path):
    """{'version', 'build', 'program'} of a stand-in file, or None for any other file."""
    try:
        with open(host_path, 'rb') as f:
            head = f.read(HEAD_BYTES)
    except OSError:
        return None
    if not head.startswith(MAGIC):
        return None
    lines = head.split(b'\n')
    version = lines[0][len(MAGIC):].strip().decode('ascii', 'replace')
    info = {'version': version, 'build': 'unknown', 'program': ''}
    for raw in lines[1:3]:
        words = raw.decode('ascii', 'replace').split()
        if len(words) == 2 and words[0] in ('build', 'program'):
            info[words[0]] = words[1]
    return info if version else None


def major(version):
    """The major number of an engine version ('17.06.2-ee-16' -> 17); 0 when unreadable."""
    m = re.match(r'(\d+)\.', version or '')
    return int(m.group(1)) if m else 0
