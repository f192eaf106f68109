#!/usr/bin/env python3
"""oauth2-introspect.py - a tiny OAuth 2.0 token introspection endpoint (RFC 7662) on 127.0.0.1,
for Dovecot's oauth2 passdb in the test harness (dovecot-start.sh --oauth2-url).

usage: oauth2-introspect.py [--watch-pid PID] TOKENS_FILE PORT_FILE

  TOKENS_FILE  one "TOKEN USER" pair a line: the tokens it accepts, and whose they are
  PORT_FILE    written (atomically) with the port it listens on, once it accepts connections

POST /introspect with the form body token=TOKEN (Dovecot's introspection_mode = post) answers
{"active": true, "username": USER} for a known token and {"active": false} for any other.
Every request is appended to PORT_FILE.requests as one line "ACTIVE|INACTIVE", never the token.
Stdlib only; exits on SIGTERM, or once process PID (the test run) is gone.
"""
import http.server
import json
import os
import sys
import threading
import time
import urllib.parse


def main():
    args = sys.argv[1:]
    watch_pid = None
    if args[:1] == ["--watch-pid"]:
        watch_pid, args = int(args[1]), args[2:]
    tokens_file, port_file = args
    with open(tokens_file, encoding="utf-8") as f:
        tokens = dict(line.rstrip("\n").split(" ", 1) for line in f if " " in line)
    requests_log = port_file + ".requests"

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            form = urllib.parse.parse_qs(self.rfile.read(length).decode("utf-8", "replace"))
            token = (form.get("token") or [""])[0]
            user = tokens.get(token) if self.path.split("?")[0] == "/introspect" else None
            body = {"active": True, "username": user} if user else {"active": False}
            with open(requests_log, "a", encoding="utf-8") as log:
                log.write("ACTIVE\n" if user else "INACTIVE\n")
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format, *args):  # requests carry tokens: log nothing
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with open(port_file + ".tmp", "w", encoding="utf-8") as f:
        f.write(str(server.server_address[1]))
    os.replace(port_file + ".tmp", port_file)

    def watch():
        while True:
            time.sleep(1)
            try:
                os.kill(watch_pid, 0)
            except OSError:
                server.shutdown()
                return

    if watch_pid is not None:
        threading.Thread(target=watch, daemon=True).start()
    server.serve_forever()


if __name__ == "__main__":
    main()
