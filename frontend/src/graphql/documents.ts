/**
 * Hand-written GraphQL documents with the operation names Amplify generates for the Scan model
 * (schema.graphql). `debug` is selected only by GetScanDebug (Admin): field-level auth would turn it
 * into an error for everyone else, and it is null in mutation/subscription payloads anyway.
 * Subscriptions take no arguments: AppSync filters them by owner, and Admin receives every scan.
 */

export const SCAN_FIELDS = /* GraphQL */ `
    id
    owner
    imageKey
    fileName
    contentType
    sizeBytes
    status
    isCat
    confidence
    catBoxes {
      left
      top
      width
      height
      confidence
    }
    reason
    ownerEmail
    thumbnailKey
    createdAt
    updatedAt
`;

export const createScan = /* GraphQL */ `
  mutation CreateScan($input: CreateScanInput!) {
    createScan(input: $input) {${SCAN_FIELDS}  }
  }
`;

export const deleteScan = /* GraphQL */ `
  mutation DeleteScan($input: DeleteScanInput!) {
    deleteScan(input: $input) {${SCAN_FIELDS}  }
  }
`;

export const getScan = /* GraphQL */ `
  query GetScan($id: ID!) {
    getScan(id: $id) {${SCAN_FIELDS}  }
  }
`;

export const getScanDebug = /* GraphQL */ `
  query GetScanDebug($id: ID!) {
    getScan(id: $id) {${SCAN_FIELDS}    debug
    }
  }
`;

const INDEX_VARIABLES = '$sortDirection: ModelSortDirection, $filter: ModelScanFilterInput, $limit: Int, $nextToken: String';
const INDEX_ARGUMENTS = 'sortDirection: $sortDirection, filter: $filter, limit: $limit, nextToken: $nextToken';

/** An @index query of schema.graphql: a DynamoDB Query on a GSI (byOwner / byStatus / byOwnerEmail). */
function indexQuery(operation: string, field: string, key: string, keyType: string): string {
  return /* GraphQL */ `
  query ${operation}($${key}: ${keyType}, ${INDEX_VARIABLES}) {
    ${field}(${key}: $${key}, ${INDEX_ARGUMENTS}) {
      items {${SCAN_FIELDS}    }
      nextToken
    }
  }
`;
}

export const scansByOwner = indexQuery('ScansByOwner', 'scansByOwner', 'owner', 'String!');
export const scansByStatus = indexQuery('ScansByStatus', 'scansByStatus', 'status', 'ScanStatus!');
export const scansByOwnerEmail = indexQuery('ScansByOwnerEmail', 'scansByOwnerEmail', 'ownerEmail', 'String!');

export const onCreateScan = /* GraphQL */ `
  subscription OnCreateScan {
    onCreateScan {${SCAN_FIELDS}  }
  }
`;

export const onUpdateScan = /* GraphQL */ `
  subscription OnUpdateScan {
    onUpdateScan {${SCAN_FIELDS}  }
  }
`;

export const onDeleteScan = /* GraphQL */ `
  subscription OnDeleteScan {
    onDeleteScan {${SCAN_FIELDS}  }
  }
`;
