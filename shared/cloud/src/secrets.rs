use aws_sdk_secretsmanager::error::DisplayErrorContext;

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("secret {id} could not be read: {reason}")]
    Unreadable { id: String, reason: String },
    #[error("secret {id} has no string value")]
    NotAString { id: String },
}

/// Reads a secret's current string value.
pub async fn read_secret_string(
    client: &aws_sdk_secretsmanager::Client,
    id: &str,
) -> Result<String, SecretError> {
    let output = client
        .get_secret_value()
        .secret_id(id)
        .send()
        .await
        .map_err(|e| SecretError::Unreadable {
            id: id.to_owned(),
            reason: DisplayErrorContext(&e).to_string(),
        })?;
    output
        .secret_string
        .ok_or_else(|| SecretError::NotAString { id: id.to_owned() })
}
