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

/// Copies an object within the bucket (server side; up to 5 GB).
pub async fn copy_object(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    from: &str,
    to: &str,
) -> Result<(), ObjectError> {
    s3.copy_object()
        .bucket(bucket)
        .copy_source(format!("{bucket}/{from}"))
        .key(to)
        .send()
        .await
        .map_err(|e| ObjectError(DisplayErrorContext(&e).to_string()))?;
    Ok(())
}

/// Deletes every object under `prefix` (a page of up to 1,000 at a time); returns how many.
pub async fn delete_prefix(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    prefix: &str,
) -> Result<usize, ObjectError> {
    let mut deleted = 0;
    loop {
        let page = s3
            .list_objects_v2()
            .bucket(bucket)
            .prefix(prefix)
            .send()
            .await
            .map_err(|e| ObjectError(DisplayErrorContext(&e).to_string()))?;
        let keys: Vec<String> = page
            .contents
            .unwrap_or_default()
            .into_iter()
            .filter_map(|o| o.key)
            .collect();
        if keys.is_empty() {
            return Ok(deleted);
        }
        // One request per key keeps to the DeleteObject permission (a batch delete needs no
        // more, but its checksum header is not supported everywhere locally).
        for key in &keys {
            delete_object(s3, bucket, key).await?;
        }
        deleted += keys.len();
    }
}

fn storage_error(error: impl std::fmt::Debug) -> ObjectError {
    ObjectError(format!("{error:?}"))
}

/// A URL that lets its holder PUT one object of this type until it expires.
pub async fn presigned_put(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
    content_type: &str,
    content_length: i64,
    valid_for: Duration,
) -> Result<String, ObjectError> {
    let config = PresigningConfig::expires_in(valid_for).map_err(|e| ObjectError(e.to_string()))?;
    let request = s3
        .put_object()
        .bucket(bucket)
        .key(key)
        .content_type(content_type)
        .content_length(content_length)
        .presigned(config)
        .await
        .map_err(|e| ObjectError(DisplayErrorContext(&e).to_string()))?;
    Ok(request.uri().to_owned())
}

/// Starts a multipart upload; returns its upload id.
pub async fn start_multipart(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
    content_type: &str,
) -> Result<String, ObjectError> {
    let output = s3
        .create_multipart_upload()
        .bucket(bucket)
        .key(key)
        .content_type(content_type)
        .send()
        .await
        .map_err(|e| ObjectError(DisplayErrorContext(&e).to_string()))?;
    output
        .upload_id
        .ok_or_else(|| ObjectError("no upload id in the answer".to_owned()))
}

/// A URL for uploading one part of a multipart upload.
pub async fn presigned_part(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
    upload_id: &str,
    part_number: i32,
    valid_for: Duration,
) -> Result<String, ObjectError> {
    let config = PresigningConfig::expires_in(valid_for).map_err(|e| ObjectError(e.to_string()))?;
    let request = s3
        .upload_part()
        .bucket(bucket)
        .key(key)
        .upload_id(upload_id)
        .part_number(part_number)
        .presigned(config)
        .await
        .map_err(|e| ObjectError(DisplayErrorContext(&e).to_string()))?;
    Ok(request.uri().to_owned())
}

/// Uploads one part of a multipart upload from here; returns its ETag.
pub async fn upload_part(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
    upload_id: &str,
    part_number: i32,
    bytes: Vec<u8>,
) -> Result<String, ObjectError> {
    let output = s3
        .upload_part()
        .bucket(bucket)
        .key(key)
        .upload_id(upload_id)
        .part_number(part_number)
        .body(bytes.into())
        .send()
        .await
        .map_err(|e| ObjectError(DisplayErrorContext(&e).to_string()))?;
    output
        .e_tag
        .ok_or_else(|| ObjectError("no ETag in the answer".to_owned()))
}

/// Assembles the uploaded parts (number, ETag) into the object.
pub async fn complete_multipart(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
    upload_id: &str,
    parts: &[(i32, String)],
) -> Result<(), ObjectError> {
    use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
    let completed = CompletedMultipartUpload::builder()
        .set_parts(Some(
            parts
                .iter()
                .map(|(number, etag)| {
                    CompletedPart::builder()
                        .part_number(*number)
                        .e_tag(etag)
                        .build()
                })
                .collect(),
        ))
        .build();
    s3.complete_multipart_upload()
        .bucket(bucket)
        .key(key)
        .upload_id(upload_id)
        .multipart_upload(completed)
        .send()
        .await
        .map_err(|e| ObjectError(DisplayErrorContext(&e).to_string()))?;
    Ok(())
}

pub async fn abort_multipart(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
    upload_id: &str,
) -> Result<(), ObjectError> {
    s3.abort_multipart_upload()
        .bucket(bucket)
        .key(key)
        .upload_id(upload_id)
        .send()
        .await
        .map_err(storage_error)?;
    Ok(())
}

/// The object's size, or `None` when there is no such object.
pub async fn object_size(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
) -> Result<Option<i64>, ObjectError> {
    match s3.head_object().bucket(bucket).key(key).send().await {
        Ok(output) => Ok(Some(output.content_length.unwrap_or(0))),
        Err(e) if e.as_service_error().is_some_and(|e| e.is_not_found()) => Ok(None),
        Err(e) => Err(ObjectError(DisplayErrorContext(&e).to_string())),
    }
}

/// The object's bytes, or its first `limit` bytes.
pub async fn read_object(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
    limit: Option<u64>,
) -> Result<Vec<u8>, ObjectError> {
    let mut request = s3.get_object().bucket(bucket).key(key);
    if let Some(limit) = limit {
        request = request.range(format!("bytes=0-{}", limit.saturating_sub(1)));
    }
    let output = request
        .send()
        .await
        .map_err(|e| ObjectError(DisplayErrorContext(&e).to_string()))?;
    let body = output.body.collect().await.map_err(storage_error)?;
    Ok(body.into_bytes().to_vec())
}
