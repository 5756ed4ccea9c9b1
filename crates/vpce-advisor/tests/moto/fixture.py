"""Builds a VPC like the one `vpce-advisor simulate` describes, in moto_server,
and loads the simulated logs into its S3 and CloudWatch Logs.

Usage: fixture.py ENDPOINT_URL DATA_DIR   (prints the IDs it made as JSON)

The VPC has known faults for preflight to find: DNS hostnames off, an S3
gateway endpoint missing from the private route table, and a CloudWatch Logs
interface endpoint in one AZ whose security group admits only one of the two
workload subnets.
"""

import json
import os
import sys

import boto3

endpoint, data = sys.argv[1], sys.argv[2]
kw = dict(
    endpoint_url=endpoint,
    region_name="us-east-1",
    aws_access_key_id="testing",
    aws_secret_access_key="testing",
)
ec2 = boto3.client("ec2", **kw)
s3 = boto3.client("s3", **kw)
logs = boto3.client("logs", **kw)

vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsSupport={"Value": True})


def subnet(cidr, az):
    return ec2.create_subnet(VpcId=vpc, CidrBlock=cidr, AvailabilityZone=az)["Subnet"]["SubnetId"]


public = subnet("10.0.0.0/24", "us-east-1a")
private_a = subnet("10.0.1.0/24", "us-east-1a")
private_b = subnet("10.0.2.0/24", "us-east-1b")

igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
public_rt = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
ec2.create_route(RouteTableId=public_rt, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
ec2.associate_route_table(RouteTableId=public_rt, SubnetId=public)

eip = ec2.allocate_address(Domain="vpc")["AllocationId"]
nat = ec2.create_nat_gateway(SubnetId=public, AllocationId=eip)["NatGateway"]["NatGatewayId"]
private_rt = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
ec2.create_route(RouteTableId=private_rt, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
ec2.associate_route_table(RouteTableId=private_rt, SubnetId=private_a)
ec2.associate_route_table(RouteTableId=private_rt, SubnetId=private_b)

# S3 gateway endpoint on the public route table only.
s3_gw = ec2.create_vpc_endpoint(
    VpcId=vpc,
    ServiceName="com.amazonaws.us-east-1.s3",
    VpcEndpointType="Gateway",
    RouteTableIds=[public_rt],
)["VpcEndpoint"]["VpcEndpointId"]

# CloudWatch Logs interface endpoint in us-east-1a only; its security group
# admits 10.0.1.0/24 but not 10.0.2.0/24.
sg = ec2.create_security_group(GroupName="logs-endpoint", Description="logs endpoint", VpcId=vpc)["GroupId"]
ec2.authorize_security_group_ingress(
    GroupId=sg,
    IpPermissions=[{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "10.0.1.0/24"}]}],
)
logs_ep = ec2.create_vpc_endpoint(
    VpcId=vpc,
    ServiceName="com.amazonaws.us-east-1.logs",
    VpcEndpointType="Interface",
    SubnetIds=[private_a],
    SecurityGroupIds=[sg],
    PrivateDnsEnabled=True,
)["VpcEndpoint"]["VpcEndpointId"]

# Private hosted zones associated with the VPC: one the endpoints' private
# DNS does not meet, and one for the CloudWatch Logs name itself.
route53 = boto3.client("route53", **kw)
for zone in ["corp.example.internal", "logs.us-east-1.amazonaws.com"]:
    route53.create_hosted_zone(
        Name=zone,
        CallerReference=zone,
        HostedZoneConfig={"PrivateZone": True, "Comment": "fixture"},
        VPC={"VPCRegion": "us-east-1", "VPCId": vpc},
    )

# The simulated logs, in S3 under their AWSLogs/ keys.
bucket = "vpce-advisor-logs"
s3.create_bucket(Bucket=bucket)
keys = 0
for root, _, files in os.walk(os.path.join(data, "AWSLogs")):
    for f in files:
        path = os.path.join(root, f)
        key = "team/" + os.path.relpath(path, data).replace(os.sep, "/")
        s3.upload_file(path, bucket, key)
        keys += 1
# Something the listing must not descend into.
s3.put_object(Bucket=bucket, Key="team/AWSLogs/123456789012/CloudTrail/us-east-1/2026/11/01/x.json.gz", Body=b"not a log")

# The same logs in CloudWatch Logs, one event per record.
import gzip
import time


def records(kind):
    for root, _, files in os.walk(os.path.join(data, "AWSLogs")):
        if kind not in root:
            continue
        for f in sorted(files):
            with gzip.open(os.path.join(root, f), "rt") as fh:
                for line in fh:
                    line = line.rstrip("\n")
                    if line and not line.startswith("version "):
                        yield line


def put(group, stream, events):
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName=stream)
    events.sort(key=lambda e: e["timestamp"])
    for i in range(0, len(events), 5000):
        r = logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=events[i : i + 5000])
        if r.get("rejectedLogEventsInfo"):
            raise SystemExit(f"CloudWatch Logs rejected events: {r['rejectedLogEventsInfo']}")
    return len(events)


def dns_ts(line):
    t = json.loads(line)["query_timestamp"]
    return int(time.mktime(time.strptime(t[:19], "%Y-%m-%dT%H:%M:%S")) - time.timezone) * 1000


dns_events = put("/vpce/dns", "vpc", [{"timestamp": dns_ts(l), "message": l} for l in records("vpcdnsquerylogs")])
flow_events = put(
    "/vpce/flow",
    "eni",
    [{"timestamp": int(l.split(" ")[10]) * 1000, "message": l} for l in records("vpcflowlogs")],
)
fmt = " ".join("${%s}" % f for f in next(
    line for line in (gzip.open(os.path.join(r, fs[0]), "rt").readline() for r, _, fs in os.walk(os.path.join(data, "AWSLogs")) if fs and "vpcflowlogs" in r)
).split())
ec2.create_flow_logs(
    ResourceIds=[vpc],
    ResourceType="VPC",
    TrafficType="ALL",
    LogDestinationType="cloud-watch-logs",
    LogGroupName="/vpce/flow",
    DeliverLogsPermissionArn="arn:aws:iam::123456789012:role/flow-logs",
    LogFormat=fmt,
)

print(json.dumps({
    "vpc_id": vpc,
    "public_subnet": public,
    "private_subnets": [private_a, private_b],
    "public_route_table": public_rt,
    "private_route_table": private_rt,
    "nat_gateway": nat,
    "s3_gateway_endpoint": s3_gw,
    "logs_endpoint": logs_ep,
    "logs_endpoint_sg": sg,
    "bucket": bucket,
    "objects": keys,
    "dns_events": dns_events,
    "flow_events": flow_events,
    "flow_format": fmt,
}))
