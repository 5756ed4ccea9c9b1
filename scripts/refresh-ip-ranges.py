#!/usr/bin/env python3
"""Turn AWS's ip-ranges.json into the compact snapshot vpce-advisor embeds.

Usage: scripts/refresh-ip-ranges.py ip-ranges.json > data/ip-ranges.json

The compact form keeps one row per CIDR with the most specific service code:
a prefix listed under AMAZON and under S3 becomes S3. vpce-advisor also reads
the original file directly (--ip-ranges), so this step only saves space.
"""
import json, sys, datetime

PRIORITY = ["S3", "DYNAMODB"]  # codes that decide gateway-endpoint eligibility come first

def main(path):
    src = json.load(open(path))
    rows = {}
    for key, cidr_key in (("prefixes", "ip_prefix"), ("ipv6_prefixes", "ipv6_prefix")):
        for p in src[key]:
            cidr, region, svc = p[cidr_key], p["region"], p["service"]
            cur = rows.get(cidr)
            if cur is None or rank(svc) < rank(cur[2]):
                rows[cidr] = [cidr, region, svc]
    created = datetime.datetime.strptime(src["createDate"], "%Y-%m-%d-%H-%M-%S")
    out = {
        "format": "vpce-advisor-ip-ranges/1",
        "as_of": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "sync_token": src["syncToken"],
        "source": "https://ip-ranges.amazonaws.com/ip-ranges.json (createDate %s)" % src["createDate"],
        "prefixes": sorted(rows.values(), key=lambda r: (":" in r[0], r[0])),
    }
    sys.stdout.write("{\n")
    for k in ("format", "as_of", "sync_token", "source"):
        sys.stdout.write("  %s: %s,\n" % (json.dumps(k), json.dumps(out[k])))
    sys.stdout.write('  "prefixes": [\n')
    sys.stdout.write(",\n".join("    " + json.dumps(r, separators=(",", ":")) for r in out["prefixes"]))
    sys.stdout.write("\n  ]\n}\n")

def rank(svc):
    if svc in PRIORITY:
        return PRIORITY.index(svc)
    return 10 if svc == "AMAZON" else 5

if __name__ == "__main__":
    main(sys.argv[1])
