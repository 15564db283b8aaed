"""A web server that is not WinRM, for tests/cli/test_messages.sh: POST gets HTTP 501
(as Python's http.server without do_POST answers) on one port, an HTML 404 on the
second, on the third the connection is closed once the request is read, with no
reply, and the fourth answers HTTP 500 with XML that is not SOAP (as a proxy might).
Writes the four ports to PORT_FILE, serves until killed or for at most LIFETIME s."""
import http.server
import sys
import threading


class Silent(http.server.BaseHTTPRequestHandler):
    """No log lines."""

    def log_message(self, *args):
        pass


class NoPost(Silent):
    """No do_POST: http.server answers 501 Unsupported method."""


class Quiet(Silent):
    """Reads the request body (at most 1 MiB), then answer()s."""

    def do_POST(self):
        length = int(self.headers.get('Content-Length') or 0)
        self.rfile.read(min(length, 1 << 20))
        self.answer()


class NotFound(Quiet):
    def answer(self):
        self.send_error(404, 'Not Found')


class Hangup(Quiet):
    def answer(self):
        self.close_connection = True


class XmlError(Quiet):
    def answer(self):
        body = b'<?xml version="1.0"?><error><code>E42</code><text>upstream failed</text></error>'
        self.send_response(500)
        self.send_header('Content-Type', 'application/xml')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def main():
    port_file, lifetime = sys.argv[1], float(sys.argv[2])
    servers = [http.server.ThreadingHTTPServer(('127.0.0.1', 0), h) for h in (NoPost, NotFound, Hangup, XmlError)]
    for s in servers:
        threading.Thread(target=s.serve_forever, daemon=True).start()
    with open(port_file + '.tmp', 'w') as f:
        f.write(' '.join(str(s.server_address[1]) for s in servers) + '\n')
    import os
    os.rename(port_file + '.tmp', port_file)
    threading.Event().wait(lifetime)


if __name__ == '__main__':
    main()
