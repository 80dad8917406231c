#!/usr/bin/env bash
# The job lifecycle over the API with curl and jq: create → assign → complete,
# as the admin, the worker and the customer (by login and by share link).
# Run it against `make run` (demo data): bash scripts/ops/walkthrough.sh
set -euo pipefail
API=${API:-http://127.0.0.1:8080/api/v1}
json=(-H 'content-type: application/json')
login() { curl -sf "${json[@]}" "$API/auth/login" -d "{\"company\":\"acme\",\"email\":\"$1\",\"password\":\"fieldops-demo\"}" | jq -r .access_token; }

ADMIN=$(login admin@acme.example)
WORKER=$(login wendy@acme.example)
CUSTOMER=$(login owner@riverside.example)
auth() { echo "authorization: Bearer $1"; }

# The admin: a customer-facing final status that needs every task done, then a job.
SIGNED_OFF=$(curl -sf "${json[@]}" -H "$(auth "$ADMIN")" "$API/job-statuses" \
  -d '{"name":"Signed off","color":"#0f766e","is_final":true,"requires_tasks_done":true}' | jq -r .id)
CAFE=$(curl -sf -H "$(auth "$ADMIN")" "$API/customers?q=riverside" | jq -r '.items[0].id')
WENDY=$(curl -sf -H "$(auth "$ADMIN")" "$API/users?q=wendy" | jq -r '.items[0].id')
JOB=$(curl -sf "${json[@]}" -H "$(auth "$ADMIN")" "$API/jobs" \
  -d "{\"customer_id\":\"$CAFE\",\"title\":\"Replace espresso machine valve\",\"assigned_worker_id\":\"$WENDY\",\"tasks\":[\"Isolate water\",\"Swap valve\"]}" | jq -r .id)
echo "created job $JOB"

# The worker: its queue, then the tasks, then the status.
curl -sf -H "$(auth "$WORKER")" "$API/workers/assigned-jobs" | jq -r '.items[] | "\(.status.name)\t\(.title)"'
curl -s "${json[@]}" -X PATCH -H "$(auth "$WORKER")" "$API/jobs/$JOB" -d "{\"status_id\":\"$SIGNED_OFF\"}" | jq -c '{status, detail, errors}'  # 422: open tasks
for TASK in $(curl -sf -H "$(auth "$WORKER")" "$API/jobs/$JOB/tasks" | jq -r '.[].id'); do
  curl -sf "${json[@]}" -X PATCH -H "$(auth "$WORKER")" "$API/job-tasks/$TASK" -d '{"is_completed":true}' >/dev/null
done
curl -sf "${json[@]}" -H "$(auth "$WORKER")" "$API/jobs/$JOB/notes" -d '{"body":"Valve replaced, pressure OK","visibility":"customer"}' >/dev/null
curl -sf "${json[@]}" -X PATCH -H "$(auth "$WORKER")" "$API/jobs/$JOB" -d "{\"status_id\":\"$SIGNED_OFF\"}" | jq -c '{status: .status.name, completed_at}'

# The customer: its finished job, the worker's name, read-only tasks and shared notes.
curl -sf -H "$(auth "$CUSTOMER")" "$API/jobs/$JOB" \
  | jq -c '{title, status: .status.name, worker: .assigned_worker.name, tasks: [.tasks[] | {title, is_completed}], notes: [.notes[].body]}'
# ... and how it got there, newest first (no notes, edits or names: the timeline).
curl -sf -H "$(auth "$CUSTOMER")" "$API/jobs/$JOB/timeline" \
  | jq -r '.items[] | "\(.kind)\t\(.status.name // .task.title // "")"'

# Anyone with the link, no login.
URL=$(curl -sf "${json[@]}" -H "$(auth "$ADMIN")" "$API/jobs/$JOB/share-links" -d '{"expires_in_days":7}' | jq -r .url)
echo "share link: $URL"
curl -sf "$API/share/${URL##*/t/}" | jq -c '{title, status: .status.name, worker_name, tasks}'

# Another company sees nothing: 404.
BOLT=$(curl -sf "${json[@]}" "$API/auth/login" -d '{"company":"bolt","email":"admin@bolt.example","password":"fieldops-demo"}' | jq -r .access_token)
curl -s -o /dev/null -w 'bolt admin GET /jobs/%{url_effective}: %{http_code}\n' -H "$(auth "$BOLT")" "$API/jobs/$JOB"
