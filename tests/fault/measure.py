#!/usr/bin/python3
"""measure.py LIMIT STDIN STDOUT STDERR -- ARGV...: run ARGV once and print
"STATUS SECONDS MAXRSS_KB" for the fault matrix (tests/fault/winrm_matrix.sh).

STATUS is the exit status (128+N after signal N, as a shell reports it), SECONDS the wall
time, MAXRSS_KB the child's peak resident set (getrusage of that child alone, os.wait4;
/usr/bin/time may be missing).  A child still running after LIMIT seconds is killed
(SIGKILL), so that a hung case cannot hang the suite; its STATUS is then 137.
"""
import os
import signal
import sys
import time


def main(argv):
    limit, stdin, stdout, stderr = float(argv[1]), argv[2], argv[3], argv[4]
    cmd = argv[argv.index('--') + 1:]
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:
        try:
            os.setpgid(0, 0)
            for fd, path, flags in ((0, stdin, os.O_RDONLY), (1, stdout, os.O_WRONLY | os.O_CREAT | os.O_TRUNC),
                                    (2, stderr, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)):
                f = os.open(path, flags, 0o600)
                os.dup2(f, fd)
                os.close(f)
            os.execvp(cmd[0], cmd)
        finally:
            os._exit(127)
    deadline = start + limit
    while True:
        got, status, usage = os.wait4(pid, os.WNOHANG)
        if got == pid:
            break
        if time.monotonic() > deadline:
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            got, status, usage = os.wait4(pid, 0)
            break
        time.sleep(0.02)
    secs = time.monotonic() - start
    code = os.waitstatus_to_exitcode(status)
    code = 128 - code if code < 0 else code
    print('%d %.2f %d' % (code, secs, usage.ru_maxrss))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
