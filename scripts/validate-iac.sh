#!/usr/bin/env bash
# Generates every kind of infrastructure code vpce-advisor writes, from a fresh
# simulated analysis, and checks it offline:
#   CloudFormation: cfn-lint (no errors) and checkov (no failed check)
#   Terraform:      python-hcl2 (parses), checkov (no failed check) and, where a
#                   terraform binary is installed, terraform fmt -check and, with
#                   the AWS provider in a filesystem mirror (VPCE_TF_PLUGINS,
#                   default /opt/tf-plugins), terraform init + validate
# Usage: scripts/validate-iac.sh VENV BINARY
# Prints "iac-validation: N passed, M failed" last; exits 1 on any failure.
set -uo pipefail
VENV=$1
BIN=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0
failed=0
check() { # name, command...
  local name=$1; shift
  if "$@" > "$work/out.txt" 2>&1; then
    passed=$((passed + 1)); echo "ok    $name"
  else
    failed=$((failed + 1)); echo "FAIL  $name"; sed 's/^/      /' "$work/out.txt" | tail -40
  fi
}

"$BIN" simulate "$work/sim" --hours 2 --instances 60 --seed 7 2>/dev/null
"$BIN" analyze --dns-logs "$work/sim/AWSLogs" --flow-logs "$work/sim/AWSLogs" --format json -o "$work/report.json" --quiet
ids=(--subnet-ids subnet-0aaaaaaaaaaaaaaaa,subnet-0bbbbbbbbbbbbbbbb --route-table-ids rtb-0cccccccccccccccc)
mkdir -p "$work/tf" "$work/cfn"
"$BIN" iac --report "$work/report.json" "${ids[@]}" -o "$work/tf/endpoints" 2>/dev/null
"$BIN" iac --report "$work/report.json" "${ids[@]}" --policy org --org-id o-abcd123456 --s3-interface --client-cidr 192.168.0.0/16,fd00:1234::/48 --only s3,ssm,kinesis-streams,sts -o "$work/tf/endpoints-org" 2>/dev/null
"$BIN" iac --report "$work/report.json" "${ids[@]}" --policy account -o "$work/tf/endpoints-account" 2>/dev/null
# A saved report with a live inventory: fixes to existing endpoints beside new ones.
fixes="$(dirname "$0")/../crates/vpce-iac/tests/fixtures/report-fix-existing.json"
"$BIN" iac --report "$fixes" -o "$work/tf/endpoints-fix-existing" 2>/dev/null
"$BIN" setup --vpc-id vpc-0a1b2c3d4e5f60718 -o "$work/tf/logging-cloudwatch" >/dev/null 2>&1
"$BIN" setup --vpc-id vpc-0a1b2c3d4e5f60718 --kms-key-arn arn:aws:kms:us-east-1:111122223333:key/0f0f0f0f-1111-2222-3333-444455556666 -o "$work/tf/logging-kms" >/dev/null 2>&1
"$BIN" setup --vpc-id vpc-0a1b2c3d4e5f60718 --destination s3 --bucket my-log-bucket -o "$work/tf/logging-s3" >/dev/null 2>&1
"$BIN" iac endpoint-service --nlb-arn arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/net/my-nlb/0123456789abcdef --allowed-principals arn:aws:iam::444455556666:root -o "$work/tf/endpoint-service" 2>/dev/null
"$BIN" iac --format cloudformation --report "$work/report.json" "${ids[@]}" -o "$work/cfn/endpoints" 2>/dev/null
"$BIN" iac --format cloudformation --report "$work/report.json" "${ids[@]}" --policy org --org-id o-abcd123456 --s3-interface --client-cidr 192.168.0.0/16,fd00:1234::/48 --only s3,ssm,kinesis-streams,sts -o "$work/cfn/endpoints-org" 2>/dev/null
"$BIN" iac --format cloudformation --report "$fixes" -o "$work/cfn/endpoints-fix-existing" 2>/dev/null
"$BIN" setup --format cloudformation --vpc-id vpc-0a1b2c3d4e5f60718 -o "$work/cfn/logging-cloudwatch" >/dev/null 2>&1
"$BIN" setup --format cloudformation --vpc-id vpc-0a1b2c3d4e5f60718 --destination s3 --bucket my-log-bucket -o "$work/cfn/logging-s3" >/dev/null 2>&1
"$BIN" iac endpoint-service --format cloudformation --nlb-arn arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/net/my-nlb/0123456789abcdef -o "$work/cfn/endpoint-service" 2>/dev/null

for t in "$work"/cfn/*/*.yaml; do
  name=${t#"$work"/}
  # cfn-lint exit codes are a bit mask: 2 = errors (warnings alone are 4).
  check "cfn-lint $name" bash -c '"$1/bin/cfn-lint" --regions us-east-1 -- "$2"; rc=$?; [ $((rc & 2)) -eq 0 ]' _ "$VENV" "$t"
done
mirror=${VPCE_TF_PLUGINS:-/opt/tf-plugins}
printf 'provider_installation {\n  filesystem_mirror {\n    path = "%s"\n  }\n}\n' "$mirror" > "$work/terraformrc"
for d in "$work"/tf/*/; do
  name=${d#"$work"/}
  check "python-hcl2 $name" "$VENV/bin/python" -c 'import hcl2, sys; [hcl2.load(open(f)) for f in sys.argv[1:]]' "$d"*.tf
  if command -v terraform >/dev/null 2>&1; then
    check "terraform fmt -check $name" terraform fmt -check -diff "$d"
    if [ -d "$mirror" ]; then
      check "terraform validate $name" bash -c 'cd "$1" && TF_CLI_CONFIG_FILE="$2" TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1 terraform init -backend=false -input=false -no-color >/dev/null && TF_CLI_CONFIG_FILE="$2" CHECKPOINT_DISABLE=1 terraform validate -no-color' _ "$d" "$work/terraformrc"
    fi
  fi
done
# checkov: one run per framework; a parse error is a failure too.
checkov_ok() { grep -q "Failed checks: 0" "$1" && ! grep -q "Parsing errors" "$1" && ! grep -q "Failed checks: [1-9]" "$1"; }
BC_SKIP_MAPPING=TRUE "$VENV/bin/checkov" -d "$work/tf" --framework terraform --skip-download --compact --quiet > "$work/checkov-tf.txt" 2>&1
check "checkov terraform (all modules)" bash -c 'grep -q "Failed checks: 0" "$1" && ! grep -qE "Failed checks: [1-9]|Parsing errors" "$1" || { cat "$1"; exit 1; }' _ "$work/checkov-tf.txt"
BC_SKIP_MAPPING=TRUE "$VENV/bin/checkov" -d "$work/cfn" --framework cloudformation --skip-download --compact --quiet > "$work/checkov-cfn.txt" 2>&1
check "checkov cloudformation (all templates)" bash -c 'grep -q "Failed checks: 0" "$1" && ! grep -qE "Failed checks: [1-9]|Parsing errors" "$1" || { cat "$1"; exit 1; }' _ "$work/checkov-cfn.txt"
grep -E "Passed checks|Skipped checks" "$work"/checkov-*.txt | sed 's/^/      /'

echo "iac-validation: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
