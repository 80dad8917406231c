//! The client's address, for the throttles of sign-in, password reset and
//! portal registration.

use std::net::{IpAddr, SocketAddr};

use axum::{
    extract::{ConnectInfo, FromRef, FromRequestParts},
    http::{request::Parts, HeaderMap},
};
use ipnet::IpNet;

use super::AppState;

/// The client's address: the peer's, or, when the peer is a trusted proxy, the
/// nearest untrusted hop of `X-Forwarded-For` (read right to left, since only
/// the entries our own proxies appended can be believed).
pub struct ClientAddr(pub Option<IpAddr>);

impl<S> FromRequestParts<S> for ClientAddr
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
        let trusted = &AppState::from_ref(state).config.server.trusted_proxies;
        Ok(ClientAddr(peer.map(|peer| client_ip(peer, &parts.headers, trusted))))
    }
}

fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let hops: Vec<Option<IpAddr>> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|hop| hop.trim().parse().ok())
        .collect();
    let mut client = peer;
    for hop in hops.iter().rev() {
        match hop {
            Some(ip) => {
                client = *ip;
                if !is_trusted(ip) {
                    break;
                }
            }
            // Unreadable: nothing left of it can be believed; the last proxy stays.
            None => break,
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(peer: &str, forwarded: &[&str], trusted: &[&str]) -> String {
        let mut headers = HeaderMap::new();
        for value in forwarded {
            headers.append("x-forwarded-for", value.parse().expect("header"));
        }
        let trusted: Vec<IpNet> = trusted.iter().map(|t| t.parse().expect("net")).collect();
        client_ip(peer.parse().expect("ip"), &headers, &trusted).to_string()
    }

    #[test]
    fn forwarded_for_counts_only_behind_a_trusted_proxy() {
        // No trusted proxy: a client cannot pick its own address.
        assert_eq!(resolve("198.51.100.9", &["203.0.113.5"], &[]), "198.51.100.9");
        assert_eq!(resolve("198.51.100.9", &["203.0.113.5"], &["10.0.0.0/8"]), "198.51.100.9");
        // Behind the proxy: the nearest hop it did not add itself.
        assert_eq!(resolve("10.0.0.2", &["203.0.113.5"], &["10.0.0.0/8"]), "203.0.113.5");
        assert_eq!(
            resolve("10.0.0.2", &["1.1.1.1, 203.0.113.5"], &["10.0.0.0/8"]),
            "203.0.113.5",
            "a spoofed left entry is ignored"
        );
        assert_eq!(
            resolve("10.0.0.2", &["203.0.113.5, 10.0.0.7"], &["10.0.0.0/8"]),
            "203.0.113.5",
            "through two proxies"
        );
        assert_eq!(
            resolve("10.0.0.2", &["203.0.113.5", "10.0.0.7"], &["10.0.0.0/8"]),
            "203.0.113.5",
            "repeated headers"
        );
        assert_eq!(resolve("10.0.0.2", &["garbage, 10.0.0.7"], &["10.0.0.0/8"]), "10.0.0.7");
        assert_eq!(resolve("10.0.0.2", &[], &["10.0.0.0/8"]), "10.0.0.2");
        assert_eq!(resolve("::1", &["2001:db8::5"], &["::1/128"]), "2001:db8::5");
    }
}
