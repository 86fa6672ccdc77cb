"""GraphQL documents of the catscan API (Amplify-generated operation names)."""
from __future__ import annotations

SCAN_FIELDS = """
  id owner imageKey fileName contentType sizeBytes status isCat confidence reason
  catBoxes { left top width height confidence }
  createdAt updatedAt
"""

CREATE_SCAN = f"mutation CreateScan($input: CreateScanInput!) {{ createScan(input: $input) {{ {SCAN_FIELDS} }} }}"
GET_SCAN = f"query GetScan($id: ID!) {{ getScan(id: $id) {{ {SCAN_FIELDS} }} }}"
GET_SCAN_DEBUG = f"query GetScanDebug($id: ID!) {{ getScan(id: $id) {{ {SCAN_FIELDS} debug }} }}"
LIST_SCANS = (
    "query ListScans($filter: ModelScanFilterInput, $limit: Int, $nextToken: String) {"
    f" listScans(filter: $filter, limit: $limit, nextToken: $nextToken) {{ items {{ {SCAN_FIELDS} }} nextToken }} }}"
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
