import { defineBackend } from '@aws-amplify/backend';
import { Stack } from 'aws-cdk-lib';
import { auth } from './auth/resource.js';
import { data, schema } from './data/resource.js';
import { storeDefaultsAfterAuth } from './data/defaults-after-auth.js';
import { refuseUpdatesWithoutUpdateRule } from './data/updates-need-an-update-rule.js';
import { METRICS, ScanImageFunction, scanImage, sweepScans } from './functions/scan-image/resource.js';
import { grantThumbnailsAndUploader } from './functions/scan-image/thumbnails-and-uploader.js';
import { alarmEmailFromEnvironment, Monitoring } from './monitoring/resource.js';
import { acknowledgeAmplifyGenerated, acknowledgeScanner, applyNagChecks } from './nag.js';
import { storage, THUMBNAILS_PREFIX, UPLOADS_PREFIX } from './storage/resource.js';

const backend = defineBackend({
  auth,
  data,
  storage,
  scanImage,
  sweepScans,
});

// Verdict fields are the scanner's alone; `@default` values are stored after the auth step so that
// owners can create scans without being allowed to set `status` (see data/defaults-after-auth.ts).
storeDefaultsAfterAuth(backend.data.resources.cfnResources.cfnFunctionConfigurations, schema);
// Owners have no update rule, yet the generated update auth step lets them through with the id alone
// (see data/updates-need-an-update-rule.ts): updates are the scanner's only.
refuseUpdatesWithoutUpdateRule(backend.data.resources.cfnResources.cfnFunctionConfigurations, schema);

// Nobody uses the app signed out: no guest identities (Amplify's documented switch; the outputs follow it).
backend.auth.resources.cfnResources.cfnIdentityPool.allowUnauthenticatedIdentities = false;

// The scanner's queues, table, settings and grants, in the storage stack with the functions
// (resourceGroupName 'storage'): bucket notification, queue and function refer to each other.
const bucket = backend.storage.resources.bucket;
const scanner = new ScanImageFunction(Stack.of(bucket), 'ScanImage', {
  scanner: backend.scanImage,
  sweeper: backend.sweepScans,
  bucket,
  uploadsPrefix: UPLOADS_PREFIX,
  graphqlApi: backend.data.resources.graphqlApi,
  graphqlUrl: backend.data.graphqlUrl,
  parameterScope: backend.stack.stackName,
});
grantThumbnailsAndUploader(scanner, {
  bucket,
  thumbnailsPrefix: THUMBNAILS_PREFIX,
  userPool: backend.auth.resources.userPool,
});

// Alarms (to an SNS topic, e-mail from CATSCAN_ALARM_EMAIL at deploy time) and the dashboard.
const monitoring = new Monitoring(backend.createStack('monitoring'), 'Monitoring', {
  metricsNamespace: METRICS.namespace,
  scanner: scanner.function,
  scannerService: METRICS.scannerService,
  failureQueue: scanner.failureQueue,
  sweeper: { function: scanner.sweeper, service: METRICS.sweeperService },
  alarmEmail: alarmEmailFromEnvironment(),
});

backend.addOutput({
  custom: {
    scanner: {
      functionName: scanner.function.functionName,
      sweeperFunctionName: scanner.sweeper.functionName,
      scanQueueUrl: scanner.scanQueue.queueUrl,
      deadLetterQueueUrl: scanner.failureQueue.queueUrl,
      idempotencyTable: scanner.idempotencyTable.tableName,
      targetLabelParameter: scanner.targetLabelParameter.parameterName,
      minConfidenceParameter: scanner.minConfidenceParameter.parameterName,
      alarmTopicArn: monitoring.topic.topicArn,
      dashboardName: monitoring.dashboard.dashboardName,
    },
  },
});

applyNagChecks(backend.stack);
acknowledgeScanner(scanner);
acknowledgeAmplifyGenerated({
  auth: Stack.of(backend.auth.resources.userPool),
  data: Stack.of(backend.data.resources.graphqlApi),
  storage: Stack.of(bucket),
});
