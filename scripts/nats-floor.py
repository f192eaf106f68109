#!/usr/bin/env python3
# The floor of NATS request/reply on this machine: two raw sockets, blocking calls, no client at
# all. usage: nats-floor.py nats://HOST:PORT COUNT  (prints "RESULT floor_p50_us N us")
import socket, sys, time
host, port = sys.argv[1].rsplit("/", 1)[-1].split(":")
def connect(subject):
    s = socket.create_connection((host, int(port)))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.recv(4096)
    s.sendall(b'CONNECT {"verbose":false}\r\nSUB ' + subject + b' 1\r\nPING\r\n')
    buffer = b""
    while b"PONG" not in buffer:
        buffer += s.recv(4096)
    return s
responder, requester = connect(b"floor.echo"), connect(b"floor.inbox")
latencies = []
for _ in range(int(sys.argv[2])):
    start = time.perf_counter()
    requester.sendall(b"PUB floor.echo floor.inbox 4\r\nping\r\n")
    responder.recv(4096)
    responder.sendall(b"PUB floor.inbox 4\r\npong\r\n")
    requester.recv(4096)
    latencies.append((time.perf_counter() - start) * 1e6)
latencies.sort()
print(f"RESULT floor_p50_us {latencies[len(latencies) // 2]:.1f} us")
