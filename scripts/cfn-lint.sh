#!/usr/bin/env bash
# Synthesizes the stack for the dev and prod stages (the two differ in retention) into a temporary
# directory and lints the templates with cfn-lint. Offline: no AWS account, no Docker.
#
# Ignored, by id only:
#   W3005  "dependency already enforced by a GetAtt": CDK adds an explicit DependsOn on the role
#          next to the Fn::GetAtt that already implies it. Redundant, harmless, not ours to change.
set -euo pipefail
cd "$(dirname "$0")/.."

export CDK_DISABLE_VERSION_CHECK=1
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true

command -v cfn-lint >/dev/null || { echo "cfn-lint is not on the PATH (pip install cfn-lint)" >&2; exit 127; }

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

for stage in dev prod; do
  npx cdk synth --quiet -c "stage=$stage" --output "$out/$stage" >/dev/null
done

shopt -s nullglob
templates=("$out"/*/*.template.json)
if [ "${#templates[@]}" -eq 0 ]; then
  echo "cfn-lint: synth produced no template" >&2
  exit 1
fi

cfn-lint --ignore-checks W3005 -- "${templates[@]}"
echo "cfn-lint: ${#templates[@]} templates clean (ignored: W3005)"
