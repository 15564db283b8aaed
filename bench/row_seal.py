"""NTLM seal+sign throughput (bench/seal_throughput.c on 64 KiB messages) against
`openssl speed` for RC4 and HMAC-MD5 on 64 KiB blocks.  Sealing runs RC4 over every
byte and HMAC-MD5 over every byte, so the peer figure is the two combined:
1 / (1/rc4 + 1/hmac)."""
import os
import re
import subprocess

from measure import ProcessFailed, summary

BENCH = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(BENCH)
SOURCES = ['bench/seal_throughput.c', 'auth/ntlm_crypto.c', 'auth/ntlm_session.c', 'base/buf.c', 'base/error.c']


def build_seal_program(build_dir):
    binary = os.path.join(build_dir, 'seal_throughput')
    cc = os.environ.get('CC', 'cc')
    argv = [cc, '-std=c11', '-O2', '-D_GNU_SOURCE', '-I', TOP] + [os.path.join(TOP, s) for s in SOURCES] + \
        ['-lcrypto', '-o', binary]
    p = subprocess.run(argv, capture_output=True, text=True)
    if p.returncode != 0:
        raise ProcessFailed('building bench/seal_throughput.c failed: ' + p.stderr[-600:])
    return binary


def openssl_speed(args):
    """bytes per second for 64 KiB blocks, from `openssl speed -mr`."""
    p = subprocess.run(['openssl', 'speed', '-mr', '-seconds', '1', '-bytes', '65536'] + args,
                       capture_output=True, text=True)
    m = re.search(r'^\+F:\d+:[^:]+:([0-9.]+)', p.stdout, re.M)
    if p.returncode != 0 or not m:
        raise ProcessFailed('openssl speed %s failed: %s' % (' '.join(args), p.stderr[-400:]))
    return float(m.group(1))


def measure_seal(build_dir, runs, seconds):
    binary = build_seal_program(build_dir)
    ours, rc4, hmac, combined = [], [], [], []
    for _ in range(runs):
        p = subprocess.run([binary, str(seconds)], capture_output=True, text=True)
        m = re.search(r'ntlm seal\+sign\s+([0-9.]+) MB/s', p.stdout)
        if p.returncode != 0 or not m:
            raise ProcessFailed('seal_throughput failed: ' + (p.stderr or p.stdout)[-400:])
        ours.append(float(m.group(1)))
        r = openssl_speed(['-provider', 'legacy', '-provider', 'default', '-evp', 'rc4']) / 1e6
        h = openssl_speed(['-hmac', 'md5']) / 1e6
        rc4.append(r)
        hmac.append(h)
        combined.append(1 / (1 / r + 1 / h))
    return {'nanosh_mb_per_s': summary(ours), 'openssl_rc4_mb_per_s': summary(rc4),
            'openssl_hmac_md5_mb_per_s': summary(hmac), 'openssl_combined_mb_per_s': summary(combined)}
