import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { ScanImageFunction } from './resource.js';

export type ThumbnailsAndUploaderProps = {
  bucket: s3.IBucket;
  /** `thumbnails/`: functions/scan_image/thumbnail.py writes thumbnails/{identityId}/{scanId}.jpg. */
  thumbnailsPrefix: string;
  /** The user pool whose users upload: the scanner reads the uploader's e-mail (owner_directory.py). */
  userPool: cognito.IUserPool;
};

/**
 * What the scanner needs for thumbnails and the uploader's e-mail (issue 10), scoped to one resource each:
 * PutObject on the thumbnails prefix only (it still only reads uploads/), AdminGetUser on the one pool.
 */
export function grantThumbnailsAndUploader(scanner: ScanImageFunction, props: ThumbnailsAndUploaderProps): void {
  scanner.role.addToPolicy(
    new iam.PolicyStatement({
      sid: 'WriteThumbnails',
      actions: ['s3:PutObject'],
      resources: [props.bucket.arnForObjects(`${props.thumbnailsPrefix}*`)],
    }),
  );
  scanner.role.addToPolicy(
    new iam.PolicyStatement({
      sid: 'ReadUploaderEmail',
      actions: ['cognito-idp:AdminGetUser'],
      resources: [props.userPool.userPoolArn],
    }),
  );
  scanner.function.addEnvironment('USER_POOL_ID', props.userPool.userPoolId);
}
