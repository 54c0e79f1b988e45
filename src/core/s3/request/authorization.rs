//! What an S3 request needs from the caller's policy: the IAM action,
//! resource ARN and condition keys S3 would evaluate for each operation,
//! and the request-level condition keys it sets on every request.

use super::{MetadataDirective, S3Operation, S3Request};
use crate::core::sigv4::ALGORITHM;

/// One permission a request needs: the IAM action on the resource, with
/// the condition keys S3 supplies for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    /// The action, e.g. `s3:GetObject`.
    pub action: &'static str,
    /// The resource ARN (`arn:aws:s3:::bucket/key`, `arn:aws:s3:::bucket` or `*`).
    pub resource: String,
    /// Operation-specific condition keys and their values.
    pub condition_keys: Vec<(&'static str, Vec<String>)>,
}

/// `arn:aws:s3:::<bucket>`.
pub fn bucket_arn(bucket: &str) -> String {
    format!("arn:aws:s3:::{bucket}")
}

/// `arn:aws:s3:::<bucket>/<key>` (the key as stored, not encoded).
pub fn object_arn(bucket: &str, key: &str) -> String {
    format!("arn:aws:s3:::{bucket}/{key}")
}

/// The permission DeleteObjects needs for each key of its body.
pub fn delete_object_authorization(bucket: &str, key: &str) -> Authorization {
    Authorization { action: "s3:DeleteObject", resource: object_arn(bucket, key), condition_keys: Vec::new() }
}

/// The request-level condition keys S3 sets on every request:
/// `s3:signatureversion` (`AWS4-HMAC-SHA256`), `s3:authType`
/// (`REST-QUERY-STRING` for a presigned URL, else `REST-HEADER`) and
/// `s3:x-amz-content-sha256` when the header is present.
pub fn request_condition_keys(presigned: bool, content_sha256: Option<&str>) -> Vec<(&'static str, Vec<String>)> {
    let auth_type = if presigned { "REST-QUERY-STRING" } else { "REST-HEADER" };
    let mut keys =
        vec![("s3:signatureversion", vec![ALGORITHM.to_owned()]), ("s3:authType", vec![auth_type.to_owned()])];
    if let Some(sha) = content_sha256 {
        keys.push(("s3:x-amz-content-sha256", vec![sha.trim().to_owned()]));
    }
    keys
}

impl S3Request {
    /// The permissions the request needs, as S3 maps operations to IAM
    /// actions ("Actions, resources, and condition keys for Amazon S3").
    /// DeleteObjects needs [`delete_object_authorization`] for each key
    /// of its body as well; the `s3:DeleteObject` on the bucket returned
    /// here is a placeholder that no policy grants by accident (it names
    /// no object), so the Worker must check the per-key ones.
    pub fn authorization(&self) -> Vec<Authorization> {
        let bucket = self.bucket.as_deref().unwrap_or_default();
        let key = self.key.as_deref().unwrap_or_default();
        let on_object = |action: &'static str| Authorization {
            action,
            resource: object_arn(bucket, key),
            condition_keys: Vec::new(),
        };
        let with_keys = |action: &'static str, keys: &[(&'static str, String)]| Authorization {
            action,
            resource: object_arn(bucket, key),
            condition_keys: keys.iter().map(|(k, v)| (*k, vec![v.clone()])).collect(),
        };
        let on_bucket =
            |action: &'static str| Authorization { action, resource: bucket_arn(bucket), condition_keys: Vec::new() };
        match &self.operation {
            S3Operation::ListBuckets => {
                vec![Authorization {
                    action: "s3:ListAllMyBuckets",
                    resource: "*".to_owned(),
                    condition_keys: Vec::new(),
                }]
            }
            S3Operation::HeadBucket => vec![on_bucket("s3:ListBucket")],
            S3Operation::GetBucketLocation => vec![on_bucket("s3:GetBucketLocation")],
            S3Operation::ListObjectsV2(p) | S3Operation::ListObjects(p) => {
                let mut list = on_bucket("s3:ListBucket");
                if let Some(prefix) = &p.prefix {
                    list.condition_keys.push(("s3:prefix", vec![prefix.clone()]));
                }
                if let Some(delimiter) = &p.delimiter {
                    list.condition_keys.push(("s3:delimiter", vec![delimiter.clone()]));
                }
                if p.max_keys_given {
                    list.condition_keys.push(("s3:max-keys", vec![p.max_keys.to_string()]));
                }
                vec![list]
            }
            S3Operation::GetObject(_) | S3Operation::HeadObject(_) => vec![on_object("s3:GetObject")],
            S3Operation::PutObject(p) | S3Operation::CreateMultipartUpload(p) => {
                vec![with_keys("s3:PutObject", &p.condition_keys)]
            }
            S3Operation::UploadPart { .. } | S3Operation::CompleteMultipartUpload { .. } => {
                vec![on_object("s3:PutObject")]
            }
            S3Operation::CopyObject(c) => {
                let mut put = with_keys("s3:PutObject", &c.condition_keys);
                put.condition_keys
                    .push(("s3:x-amz-copy-source", vec![format!("{}/{}", c.source_bucket, c.source_key)]));
                if c.metadata_directive_given {
                    let directive = match c.metadata_directive {
                        MetadataDirective::Copy => "COPY",
                        MetadataDirective::Replace => "REPLACE",
                    };
                    put.condition_keys.push(("s3:x-amz-metadata-directive", vec![directive.to_owned()]));
                }
                let get = Authorization {
                    action: "s3:GetObject",
                    resource: object_arn(&c.source_bucket, &c.source_key),
                    condition_keys: Vec::new(),
                };
                vec![get, put]
            }
            S3Operation::DeleteObject => vec![on_object("s3:DeleteObject")],
            S3Operation::DeleteObjects => vec![on_bucket("s3:DeleteObject")],
            S3Operation::AbortMultipartUpload { .. } => vec![on_object("s3:AbortMultipartUpload")],
            S3Operation::ListParts { .. } => vec![on_object("s3:ListMultipartUploadParts")],
        }
    }
}
