//! The transactional emails. Sent after the transaction commits: a rolled-back change never
//! mails anyone, and a mail failure never undoes a change (the user can ask again).

use cloud::OutgoingEmail;
use runtime::AppState;

async fn send(state: &AppState, email: OutgoingEmail) {
    if let Err(error) = state.mailer().send(&email).await {
        tracing::error!(%error, "transactional email not sent");
    }
}

pub async fn verification(state: &AppState, to: &str, token: &str) {
    let link = format!("{}/verify-email?token={token}", state.config.app_base_url);
    send(
        state,
        OutgoingEmail {
            to: to.to_owned(),
            subject: "Confirm your email address".to_owned(),
            text: format!(
                "Welcome!\n\nConfirm your email address by opening this link:\n{link}\n\n\
             Your verification token is: {token}\n\nThe link is valid for 24 hours. \
             If you did not sign up, ignore this message."
            ),
        },
    )
    .await;
}

pub async fn password_reset(state: &AppState, to: &str, token: &str) {
    let link = format!("{}/reset-password?token={token}", state.config.app_base_url);
    send(
        state,
        OutgoingEmail {
            to: to.to_owned(),
            subject: "Reset your password".to_owned(),
            text: format!(
                "Someone asked to reset the password of this account.\n\n\
             Choose a new password here:\n{link}\n\nYour reset token is: {token}\n\n\
             The link works once and expires in one hour. If it was not you, ignore this message: \
             your password stays as it is."
            ),
        },
    )
    .await;
}

/// Text a stranger chose (an organization's name) as it may appear in an email we send: quoted,
/// on one line, and with anything a mail client would turn into a link defanged, so an
/// invitation cannot carry a phishing link in our name.
pub fn untrusted(text: &str) -> String {
    let one_line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(120)
        .collect();
    let defanged = one_line
        .replace('.', "[.]")
        .replace("://", "[:]//")
        .replace('@', "[at]");
    format!("\u{201c}{defanged}\u{201d}")
}

pub async fn invitation(state: &AppState, to: &str, organization: &str, role: &str, token: &str) {
    let link = format!("{}/accept-invite?token={token}", state.config.app_base_url);
    let organization = untrusted(organization);
    send(
        state,
        OutgoingEmail {
            to: to.to_owned(),
            subject: format!("You are invited to join {organization}"),
            text: format!(
                "You have been invited to join {organization} as {role}.\n\n\
             Accept the invitation and create your account here:\n{link}\n\n\
             Your invitation token is: {token}\n\nThe invitation expires in 7 days."
            ),
        },
    )
    .await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_chosen_by_strangers_cannot_become_links() {
        assert_eq!(
            untrusted("Acme: log in at https://evil.example/login"),
            "\u{201c}Acme: log in at https[:]//evil[.]example/login\u{201d}"
        );
        assert_eq!(
            untrusted("mail admin@evil.example or www.evil.example"),
            "\u{201c}mail admin[at]evil[.]example or www[.]evil[.]example\u{201d}"
        );
    }
}
