"""Test hook --fault-drop-after-stdin-bytes N: a network drop in the middle of an upload.

The first Send whose data brings one command's stdin to N bytes or more (counting the
bytes of every Send to that command) is not delivered and gets no reply: the server
kills the command's processes, so what they wrote so far stays as it was (a Windows
host keeps a partial file when the connection to its client goes), and closes the TCP
connection without a response. It fires once per server run, so a retry or `--resume`
then goes through. The state file's "fault_stdin_drop" tells a test whether and where
it fired.
"""
import threading
import time

# Before the kill, the bytes of earlier Sends get to the process (bounded waits), so the
# partial file normally holds all of them: what a host would have written by then.
DRAIN_WAIT = 5.0
WRITE_GRACE = 0.3


class DropConnection(Exception):
    """Raised through the service: the HTTP layer closes the connection, no reply."""


class StdinDrop:
    def __init__(self, limit, log):
        self.limit, self.log = limit, log
        self.lock = threading.Lock()
        self.fired = False
        self.command_id = None
        self.delivered = 0        # the command's stdin bytes delivered before the drop

    def check(self, cmd, nbytes):
        """Raises DropConnection (after killing cmd) when this Send of nbytes is the one."""
        with self.lock:
            if not self.limit or self.fired or cmd.stdin_bytes + nbytes < self.limit:
                return
            self.fired, self.command_id, self.delivered = True, cmd.id, cmd.stdin_bytes
        self.log('fault: dropping the connection at %d + %d stdin bytes of command %s'
                 % (cmd.stdin_bytes, nbytes, cmd.id))
        cmd.wait_stdin_taken(DRAIN_WAIT)
        time.sleep(WRITE_GRACE)
        cmd.kill()
        raise DropConnection()

    def state(self):
        with self.lock:
            return {'limit': self.limit, 'fired': self.fired, 'command_id': self.command_id,
                    'stdin_bytes_delivered': self.delivered}
