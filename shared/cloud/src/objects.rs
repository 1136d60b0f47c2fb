use std::time::Duration;

use aws_sdk_s3::error::DisplayErrorContext;
use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::ByteStream;

#[derive(Debug, thiserror::Error)]
#[error("object storage: {0}")]
pub struct ObjectError(pub String);

/// Stores bytes under a key (server-side encrypted by the bucket's default).
pub async fn put_object(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
    content_type: &str,
    bytes: Vec<u8>,
) -> Result<(), ObjectError> {
    s3.put_object()
        .bucket(bucket)
        .key(key)
        .content_type(content_type)
        .body(ByteStream::from(bytes))
        .send()
        .await
        .map_err(|e| ObjectError(DisplayErrorContext(&e).to_string()))?;
    Ok(())
}

/// A URL that lets its holder GET one object until it expires.
pub async fn presigned_get(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
    valid_for: Duration,
) -> Result<String, ObjectError> {
    let config = PresigningConfig::expires_in(valid_for).map_err(|e| ObjectError(e.to_string()))?;
    let request = s3
        .get_object()
        .bucket(bucket)
        .key(key)
        .presigned(config)
        .await
        .map_err(|e| ObjectError(DisplayErrorContext(&e).to_string()))?;
    Ok(request.uri().to_owned())
}

pub async fn delete_object(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
) -> Result<(), ObjectError> {
    s3.delete_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .map_err(|e| ObjectError(DisplayErrorContext(&e).to_string()))?;
    Ok(())
}
