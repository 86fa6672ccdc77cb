"""The GraphQL documents Python sends to the catscan API (schema.graphql, as Amplify transforms it): one
selection set of a Scan, and every operation of the scanner (appsync_client.py), the client library
(catscan/client) and the emulator's tests (tests/local/appsync). tests/unit/test_graphql_documents.py
validates each one against the API's schema, so a renamed or removed field fails there first.

It lives in the scanner's package because the Lambda bundle ships only that package; standard library
only, so the CLI imports it without the scanner's dependencies. (The web UI's documents are generated
from the schema in frontend/.)
"""

from __future__ import annotations

# Every field the UI shows plus owner: AppSync pushes to subscribers only the fields the mutation
# selects, and filters subscriptions by owner.
SCAN_FIELDS = """
  id owner imageKey fileName contentType sizeBytes status isCat confidence reason
  catBoxes { left top width height confidence }
  ownerEmail thumbnailKey createdAt updatedAt
"""

CREATE_SCAN = (
    f"mutation CreateScan($input: CreateScanInput!) {{ createScan(input: $input) {{ {SCAN_FIELDS} }} }}"
)
GET_SCAN = f"query GetScan($id: ID!) {{ getScan(id: $id) {{ {SCAN_FIELDS} }} }}"
GET_SCAN_DEBUG = f"query GetScanDebug($id: ID!) {{ getScan(id: $id) {{ {SCAN_FIELDS} debug }} }}"
# The scanner's write: it selects SCAN_FIELDS so that subscribers get every field the UI shows.
UPDATE_SCAN = (
    f"mutation UpdateScan($input: UpdateScanInput!, $condition: ModelScanConditionInput) "
    f"{{ updateScan(input: $input, condition: $condition) {{ {SCAN_FIELDS} }} }}"
)
DELETE_SCAN = (
    f"mutation DeleteScan($input: DeleteScanInput!) {{ deleteScan(input: $input) {{ {SCAN_FIELDS} }} }}"
)
LIST_SCANS = (
    "query ListScans($filter: ModelScanFilterInput, $limit: Int, $nextToken: String) {"
    f" listScans(filter: $filter, limit: $limit, nextToken: $nextToken) {{ items {{ {SCAN_FIELDS} }} nextToken }} }}"
)
_INDEX_ARGS = (
    "$sortDirection: ModelSortDirection, $filter: ModelScanFilterInput, $limit: Int, $nextToken: String"
)
_INDEX_PASS = "sortDirection: $sortDirection, filter: $filter, limit: $limit, nextToken: $nextToken"
# The @index queries (schema.graphql): DynamoDB Queries on the byOwner / byStatus / byOwnerEmail GSIs.
SCANS_BY_OWNER = (
    f"query ScansByOwner($owner: String!, {_INDEX_ARGS}) {{"
    f" scansByOwner(owner: $owner, {_INDEX_PASS}) {{ items {{ {SCAN_FIELDS} }} nextToken }} }}"
)
SCANS_BY_STATUS = (
    f"query ScansByStatus($status: ScanStatus!, {_INDEX_ARGS}) {{"
    f" scansByStatus(status: $status, {_INDEX_PASS}) {{ items {{ {SCAN_FIELDS} }} nextToken }} }}"
)
SCANS_BY_OWNER_EMAIL = (
    f"query ScansByOwnerEmail($ownerEmail: String!, {_INDEX_ARGS}) {{"
    f" scansByOwnerEmail(ownerEmail: $ownerEmail, {_INDEX_PASS}) {{ items {{ {SCAN_FIELDS} }} nextToken }} }}"
)
# The sweeper's query: scans in one status last updated before a time, 100 a page, only what it decides on.
SCANS_UPDATED_BEFORE = """
query ScansUpdatedBefore($status: ScanStatus!, $before: String!, $nextToken: String) {
  scansByStatus(status: $status, updatedAt: {lt: $before}, limit: 100, nextToken: $nextToken) {
    items { id imageKey status updatedAt createdAt } nextToken
  }
}"""
ON_UPDATE_SCAN = (
    "subscription OnUpdateScan($filter: ModelSubscriptionScanFilterInput) {"
    f" onUpdateScan(filter: $filter) {{ {SCAN_FIELDS} }} }}"
)
ON_CREATE_SCAN = (
    "subscription OnCreateScan($filter: ModelSubscriptionScanFilterInput) {"
    f" onCreateScan(filter: $filter) {{ {SCAN_FIELDS} }} }}"
)
