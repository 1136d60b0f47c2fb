//! Customer URLs are checked against server-side request forgery before any request: https
//! only, no credentials in the URL, and every address the host resolves to must be public
//! (no private, loopback, link-local, shared, multicast or reserved ranges, IPv4-mapped or
//! not). The request then goes to exactly the addresses checked, so a DNS answer that changes
//! in between (rebinding) cannot redirect it, and redirects are not followed.
//!
//! Local development allows plain http and loopback (the sandbox's receivers run there);
//! private and link-local ranges stay refused even then.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use url::Url;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UrlPolicy {
    /// Deployed: https to public addresses only.
    Public,
    /// Local development: loopback and plain http too.
    LocalDevelopment,
}

impl UrlPolicy {
    pub fn of(state: &runtime::AppState) -> Self {
        match state.config.environment {
            runtime::Environment::Local => UrlPolicy::LocalDevelopment,
            _ => UrlPolicy::Public,
        }
    }
}

/// A URL that passed the checks, with the addresses the request must go to.
#[derive(Debug, Clone)]
pub struct CheckedUrl {
    pub url: Url,
    pub host: String,
    pub addresses: Vec<SocketAddr>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("is not a URL")]
    NotAUrl,
    #[error("must use https")]
    NotHttps,
    #[error("must not carry a user name or password")]
    Credentials,
    #[error("has no host")]
    NoHost,
    #[error("the host does not resolve")]
    Unresolvable,
    #[error("resolves to {0}, which is not a public address")]
    NotPublic(IpAddr),
}

fn v4_forbidden(ip: Ipv4Addr, policy: UrlPolicy) -> bool {
    let [a, b, c, _] = ip.octets();
    if ip.is_loopback() {
        return policy == UrlPolicy::Public;
    }
    ip.is_unspecified()
        || a == 0
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || (a == 100 && (64..128).contains(&b)) // shared address space (CGNAT)
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || a >= 240 // reserved
}

fn v6_forbidden(ip: Ipv6Addr, policy: UrlPolicy) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return v4_forbidden(v4, policy);
    }
    let segments = ip.segments();
    // NAT64 (64:ff9b::/96) carries an IPv4 address.
    if segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        let [_, _, _, _, _, _, hi, lo] = segments;
        let v4 = Ipv4Addr::new((hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8);
        return v4_forbidden(v4, policy);
    }
    if ip.is_loopback() {
        return policy == UrlPolicy::Public;
    }
    ip.is_unspecified()
        || ip.is_multicast()
        || (segments[0] & 0xfe00) == 0xfc00 // unique local
        || (segments[0] & 0xffc0) == 0xfe80 // link-local
        || (segments[0] == 0x2001 && segments[1] == 0x0db8) // documentation
}

pub fn forbidden(ip: IpAddr, policy: UrlPolicy) -> bool {
    match ip {
        IpAddr::V4(v4) => v4_forbidden(v4, policy),
        IpAddr::V6(v6) => v6_forbidden(v6, policy),
    }
}

/// The URL's shape alone (scheme, credentials, host), before any lookup.
pub fn parse(text: &str, policy: UrlPolicy) -> Result<Url, Refused> {
    let url = Url::parse(text.trim()).map_err(|_| Refused::NotAUrl)?;
    match (url.scheme(), policy) {
        ("https", _) | ("http", UrlPolicy::LocalDevelopment) => {}
        _ => return Err(Refused::NotHttps),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Refused::Credentials);
    }
    if url.host().is_none() {
        return Err(Refused::NoHost);
    }
    Ok(url)
}

/// Checks `text` and resolves its host; every address must be allowed.
pub async fn check(text: &str, policy: UrlPolicy) -> Result<CheckedUrl, Refused> {
    let url = parse(text, policy)?;
    let host = url.host_str().ok_or(Refused::NoHost)?.to_owned();
    let port = url.port_or_known_default().ok_or(Refused::NoHost)?;
    let bare = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let addresses: Vec<SocketAddr> = match bare.parse::<IpAddr>() {
        Ok(ip) => vec![SocketAddr::new(ip, port)],
        Err(_) => tokio::net::lookup_host((bare.as_str(), port))
            .await
            .map_err(|_| Refused::Unresolvable)?
            .collect(),
    };
    if addresses.is_empty() {
        return Err(Refused::Unresolvable);
    }
    if let Some(bad) = addresses.iter().find(|a| forbidden(a.ip(), policy)) {
        return Err(Refused::NotPublic(bad.ip()));
    }
    Ok(CheckedUrl {
        url,
        host: bare,
        addresses,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn deployed_only_public_addresses_pass() {
        for refused in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "198.18.0.1",
            "::1",
            "fc00::1",
            "fe80::1",
            "::ffff:10.0.0.1",
            "::ffff:127.0.0.1",
            "64:ff9b::a9fe:a9fe",
        ] {
            assert!(forbidden(ip(refused), UrlPolicy::Public), "{refused}");
        }
        for allowed in ["93.184.216.34", "2606:4700::6810:84e5", "8.8.8.8"] {
            assert!(!forbidden(ip(allowed), UrlPolicy::Public), "{allowed}");
        }
    }

    #[test]
    fn local_development_allows_loopback_but_never_private_or_metadata_addresses() {
        assert!(!forbidden(ip("127.0.0.1"), UrlPolicy::LocalDevelopment));
        assert!(!forbidden(ip("::1"), UrlPolicy::LocalDevelopment));
        for refused in [
            "10.0.0.1",
            "169.254.169.254",
            "192.168.0.10",
            "::ffff:169.254.169.254",
        ] {
            assert!(
                forbidden(ip(refused), UrlPolicy::LocalDevelopment),
                "{refused}"
            );
        }
    }

    #[test]
    fn the_shape_is_checked_before_any_lookup() {
        assert_eq!(
            parse("http://example.com/x", UrlPolicy::Public),
            Err(Refused::NotHttps)
        );
        assert_eq!(
            parse("ftp://example.com/x", UrlPolicy::LocalDevelopment),
            Err(Refused::NotHttps)
        );
        assert_eq!(
            parse("https://u:p@example.com/", UrlPolicy::Public),
            Err(Refused::Credentials)
        );
        assert_eq!(parse("not a url", UrlPolicy::Public), Err(Refused::NotAUrl));
        assert!(parse("https://hooks.slack.com/services/T/B/x", UrlPolicy::Public).is_ok());
    }

    #[tokio::test]
    async fn literal_addresses_are_checked_without_a_lookup() {
        assert_eq!(
            check(
                "https://169.254.169.254/latest/meta-data",
                UrlPolicy::Public
            )
            .await
            .unwrap_err(),
            Refused::NotPublic(ip("169.254.169.254"))
        );
        assert_eq!(
            check("https://[::ffff:a00:1]/", UrlPolicy::Public)
                .await
                .unwrap_err(),
            Refused::NotPublic(ip("::ffff:10.0.0.1"))
        );
        let local = check("http://127.0.0.1:8080/hook", UrlPolicy::LocalDevelopment)
            .await
            .unwrap();
        assert_eq!(local.addresses, vec!["127.0.0.1:8080".parse().unwrap()]);
    }
}
