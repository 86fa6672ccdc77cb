import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineFunction } from '@aws-amplify/backend';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as appsync from 'aws-cdk-lib/aws-appsync';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { scanImageCode } from '../python-bundle.js';

/**
 * The scanner's time and retry limits, one source shared with the local runner
 * (functions/scan_image/runtime.json); docs/architecture.md derives the bounds from them.
 */
export const RUNTIME = JSON.parse(
  readFileSync(resolve(dirname(fileURLToPath(import.meta.url)), '../../../functions/scan_image/runtime.json'), 'utf8'),
) as {
  functionTimeoutSeconds: number;
  functionMemoryMB: number;
  serviceTimeoutSeconds: number;
  eventSourceMaxConcurrency: number;
  eventSourceBatchSize: number;
  maxReceiveCount: number;
  retryBackoffBaseSeconds: number;
  retryBackoffMaxSeconds: number;
  sweeperPeriodSeconds: number;
  uploadGraceSeconds: number;
  stuckAfterSeconds: number;
  maxRedrives: number;
};

/** The functions' Powertools metrics: their namespace and each one's `service` dimension (the alarms and
 * the dashboard of amplify/monitoring read them by these names). */
export const METRICS = { namespace: 'catscan', scannerService: 'catscan-scanner', sweeperService: 'catscan-sweeper' };

/** Operator-tunable defaults, stored in SSM Parameter Store (read and cached by the Lambda). */
export const DEFAULT_TARGET_LABEL = 'Cat';
export const DEFAULT_MIN_CONFIDENCE = '80';

/**
 * One of the two Python functions of the shared code asset (functions/scan_image, bundled during
 * synth), with its own log group (one month) and an explicit role without
 * AWSLambdaBasicExecutionRole (whose logs actions are on `*`): every grant is added by the wiring.
 */
function pythonFunction(
  scope: Construct,
  id: string,
  props: { description: string; handler: string; memorySize: number; timeout: Duration },
): lambda.Function {
  const logGroup = new logs.LogGroup(scope, `${id}LogGroup`, {
    retention: logs.RetentionDays.ONE_MONTH,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const role = new iam.Role(scope, `${id}Role`, {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: `catscan ${id} Lambda`,
  });
  logGroup.grantWrite(role);
  return new lambda.Function(scope, id, {
    ...props,
    runtime: lambda.Runtime.PYTHON_3_12,
    architecture: lambda.Architecture.X86_64,
    // Both functions get the same asset (same hash: bundled once, stored once).
    code: scanImageCode(),
    role,
    logGroup,
  });
}

const scannerTimeout = Duration.seconds(RUNTIME.functionTimeoutSeconds);

/**
 * The scanner, defined the Gen 2 way for a function Amplify cannot build itself (Python): a custom
 * function provider. `resourceGroupName: 'storage'` puts it into the storage stack, with the bucket
 * whose notifications feed it (another stack would form a dependency cycle). Its queue, table,
 * settings, environment and grants are wired in backend.ts (ScanImageFunction), which needs the
 * other resources of the backend.
 */
export const scanImage = defineFunction(
  (scope) =>
    pythonFunction(scope, 'scanImage', {
      description: 'catscan: does this upload contain a cat? (S3 -> SQS -> Rekognition -> AppSync)',
      handler: 'scan_image.handler.lambda_handler',
      memorySize: RUNTIME.functionMemoryMB,
      timeout: scannerTimeout,
    }),
  { resourceGroupName: 'storage' },
);

/** The scheduled sweeper: same code asset, same stack; wired with the scanner. */
export const sweepScans = defineFunction(
  (scope) =>
    pythonFunction(scope, 'sweepScans', {
      description: 'catscan: re-drives dead-lettered scans and ends scans that made no progress',
      handler: 'scan_image.sweeper.lambda_handler',
      memorySize: 256,
      timeout: Duration.seconds(2 * scannerTimeout.toSeconds()),
    }),
  { resourceGroupName: 'storage' },
);

/** What backend.ts hands over for each defined function (`backend.scanImage`, `backend.sweepScans`). */
export type DefinedFunction = {
  resources: { lambda: lambda.IFunction };
  addEnvironment: (key: string, value: string) => void;
};

function asFunction(defined: DefinedFunction): lambda.Function {
  const fn = defined.resources.lambda;
  if (!(fn instanceof lambda.Function)) throw new Error(`${fn.node.path}: expected the provided lambda.Function`);
  return fn;
}

/** Through the defined function's own API (Amplify renders the variables together with its own). */
function addEnvironment(defined: DefinedFunction, variables: Record<string, string>): void {
  for (const [key, value] of Object.entries(variables)) defined.addEnvironment(key, value);
}

export type ScanImageFunctionProps = {
  /** The defined scanner and sweeper (amplify/functions/scan-image/resource.ts). */
  scanner: DefinedFunction;
  sweeper: DefinedFunction;
  /** The Amplify Storage bucket; ObjectCreated under `uploadsPrefix` triggers the function. */
  bucket: s3.IBucket;
  /** Key prefix of the uploads, `uploads/`. */
  uploadsPrefix: string;
  /** The Amplify Data (AppSync) API the verdict is written through. */
  graphqlApi: appsync.IGraphqlApi;
  /** The API's GraphQL URL (`https://…/graphql`). */
  graphqlUrl: string;
  /** Names the SSM parameters `/catscan/<parameterScope>/…` (the backend's root stack name). */
  parameterScope: string;
};

/**
 * What the scanner (the Python Lambda that asks Rekognition whether an upload shows a cat and writes
 * the verdict through AppSync, IAM) and the sweeper need, and nothing more: S3 notifies a queue whose event
 * source invokes the scanner with a maximum concurrency (bursts wait in the queue, not at
 * Rekognition's quota); failed events come back with backoff and go to a dead-letter queue after
 * `maxReceiveCount` deliveries; a scheduled sweeper re-drives them and ends scans that made no
 * progress. Plus the idempotency table, the SSM parameters, the functions' environment and grants.
 *
 * Create it in the storage stack's scope (`Stack.of(bucket)`), where the functions are: the bucket
 * notification, the queue and the function refer to each other, so a separate stack would cycle.
 */
export class ScanImageFunction extends Construct {
  readonly function: lambda.Function;
  readonly role: iam.Role;
  readonly scanQueue: sqs.Queue;
  readonly sweeper: lambda.Function;
  readonly idempotencyTable: dynamodb.Table;
  readonly failureQueue: sqs.Queue;
  readonly targetLabelParameter: ssm.StringParameter;
  readonly minConfidenceParameter: ssm.StringParameter;

  constructor(scope: Construct, id: string, props: ScanImageFunctionProps) {
    super(scope, id);

    // Powertools idempotency records (one per S3 object version + event), expired by TTL.
    this.idempotencyTable = new dynamodb.Table(this, 'IdempotencyTable', {
      partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: 'expiration',
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.targetLabelParameter = new ssm.StringParameter(this, 'TargetLabel', {
      parameterName: `/catscan/${props.parameterScope}/target-label`,
      stringValue: DEFAULT_TARGET_LABEL,
      description: 'Rekognition label that counts as a cat (catscan scanner)',
    });
    this.minConfidenceParameter = new ssm.StringParameter(this, 'MinConfidence', {
      parameterName: `/catscan/${props.parameterScope}/min-confidence`,
      stringValue: DEFAULT_MIN_CONFIDENCE,
      description: 'Minimum Rekognition confidence (0..100) for a cat verdict (catscan scanner)',
    });

    // Events that failed every delivery land here (the dead-letter queue); any message raises an alarm
    // (amplify/monitoring/resource.ts).
    this.failureQueue = new sqs.Queue(this, 'FailureQueue', {
      retentionPeriod: Duration.days(14),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });

    // S3 -> this queue -> the scanner. Visibility: six times the function timeout, as AWS advises
    // for an SQS event source; the scanner shortens it for a retried message (backoff).
    this.scanQueue = new sqs.Queue(this, 'ScanQueue', {
      visibilityTimeout: Duration.seconds(6 * RUNTIME.functionTimeoutSeconds),
      retentionPeriod: Duration.days(4),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      deadLetterQueue: { queue: this.failureQueue, maxReceiveCount: RUNTIME.maxReceiveCount },
    });

    // The function and its role come from the provider (defineFunction above); the rest is wired here.
    this.function = asFunction(props.scanner);
    this.role = this.function.role as iam.Role;
    addEnvironment(props.scanner, {
      APPSYNC_URL: props.graphqlUrl,
      IDEMPOTENCY_TABLE: this.idempotencyTable.tableName,
      PARAM_TARGET_LABEL: this.targetLabelParameter.parameterName,
      PARAM_MIN_CONFIDENCE: this.minConfidenceParameter.parameterName,
      PARAM_CACHE_SECONDS: '60',
      POWERTOOLS_SERVICE_NAME: METRICS.scannerService,
      POWERTOOLS_METRICS_NAMESPACE: METRICS.namespace,
      SCAN_QUEUE_URL: this.scanQueue.queueUrl,
      MAX_RECEIVE_COUNT: String(RUNTIME.maxReceiveCount),
      SERVICE_TIMEOUT_SECONDS: String(RUNTIME.serviceTimeoutSeconds),
      RETRY_BACKOFF_BASE_SECONDS: String(RUNTIME.retryBackoffBaseSeconds),
      RETRY_BACKOFF_MAX_SECONDS: String(RUNTIME.retryBackoffMaxSeconds),
    });
    // Maximum concurrency (not reserved concurrency, which fails to deploy on accounts whose
    // concurrency limit is 10): at most this many scans ask Rekognition at once.
    this.function.addEventSource(
      new SqsEventSource(this.scanQueue, {
        batchSize: RUNTIME.eventSourceBatchSize,
        maxConcurrency: RUNTIME.eventSourceMaxConcurrency,
        reportBatchItemFailures: true,
      }),
    );

    // Least privilege.
    // DetectLabels has no resource-level permissions: `*` is the only valid resource.
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'DetectLabels',
        actions: ['rekognition:DetectLabels'],
        resources: ['*'],
      }),
    );
    // Read the uploaded objects (also what Rekognition uses for an S3Object reference).
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ReadUploads',
        actions: ['s3:GetObject', 's3:GetObjectVersion'],
        resources: [props.bucket.arnForObjects(`${props.uploadsPrefix}*`)],
      }),
    );
    // Only the two operations the scanner uses.
    props.graphqlApi.grantQuery(this.role, 'getScan');
    props.graphqlApi.grantMutation(this.role, 'updateScan');
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ReadSettings',
        actions: ['ssm:GetParameter', 'ssm:GetParameters'],
        resources: [this.targetLabelParameter.parameterArn, this.minConfidenceParameter.parameterArn],
      }),
    );
    this.idempotencyTable.grant(
      this.role,
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
    );

    props.bucket.addEventNotification(
      s3.EventType.OBJECT_CREATED,
      new s3n.SqsDestination(this.scanQueue),
      { prefix: props.uploadsPrefix },
    );

    this.sweeper = this.wireSweeper(props);
  }

  /** The scheduled sweeper: its environment, only the grants it needs, and its schedule. */
  private wireSweeper(props: ScanImageFunctionProps): lambda.Function {
    const sweeper = asFunction(props.sweeper);
    const role = sweeper.role as iam.Role;
    addEnvironment(props.sweeper, {
      APPSYNC_URL: props.graphqlUrl,
      SCAN_QUEUE_URL: this.scanQueue.queueUrl,
      DEAD_LETTER_QUEUE_URL: this.failureQueue.queueUrl,
      UPLOADS_BUCKET: props.bucket.bucketName,
      UPLOAD_GRACE_SECONDS: String(RUNTIME.uploadGraceSeconds),
      STUCK_AFTER_SECONDS: String(RUNTIME.stuckAfterSeconds),
      MAX_REDRIVES: String(RUNTIME.maxRedrives),
      MAX_RECEIVE_COUNT: String(RUNTIME.maxReceiveCount),
      POWERTOOLS_SERVICE_NAME: METRICS.sweeperService,
      POWERTOOLS_METRICS_NAMESPACE: METRICS.namespace,
    });
    props.graphqlApi.grantQuery(role, 'scansByStatus');
    props.graphqlApi.grantMutation(role, 'updateScan');
    // HeadObject of an upload (did the image arrive?) needs s3:GetObject.
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'HeadUploads',
        actions: ['s3:GetObject'],
        resources: [props.bucket.arnForObjects(`${props.uploadsPrefix}*`)],
      }),
    );
    this.failureQueue.grantConsumeMessages(role);
    this.scanQueue.grantSendMessages(role);
    new events.Rule(this, 'SweeperSchedule', {
      description: 'catscan: run the sweeper',
      schedule: events.Schedule.rate(Duration.seconds(RUNTIME.sweeperPeriodSeconds)),
      targets: [new targets.LambdaFunction(sweeper, { retryAttempts: 0 })],
    });
    return sweeper;
  }
}
