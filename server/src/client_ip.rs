//! The address a request comes from: the TCP peer, unless the peer is one of the operator's
//! trusted proxies, whose `X-Forwarded-For` then names it. A header from anyone else is
//! ignored: a client could write any address into it, and with it escape the per-address
//! sign-in throttle.

use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;

use app::auth::ClientIp;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;

use crate::state::AppState;

/// An address block, as `10.0.0.0/8`, `::1/128` or a single address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    bits: u8,
}

impl FromStr for Cidr {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let (address, bits) = match text.trim().split_once('/') {
            Some((address, bits)) => (address, Some(bits)),
            None => (text.trim(), None),
        };
        let network: IpAddr = address.parse().map_err(|_| format!("{text}: not an IP address"))?;
        let max = if network.is_ipv4() { 32 } else { 128 };
        let bits = match bits {
            Some(bits) => bits.parse::<u8>().ok().filter(|&b| b <= max),
            None => Some(max),
        }
        .ok_or_else(|| format!("{text}: the prefix length must be 0 to {max}"))?;
        Ok(Cidr { network, bits })
    }
}

impl Cidr {
    pub fn contains(&self, ip: IpAddr) -> bool {
        let (net, ip, width) = match (self.network, ip.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => (u128::from(u32::from(net)), u128::from(u32::from(ip)), 32),
            (IpAddr::V6(net), IpAddr::V6(ip)) => (u128::from(net), u128::from(ip), 128),
            _ => return false,
        };
        let shift = width - u32::from(self.bits);
        shift >= width || (net >> shift) == (ip >> shift)
    }
}

/// The client's address: walking `X-Forwarded-For` from the right while the hop that
/// added an entry is trusted, the first entry added by a trusted hop about an untrusted one.
pub fn resolve(peer: IpAddr, headers: &HeaderMap, trusted: &[Cidr]) -> IpAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|cidr| cidr.contains(ip));
    if !is_trusted(peer) {
        return peer;
    }
    let forwarded = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|entry| entry.trim().parse::<IpAddr>())
        .collect::<Vec<_>>();
    let mut client = peer;
    for entry in forwarded.into_iter().rev() {
        match entry {
            Ok(ip) => {
                client = ip;
                if !is_trusted(ip) {
                    break;
                }
            }
            // A hop we trust wrote something that is not an address: trust nothing beyond.
            Err(_) => break,
        }
    }
    client
}

/// Puts the request's [`ClientIp`] into its extensions, for the dashboard and the demo.
pub async fn layer(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    if let Some(ConnectInfo(peer)) = req.extensions().get::<ConnectInfo<SocketAddr>>().copied() {
        let ip = resolve(peer.ip(), req.headers(), &state.config.trusted_proxies);
        req.extensions_mut().insert(ClientIp(ip));
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn cidrs(list: &[&str]) -> Vec<Cidr> {
        list.iter().map(|c| c.parse().unwrap()).collect()
    }

    fn forwarded(value: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", HeaderValue::from_static(value));
        headers
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn blocks_parse_and_match() {
        let [lan, one, v6] =
            <[Cidr; 3]>::try_from(cidrs(&["10.0.0.0/8", "127.0.0.1", "2001:db8::/32"])).unwrap();
        assert!(lan.contains(ip("10.200.3.4")) && !lan.contains(ip("11.0.0.1")));
        assert!(one.contains(ip("127.0.0.1")) && !one.contains(ip("127.0.0.2")));
        assert!(v6.contains(ip("2001:db8::7")) && !v6.contains(ip("2001:db9::7")));
        assert!(one.contains(ip("::ffff:127.0.0.1")), "IPv4 mapped into IPv6 is the same address");
        assert!("0.0.0.0/0".parse::<Cidr>().unwrap().contains(ip("8.8.8.8")));
        for bad in ["10.0.0.0/33", "example.com", "10.0.0.0/x", "::/129"] {
            assert!(bad.parse::<Cidr>().is_err(), "{bad}");
        }
    }

    #[test]
    fn only_a_trusted_peer_is_believed() {
        let trusted = cidrs(&["10.0.0.0/8"]);
        let header = forwarded("203.0.113.9");
        // From anyone else, the header is the client's own claim.
        assert_eq!(resolve(ip("198.51.100.7"), &header, &trusted), ip("198.51.100.7"));
        assert_eq!(resolve(ip("10.0.0.2"), &header, &trusted), ip("203.0.113.9"));
        assert_eq!(resolve(ip("10.0.0.2"), &HeaderMap::new(), &trusted), ip("10.0.0.2"));
        assert_eq!(resolve(ip("10.0.0.2"), &header, &[]), ip("10.0.0.2"));
    }

    #[test]
    fn a_forged_first_entry_is_not_the_client() {
        // The client wrote 1.2.3.4 itself; our proxy appended the address it saw.
        let trusted = cidrs(&["10.0.0.0/8"]);
        let header = forwarded("1.2.3.4, 203.0.113.9, 10.0.0.3");
        assert_eq!(resolve(ip("10.0.0.2"), &header, &trusted), ip("203.0.113.9"));
        let garbled = forwarded("203.0.113.9, not-an-address");
        assert_eq!(resolve(ip("10.0.0.2"), &garbled, &trusted), ip("10.0.0.2"));
    }
}
