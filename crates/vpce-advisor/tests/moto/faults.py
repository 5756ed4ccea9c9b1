"""A fault-injecting HTTP proxy in front of an AWS API emulator, on 127.0.0.1.

    faults.py UPSTREAM_URL MODE [KEY_PART [ARG]]

Prints the port it listens on, then forwards every request to UPSTREAM_URL.
GETs of log objects (keys under AWSLogs/) are damaged by MODE:

  short       the first GET of each object sends half the body, then closes
              the connection (Content-Length promises the whole body)
  reset       the first GET of each object sends half the body, then resets
              the connection
  slowdown    the first GET of each object is answered 503 SlowDown
  broken      every GET of the objects whose key contains KEY_PART breaks:
              the first sends half the body, resumes send none of it
  stall       the first GET of each object whose key contains KEY_PART
              sends half the body, then nothing for ARG seconds, then closes
              the connection
  slowheaders the first GET of each object whose key contains KEY_PART is
              answered (in full) only after ARG seconds
  deny        every EC2 query call whose Action is KEY_PART (e.g.
              DescribeFlowLogs) is answered 403 UnauthorizedOperation, as
              for credentials without that IAM action; nothing else is touched

Ranged GETs (resumes) are forwarded untouched in the other modes.

CloudWatch Logs (JSON API, the operation in the X-Amz-Target header, e.g.
Logs_20140328.FilterLogEvents; KEY_PART is the operation's name):

  logsflaky   the first request of each distinct body is answered 500
              ServiceUnavailableException (the SDK's retry sends the same body)
  logsbroken  every request whose body contains ARG is answered 500
              ServiceUnavailableException, retries too
"""

import http.client
import socket
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

upstream = urlsplit(sys.argv[1])
mode = sys.argv[2]
key_part = sys.argv[3] if len(sys.argv) > 3 else None
arg = sys.argv[4] if len(sys.argv) > 4 else None
seen = set()
lock = threading.Lock()
HOP = {"connection", "keep-alive", "transfer-encoding", "proxy-connection", "upgrade"}


class Proxy(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def forward(self):
        body = self.body
        conn = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=60)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP}
        conn.request(self.command, self.path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        conn.close()
        return resp, data

    def fault(self):
        if self.command != "GET" or "/AWSLogs/" not in self.path or "list-type" in self.path:
            return None
        if mode == "broken":
            if key_part not in self.path:
                return None
            return "none" if self.headers.get("Range") else "short"
        if self.headers.get("Range"):
            return None
        if mode in ("stall", "slowheaders") and key_part not in self.path:
            return None
        key = self.path.split("?")[0]
        with lock:
            if key in seen:
                return None
            seen.add(key)
        return {"short": "short", "reset": "reset", "slowdown": "slowdown", "stall": "stall", "slowheaders": "slowheaders"}.get(mode)

    def logs_fault(self):
        """Whether this CloudWatch Logs call is answered 500 (logs modes)."""
        target = self.headers.get("X-Amz-Target") or ""
        if mode not in ("logsflaky", "logsbroken") or target != "Logs_20140328." + key_part:
            return False
        body = self.body or b""
        if mode == "logsbroken":
            return arg.encode() in body
        with lock:
            if body in seen:
                return False
            seen.add(body)
        return True

    def denied(self):
        if mode != "deny" or not self.body:
            return False
        fields = self.body.split(b"&")
        return ("Action=" + key_part).encode() in fields

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        self.body = self.rfile.read(length) if length else None
        if self.denied():
            body = (
                b'<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>UnauthorizedOperation</Code>'
                b"<Message>You are not authorized to perform this operation.</Message></Error></Errors>"
                b"<RequestID>faults-py</RequestID></Response>"
            )
            self.send_response(403)
            self.send_header("Content-Type", "text/xml;charset=UTF-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        if self.logs_fault():
            body = b'{"__type":"ServiceUnavailableException","message":"faults.py: service unavailable"}'
            self.send_response(500)
            self.send_header("Content-Type", "application/x-amz-json-1.1")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        fault = self.fault()
        if fault == "slowheaders":
            time.sleep(float(arg))
            fault = None
        if fault == "slowdown":
            self.forward()
            body = b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>'
            self.send_response(503)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        resp, data = self.forward()
        self.send_response(resp.status)
        for k, v in resp.getheaders():
            if k.lower() not in HOP and k.lower() != "content-length":
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if fault in ("short", "reset", "none", "stall") and resp.status in (200, 206) and len(data) > 1:
            self.wfile.write(data[: len(data) // 2] if fault != "none" else b"")
            self.wfile.flush()
            if fault == "stall":
                time.sleep(float(arg))
            if fault == "reset":
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()
            return
        self.wfile.write(data)

    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = handle_any


server = ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
server.daemon_threads = True
print(server.server_address[1], flush=True)
server.serve_forever()
