"""Builds the Go masterzen/winrm peer (bench/peers/go_winrm) offline from Debian's
golang-github-masterzen-winrm-dev, or says why it is not available."""
import os
import shutil
import subprocess

BENCH = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.join(BENCH, 'peers', 'go_winrm', 'main.go')
GOCODE = '/usr/share/gocode'


def build_go_client(build_dir):
    """(path to the binary, None) or (None, the reason it is not available)."""
    go = shutil.which('go')
    if not go:
        return None, 'no Go toolchain (apt-get install golang-go golang-github-masterzen-winrm-dev)'
    if not os.path.isdir(os.path.join(GOCODE, 'src', 'github.com', 'masterzen', 'winrm')):
        return None, 'golang-github-masterzen-winrm-dev is not installed'
    gopath = os.path.join(build_dir, 'gopath')
    src = os.path.join(gopath, 'src', 'go_winrm')
    binary = os.path.join(build_dir, 'go_winrm')
    if os.path.exists(binary) and os.path.getmtime(binary) >= os.path.getmtime(SOURCE):
        return binary, None
    os.makedirs(src, exist_ok=True)
    shutil.copy(SOURCE, src)
    env = dict(os.environ, GO111MODULE='off', GOFLAGS='-mod=mod', GOPROXY='off',
               GOPATH=gopath + ':' + GOCODE, GOCACHE=os.path.join(build_dir, 'gocache'))
    p = subprocess.run([go, 'build', '-o', binary, '.'], cwd=src, env=env, capture_output=True, text=True)
    if p.returncode != 0:
        return None, 'does not build offline: ' + ' '.join(p.stderr.split())[:300]
    return binary, None
