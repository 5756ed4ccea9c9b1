"""Seeds the fuzz corpus from the simulator's output.

    seeds.py SIMULATED_DIR CORPUS_DIR

Small real-shaped inputs per target: the first lines of flow-log and
Resolver-log files, the envelopes Resolver records arrive in (CloudWatch
Logs subscription and Lambda events, export-task lines, Firehose's
concatenated records, shippers' `message` wrappers), Logs Insights results,
and whole gzip files (one member and two).
"""

import base64
import gzip
import json
import os
import sys

sim, corpus = sys.argv[1], sys.argv[2]
files = sorted(os.path.join(d, f) for d, _, fs in os.walk(sim) for f in fs if f.endswith(".log.gz"))
flows = [f for f in files if "vpcflowlogs" in f][:3]
dns = [f for f in files if "vpcdnsquerylogs" in f][:3]


def lines(path, n):
    with gzip.open(path, "rb") as f:
        return f.read().split(b"\n")[:n]


def put(target, name, data):
    os.makedirs(os.path.join(corpus, target), exist_ok=True)
    with open(os.path.join(corpus, target, name), "wb") as f:
        f.write(data)


for i, f in enumerate(flows):
    ls = lines(f, 12)
    put("flow_text", f"flow{i}", b"\n".join(ls) + b"\n")
    put("flow_text", f"flow{i}-noheader", b"\n".join(ls[1:]) + b"\n")

records = [l for f in dns for l in lines(f, 4) if l.strip()]
put("resolver_json", "records", b"\n".join(records[:6]) + b"\n")
events = [{"id": str(i), "timestamp": 1793491200000 + i, "message": r.decode()} for i, r in enumerate(records[:3])]
envelope = json.dumps({
    "messageType": "DATA_MESSAGE", "owner": "123456789012", "logGroup": "/vpce/dns",
    "logStream": "vpc-0a1b2c3d4e5f60718", "subscriptionFilters": ["f"], "logEvents": events,
}).encode()
put("resolver_json", "subscription", envelope + b"\n")
lambda_event = {"awslogs": {"data": base64.b64encode(gzip.compress(envelope)).decode()}}
put("resolver_json", "lambda", json.dumps(lambda_event).encode() + b"\n")
put("resolver_json", "export", b"".join(b"2026-11-01T00:00:00.000Z " + r + b"\n" for r in records[:3]))
put("resolver_json", "firehose", b"".join(records[:3]))
put("resolver_json", "shipper", b"".join(json.dumps({"message": r.decode()}).encode() + b"\n" for r in records[:3]))
put("resolver_json", "filter-log-events", json.dumps({"events": events}).encode())

def results(rows):
    return json.dumps({"status": "Complete", "results": [[{"field": k, "value": v} for k, v in r] for r in rows]}).encode()

dns_row = [("qname", "sts.us-east-1.amazonaws.com."), ("vpc", "vpc-0a1b2c3d4e5f60718"), ("rgn", "us-east-1"),
           ("acct", "123456789012"), ("a0", "52.94.0.1"), ("a1", "-"), ("a2", "-"), ("a3", "-"), ("a4", "-"),
           ("a5", "-"), ("hour", "2026-11-01 00:00:00.000"), ("queries", "12")]
put("insights_rows", "dns", results([dns_row, dns_row[:3]]))
flow_row = [("f_interface_id", "eni-0a"), ("f_srcaddr", "10.0.1.5"), ("f_dstaddr", "52.94.0.1"),
            ("f_pkt_dstaddr", "-"), ("f_flow_direction", "egress"), ("hour", "2026-11-01 00:00:00.000"),
            ("bytes", "5000"), ("packets", "10"), ("start", "1793491200"), ("end", "1793491260")]
put("insights_rows", "flow", results([flow_row]))

for i, f in enumerate(flows[:1] + dns[:1]):
    with open(f, "rb") as src:
        data = src.read()
    put("ingest_gzip", f"one-member{i}", data)
    put("ingest_gzip", f"two-members{i}", data + gzip.compress(b"\n".join(lines(f, 3)) + b"\n"))
put("ingest_gzip", "plain-flow", b"\n".join(lines(flows[0], 6)) + b"\n")
