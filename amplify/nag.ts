import { CfnResource, Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, NagRuleCompliance, type IApplyRule } from 'cdk-nag';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { IConstruct } from 'constructs';

/** Printed once per finding acknowledged by pattern; scripts/synth.sh counts these lines. */
export const PATTERN_ACK_PREFIX = 'cdk-nag acknowledged:';

type PatternAcknowledgment = { path: RegExp; rule: string; finding?: RegExp; reason: string };

/**
 * AwsSolutions with acknowledgments by construct path and finding pattern, for what Amplify and
 * CDK generate: their findings name logical ids that contain the stack's name (different in every
 * sandbox and branch), so `Validations.acknowledge`, which matches exact finding ids, cannot name
 * them. cdk-nag has no such matching; this wraps the rule callback (its protected extension point).
 */
class CatscanAwsSolutionsChecks extends AwsSolutionsChecks {
  readonly patternAcknowledgments: PatternAcknowledgment[] = [];

  protected override applyRule(params: IApplyRule): void {
    const ruleId = `${this.readPackName}-${params.ruleSuffixOverride ?? params.rule.name}`;
    const path = params.node.node.path;
    const acks = this.patternAcknowledgments.filter((a) => a.rule === ruleId && a.path.test(path));
    if (acks.length === 0) return super.applyRule(params);
    const original = params.rule;
    const acknowledged = (finding: string | undefined) => {
      const ack = acks.find((a) => !a.finding || (finding !== undefined && a.finding.test(finding)));
      if (ack) {
        const id = finding === undefined ? ruleId : `${ruleId}[${finding}]`;
        process.stderr.write(`${PATTERN_ACK_PREFIX} ${id} on ${path}: ${ack.reason}\n`);
      }
      return ack !== undefined;
    };
    const rule = Object.defineProperty(
      (node: CfnResource) => {
        const result = original(node);
        if (Array.isArray(result)) return result.filter((finding) => !acknowledged(finding));
        if (result === NagRuleCompliance.NON_COMPLIANT && acknowledged(undefined)) {
          return NagRuleCompliance.COMPLIANT;
        }
        return result;
      },
      'name',
      { value: original.name },
    );
    super.applyRule({ ...params, rule });
  }
}

let checks: CatscanAwsSolutionsChecks | undefined;

/**
 * cdk-nag's AwsSolutions rules over every stack of the backend, as CDK policy validation: an
 * unacknowledged finding fails the synth (and so `ampx sandbox` / `pipeline-deploy`). Findings we
 * accept are acknowledged, each with its reason: ours with `Validations.of(x).acknowledge` (also
 * written into the templates' Metadata, `cdk_nag.rules_to_suppress`), the generated constructs'
 * by pattern (printed during synth). scripts/synth.sh counts both.
 */
export function applyNagChecks(backendStack: Stack): void {
  const app = Stack.of(backendStack).node.root as IConstruct;
  checks = new CatscanAwsSolutionsChecks(app, { verbose: true, writeSuppressionsToCloudFormation: true });
  Validations.of(app).addPlugins(checks);
}

type Acknowledgment = { id: string; finding?: RegExp; reason: string };

/**
 * Acknowledges findings of rule `id` (optionally only those whose finding text matches `finding`)
 * on every construct below `scope` whose path matches `path`. For constructs that Amplify and CDK
 * generate; it throws when nothing matches, so an acknowledgment never outlives its construct.
 */
export function acknowledgeGenerated(scope: IConstruct, path: RegExp, ...acks: Acknowledgment[]): void {
  if (!checks) throw new Error('cdk-nag: call applyNagChecks first');
  if (!scope.node.findAll().some((c) => path.test(c.node.path))) {
    throw new Error(`cdk-nag: no construct under ${scope.node.path} matches ${path}`);
  }
  for (const ack of acks) {
    checks.patternAcknowledgments.push({ path, rule: ack.id, finding: ack.finding, reason: ack.reason });
  }
}

/** What Amplify's own auth, data and storage constructs (and CDK's helpers in them) bring with them. */
export function acknowledgeAmplifyGenerated(stacks: { auth: IConstruct; data: IConstruct; storage: IConstruct }): void {
  const helper =
    'A helper Lambda that Amplify/CDK generate for deployment only (custom resource); its code and role ' +
    'are not ours to change and it handles no user data.';
  acknowledgeGenerated(
    stacks.auth,
    /\/amplifyAuth\/UserPool\//,
    {
      id: 'AwsSolutions-COG2',
      reason: 'MFA is left to each deployment (Cognito console); the demo and the tests sign in with passwords.',
    },
    {
      id: 'AwsSolutions-COG8',
      reason: 'The Plus feature plan costs per active user; threat protection is not needed for a cat detector.',
    },
  );
  // Amplify's table manager and CDK's bucket deployment / log retention helpers.
  for (const path of [
    /\/catscan\/AmplifyTableManager\//,
    /\/Custom::CDKBucketDeployment[0-9A-Fa-f]+[^/]*\//,
    /\/LogRetention[0-9a-f]{32}\//,
  ]) {
    acknowledgeGenerated(
      stacks.data,
      path,
      { id: 'AwsSolutions-IAM4', finding: /AWSLambdaBasicExecutionRole\]?$/, reason: helper },
      { id: 'AwsSolutions-IAM5', reason: `${helper} CDK/Amplify scope it to this API's tables, functions and buckets.` },
      { id: 'AwsSolutions-L1', reason: helper },
    );
  }
  acknowledgeGenerated(stacks.data, /\/catscan\/GraphQLAPI\//, {
    id: 'AwsSolutions-IAM4',
    finding: /AWSAppSyncPushToCloudWatchLogs$/,
    reason: "The role AppSync needs to write the API's logs; AWS's own managed policy for exactly that.",
  }, {
    id: 'AwsSolutions-ASC3',
    reason:
      "Resolver errors are logged (fieldLogLevel 'error'); verbose content is excluded on purpose: it would " +
      "log users' request values.",
  });
  acknowledgeGenerated(stacks.data, /\/catscan\/Scan\/ScanIAMRole\//, {
    id: 'AwsSolutions-IAM5',
    finding: /:table\/\$\{tablename\}\/\*"/,
    reason: "AppSync's role for the Scan table: Amplify grants the table's indexes as table/<name>/*.",
  });
  acknowledgeGenerated(
    stacks.data,
    /\/(catscan\/AmplifyCodegenAssets\/AmplifyCodegenAssetsBucket|modelIntrospectionSchemaBucket)\//,
    {
      id: 'AwsSolutions-S1',
      reason: 'Amplify codegen buckets hold the generated schema only, written at deploy time; no access to log.',
    },
    {
      id: 'AwsSolutions-S10',
      reason: 'Amplify codegen bucket read by the Amplify console over HTTPS; the policy is generated by Amplify.',
    },
  );
  acknowledgeGenerated(stacks.storage, /\/BucketNotificationsHandler[0-9a-f]+\//, {
    id: 'AwsSolutions-IAM4',
    finding: /AWSLambdaBasicExecutionRole\]?$/,
    reason: `${helper} It sets the bucket's event notifications.`,
  });
  acknowledgeGenerated(stacks.storage, /\/catscanUploads\/Bucket\//, {
    id: 'AwsSolutions-S1',
    reason:
      'Every upload has a Scan record (owner, key, time, verdict) in DynamoDB; server access logs would add a ' +
      'log bucket for no question the records do not answer. Enable them or CloudTrail data events if needed.',
  });
  acknowledgeGenerated(stacks.storage, /--storageAccess\d+\//, {
    id: 'AwsSolutions-IAM5',
    finding: /^Resource::<catscanUploadsBucket\w+\.Arn>\/(uploads|thumbnails)\/(<cognito-identity\.amazonaws\.com:sub>\/)?\*$/,
    reason:
      'Amplify Storage access rules: each signed-in identity reaches uploads/ and thumbnails/<its identity id>/*, ' +
      'Admins read both prefixes. The wildcard is the object key below the prefix (amplify/storage/resource.ts).',
  });
}

/** The scanner's own findings that are by design. */
export function acknowledgeScanner(scanner: {
  function: IConstruct;
  role: IConstruct;
  sweeper: lambda.IFunction;
  idempotencyTable: IConstruct;
}): void {
  const python312 =
    'python3.12 on purpose: the hashed lock (functions/scan_image/requirements.lock) and the precompiled ' +
    'bytecode are built for CPython 3.12; move runtime, lock and bytecode together.';
  const acks: [IConstruct, string, string][] = [
    [scanner.function, 'AwsSolutions-L1', python312],
    [scanner.sweeper, 'AwsSolutions-L1', python312],
    [scanner.sweeper.role!, 'AwsSolutions-IAM5[Resource::<catscanUploadsBucket3352446A.Arn>/uploads/*]',
      'The sweeper checks (HeadObject, which needs s3:GetObject) whether any stuck scan\'s upload arrived.'],
    [scanner.role, 'AwsSolutions-IAM5[Resource::*]',
      'rekognition:DetectLabels has no resource-level permissions: "*" is the only valid resource.'],
    [scanner.role, 'AwsSolutions-IAM5[Resource::<catscanUploadsBucket3352446A.Arn>/uploads/*]',
      "The scanner reads (GetObject only) any user's upload: every upload is scanned."],
    [scanner.role, 'AwsSolutions-IAM5[Resource::<catscanUploadsBucket3352446A.Arn>/thumbnails/*]',
      "The scanner writes (PutObject only) the thumbnail of any user's scan, thumbnails/<identity id>/<scan>.jpg."],
    [scanner.idempotencyTable, 'AwsSolutions-DDB3',
      'Idempotency records live 24 h (TTL) and are rebuilt by the next scan; nothing to restore.'],
  ];
  for (const [construct, id, reason] of acks) Validations.of(construct).acknowledge({ id, reason });
}
