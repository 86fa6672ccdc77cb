/**
 * The UI's names for the types GraphQL Code Generator derives from the API's schema and the operations in
 * operations.graphql (generated.ts; `npm run codegen`). Nothing here restates a field by hand.
 */
import type { CreateScanInput, GetScanDebugQuery, ScanFieldsFragment, ScanStatus } from './generated';

export type { ScanStatus };

/**
 * A scan as every operation selects it (fragment ScanFields), with a status: the schema's `status` is
 * nullable only for the transformer's sake (schema.graphql), every stored scan has one; api.ts fills it in.
 */
export type Scan = Omit<ScanFieldsFragment, 'status'> & { status: ScanStatus };

/** A scan with the Admin-only `debug` AWSJSON (GetScanDebug). */
export type ScanWithDebug = Scan & Pick<NonNullable<GetScanDebugQuery['getScan']>, 'debug'>;

/** A cat's bounding box as ratios (0..1) of the image width/height; confidence 0..100. */
export type CatBox = NonNullable<NonNullable<Scan['catBoxes']>[number]>;

/**
 * What an owner sends to createScan: the fields of CreateScanInput an owner may set, all required here.
 * The other fields are the scanner's and the API's (schema.graphql's field rules refuse them from owners).
 */
export type NewScanInput = {
  [K in 'id' | 'imageKey' | 'fileName' | 'contentType' | 'sizeBytes']-?: NonNullable<CreateScanInput[K]>;
};

/** Every status, in the order the UI lists them. A Record, so a status the schema adds fails the type check here. */
const STATUS_ORDER: Record<ScanStatus, true> = { PENDING: true, PROCESSING: true, DONE: true, REJECTED: true, FAILED: true };

export const SCAN_STATUSES = Object.keys(STATUS_ORDER) as readonly ScanStatus[];
