#!/usr/bin/env bash
# Every test vpce-advisor has, with its own set-up, on a machine with only the
# Rust toolchain and Python 3:
#   1. the Rust test suite (unit, property, snapshot, end-to-end CLI tests, and
#      the AWS tests against moto_server);
#      The live tests start moto_server (from the same venv) on 127.0.0.1.
#      The HTML report is loaded by headless Chromium and the table is drawn
#      in tmux at 80 and 120 columns (Debian's chromium and tmux packages,
#      installed here when missing).
#   2. the generated Terraform and CloudFormation through cfn-lint, checkov and
#      python-hcl2 (installed into target/validators-venv from
#      scripts/validators.txt), and terraform fmt where terraform is installed.
# The last line is the total: "total: N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."

venv=${VPCE_VALIDATORS_VENV:-target/validators-venv}
if [ ! -x "$venv/bin/checkov" ] || ! cmp -s scripts/validators.txt "$venv/validators.txt"; then
  echo "installing the test tools (validators, moto) into $venv"
  rm -rf "$venv"
  if ! python3 -m venv "$venv"; then
    # Debian's system Python keeps venv in a separate package.
    (apt-get update -qq && apt-get install -y -qq python3-venv) >/dev/null
    python3 -m venv "$venv"
  fi
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r scripts/validators.txt
  cp scripts/validators.txt "$venv/validators.txt"
fi

# The browser and the terminal the report tests use.
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v tmux >/dev/null 2>&1 || missing+=(tmux)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]}"
  SUDO=$([ "$(id -u)" -eq 0 ] || echo sudo)
  ($SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}") >/dev/null
fi
export VPCE_REQUIRE_BROWSER=1 VPCE_REQUIRE_TMUX=1

log=$(mktemp)
trap 'rm -f "$log"' EXIT
MOTO_SERVER="$PWD/$venv/bin/moto_server" cargo test --workspace --locked 2>&1 | tee "$log"
cargo build --quiet --locked -p vpce-advisor
scripts/validate-iac.sh "$venv" target/debug/vpce-advisor 2>&1 | tee -a "$log"

passed=$(grep -E '^(test result:|iac-validation:)' "$log" | sed -E 's/.* ([0-9]+) passed.*/\1/' | awk '{s += $1} END {print s + 0}')
failed=$(grep -E '^(test result:|iac-validation:)' "$log" | sed -E 's/.* ([0-9]+) failed.*/\1/' | awk '{s += $1} END {print s + 0}')
echo
echo "total: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
