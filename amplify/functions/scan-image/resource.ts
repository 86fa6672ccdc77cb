import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
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

export type ScanImageFunctionProps = {
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
 * The Python Lambda that asks Rekognition whether an upload shows a cat and writes the verdict
 * through AppSync (IAM), with everything it needs and nothing more: S3 notifies a queue whose event
 * source invokes the scanner with a maximum concurrency (bursts wait in the queue, not at
 * Rekognition's quota); failed events come back with backoff and go to a dead-letter queue after
 * `maxReceiveCount` deliveries; a scheduled sweeper re-drives them and ends scans that made no
 * progress. Plus the idempotency table, SSM parameters and log groups with retention.
 *
 * Create it in the storage stack's scope (`Stack.of(bucket)`): the bucket notification refers to
 * the function and the function to the bucket, so a separate stack would form a dependency cycle.
 */
export class ScanImageFunction extends Construct {
  readonly function: lambda.Function;
  readonly role: iam.Role;
  readonly scanQueue: sqs.Queue;
  readonly sweeper: lambda.Function;
  readonly idempotencyTable: dynamodb.Table;
  readonly failureQueue: sqs.Queue;
  readonly logGroup: logs.LogGroup;
  readonly targetLabelParameter: ssm.StringParameter;
  readonly minConfidenceParameter: ssm.StringParameter;
  /** The code of both functions, bundled during synth (amplify/functions/python-bundle.ts). */
  private readonly code = scanImageCode();

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
    const timeout = Duration.seconds(RUNTIME.functionTimeoutSeconds);
    this.scanQueue = new sqs.Queue(this, 'ScanQueue', {
      visibilityTimeout: Duration.seconds(6 * RUNTIME.functionTimeoutSeconds),
      retentionPeriod: Duration.days(4),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      deadLetterQueue: { queue: this.failureQueue, maxReceiveCount: RUNTIME.maxReceiveCount },
    });

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    // An explicit role without AWSLambdaBasicExecutionRole (whose logs actions are on `*`):
    // every grant below is scoped to one resource, except rekognition:DetectLabels.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'catscan scanner Lambda',
    });
    this.logGroup.grantWrite(this.role);

    this.function = new lambda.Function(this, 'Function', {
      description: 'catscan: does this upload contain a cat? (S3 -> Rekognition -> AppSync)',
      runtime: lambda.Runtime.PYTHON_3_12,
      architecture: lambda.Architecture.X86_64,
      handler: 'handler.lambda_handler',
      code: this.code,
      role: this.role,
      memorySize: RUNTIME.functionMemoryMB,
      timeout,
      logGroup: this.logGroup,
      environment: {
        APPSYNC_URL: props.graphqlUrl,
        IDEMPOTENCY_TABLE: this.idempotencyTable.tableName,
        PARAM_TARGET_LABEL: this.targetLabelParameter.parameterName,
        PARAM_MIN_CONFIDENCE: this.minConfidenceParameter.parameterName,
        PARAM_CACHE_SECONDS: '60',
        POWERTOOLS_SERVICE_NAME: METRICS.scannerService,
        POWERTOOLS_METRICS_NAMESPACE: METRICS.namespace,
        SCAN_QUEUE_URL: this.scanQueue.queueUrl,
        MAX_RECEIVE_COUNT: String(RUNTIME.maxReceiveCount),
        RETRY_BACKOFF_BASE_SECONDS: String(RUNTIME.retryBackoffBaseSeconds),
        RETRY_BACKOFF_MAX_SECONDS: String(RUNTIME.retryBackoffMaxSeconds),
      },
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

    this.sweeper = this.sweeperFunction(props, timeout);
  }

  /** The scheduled sweeper: same code asset, its own role with only what it needs. */
  private sweeperFunction(props: ScanImageFunctionProps, scannerTimeout: Duration): lambda.Function {
    const logGroup = new logs.LogGroup(this, 'SweeperLogGroup', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = new iam.Role(this, 'SweeperRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'catscan sweeper Lambda',
    });
    logGroup.grantWrite(role);
    const sweeper = new lambda.Function(this, 'Sweeper', {
      description: 'catscan: re-drives dead-lettered scans and ends scans that made no progress',
      runtime: lambda.Runtime.PYTHON_3_12,
      architecture: lambda.Architecture.X86_64,
      handler: 'sweeper.lambda_handler',
      code: this.code, // the scanner's asset: bundled once, stored once
      role,
      memorySize: 256,
      timeout: Duration.seconds(2 * scannerTimeout.toSeconds()),
      logGroup,
      environment: {
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
      },
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
