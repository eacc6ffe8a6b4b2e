#!/usr/bin/env bash
# Deploy smoke test, fully offline: the real CDK CLI bootstraps, deploys and destroys the stack
# against moto (a local AWS emulator), and the AWS CLI checks what was created in between.
#
# What it proves: the app synthesizes and bundles, the template deploys through CloudFormation,
# and the table, functions (runtime, environment, role; the key authorizer's too) and REST API
# (methods behind the authorizer, CUSTOM, with a usage-plan key) and the dashboard (naming every
# alarm by ARN, graphing the authorizer) come out as intended; then the stack destroys cleanly.
# What it cannot prove: moto neither runs the functions nor serves the API, and it skips TTL
# settings, stages, API keys, usage plans, the Lambda authorizer resource, the API's key source
# (ApiKeySourceType), alarms and metric filters; the template tests (test/infra) and cfn-lint
# cover those.
# Its CloudFormation also drops a function's Architectures and LoggingConfig, so those are not
# checked here either.
#
# Everything moto-specific lives in this script's environment: the app and cdk.json are the ones a
# real deploy uses. Exits non-zero if any step or check fails.
set -euo pipefail
cd "$(dirname "$0")/.."

started_at=$SECONDS
work="$(mktemp -d)"
moto_pid=""

cleanup() {
  local status=$?
  if [ -n "$moto_pid" ] && kill -0 "$moto_pid" 2>/dev/null; then
    kill "$moto_pid" 2>/dev/null || true
    wait "$moto_pid" 2>/dev/null || true
  fi
  if [ "$status" -ne 0 ] && [ -f "$work/moto.log" ]; then
    echo "--- last lines of the moto log ---" >&2
    tail -n 20 "$work/moto.log" >&2 || true
  fi
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT

step() { printf '\n==> [%3ds] %s\n' "$((SECONDS - started_at))" "$*"; }

failures=0
check() { # check <description> <expected> <actual>
  if [ "$2" == "$3" ]; then
    echo "  ok    $1"
  else
    echo "  FAIL  $1: expected '$2', got '$3'" >&2
    failures=$((failures + 1))
  fi
}

for tool in moto_server aws python3 curl; do
  command -v "$tool" >/dev/null || { echo "deploy-smoke: $tool is not on the PATH" >&2; exit 127; }
done

step "starting moto"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
moto_server -H 127.0.0.1 -p "$port" >"$work/moto.log" 2>&1 &
moto_pid=$!
for _ in $(seq 1 100); do
  curl -fsS -o /dev/null "http://127.0.0.1:$port/moto-api/" 2>/dev/null && break
  kill -0 "$moto_pid" 2>/dev/null || { echo "moto_server exited" >&2; exit 1; }
  sleep 0.2
done
curl -fsS -o /dev/null "http://127.0.0.1:$port/moto-api/" || { echo "moto did not start on port $port" >&2; exit 1; }
echo "  moto_server pid $moto_pid on port $port"

# Dummy credentials and one endpoint for every service; nothing here reaches AWS. `localhost`,
# not 127.0.0.1: moto then takes the S3 bucket from the path, where the CDK asset upload puts it.
export AWS_ENDPOINT_URL="http://localhost:$port"
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_SESSION_TOKEN=testing
export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
export AWS_CONFIG_FILE="$work/aws-config" AWS_SHARED_CREDENTIALS_FILE="$work/aws-credentials"
touch "$AWS_CONFIG_FILE" "$AWS_SHARED_CREDENTIALS_FILE"
unset AWS_PROFILE AWS_DEFAULT_PROFILE
export AWS_EC2_METADATA_DISABLED=true
export CDK_DISABLE_VERSION_CHECK=1 AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true

stack="IdempotentPayments-dev"
cdk_out="$work/cdk.out"
account="$(aws sts get-caller-identity --query Account --output text)"

step "cdk bootstrap aws://$account/$AWS_REGION"
npx cdk bootstrap "aws://$account/$AWS_REGION" --output "$cdk_out" >"$work/bootstrap.log" 2>&1 ||
  { cat "$work/bootstrap.log" >&2; exit 1; }

step "cdk deploy $stack (direct: moto has no change sets)"
npx cdk deploy "$stack" --method=direct --require-approval never --progress events \
  --output "$cdk_out" --outputs-file "$work/outputs.json" >"$work/deploy.log" 2>&1 ||
  { cat "$work/deploy.log" >&2; exit 1; }

step "checking the bundles (payments API, recovery worker, key authorizer)"
bundles=("$cdk_out"/asset.*/index.js)
check "three function bundles" 3 "${#bundles[@]}"
for bundle in "${bundles[@]}"; do
  echo "  $bundle: $(wc -c <"$bundle") bytes"
  # lambda/shared/bundling.ts: the SDK is bundled and tree-shaken, nothing loaded from the runtime.
  # DynamoDB_20120810 is the SDK's own wire-protocol target prefix: present only if the SDK is bundled.
  check "bundle contains the AWS SDK" yes "$(grep -q 'DynamoDB_20120810' "$bundle" && echo yes || echo no)"
  # (The SDK's optional require of @aws-sdk/signature-v4-crt, for SigV4a only, stays in a try/catch.)
  check "bundle loads no DynamoDB client from the runtime" no "$(grep -q 'require("@aws-sdk/client-dynamodb")' "$bundle" && echo yes || echo no)"
done

step "checking the deployed stack"
json() { python3 -c "import json, sys; data = json.load(sys.stdin); print($1)"; }

status="$(aws cloudformation describe-stacks --stack-name "$stack" --query 'Stacks[0].StackStatus' --output text)"
check "stack status" CREATE_COMPLETE "$status"

outputs="$(aws cloudformation describe-stacks --stack-name "$stack" --query 'Stacks[0].Outputs' --output json)"
output() { json "next((o['OutputValue'] for o in data if o['OutputKey'] == '$1'), '')" <<<"$outputs"; }
api_url="$(output ApiUrl)"
function_name="$(output FunctionName)"
table_name="$(output TableName)"
# moto leaves out an output whose value it cannot resolve: UsagePlanId (it creates no usage plans).
check "stack outputs (all but UsagePlanId under moto)" "AlarmTopicArn ApiUrl DashboardName FunctionName TableName" \
  "$(json "' '.join(sorted(o['OutputKey'] for o in data if o['OutputKey'] != 'UsagePlanId'))" <<<"$outputs")"
check "template declares output UsagePlanId" yes \
  "$(json "'yes' if 'UsagePlanId' in data.get('Outputs', {}) else 'no'" <"$cdk_out/$stack.template.json")"
for name in ApiUrl FunctionName TableName; do
  check "output $name has a value" yes "$([ -n "$(output "$name")" ] && echo yes || echo no)"
done
check "cdk deploy --outputs-file has the same TableName" "$table_name" \
  "$(json "data['$stack'].get('TableName', '')" <"$work/outputs.json")"

table="$(aws dynamodb describe-table --table-name "$table_name" --output json)"
check "table is active" ACTIVE "$(json "data['Table']['TableStatus']" <<<"$table")"
check "table key schema" "pk:HASH" "$(json "','.join(k['AttributeName'] + ':' + k['KeyType'] for k in data['Table']['KeySchema'])" <<<"$table")"
check "table billing mode" PAY_PER_REQUEST "$(json "data['Table'].get('BillingModeSummary', {}).get('BillingMode', '')" <<<"$table")"

fn="$(aws lambda get-function-configuration --function-name "$function_name" --output json)"
check "function runtime" nodejs22.x "$(json "data['Runtime']" <<<"$fn")"
check "function TABLE_NAME" "$table_name" "$(json "data['Environment']['Variables'].get('TABLE_NAME', '')" <<<"$fn")"
check "function IDEMPOTENCY_TTL_SECONDS" 86400 "$(json "data['Environment']['Variables'].get('IDEMPOTENCY_TTL_SECONDS', '')" <<<"$fn")"
check "function timeout (s)" 10 "$(json "data['Timeout']" <<<"$fn")"
code_size="$(json "data['CodeSize']" <<<"$fn")"
check "function code came from the uploaded asset ($code_size bytes)" yes "$([ "$code_size" -gt 10000 ] && echo yes || echo no)"

role_name="$(aws cloudformation describe-stack-resources --stack-name "$stack" --output json |
  json "next(r['PhysicalResourceId'] for r in data['StackResources'] if r['ResourceType'] == 'AWS::IAM::Role' and r['LogicalResourceId'].startswith('PaymentsRole'))")"
check "function runs as the stack's payments role" "$role_name" "$(json "data['Role'].split('/')[-1]" <<<"$fn")"
check "payments role exists" "$role_name" "$(aws iam get-role --role-name "$role_name" --query Role.RoleName --output text)"

rest_api_id="$(python3 -c 'import sys, urllib.parse; print(urllib.parse.urlparse(sys.argv[1]).hostname.split(".")[0])' "$api_url")"
resources="$(aws apigateway get-resources --rest-api-id "$rest_api_id" --embed methods --output json)"
methods="$(json "' '.join(sorted(m + ' ' + r['path'] + ' ' + str(v.get('authorizationType')) + ' apiKeyRequired=' + str(v.get('apiKeyRequired')) for r in data['items'] for m, v in r.get('resourceMethods', {}).items() if m != 'OPTIONS'))" <<<"$resources")"
check "REST API methods all go through the authorizer, with a usage-plan key" \
  "GET /payments CUSTOM apiKeyRequired=True GET /payments/{id} CUSTOM apiKeyRequired=True POST /payments CUSTOM apiKeyRequired=True" "$methods"

# The authorizer resource itself and the API's key source are beyond moto (see the top).
stack_resources="$(aws cloudformation describe-stack-resources --stack-name "$stack" --output json)"
authorizer_function="$(json "next(r['PhysicalResourceId'] for r in data['StackResources'] if r['ResourceType'] == 'AWS::Lambda::Function' and r['LogicalResourceId'].startswith('KeyAuthorizerFunction'))" <<<"$stack_resources")"
authorizer_fn="$(aws lambda get-function-configuration --function-name "$authorizer_function" --output json)"
check "authorizer function runtime" nodejs22.x "$(json "data['Runtime']" <<<"$authorizer_fn")"
check "authorizer function environment: the table name alone" "TABLE_NAME=$table_name" \
  "$(json "' '.join(k + '=' + v for k, v in sorted(data['Environment']['Variables'].items()))" <<<"$authorizer_fn")"
authorizer_role="$(json "next(r['PhysicalResourceId'] for r in data['StackResources'] if r['ResourceType'] == 'AWS::IAM::Role' and r['LogicalResourceId'].startswith('KeyAuthorizerRole'))" <<<"$stack_resources")"
check "authorizer function runs as its own role" "$authorizer_role" "$(json "data['Role'].split('/')[-1]" <<<"$authorizer_fn")"

# moto creates no alarms and no metric filters from a template, but it does create the dashboard:
# its body names every alarm by an ARN built from the stack's name, so it deploys without them.
dashboard_body="$(aws cloudwatch get-dashboard --dashboard-name "$(output DashboardName)" --query DashboardBody --output text)"
dashboard_json() { json "$1" <<<"$dashboard_body"; }
check "dashboard names the authorizer and recovery-heartbeat alarms by ARN" yes \
  "$(dashboard_json "'yes' if all(any(a.endswith(':alarm:$stack-' + n) for w in data['widgets'] for a in w['properties'].get('alarms', [])) for n in ['AuthorizerFailures', 'AuthorizerThrottles', 'AuthorizerDurationNearTimeout', 'RecoveryNotRunning']) else 'no'")"
check "dashboard graphs the authorizer function" "$authorizer_function $authorizer_function" \
  "$(dashboard_json "' '.join(m[3] for w in data['widgets'] if w['properties'].get('title', '').startswith('Authorizer') for m in w['properties']['metrics'] if m[1] == 'Invocations' or (m[1] == 'Duration' and m[-1].get('stat') == 'p99'))")"

step "cdk destroy $stack"
npx cdk destroy "$stack" --force --output "$cdk_out" >"$work/destroy.log" 2>&1 ||
  { cat "$work/destroy.log" >&2; exit 1; }
remaining="$(aws cloudformation list-stacks --output json |
  json "' '.join(s['StackStatus'] for s in data['StackSummaries'] if s['StackName'] == '$stack' and s['StackStatus'] != 'DELETE_COMPLETE')")"
check "stack is deleted" "" "$remaining"
check "dev table is deleted with the stack" "" \
  "$(aws dynamodb list-tables --query "TableNames[?@ == '$table_name']" --output text)"

step "done in $((SECONDS - started_at)) s"
if [ "$failures" -ne 0 ]; then
  echo "deploy-smoke: $failures check(s) failed" >&2
  exit 1
fi
echo "deploy-smoke: all checks passed"
