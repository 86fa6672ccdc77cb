// The AWS SDK for JavaScript v3 against the storage gate, configured like frontend/src/config/uploader.ts
// (path style, checksums only when required, presigned PUT/GET/DELETE sent with fetch) and with the SDK's
// defaults (flexible checksums). Prints one JSON object of results. Usage:
//   node js_sdk_client.cjs <frontend dir> '<json: endpoint, region, bucket, credentials, own, other>'
const path = require('node:path');
const { createRequire } = require('node:module');
const { Readable } = require('node:stream');

const frontend = process.argv[2];
const args = JSON.parse(process.argv[3]);
const requireFrontend = createRequire(path.join(frontend, 'package.json'));
const sdk = requireFrontend('@aws-sdk/client-s3');
const { getSignedUrl } = requireFrontend('@aws-sdk/s3-request-presigner');

const credentials = async () => args.credentials;
const uploaderClient = new sdk.S3Client({
  region: args.region, endpoint: args.endpoint, forcePathStyle: true,
  requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED', credentials,
});
const defaultClient = new sdk.S3Client({ region: args.region, endpoint: args.endpoint, forcePathStyle: true, credentials });

async function outcome(promise) {
  try {
    const value = await promise;
    return { ok: true, value };
  } catch (err) {
    return { ok: false, code: err.name, status: err.$metadata && err.$metadata.httpStatusCode };
  }
}

async function presignedUpload(key, body, contentType) {
  const url = await getSignedUrl(uploaderClient, new sdk.PutObjectCommand({ Bucket: args.bucket, Key: key, ContentType: contentType }), { expiresIn: 900 });
  const response = await fetch(url, { method: 'PUT', headers: { 'Content-Type': contentType }, body });
  return { status: response.status, url };
}

async function presignedGet(key) {
  const url = await getSignedUrl(uploaderClient, new sdk.GetObjectCommand({ Bucket: args.bucket, Key: key }), { expiresIn: 3600 });
  const response = await fetch(url);
  return { status: response.status, body: await response.text() };
}

async function presignedDelete(key) {
  const url = await getSignedUrl(uploaderClient, new sdk.DeleteObjectCommand({ Bucket: args.bucket, Key: key }), { expiresIn: 300 });
  const response = await fetch(url, { method: 'DELETE' });
  return { status: response.status };
}

async function main() {
  const out = {};
  const names = ['cat photo.png', 'a+b.png', 'ünï 猫 (1).png', 'x'.repeat(200) + '.png'];
  out.uploader = [];
  for (const name of names) {
    const key = `${args.own}js/${name}`;
    const put = await presignedUpload(key, Buffer.from(`js:${name}`), 'image/png');
    const get = await presignedGet(key);
    out.uploader.push({ key, put: put.status, get: get.status, body: get.body, hasChecksumInUrl: /checksum/i.test(put.url) });
  }
  out.uploaderKeep = `${args.own}js/keep.png`;
  await presignedUpload(out.uploaderKeep, Buffer.from('keep'), 'image/png');
  out.uploaderDelete = (await presignedDelete(`${args.own}js/cat photo.png`)).status;
  out.uploaderOther = {
    put: (await presignedUpload(`${args.other}js/evil.png`, Buffer.from('evil'), 'image/png')).status,
    get: (await presignedGet(`${args.other}js/victim.png`)).status,
    delete: (await presignedDelete(`${args.other}js/victim.png`)).status,
  };

  // SDK defaults: flexible checksums (CRC32) on PutObject, a Buffer and a stream body.
  const bufferKey = `${args.own}js-default/buffer.bin`;
  const streamKey = `${args.own}js-default/stream.bin`;
  const payload = Buffer.alloc(300 * 1024, 7);
  out.defaultPutBuffer = await outcome(defaultClient.send(new sdk.PutObjectCommand({ Bucket: args.bucket, Key: bufferKey, Body: payload })).then(() => bufferKey));
  out.defaultPutStream = await outcome(defaultClient.send(new sdk.PutObjectCommand({
    Bucket: args.bucket, Key: streamKey, Body: Readable.from([payload.subarray(0, 100000), payload.subarray(100000)]), ContentLength: payload.length,
  })).then(() => streamKey));
  const got = await outcome(defaultClient.send(new sdk.GetObjectCommand({ Bucket: args.bucket, Key: bufferKey })).then((r) => r.Body.transformToByteArray()));
  out.defaultGet = got.ok ? { ok: true, length: got.value.length } : got;
  const listed = await outcome(defaultClient.send(new sdk.ListObjectsV2Command({ Bucket: args.bucket, Prefix: `${args.own}js-default/` })));
  out.defaultList = listed.ok ? { ok: true, keys: (listed.value.Contents || []).map((o) => o.Key) } : listed;
  out.defaultDelete = await outcome(defaultClient.send(new sdk.DeleteObjectCommand({ Bucket: args.bucket, Key: bufferKey })).then(() => true));
  out.defaultOther = {
    put: await outcome(defaultClient.send(new sdk.PutObjectCommand({ Bucket: args.bucket, Key: `${args.other}js/evil.bin`, Body: payload }))),
    get: await outcome(defaultClient.send(new sdk.GetObjectCommand({ Bucket: args.bucket, Key: `${args.other}js/victim.png` }))),
    list: await outcome(defaultClient.send(new sdk.ListObjectsV2Command({ Bucket: args.bucket, Prefix: args.other }))),
    listAll: await outcome(defaultClient.send(new sdk.ListObjectsV2Command({ Bucket: args.bucket }))),
  };
  process.stdout.write(JSON.stringify(out));
}

main().catch((err) => {
  process.stderr.write(String(err && err.stack || err));
  process.exit(1);
});
