/// Why an accounts operation did not happen.
#[derive(Debug, thiserror::Error)]
pub enum AccountsError {
    #[error("an account with this email already exists")]
    EmailTaken,
    /// An invitation that is unknown, used, expired, or whose organization is gone.
    #[error("{0}")]
    InvalidInvitation(&'static str),
    #[error("must be the address the invitation was sent to")]
    NotTheInvitedAddress,
    #[error("could not find a free organization slug, try another name")]
    NoFreeSlug,
    #[error("this account is not a member of any organization")]
    NotAMember,
    #[error("the refresh token is not valid; sign in again")]
    InvalidRefreshToken,
    #[error("this refresh token was already used; the session has been revoked, sign in again")]
    RefreshTokenReused,
    /// A reset or verification token that is unknown, used or expired.
    #[error("{0}")]
    InvalidToken(&'static str),
    #[error("the {0} does not exist")]
    NotFound(&'static str),
    #[error("another organization already uses this slug")]
    SlugTaken,
    #[error("this address already has an account")]
    AddressHasAccount,
    #[error("an invitation to this address is already pending")]
    InvitationPending,
    #[error("your plan allows {limit} {what}; upgrade the subscription to add more")]
    PlanLimit { what: &'static str, limit: i32 },
    #[error("the organization must keep at least one admin")]
    LastAdmin,
    #[error("{}", crate::organization::HOW_TO_UPGRADE)]
    UpgradeNotSelfService,
    /// The signed-in account was erased meanwhile.
    #[error("this account no longer exists")]
    AccountGone,
    #[error("the password is not correct")]
    WrongPassword,
    #[error(
        "you are the last admin of an organization with other members: make another member admin first"
    )]
    LastAdminLeaving,
    /// Object storage failed (an export archive, its link).
    #[error("storage failed: {0}")]
    Storage(String),
    #[error(transparent)]
    Store(#[from] store::StoreError),
}

impl From<store::tokio_postgres::Error> for AccountsError {
    fn from(error: store::tokio_postgres::Error) -> Self {
        AccountsError::Store(error.into())
    }
}
