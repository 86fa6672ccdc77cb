"""GraphQL documents of the catscan API (Amplify-generated operation names)."""
from __future__ import annotations

SCAN_FIELDS = """
  id owner imageKey fileName contentType sizeBytes status isCat confidence reason
  catBoxes { left top width height confidence }
  ownerEmail thumbnailKey createdAt updatedAt
"""

CREATE_SCAN = f"mutation CreateScan($input: CreateScanInput!) {{ createScan(input: $input) {{ {SCAN_FIELDS} }} }}"
GET_SCAN = f"query GetScan($id: ID!) {{ getScan(id: $id) {{ {SCAN_FIELDS} }} }}"
GET_SCAN_DEBUG = f"query GetScanDebug($id: ID!) {{ getScan(id: $id) {{ {SCAN_FIELDS} debug }} }}"
LIST_SCANS = (
    "query ListScans($filter: ModelScanFilterInput, $limit: Int, $nextToken: String) {"
    f" listScans(filter: $filter, limit: $limit, nextToken: $nextToken) {{ items {{ {SCAN_FIELDS} }} nextToken }} }}"
)
_INDEX_ARGS = "$sortDirection: ModelSortDirection, $filter: ModelScanFilterInput, $limit: Int, $nextToken: String"
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
DELETE_SCAN = f"mutation DeleteScan($input: DeleteScanInput!) {{ deleteScan(input: $input) {{ {SCAN_FIELDS} }} }}"
ON_UPDATE_SCAN = (
    "subscription OnUpdateScan($filter: ModelSubscriptionScanFilterInput) {"
    f" onUpdateScan(filter: $filter) {{ {SCAN_FIELDS} }} }}"
)
ON_CREATE_SCAN = (
    "subscription OnCreateScan($filter: ModelSubscriptionScanFilterInput) {"
    f" onCreateScan(filter: $filter) {{ {SCAN_FIELDS} }} }}"
)
