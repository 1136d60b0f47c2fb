use aws_sdk_sesv2::error::DisplayErrorContext;
use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message};

#[derive(Debug, thiserror::Error)]
#[error("email to {to} could not be sent: {reason}")]
pub struct EmailError {
    pub to: String,
    pub reason: String,
}

/// A plain-text transactional email.
#[derive(Debug, Clone)]
pub struct OutgoingEmail {
    pub to: String,
    pub subject: String,
    pub text: String,
}

/// Sends transactional email through SES (the local endpoint's SES in development).
#[derive(Clone, Debug)]
pub struct Mailer {
    client: aws_sdk_sesv2::Client,
    from: String,
}

impl Mailer {
    pub fn new(client: aws_sdk_sesv2::Client, from: impl Into<String>) -> Self {
        Mailer {
            client,
            from: from.into(),
        }
    }

    pub fn from_address(&self) -> &str {
        &self.from
    }

    pub async fn send(&self, email: &OutgoingEmail) -> Result<(), EmailError> {
        let content = |text: &str| {
            Content::builder()
                .data(text)
                .charset("UTF-8")
                .build()
                .expect("data is set")
        };
        let message = Message::builder()
            .subject(content(&email.subject))
            .body(Body::builder().text(content(&email.text)).build())
            .build();
        self.client
            .send_email()
            .from_email_address(&self.from)
            .destination(Destination::builder().to_addresses(&email.to).build())
            .content(EmailContent::builder().simple(message).build())
            .send()
            .await
            .map_err(|e| EmailError {
                to: email.to.clone(),
                reason: DisplayErrorContext(&e).to_string(),
            })?;
        Ok(())
    }
}
