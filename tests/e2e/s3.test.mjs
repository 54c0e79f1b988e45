// The S3 door (`/s3`, path-style, on the local R2 bucket `user-data`) with
// the unmodified AWS SDK and its defaults (flexible checksums on): puts of
// strings, bytes and streams, gets with ranges and conditions, heads,
// listings, copies, deletes, multipart uploads, presigned URLs with plain
// fetch, and the policies of cognate's roles deciding who reaches what —
// each identity its own folder, guests against signed-in users, a policy
// change applying to live credentials — with S3's errors for what is refused.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { AwsClient } from 'aws4fetch';
import { devPolicy } from '../../scripts/seed-dev-pool.mjs';
import { startIdp } from './idp.mjs';
import { BUCKET as Bucket, adminCall, adminCredentials, endpoint, guestOf, policy, policyPool, region, rejectsOneOf, rejectsS3, s3, signedInOf } from './lib.mjs';

const MiB = 1024 * 1024;
const tag = randomUUID().slice(0, 8);
const md5 = (bytes) => createHash('md5').update(bytes).digest('hex');
const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');
const bytesOf = async (out) => Buffer.from(await out.Body.transformToByteArray());
const status = (out) => out.$metadata.httpStatusCode;

let idp;
let pool; // guests and users: their own folder, public/ and (users only) members/<tag>/
let writer; // a guest that may write public/<tag>/ and members/<tag>/
let a;
let b;

before(async () => {
  idp = await startIdp();
  const own = devPolicy('own-folder');
  const publicRead = devPolicy('public-read');
  const members = policy({ Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::user-data/members/${tag}/*` });
  pool = await policyPool({ guest: { own, public: publicRead }, user: { own, public: publicRead, members }, idp, name: 'e2e s3' });
  const writers = await policyPool({
    guest: { write: policy({ Effect: 'Allow', Action: 's3:PutObject', Resource: [`arn:aws:s3:::user-data/public/${tag}/*`, `arn:aws:s3:::user-data/members/${tag}/*`] }) },
    name: 'e2e s3 writers',
  });
  writer = await guestOf(writers.poolId);
  a = await guestOf(pool.poolId);
  b = await guestOf(pool.poolId);
  a.s3 = s3(a.credentials);
  b.s3 = s3(b.credentials);
  writer.s3 = s3(writer.credentials);
});

after(() => idp?.close());

test('PutObject of a string, bytes, a Node stream and a web stream; GetObject gives the same bytes back, HeadObject the metadata', async () => {
  const bytes = new Uint8Array(256 * 1000).map((_, i) => i % 256);
  const streamed = randomBytes(300_000);
  const cases = [
    ['string.txt', 'hello, cognate ✓\n', Buffer.from('hello, cognate ✓\n'), 'text/plain; charset=utf-8'],
    ['bytes.bin', bytes, Buffer.from(bytes), 'application/octet-stream'],
    ['node-stream.bin', () => Readable.from([streamed.subarray(0, 100_000), streamed.subarray(100_000)]), streamed, 'application/x-test'],
    // The SDK's Node runtime takes Node streams only ("Unable to calculate hash for flowing readable
    // stream" for a web stream, before sending anything): a web stream goes through Readable.fromWeb.
    ['web-stream.bin', () => Readable.fromWeb(new ReadableStream({
      start(controller) {
        controller.enqueue(new Uint8Array(streamed.subarray(0, 65_536)));
        controller.enqueue(new Uint8Array(streamed.subarray(65_536)));
        controller.close();
      },
    })), streamed, 'application/x-test'],
  ];
  for (const [name, body, expected, ContentType] of cases) {
    const Key = `${a.identityId}/put/${name}`;
    const Metadata = { color: 'blue', 'two-words': 'a b' };
    const put = await a.s3.send(new PutObjectCommand({
      Bucket, Key, Body: typeof body === 'function' ? body() : body, ContentType, Metadata,
      ...(typeof body === 'function' ? { ContentLength: expected.length } : {}),
    }));
    assert.equal(status(put), 200, name);
    assert.equal(put.ETag, `"${md5(expected)}"`, `${name}: a single-part ETag is the MD5 of the bytes`);

    const got = await a.s3.send(new GetObjectCommand({ Bucket, Key }));
    assert.ok((await bytesOf(got)).equals(expected), `${name}: the same bytes`);
    assert.equal(got.ContentType, ContentType, name);
    assert.equal(got.ContentLength, expected.length, name);
    assert.equal(got.ETag, put.ETag, name);
    assert.deepEqual(got.Metadata, Metadata, name);

    const head = await a.s3.send(new HeadObjectCommand({ Bucket, Key }));
    assert.equal(head.ContentType, ContentType, name);
    assert.equal(head.ContentLength, expected.length, name);
    assert.equal(head.ETag, put.ETag, name);
    assert.deepEqual(head.Metadata, Metadata, name);
    assert.ok(head.LastModified instanceof Date && Math.abs(head.LastModified - Date.now()) < 120_000, name);
  }
  await rejectsS3(a.s3.send(new GetObjectCommand({ Bucket, Key: `${a.identityId}/put/missing` })), 'NoSuchKey', 404);
  await rejectsS3(a.s3.send(new HeadObjectCommand({ Bucket, Key: `${a.identityId}/put/missing` })), 'NotFound', 404);
});

test('GetObject with Range, If-None-Match, If-Match and If-Modified-Since', async () => {
  const Key = `${a.identityId}/range/abc.txt`;
  const text = 'abcdefghijklmnopqrstuvwxyz';
  const { ETag } = await a.s3.send(new PutObjectCommand({ Bucket, Key, Body: text }));

  const ranges = [['bytes=2-5', 'cdef', 'bytes 2-5/26'], ['bytes=20-', 'uvwxyz', 'bytes 20-25/26'], ['bytes=-3', 'xyz', 'bytes 23-25/26'], ['bytes=24-100', 'yz', 'bytes 24-25/26']];
  for (const [Range, want, contentRange] of ranges) {
    const part = await a.s3.send(new GetObjectCommand({ Bucket, Key, Range }));
    assert.equal(status(part), 206, Range);
    assert.equal((await bytesOf(part)).toString(), want, Range);
    assert.equal(part.ContentRange, contentRange, Range);
    assert.equal(part.ContentLength, want.length, Range);
  }
  await rejectsS3(a.s3.send(new GetObjectCommand({ Bucket, Key, Range: 'bytes=26-30' })), 'InvalidRange', 416);

  // A 304 has no body, as from S3; this SDK then names the error 'Unknown' (older ones: 'NotModified' or '304').
  await rejectsS3(a.s3.send(new GetObjectCommand({ Bucket, Key, IfNoneMatch: ETag })), /^(NotModified|304|Unknown)$/, 304);
  await rejectsS3(a.s3.send(new GetObjectCommand({ Bucket, Key, IfModifiedSince: new Date(Date.now() + 3_600_000) })), /^(NotModified|304|Unknown)$/, 304);
  await rejectsS3(a.s3.send(new GetObjectCommand({ Bucket, Key, IfMatch: '"0123456789abcdef0123456789abcdef"' })), 'PreconditionFailed', 412);
  // HEAD answers have no body either: only the status says what happened.
  await rejectsS3(a.s3.send(new HeadObjectCommand({ Bucket, Key, IfMatch: '"0123456789abcdef0123456789abcdef"' })), /^(PreconditionFailed|412|Unknown)$/, 412);

  const matched = await a.s3.send(new GetObjectCommand({ Bucket, Key, IfMatch: ETag }));
  assert.equal((await bytesOf(matched)).toString(), text);
  const changed = await a.s3.send(new GetObjectCommand({ Bucket, Key, IfNoneMatch: '"0123456789abcdef0123456789abcdef"' }));
  assert.equal(status(changed), 200);
  await bytesOf(changed);
});

test('ListObjectsV2: prefix, delimiter, pages with continuation tokens, start-after', async () => {
  const base = `${a.identityId}/list/`;
  const names = ['a.txt', 'b.txt', 'c/d.txt', 'c/e.txt', 'f.txt'];
  for (const n of names) await a.s3.send(new PutObjectCommand({ Bucket, Key: base + n, Body: n }));

  const folded = await a.s3.send(new ListObjectsV2Command({ Bucket, Prefix: base, Delimiter: '/' }));
  assert.deepEqual(folded.Contents.map((o) => o.Key), ['a.txt', 'b.txt', 'f.txt'].map((n) => base + n));
  assert.deepEqual(folded.CommonPrefixes.map((p) => p.Prefix), [`${base}c/`]);
  assert.equal(folded.KeyCount, 4);
  assert.equal(folded.IsTruncated, false);
  assert.equal(folded.Contents[0].Size, 5);
  assert.equal(folded.Contents[0].ETag, `"${md5('a.txt')}"`);

  const keys = [];
  let ContinuationToken;
  let pages = 0;
  do {
    const page = await a.s3.send(new ListObjectsV2Command({ Bucket, Prefix: base, MaxKeys: 2, ContinuationToken }));
    assert.ok(page.Contents.length <= 2);
    assert.equal(page.MaxKeys, 2);
    keys.push(...page.Contents.map((o) => o.Key));
    assert.equal(page.IsTruncated, Boolean(page.NextContinuationToken));
    ContinuationToken = page.NextContinuationToken;
    pages += 1;
  } while (ContinuationToken && pages < 10);
  assert.deepEqual(keys, names.map((n) => base + n));
  assert.equal(pages, 3);

  const after = await a.s3.send(new ListObjectsV2Command({ Bucket, Prefix: base, StartAfter: `${base}c/d.txt` }));
  assert.deepEqual(after.Contents.map((o) => o.Key), [`${base}c/e.txt`, `${base}f.txt`]);
  const empty = await a.s3.send(new ListObjectsV2Command({ Bucket, Prefix: `${base}nothing/` }));
  assert.equal(empty.KeyCount, 0);
  assert.equal(empty.Contents, undefined);
});

test('CopyObject within the bucket, and DeleteObject / DeleteObjects', async () => {
  const src = `${a.identityId}/copy/source.txt`;
  const dst = `${a.identityId}/copy/target.txt`;
  await a.s3.send(new PutObjectCommand({ Bucket, Key: src, Body: 'copied', ContentType: 'text/x-copy', Metadata: { m: '1' } }));
  const copy = await a.s3.send(new CopyObjectCommand({ Bucket, Key: dst, CopySource: `${Bucket}/${encodeURIComponent(src)}` }));
  assert.equal(copy.CopyObjectResult.ETag, `"${md5('copied')}"`);
  const got = await a.s3.send(new GetObjectCommand({ Bucket, Key: dst }));
  assert.equal((await bytesOf(got)).toString(), 'copied');
  assert.equal(got.ContentType, 'text/x-copy');
  assert.deepEqual(got.Metadata, { m: '1' });

  // Copying out of another identity's folder needs reading it.
  const theirs = `${b.identityId}/copy/secret.txt`;
  await b.s3.send(new PutObjectCommand({ Bucket, Key: theirs, Body: 'b only' }));
  await rejectsS3(a.s3.send(new CopyObjectCommand({ Bucket, Key: `${a.identityId}/copy/stolen.txt`, CopySource: `${Bucket}/${encodeURIComponent(theirs)}` })), 'AccessDenied', 403);
  await rejectsS3(a.s3.send(new HeadObjectCommand({ Bucket, Key: `${a.identityId}/copy/stolen.txt` })), 'NotFound', 404);

  const del = await a.s3.send(new DeleteObjectCommand({ Bucket, Key: dst }));
  assert.equal(status(del), 204);
  await rejectsS3(a.s3.send(new GetObjectCommand({ Bucket, Key: dst })), 'NoSuchKey', 404);
  assert.equal(status(await a.s3.send(new DeleteObjectCommand({ Bucket, Key: dst }))), 204, 'deleting a missing key succeeds, as in S3');

  const batch = ['x1', 'x2', 'x3'].map((n) => `${a.identityId}/copy/${n}`);
  for (const Key of batch) await a.s3.send(new PutObjectCommand({ Bucket, Key, Body: Key }));
  const many = await a.s3.send(new DeleteObjectsCommand({
    Bucket, Delete: { Objects: [...batch.map((Key) => ({ Key })), { Key: theirs }] },
  }));
  assert.deepEqual(many.Deleted.map((d) => d.Key).sort(), [...batch].sort());
  assert.deepEqual(many.Errors.map((e) => [e.Key, e.Code]), [[theirs, 'AccessDenied']]);
  const left = await a.s3.send(new ListObjectsV2Command({ Bucket, Prefix: `${a.identityId}/copy/` }));
  assert.deepEqual(left.Contents.map((o) => o.Key), [src]);
  assert.equal((await bytesOf(await b.s3.send(new GetObjectCommand({ Bucket, Key: theirs })))).toString(), 'b only', "b's object is still there");
});

test('multipart: lib-storage Upload of 11 MiB in 5 MiB parts reads back the same', async () => {
  const Key = `${a.identityId}/multipart/upload.bin`;
  const data = randomBytes(11 * MiB);
  const parts = [];
  const upload = new Upload({ client: a.s3, params: { Bucket, Key, Body: data, ContentType: 'application/x-big' }, partSize: 5 * MiB, queueSize: 2 });
  upload.on('httpUploadProgress', (p) => parts.push(p.part));
  const done = await upload.done();
  assert.equal(done.Key, Key);
  assert.match(done.ETag, /^"[0-9a-f]{32}-3"$/, done.ETag);
  assert.equal(new Set(parts).size, 3);
  const head = await a.s3.send(new HeadObjectCommand({ Bucket, Key }));
  assert.equal(head.ContentLength, data.length);
  assert.equal(head.ContentType, 'application/x-big');
  const got = await a.s3.send(new GetObjectCommand({ Bucket, Key }));
  assert.equal(sha256(await bytesOf(got)), sha256(data));
  const tail = await a.s3.send(new GetObjectCommand({ Bucket, Key, Range: `bytes=${5 * MiB - 3}-${5 * MiB + 2}` }));
  assert.ok((await bytesOf(tail)).equals(data.subarray(5 * MiB - 3, 5 * MiB + 3)), 'a range across a part boundary');
});

test('multipart by hand: create, upload parts, ListParts, abort; complete; a small middle part is refused', async () => {
  const Key = `${a.identityId}/multipart/by-hand.bin`;
  const one = randomBytes(5 * MiB);
  const two = randomBytes(1024);
  const { UploadId } = await a.s3.send(new CreateMultipartUploadCommand({ Bucket, Key }));
  assert.ok(UploadId);
  const p1 = await a.s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 1, Body: one }));
  const p2 = await a.s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 2, Body: two }));
  const listed = await a.s3.send(new ListPartsCommand({ Bucket, Key, UploadId }));
  assert.deepEqual(listed.Parts.map((p) => [p.PartNumber, p.Size, p.ETag]), [[1, one.length, p1.ETag], [2, two.length, p2.ETag]]);
  await rejectsS3(b.s3.send(new ListPartsCommand({ Bucket, Key, UploadId })), 'AccessDenied', 403);
  await rejectsS3(b.s3.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId })), 'AccessDenied', 403);
  const aborted = await a.s3.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId }));
  assert.equal(status(aborted), 204);
  await rejectsS3(a.s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 3, Body: two })), 'NoSuchUpload', 404);
  await rejectsS3(a.s3.send(new HeadObjectCommand({ Bucket, Key })), 'NotFound', 404);

  const second = await a.s3.send(new CreateMultipartUploadCommand({ Bucket, Key }));
  const q1 = await a.s3.send(new UploadPartCommand({ Bucket, Key, UploadId: second.UploadId, PartNumber: 1, Body: one }));
  const q2 = await a.s3.send(new UploadPartCommand({ Bucket, Key, UploadId: second.UploadId, PartNumber: 2, Body: two }));
  const checksums = (q) => Object.fromEntries(Object.entries(q).filter(([k, v]) => k.startsWith('Checksum') && v));
  const done = await a.s3.send(new CompleteMultipartUploadCommand({
    Bucket, Key, UploadId: second.UploadId,
    MultipartUpload: { Parts: [{ PartNumber: 1, ETag: q1.ETag, ...checksums(q1) }, { PartNumber: 2, ETag: q2.ETag, ...checksums(q2) }] },
  }));
  assert.match(done.ETag, /-2"$/);
  const got = await a.s3.send(new GetObjectCommand({ Bucket, Key }));
  assert.ok((await bytesOf(got)).equals(Buffer.concat([one, two])));

  const small = await a.s3.send(new CreateMultipartUploadCommand({ Bucket, Key: `${Key}.small` }));
  const s1 = await a.s3.send(new UploadPartCommand({ Bucket, Key: `${Key}.small`, UploadId: small.UploadId, PartNumber: 1, Body: two }));
  const s2 = await a.s3.send(new UploadPartCommand({ Bucket, Key: `${Key}.small`, UploadId: small.UploadId, PartNumber: 2, Body: two }));
  await rejectsS3(a.s3.send(new CompleteMultipartUploadCommand({
    Bucket, Key: `${Key}.small`, UploadId: small.UploadId,
    MultipartUpload: { Parts: [{ PartNumber: 1, ETag: s1.ETag, ...checksums(s1) }, { PartNumber: 2, ETag: s2.ETag, ...checksums(s2) }] },
  })), 'EntityTooSmall', 400);
  await a.s3.send(new AbortMultipartUploadCommand({ Bucket, Key: `${Key}.small`, UploadId: small.UploadId }));
});

test('ListParts of an aborted or unknown upload is NoSuchUpload, as in S3', async () => {
  const Key = `${a.identityId}/multipart/gone.bin`;
  const { UploadId } = await a.s3.send(new CreateMultipartUploadCommand({ Bucket, Key }));
  await a.s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 1, Body: 'part' }));
  await a.s3.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId }));
  await rejectsS3(a.s3.send(new ListPartsCommand({ Bucket, Key, UploadId })), 'NoSuchUpload', 404);
  await rejectsS3(a.s3.send(new ListPartsCommand({ Bucket, Key, UploadId: 'no-such-upload-id' })), 'NoSuchUpload', 404);
});

test('presigned GET and PUT URLs work with plain fetch; expired and tampered ones are refused', async () => {
  const Key = `${a.identityId}/presigned/photo name+1.txt`;
  await a.s3.send(new PutObjectCommand({ Bucket, Key, Body: 'presigned body' }));
  const getUrl = await getSignedUrl(a.s3, new GetObjectCommand({ Bucket, Key }), { expiresIn: 300 });
  assert.match(getUrl, /X-Amz-Signature=/);
  const got = await fetch(getUrl);
  assert.equal(got.status, 200);
  assert.equal(await got.text(), 'presigned body');

  const putKey = `${a.identityId}/presigned/uploaded.bin`;
  const payload = randomBytes(4096);
  // With flexible checksums on, the presigner signs the CRC32 of an empty body
  // into the URL (x-amz-checksum-crc32=AAAAAA==): S3 refuses such an upload
  // (BadDigest), and so does cognate. Presign uploads as S3's docs say, with
  // checksums only when required.
  const defaults = await getSignedUrl(a.s3, new PutObjectCommand({ Bucket, Key: putKey }), { expiresIn: 300 });
  assert.match(defaults, /x-amz-checksum-crc32=AAAAAA/);
  const refused = await fetch(defaults, { method: 'PUT', body: payload });
  assert.equal(refused.status, 400);
  assert.match(await refused.text(), /<Code>BadDigest<\/Code>/);
  const presigner = s3(a.credentials, { requestChecksumCalculation: 'WHEN_REQUIRED' });
  const putUrl = await getSignedUrl(presigner, new PutObjectCommand({ Bucket, Key: putKey }), { expiresIn: 300 });
  const put = await fetch(putUrl, { method: 'PUT', body: payload });
  assert.equal(put.status, 200, await put.clone().text());
  assert.equal(put.headers.get('etag'), `"${md5(payload)}"`);
  assert.ok((await bytesOf(await a.s3.send(new GetObjectCommand({ Bucket, Key: putKey })))).equals(payload));

  const expired = await getSignedUrl(a.s3, new GetObjectCommand({ Bucket, Key }), { expiresIn: 60, signingDate: new Date(Date.now() - 5 * 60_000) });
  const old = await fetch(expired);
  assert.equal(old.status, 403);
  assert.match(await old.text(), /<Code>AccessDenied<\/Code>[\s\S]*Request has expired/);

  const url = new URL(getUrl);
  const sig = url.searchParams.get('X-Amz-Signature');
  url.searchParams.set('X-Amz-Signature', (sig[0] === '0' ? '1' : '0') + sig.slice(1));
  const tampered = await fetch(url);
  assert.equal(tampered.status, 403);
  assert.match(await tampered.text(), /<Code>SignatureDoesNotMatch<\/Code>/);

  // The signature of one key does not open another.
  const other = new URL(getUrl);
  other.pathname = other.pathname.replace('photo%20name%2B1.txt', 'uploaded.bin');
  assert.notEqual(other.href, getUrl);
  const moved = await fetch(other);
  assert.equal(moved.status, 403);
  assert.match(await moved.text(), /<Code>SignatureDoesNotMatch<\/Code>/);

  // A presigned PUT cannot be turned into a DELETE.
  const deleted = await fetch(putUrl, { method: 'DELETE' });
  assert.equal(deleted.status, 403);
  await deleted.text();
});

test("identities cannot read, list, write or delete in each other's folders", async () => {
  const Key = `${b.identityId}/private/note.txt`;
  await b.s3.send(new PutObjectCommand({ Bucket, Key, Body: 'b private' }));
  await rejectsS3(a.s3.send(new GetObjectCommand({ Bucket, Key })), 'AccessDenied', 403);
  await rejectsS3(a.s3.send(new HeadObjectCommand({ Bucket, Key })), /^(AccessDenied|Forbidden|403|Unknown)$/, 403);
  await rejectsS3(a.s3.send(new PutObjectCommand({ Bucket, Key, Body: 'overwritten' })), 'AccessDenied', 403);
  await rejectsS3(a.s3.send(new DeleteObjectCommand({ Bucket, Key })), 'AccessDenied', 403);
  await rejectsS3(a.s3.send(new ListObjectsV2Command({ Bucket, Prefix: `${b.identityId}/` })), 'AccessDenied', 403);
  await rejectsS3(a.s3.send(new ListObjectsV2Command({ Bucket })), 'AccessDenied', 403, { message: /Access Denied/ });
  await rejectsS3(a.s3.send(new ListObjectsV2Command({ Bucket, Prefix: 'us-east-1:' })), 'AccessDenied', 403);
  // A key that climbs out of the own folder does not reach b's object.
  await rejectsOneOf(a.s3.send(new GetObjectCommand({ Bucket, Key: `${a.identityId}/../${Key}` })),
    [['AccessDenied', 403], ['SignatureDoesNotMatch', 403], ['NoSuchKey', 404]]);
  assert.equal((await bytesOf(await b.s3.send(new GetObjectCommand({ Bucket, Key })))).toString(), 'b private', 'untouched');
  // Another bucket is not one the door serves, or not one the policy opens.
  await rejectsOneOf(a.s3.send(new GetObjectCommand({ Bucket: 'other-bucket', Key: `${a.identityId}/x` })),
    [['AccessDenied', 403], ['NoSuchBucket', 404]]);
});

test('guests and signed-in users: public/ for both, members/ for signed-in users only; a guest that signs in keeps its folder', async () => {
  const publicKey = `public/${tag}/hello.txt`;
  const membersKey = `members/${tag}/club.txt`;
  await writer.s3.send(new PutObjectCommand({ Bucket, Key: publicKey, Body: 'for everyone' }));
  await writer.s3.send(new PutObjectCommand({ Bucket, Key: membersKey, Body: 'members only' }));
  await rejectsS3(writer.s3.send(new GetObjectCommand({ Bucket, Key: publicKey })), 'AccessDenied', 403, { message: /Access Denied/ });

  const guest = await guestOf(pool.poolId);
  guest.s3 = s3(guest.credentials);
  const Key = `${guest.identityId}/mine.txt`;
  await guest.s3.send(new PutObjectCommand({ Bucket, Key, Body: 'kept' }));
  assert.equal((await bytesOf(await guest.s3.send(new GetObjectCommand({ Bucket, Key: publicKey })))).toString(), 'for everyone');
  await rejectsS3(guest.s3.send(new GetObjectCommand({ Bucket, Key: membersKey })), 'AccessDenied', 403);
  await rejectsS3(guest.s3.send(new PutObjectCommand({ Bucket, Key: `public/${tag}/graffiti.txt`, Body: 'x' })), 'AccessDenied', 403);

  const user = await signedInOf(pool.poolId, idp, `s3-${tag}`, { identityId: guest.identityId });
  const us = s3(user.credentials);
  assert.equal((await bytesOf(await us.send(new GetObjectCommand({ Bucket, Key: publicKey })))).toString(), 'for everyone');
  assert.equal((await bytesOf(await us.send(new GetObjectCommand({ Bucket, Key: membersKey })))).toString(), 'members only');
  assert.equal((await bytesOf(await us.send(new GetObjectCommand({ Bucket, Key })))).toString(), 'kept', 'the folder follows the identity');
  await rejectsS3(us.send(new PutObjectCommand({ Bucket, Key: `public/${tag}/graffiti.txt`, Body: 'x' })), 'AccessDenied', 403);
  await rejectsS3(us.send(new GetObjectCommand({ Bucket, Key: `${a.identityId}/put/string.txt` })), 'AccessDenied', 403);
});

test('a policy change applies to credentials already issued', async () => {
  const own = devPolicy('own-folder');
  const { poolId, guestRole } = await policyPool({ guest: { own }, name: 'e2e s3 live' });
  const g = await guestOf(poolId);
  const client = s3(g.credentials);
  const Key = `${g.identityId}/live.txt`;
  await client.send(new PutObjectCommand({ Bucket, Key, Body: 'live' }));
  assert.equal((await bytesOf(await client.send(new GetObjectCommand({ Bucket, Key })))).toString(), 'live');

  await adminCall('PutRolePolicy', { RoleArn: guestRole, PolicyName: 'deny-reads', PolicyDocument: policy({ Effect: 'Deny', Action: 's3:GetObject', Resource: '*' }) });
  await rejectsS3(client.send(new GetObjectCommand({ Bucket, Key })), 'AccessDenied', 403);
  assert.equal(status(await client.send(new PutObjectCommand({ Bucket, Key, Body: 'still writable' }))), 200, 'an explicit Deny of reads leaves writes');

  await adminCall('DeleteRolePolicy', { RoleArn: guestRole, PolicyName: 'deny-reads' });
  assert.equal((await bytesOf(await client.send(new GetObjectCommand({ Bucket, Key })))).toString(), 'still writable');

  await adminCall('DeleteRolePolicy', { RoleArn: guestRole, PolicyName: 'own' });
  await rejectsS3(client.send(new GetObjectCommand({ Bucket, Key })), 'AccessDenied', 403, { message: /Access Denied/ });
  await rejectsS3(client.send(new PutObjectCommand({ Bucket, Key, Body: 'x' })), 'AccessDenied', 403);
});

test('a skewed clock, an unknown key, a wrong secret, a tampered token or signature, and no signature are refused', async () => {
  const Key = `${a.identityId}/auth/x.txt`;
  await a.s3.send(new PutObjectCommand({ Bucket, Key, Body: 'x' }));
  for (const minutes of [-20, 20]) {
    const skewed = s3(a.credentials, { systemClockOffset: minutes * 60_000, maxAttempts: 1 });
    await rejectsS3(skewed.send(new GetObjectCommand({ Bucket, Key })), 'RequestTimeTooSkewed', 403);
  }
  const unknown = s3({ accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' }, { maxAttempts: 1 });
  await rejectsS3(unknown.send(new GetObjectCommand({ Bucket, Key })), 'InvalidAccessKeyId', 403);
  // The admin key pair is not a key of the S3 door.
  const admin = s3(adminCredentials, { maxAttempts: 1 });
  await rejectsOneOf(admin.send(new GetObjectCommand({ Bucket, Key })), [['InvalidAccessKeyId', 403], ['AccessDenied', 403]]);

  const wrongSecret = s3({ ...a.credentials, secretAccessKey: b.credentials.secretAccessKey }, { maxAttempts: 1 });
  await rejectsS3(wrongSecret.send(new GetObjectCommand({ Bucket, Key })), 'SignatureDoesNotMatch', 403);
  const mixed = s3({ ...a.credentials, sessionToken: b.credentials.sessionToken }, { maxAttempts: 1 });
  await rejectsOneOf(mixed.send(new GetObjectCommand({ Bucket, Key })),
    [['InvalidAccessKeyId', 403], ['InvalidToken', 400], ['SignatureDoesNotMatch', 403]]);
  const t = a.credentials.sessionToken;
  const broken = s3({ ...a.credentials, sessionToken: t.slice(0, 40) + (t[40] === 'A' ? 'B' : 'A') + t.slice(41) }, { maxAttempts: 1 });
  await assert.rejects(broken.send(new GetObjectCommand({ Bucket, Key })), (err) => {
    assert.ok([400, 403].includes(err.$metadata.httpStatusCode), `${err.name} ${err.$metadata.httpStatusCode}`);
    assert.match(err.name, /^(InvalidToken|InvalidAccessKeyId|ExpiredToken)$/);
    return true;
  });

  const aws = new AwsClient({ ...a.credentials, service: 's3', region });
  const signed = await aws.sign(`${endpoint}/s3/${Bucket}/${encodeURIComponent(Key)}`);
  const ok = await fetch(signed);
  assert.equal(ok.status, 200, await ok.clone().text());
  assert.equal(await ok.text(), 'x');
  const auth = signed.headers.get('authorization');
  const headers = new Headers(signed.headers);
  headers.set('authorization', auth.replace(/Signature=(.)/, (_, c) => `Signature=${c === 'a' ? 'b' : 'a'}`));
  const bad = await fetch(signed.url, { headers });
  assert.equal(bad.status, 403);
  const xml = await bad.text();
  assert.match(xml, /<Code>SignatureDoesNotMatch<\/Code>/);
  assert.ok(!xml.includes(a.credentials.secretAccessKey) && !xml.includes(a.credentials.sessionToken), 'no secret in the error');

  const unsigned = await fetch(`${endpoint}/s3/${Bucket}/${encodeURIComponent(Key)}`);
  assert.equal(unsigned.status, 403);
  assert.match(await unsigned.text(), /<Code>AccessDenied<\/Code>/);
});

test('bodies that do not match their Content-MD5 or flexible checksum are refused with BadDigest', async () => {
  const Key = `${a.identityId}/digest/x.txt`;
  const wrongMd5 = createHash('md5').update('something else').digest('base64');
  await rejectsS3(a.s3.send(new PutObjectCommand({ Bucket, Key, Body: 'the body', ContentMD5: wrongMd5 })), 'BadDigest', 400);
  await rejectsS3(a.s3.send(new PutObjectCommand({ Bucket, Key, Body: 'the body', ChecksumCRC32: 'AAAAAA==' })), /^(BadDigest|InvalidRequest)$/, 400);
  await rejectsS3(a.s3.send(new HeadObjectCommand({ Bucket, Key })), 'NotFound', 404);
  const rightMd5 = createHash('md5').update('the body').digest('base64');
  assert.equal(status(await a.s3.send(new PutObjectCommand({ Bucket, Key, Body: 'the body', ContentMD5: rightMd5 }))), 200);
});

test('a checksum sent with an upload comes back on a read that asks for it, and the SDK checks it', async () => {
  const Key = `${a.identityId}/checksums/x.bin`;
  const data = randomBytes(70_000);
  const sha = createHash('sha256').update(data).digest('base64');
  const put = await a.s3.send(new PutObjectCommand({ Bucket, Key, Body: data, ChecksumAlgorithm: 'SHA256' }));
  assert.equal(put.ChecksumSHA256, sha);
  const got = await a.s3.send(new GetObjectCommand({ Bucket, Key, ChecksumMode: 'ENABLED' }));
  assert.equal(got.ChecksumSHA256, sha, 'the stored checksum is returned');
  assert.ok((await bytesOf(got)).equals(data), 'and the body passes the SDK\'s own check against it');
  const plain = await a.s3.send(new GetObjectCommand({ Bucket, Key }));
  await bytesOf(plain);
  const head = await a.s3.send(new HeadObjectCommand({ Bucket, Key }));
  assert.equal(head.ChecksumSHA256, undefined, 'not sent unless asked for');

  // A presigned PUT that carries the checksum of its real body is accepted.
  const body = randomBytes(2048);
  const crc = await a.s3.send(new PutObjectCommand({ Bucket, Key: `${a.identityId}/checksums/probe`, Body: body, ChecksumAlgorithm: 'CRC32' }));
  const presigned = await getSignedUrl(a.s3, new PutObjectCommand({ Bucket, Key: `${a.identityId}/checksums/presigned`, ChecksumCRC32: crc.ChecksumCRC32 }), { expiresIn: 300 });
  const sent = await fetch(presigned, { method: 'PUT', body });
  assert.equal(sent.status, 200, await sent.clone().text());
  await sent.text();
  const other = await fetch(presigned, { method: 'PUT', body: randomBytes(2048) });
  assert.equal(other.status, 400);
  assert.match(await other.text(), /<Code>BadDigest<\/Code>/);
});

test('CORS: preflights from any origin pass, and answers expose ETag', async () => {
  const Key = `${a.identityId}/cors.txt`;
  await a.s3.send(new PutObjectCommand({ Bucket, Key, Body: 'cors' }));
  const url = `${endpoint}/s3/${Bucket}/${encodeURIComponent(Key)}`;
  const preflight = await fetch(url, {
    method: 'OPTIONS',
    headers: { origin: 'https://app.example', 'access-control-request-method': 'PUT', 'access-control-request-headers': 'authorization,x-amz-date,x-amz-content-sha256,x-amz-security-token,content-type' },
  });
  assert.ok(preflight.status === 200 || preflight.status === 204, `preflight ${preflight.status}`);
  assert.match(preflight.headers.get('access-control-allow-origin') ?? '', /^(\*|https:\/\/app\.example)$/);
  assert.match(preflight.headers.get('access-control-allow-methods') ?? '', /PUT/);
  const allowed = (preflight.headers.get('access-control-allow-headers') ?? '').toLowerCase();
  for (const h of ['authorization', 'x-amz-date', 'x-amz-security-token']) assert.ok(allowed === '*' || allowed.includes(h), `${h} in ${allowed}`);

  const aws = new AwsClient({ ...a.credentials, service: 's3', region });
  const got = await aws.fetch(url, { headers: { origin: 'https://app.example' } });
  assert.equal(got.status, 200);
  assert.match(got.headers.get('access-control-allow-origin') ?? '', /^(\*|https:\/\/app\.example)$/);
  assert.match((got.headers.get('access-control-expose-headers') ?? '').toLowerCase(), /\*|etag/);
  await got.text();
  const denied = await fetch(url, { headers: { origin: 'https://app.example' } });
  assert.equal(denied.status, 403);
  assert.match(denied.headers.get('access-control-allow-origin') ?? '', /^(\*|https:\/\/app\.example)$/, 'errors are readable by the page too');
  await denied.text();
});
