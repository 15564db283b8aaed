#!/usr/bin/python3
"""A TCP relay on loopback that breaks an SMB connection on purpose (issue 15, docs/reliability.md).

usage: smb_relay.py --fault MODE [--at BYTES] [--run CMD] [--stats FILE] HOST PORT

Listens on 127.0.0.1 (a free port), prints the port on stdout as one line, and forwards
each accepted connection to HOST:PORT one SMB message at a time: SMB2 over TCP frames
every message with a 4-byte header, a zero byte then a 24-bit length ([MS-SMB2] 2.1,
"Direct TCP transport").  Knowing where messages end lets the relay tell a request from
its reply.  BYTES counts the bytes of both directions of every connection together; the
first message that takes the count past BYTES triggers MODE:

  pass          nothing: forward everything (to count bytes)
  close-before  that message is dropped and the connection closed: a request that gets
                no reply
  close-after   that message is forwarded, then the connection is closed as soon as the
                next message from the server (its reply) has been forwarded
  cut           only the part of that message up to BYTES is forwarded, then the
                connection is closed: a link cut in the middle of a message
  slow          from then on the server's messages are delivered one byte a second
  run           CMD is run once (sh -c), for instance to kill the server, and forwarding
                goes on with whatever the server still does

After close-before, close-after and cut the host stays unreachable: a new connection is
closed at once, as a host that went away.  SIGTERM or SIGINT stops the relay; it then
writes to --stats FILE a JSON object {"bytes": N, "connections": N, "fired": bool}.
tests/lib/relay.py is the one that models a slow link; this one only breaks things."""
import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys

MODES = ('pass', 'close-before', 'close-after', 'cut', 'slow', 'run')


class Relay:
    def __init__(self, args):
        self.args = args
        self.bytes = 0
        self.connections = 0
        self.fired = False
        self.tasks = set()

    def crosses(self, size):
        """Whether a message of size bytes is the one that fires the fault."""
        return (not self.fired and self.args.fault != 'pass'
                and self.bytes + size > self.args.at)

    def fire(self):
        self.fired = True
        if self.args.fault == 'run' and self.args.run:
            subprocess.run(['sh', '-c', self.args.run], check=False)

    async def read_message(self, reader):
        head = await reader.readexactly(4)
        return head + await reader.readexactly(int.from_bytes(head[1:4], 'big'))

    async def send(self, writer, data, slow):
        if not slow:
            writer.write(data)
            await writer.drain()
            return
        for i in range(len(data)):
            writer.write(data[i:i + 1])
            await writer.drain()
            await asyncio.sleep(1.0)

    async def pump(self, reader, writer, conn, to_client):
        """One direction: client to server, or (to_client) server to client. The fault
        fires on the message that crosses --at, whichever way it goes."""
        while True:
            msg = await self.read_message(reader)
            if self.crosses(len(msg)):
                self.fire()
                mode = self.args.fault
                if mode == 'close-before':
                    return
                if mode == 'cut':
                    writer.write(msg[:max(0, self.args.at - self.bytes)])
                    await writer.drain()
                    return
                if mode == 'close-after':
                    conn['close_after_reply'] = True
                    if to_client:           # the reply goes out, then the connection ends
                        self.bytes += len(msg)
                        await self.send(writer, msg, False)
                        return
            self.bytes += len(msg)
            await self.send(writer, msg, to_client and self.fired and self.args.fault == 'slow')
            if to_client and conn.get('close_after_reply'):
                return

    async def handle(self, c_reader, c_writer):
        self.connections += 1
        task = asyncio.current_task()
        self.tasks.add(task)
        s_writer = None
        try:
            if self.fired and self.args.fault in ('close-before', 'close-after', 'cut'):
                return                      # the host went away
            s_reader, s_writer = await asyncio.open_connection(self.args.host, self.args.port)
            conn = {}
            halves = [asyncio.ensure_future(self.pump(c_reader, s_writer, conn, False)),
                      asyncio.ensure_future(self.pump(s_reader, c_writer, conn, True))]
            try:                            # either side ending, or breaking, ends both
                await asyncio.wait(halves, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for h in halves:
                    h.cancel()
                await asyncio.gather(*halves, return_exceptions=True)
        except OSError:
            pass                            # the server refused or reset: the client sees a close
        finally:
            for w in (c_writer, s_writer):
                if w is not None:
                    w.close()
            self.tasks.discard(task)

    def write_stats(self):
        if not self.args.stats:
            return
        tmp = self.args.stats + '.tmp'
        with open(tmp, 'w') as f:
            json.dump({'bytes': self.bytes, 'connections': self.connections,
                       'fired': self.fired}, f)
        os.replace(tmp, self.args.stats)

    async def main(self):
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        server = await asyncio.start_server(self.handle, '127.0.0.1', 0)
        print(server.sockets[0].getsockname()[1], flush=True)
        await stop.wait()
        server.close()
        for t in list(self.tasks):
            t.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        self.write_stats()


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--fault', choices=MODES, default='pass')
    ap.add_argument('--at', type=int, default=0, help='bytes (both directions) before the fault')
    ap.add_argument('--run', help='with --fault run: the shell command to run once')
    ap.add_argument('--stats', help='JSON file written at exit')
    ap.add_argument('host')
    ap.add_argument('port', type=int)
    a = ap.parse_args(argv)
    if a.at < 0:
        ap.error('--at must not be negative')
    return a


if __name__ == '__main__':
    asyncio.run(Relay(parse_args(sys.argv[1:])).main())
