#!/usr/bin/python3
"""A TCP relay on loopback that behaves like a slow link: a one-way delay and a rate cap.

usage: relay.py [--rtt-ms MS] [--mbit RATE] [--listen-port N] [--stats FILE] HOST PORT

Listens on 127.0.0.1 (a free port unless --listen-port), prints the port on stdout as
one line, and forwards each accepted connection to HOST:PORT.  Every chunk read in
either direction is delivered RTT/2 after it was read, and no faster than RATE Mbit/s
(10^6 bits per second) in that direction: all connections of one direction share one
link, so N connections share RATE rather than getting N times it.  Order within a
connection is kept.  Each direction holds at most --buffer-kib of a connection's data
(default: 4 MiB, or twice the bandwidth-delay product if that is more); past that the
relay stops reading, and TCP flow control holds the sender back.

With no --rtt-ms and no --mbit it forwards as fast as it can: use it so to count the
bytes on the wire.  SIGTERM or SIGINT stops it; it then writes to --stats FILE (also on
SIGUSR1) a JSON object: {"up": bytes client->server, "down": bytes server->client,
"connections": accepted, "rtt_ms": .., "mbit": ..}."""
import argparse
import asyncio
import collections
import json
import os
import signal
import socket
import sys

CHUNK = 16384       # read size: 1.3 ms of serialisation at 100 Mbit/s


class Link:
    """One direction of the link, shared by every connection: a virtual clock of when
    the wire is next free (a token bucket with no burst), plus the propagation delay."""

    def __init__(self, delay_s, bytes_per_s):
        self.delay_s, self.bytes_per_s = delay_s, bytes_per_s
        self.free_at = 0.0
        self.bytes = 0

    def deliver_at(self, now, size):
        """When a chunk of size bytes read at now reaches the other end."""
        self.bytes += size
        if not self.bytes_per_s:
            return now + self.delay_s
        self.free_at = max(now, self.free_at) + size / self.bytes_per_s
        return self.free_at + self.delay_s


class Pipe:
    """One direction of one connection: reader -> bounded queue -> writer."""

    def __init__(self, reader, writer, link, limit):
        self.reader, self.writer, self.link, self.limit = reader, writer, link, limit
        self.queue = collections.deque()       # (deliver_at, bytes); None = EOF
        self.queued = 0
        self.ready = asyncio.Event()           # the writer has something to do
        self.room = asyncio.Event()            # the reader may read again
        self.room.set()

    async def read_side(self):
        loop = asyncio.get_running_loop()
        try:
            while True:
                await self.room.wait()
                data = await self.reader.read(CHUNK)
                if not data:
                    break
                self.queue.append((self.link.deliver_at(loop.time(), len(data)), data))
                self.queued += len(data)
                if self.queued >= self.limit:
                    self.room.clear()
                self.ready.set()
        finally:
            self.queue.append(None)
            self.ready.set()

    async def write_side(self):
        loop = asyncio.get_running_loop()
        while True:
            while not self.queue:
                self.ready.clear()
                await self.ready.wait()
            item = self.queue.popleft()
            if item is None:
                if self.writer.can_write_eof():
                    self.writer.write_eof()
                return
            when, data = item
            wait = when - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            self.writer.write(data)
            await self.writer.drain()
            self.queued -= len(data)
            if self.queued < self.limit:
                self.room.set()


class Relay:
    def __init__(self, args):
        self.args = args
        one_way = args.rtt_ms / 2000.0
        rate = args.mbit * 1e6 / 8 if args.mbit else 0
        self.up, self.down = Link(one_way, rate), Link(one_way, rate)
        self.limit = max(args.buffer_kib << 10, int(2 * rate * args.rtt_ms / 1000.0))
        self.connections = 0
        self.tasks = set()

    async def handle(self, c_reader, c_writer):
        self.connections += 1
        task = asyncio.current_task()
        self.tasks.add(task)
        s_writer = None
        try:
            s_reader, s_writer = await asyncio.open_connection(self.args.host, self.args.port)
            for w in (c_writer, s_writer):
                w.get_extra_info('socket').setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            pipes = (Pipe(c_reader, s_writer, self.up, self.limit), Pipe(s_reader, c_writer, self.down, self.limit))
            halves = [asyncio.ensure_future(f()) for p in pipes for f in (p.read_side, p.write_side)]
            try:
                await asyncio.wait(halves, return_when=asyncio.FIRST_EXCEPTION)
            finally:
                for h in halves:            # a reset on either side ends the whole connection
                    h.cancel()
                await asyncio.gather(*halves, return_exceptions=True)
        except OSError:
            pass                            # the target refused or reset: the client sees a close
        finally:
            for w in (c_writer, s_writer):
                if w is not None:
                    w.close()
            self.tasks.discard(task)

    def stats(self):
        return {'up': self.up.bytes, 'down': self.down.bytes, 'connections': self.connections,
                'rtt_ms': self.args.rtt_ms, 'mbit': self.args.mbit}

    def write_stats(self):
        if not self.args.stats:
            return
        tmp = self.args.stats + '.tmp'
        with open(tmp, 'w') as f:
            json.dump(self.stats(), f)
        os.replace(tmp, self.args.stats)

    async def main(self):
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        loop.add_signal_handler(signal.SIGUSR1, self.write_stats)
        server = await asyncio.start_server(self.handle, '127.0.0.1', self.args.listen_port)
        print(server.sockets[0].getsockname()[1], flush=True)
        await stop.wait()
        server.close()
        for t in list(self.tasks):
            t.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        self.write_stats()


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--rtt-ms', type=float, default=0.0, help='round-trip time to add (default 0)')
    ap.add_argument('--mbit', type=float, default=0.0, help='rate cap per direction, Mbit/s (default: none)')
    ap.add_argument('--buffer-kib', type=int, default=4096, help='data held per connection and direction')
    ap.add_argument('--listen-port', type=int, default=0)
    ap.add_argument('--stats', help='JSON file for the byte counts, written at exit and on SIGUSR1')
    ap.add_argument('host')
    ap.add_argument('port', type=int)
    a = ap.parse_args(argv)
    if a.rtt_ms < 0 or a.mbit < 0 or a.buffer_kib <= 0:
        ap.error('--rtt-ms and --mbit must not be negative, --buffer-kib must be positive')
    return a


if __name__ == '__main__':
    asyncio.run(Relay(parse_args(sys.argv[1:])).main())
