import { Duration, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/**
 * The deploy-time e-mail address that receives the alarms, from the environment of the synth
 * (`CATSCAN_ALARM_EMAIL=ops@example.com npx ampx sandbox`, or an Amplify Hosting environment
 * variable for branch deploys). Unset: the topic has no subscription.
 */
export function alarmEmailFromEnvironment(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const value = env.CATSCAN_ALARM_EMAIL?.trim();
  if (!value) return undefined;
  if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(value)) {
    throw new Error(`CATSCAN_ALARM_EMAIL must be one e-mail address, got ${JSON.stringify(value)}`);
  }
  return value;
}

export type MonitoringProps = {
  /** Where the functions' Powertools metrics go (their POWERTOOLS_METRICS_NAMESPACE). */
  metricsNamespace: string;
  /** The scanner; its Powertools metrics carry the dimension service=`scannerService`. */
  scanner: lambda.IFunction;
  scannerService: string;
  /** Scans that failed for good land here (any message is an alarm). */
  failureQueue: sqs.IQueue;
  /** The sweeper, which fails scans stuck in PROCESSING and counts them (metric SweeperFailedScans). */
  sweeper?: { function: lambda.IFunction; service: string };
  /** Subscribed to the alarm topic when given (see alarmEmailFromEnvironment). */
  alarmEmail?: string;
};

/**
 * What an operator is told and sees: every alarm notifies one SNS topic (e-mail optional), and a
 * dashboard shows scans by status, upload-to-verdict latency and Rekognition calls.
 */
export class Monitoring extends Construct {
  readonly topic: sns.Topic;
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);

    this.topic = new sns.Topic(this, 'AlarmTopic', {
      displayName: 'catscan alarms',
      enforceSSL: true,
    });
    Validations.of(this.topic).acknowledge({
      id: 'AwsSolutions-SNS2',
      reason:
        'Alarm notifications carry no user data (alarm name and state); a KMS key would also need a key ' +
        'policy for CloudWatch, which the AWS-managed SNS key does not allow.',
    });
    if (props.alarmEmail) {
      this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    }

    const fiveMinutes = Duration.minutes(5);
    const scannerMetric = (metricName: string, statistic: string) =>
      new cloudwatch.Metric({
        namespace: props.metricsNamespace,
        metricName,
        dimensionsMap: { service: props.scannerService },
        statistic,
        period: fiveMinutes,
      });
    const rekognition = (metricName: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/Rekognition',
        metricName,
        dimensionsMap: { Operation: 'DetectLabels' },
        statistic: cloudwatch.Stats.SUM,
        period: fiveMinutes,
      });

    const alarm = (id: string, description: string, metric: cloudwatch.IMetric) => {
      const created = new cloudwatch.Alarm(this, id, {
        alarmDescription: `catscan: ${description} (runbook: docs/operations.md)`,
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      created.addAlarmAction(new actions.SnsAction(this.topic));
      created.addOkAction(new actions.SnsAction(this.topic));
      this.alarms.push(created);
      return created;
    };

    alarm(
      'FailureQueueAlarm',
      'a scan failed after all retries and waits in the failure queue',
      props.failureQueue.metricApproximateNumberOfMessagesVisible({
        period: fiveMinutes,
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
    );
    alarm(
      'ScannerErrorsAlarm',
      'the scanner function raised errors',
      props.scanner.metricErrors({ period: fiveMinutes, statistic: cloudwatch.Stats.SUM }),
    );
    alarm('RekognitionThrottlesAlarm', 'Rekognition throttled DetectLabels calls', rekognition('ThrottledCount'));
    if (props.sweeper) {
      alarm(
        'SweeperFailedScansAlarm',
        'the sweeper had to fail scans that never got a verdict',
        new cloudwatch.Metric({
          namespace: props.metricsNamespace,
          metricName: 'SweeperFailedScans',
          dimensionsMap: { service: props.sweeper.service },
          statistic: cloudwatch.Stats.SUM,
          period: fiveMinutes,
        }),
      );
    }

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.hours(3),
    });
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Scans by status',
        left: ['ScanDone', 'ScanRejected', 'ScanFailed', 'ScanRetried'].map((name) =>
          scannerMetric(name, cloudwatch.Stats.SUM).with({ label: name.replace(/^Scan/, '') }),
        ),
        stacked: true,
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Upload to verdict (ms)',
        left: [
          scannerMetric('UploadToVerdictLatency', cloudwatch.Stats.percentile(50)).with({ label: 'p50' }),
          scannerMetric('UploadToVerdictLatency', cloudwatch.Stats.percentile(95)).with({ label: 'p95' }),
        ],
        width: 12,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Rekognition DetectLabels calls',
        left: [
          // One DetectLatency sample per call the scanner made.
          scannerMetric('DetectLatency', cloudwatch.Stats.SAMPLE_COUNT).with({ label: 'scanner calls' }),
          rekognition('SuccessfulRequestCount').with({ label: 'successful (account)' }),
          rekognition('ThrottledCount').with({ label: 'throttled (account)' }),
        ],
        width: 12,
      }),
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 12 }),
    );
  }
}
