import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Annotations, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as appsync from 'aws-cdk-lib/aws-appsync';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';

/**
 * The Python scanner bundle: functions/scan_image/*.py plus its pinned dependencies as Lambda
 * (manylinux x86_64, CPython 3.12) wheels, built by scripts/bundle_lambda.sh without Docker.
 */
export const SCAN_IMAGE_BUNDLE_DIR = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '../../../build/scan_image',
);

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
 * The S3-triggered Python Lambda that asks Rekognition whether an upload shows a cat and writes
 * the verdict through AppSync (IAM), with everything it needs and nothing more:
 * idempotency table, SSM parameters, on-failure queue + alarm, log group with retention.
 *
 * Create it in the storage stack's scope (`Stack.of(bucket)`): the bucket notification refers to
 * the function and the function to the bucket, so a separate stack would form a dependency cycle.
 */
export class ScanImageFunction extends Construct {
  readonly function: lambda.Function;
  readonly role: iam.Role;
  readonly idempotencyTable: dynamodb.Table;
  readonly failureQueue: sqs.Queue;
  readonly failureAlarm: cloudwatch.Alarm;
  readonly logGroup: logs.LogGroup;
  readonly targetLabelParameter: ssm.StringParameter;
  readonly minConfidenceParameter: ssm.StringParameter;

  constructor(scope: Construct, id: string, props: ScanImageFunctionProps) {
    super(scope, id);

    if (!existsSync(SCAN_IMAGE_BUNDLE_DIR)) {
      throw new Error(
        `${SCAN_IMAGE_BUNDLE_DIR} does not exist: run scripts/bundle_lambda.sh before synth/deploy`,
      );
    }
    if (!existsSync(join(SCAN_IMAGE_BUNDLE_DIR, 'handler.py'))) {
      Annotations.of(this).addWarningV2(
        'catscan:missingHandler',
        `${SCAN_IMAGE_BUNDLE_DIR}/handler.py is missing: the function would fail at runtime`,
      );
    }

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

    // Events that still fail after the async retries land here; any message raises the alarm.
    this.failureQueue = new sqs.Queue(this, 'FailureQueue', {
      retentionPeriod: Duration.days(14),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    this.failureAlarm = new cloudwatch.Alarm(this, 'FailureAlarm', {
      alarmDescription: 'catscan scanner: an S3 event failed after all retries (see the failure queue)',
      metric: this.failureQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
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
      code: lambda.Code.fromAsset(SCAN_IMAGE_BUNDLE_DIR),
      role: this.role,
      memorySize: 512,
      timeout: Duration.seconds(30),
      logGroup: this.logGroup,
      environment: {
        APPSYNC_URL: props.graphqlUrl,
        IDEMPOTENCY_TABLE: this.idempotencyTable.tableName,
        PARAM_TARGET_LABEL: this.targetLabelParameter.parameterName,
        PARAM_MIN_CONFIDENCE: this.minConfidenceParameter.parameterName,
        PARAM_CACHE_SECONDS: '60',
        POWERTOOLS_SERVICE_NAME: 'catscan-scanner',
        POWERTOOLS_METRICS_NAMESPACE: 'catscan',
      },
      // S3 invokes asynchronously: two retries, then the event goes to the failure queue.
      retryAttempts: 2,
      maxEventAge: Duration.hours(1),
      onFailure: new destinations.SqsDestination(this.failureQueue),
    });

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
      new s3n.LambdaDestination(this.function),
      { prefix: props.uploadsPrefix },
    );
  }
}
