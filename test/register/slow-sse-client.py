"""A client that asks for the live feed and then does not read: its receive buffer is made small
(SO_RCVBUF, which also turns off the kernel's autotuning), so the server's buffer for it fills.
When a line arrives on stdin it reads everything and prints it."""
import socket
import sys

host, port, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect((host, port))
s.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept: text/event-stream\r\n\r\n".encode())
print("requested", flush=True)
sys.stdin.readline()
s.settimeout(30)
received = bytearray()
while True:
    try:
        chunk = s.recv(65536)
    except socket.timeout:
        break
    if not chunk:
        break
    received += chunk
sys.stdout.write(received.decode("utf-8", "replace"))
sys.stdout.flush()
