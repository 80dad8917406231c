"""Validates the OpenAPI document the server serves (from `fieldops openapi`)
against the OpenAPI 3.1 schema, and checks every route of the API is in it.

Needs openapi-spec-validator: run it from the project's virtual environment,
`scripts/setup/python-env.sh python3 scripts/test/check-openapi.py` (as `make
test` does). The binary is FIELDOPS_BIN, by default ./target/debug/fieldops."""
import json
import os
import subprocess
import sys

from openapi_spec_validator import validate

binary = os.environ.get("FIELDOPS_BIN", "./target/debug/fieldops")
document = json.loads(subprocess.run([binary, "openapi"], check=True, capture_output=True).stdout)
validate(document)

expected = [
    "/api/v1/auth/login", "/api/v1/auth/refresh", "/api/v1/auth/logout", "/api/v1/auth/me",
    "/api/v1/auth/memberships", "/api/v1/auth/switch",
    "/api/v1/invitations", "/api/v1/invitations/{id}", "/api/v1/invitations/preview", "/api/v1/invitations/accept",
    "/api/v1/auth/password-reset", "/api/v1/auth/password-reset/confirm",
    "/api/v1/users", "/api/v1/users/{id}", "/api/v1/customers", "/api/v1/customers/{id}",
    "/api/v1/job-statuses", "/api/v1/job-statuses/{id}", "/api/v1/job-statuses/reorder",
    "/api/v1/branches", "/api/v1/branches/{id}",
    "/api/v1/jobs", "/api/v1/jobs/{id}", "/api/v1/jobs/{id}/archive", "/api/v1/jobs/{id}/tasks",
    "/api/v1/job-tasks", "/api/v1/job-tasks/{id}", "/api/v1/jobs/{id}/notes", "/api/v1/workers/assigned-jobs",
    "/api/v1/jobs/{id}/share-links", "/api/v1/share-links/{id}", "/api/v1/share/{token}",
    "/api/v1/jobs/{id}/history",
    "/api/v1/customers/{id}/locations", "/api/v1/service-locations/{id}",
    "/api/v1/customers/{id}/contacts", "/api/v1/contacts/{id}",
    "/api/v1/portal/{slug}", "/api/v1/portal-settings", "/api/v1/portal/{slug}/register", "/api/v1/portal/verify",
    "/api/v1/portal/{slug}/verify/resend", "/api/v1/portal-accounts", "/api/v1/portal-accounts/{id}/approve",
    "/api/v1/portal-accounts/{id}/reject", "/api/v1/customers/{id}/portal-invitations",
    "/api/v1/job-requests", "/api/v1/job-requests/{id}", "/api/v1/job-requests/{id}/submit",
    "/api/v1/job-requests/{id}/withdraw", "/api/v1/job-requests/{id}/approve", "/api/v1/job-requests/{id}/reject",
    "/api/v1/job-requests/{id}/history", "/api/v1/job-requests/{id}/history.csv",
    "/api/v1/job-requests/{id}/messages", "/api/v1/job-requests/{id}/messages/read", "/api/v1/jobs/{id}/messages",
    "/api/v1/jobs/{id}/messages/read", "/api/v1/messages/unread", "/api/v1/me/notifications",
    "/api/v1/portal/{slug}/unsubscribe", "/api/v1/me/profile", "/api/v1/me/email", "/api/v1/me/email/confirm",
    "/api/v1/portal-report",
    "/api/v1/jobs/{id}/attachments", "/api/v1/job-requests/{id}/attachments", "/api/v1/attachments/{id}",
    "/api/v1/attachments/{id}/content", "/api/v1/share/{token}/photos", "/api/v1/share/{token}/photos/{id}",
    "/api/v1/job-notes/{id}/attachments", "/api/v1/customers/{id}/attachments",
    "/api/v1/customers/search", "/api/v1/customers/{id}/communications",
    "/api/v1/customers/{id}/communications/{communication_id}",
    "/api/v1/custom-fields", "/api/v1/custom-fields/{id}",
    "/api/v1/imports", "/api/v1/imports/preview", "/api/v1/imports/{id}", "/api/v1/imports/{id}/errors.csv",
    "/api/v1/imports/{id}/undo", "/api/v1/import-mappings", "/api/v1/import-mappings/{id}",
    "/api/v1/export.zip", "/api/v1/customers.csv", "/api/v1/jobs.csv",
    "/api/v1/portal-digest", "/api/v1/portal-invitations", "/api/v1/portal-invitations/{id}",
    "/api/v1/portal-report/weekly",
]
missing = [path for path in expected if path not in document["paths"]]
if missing:
    sys.exit(f"OpenAPI document lacks: {missing}")
if "bearer" not in document.get("components", {}).get("securitySchemes", {}):
    sys.exit("OpenAPI document lacks the bearer security scheme")
print(f"OpenAPI {document['openapi']} valid: {len(document['paths'])} paths")
