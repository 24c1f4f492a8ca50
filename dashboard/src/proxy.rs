//! The client's address behind a reverse proxy. `X-Forwarded-For`, `Forwarded`
//! (RFC 7239) and `X-Forwarded-Proto` are believed only from the peers listed in
//! `[dashboard] trusted_proxies` (addresses or CIDR ranges). The client is the
//! rightmost address of the chain that is not a trusted proxy, so a client cannot
//! choose its address by writing the header itself: the proxy appends what it
//! saw. A request from any other peer has those headers removed before any
//! handler reads them. The sign-in limits, the audit log and the `Secure` cookie
//! decision all read the result.

use std::net::IpAddr;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::extract::{Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;

/// An address range: `10.0.0.0/8`, `::1/128`, or one address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    addr: IpAddr,
    prefix: u8,
}

impl FromStr for Cidr {
    type Err = String;

    fn from_str(text: &str) -> Result<Cidr, String> {
        let bad = || format!("{text:?} is not an address or a CIDR range (10.0.0.0/8, ::1)");
        let (addr, prefix) = match text.trim().split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix.parse::<u8>().map_err(|_| bad())?)),
            None => (text.trim(), None),
        };
        let addr: IpAddr = addr.parse().map_err(|_| bad())?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(max);
        if prefix > max {
            return Err(bad());
        }
        Ok(Cidr { addr, prefix })
    }
}

impl Cidr {
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match (self.addr, ip) {
            // An IPv4 peer seen on an IPv6 socket (::ffff:a.b.c.d).
            (IpAddr::V4(_), IpAddr::V6(v6)) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            _ => ip,
        };
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.prefix)).unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(self.prefix)).unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// The client address of a request, set by [`forwarded`].
#[derive(Debug, Clone)]
pub(crate) struct ClientAddress(pub(crate) IpAddr);

/// The headers a proxy sets about the client.
const FORWARDING: [&str; 4] =
    ["forwarded", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host"];

/// One address of a `Forwarded: for=` or `X-Forwarded-For` entry: `192.0.2.1`,
/// `"[2001:db8::1]:4711"`, `192.0.2.1:8080`; `None` for `unknown` or `_hidden`.
fn node(text: &str) -> Option<IpAddr> {
    let text = text.trim().trim_matches('"');
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Some(rest) = text.strip_prefix('[') {
        return rest.split_once(']').and_then(|(ip, _)| ip.parse().ok());
    }
    text.rsplit_once(':').and_then(|(ip, _)| ip.parse::<std::net::Ipv4Addr>().ok()).map(IpAddr::V4)
}

/// The addresses the proxies recorded, nearest to the client first: `Forwarded`
/// when present, else `X-Forwarded-For`. `None` marks an entry that is not an
/// address.
fn chain(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    let values = |name: &str| -> Vec<String> {
        headers.get_all(name).iter().filter_map(|v| v.to_str().ok()).map(str::to_string).collect()
    };
    let forwarded = values("forwarded");
    if !forwarded.is_empty() {
        return forwarded
            .iter()
            .flat_map(|v| v.split(','))
            .map(|element| {
                element
                    .split(';')
                    .filter_map(|pair| pair.trim().split_once('='))
                    .find(|(k, _)| k.trim().eq_ignore_ascii_case("for"))
                    .and_then(|(_, v)| node(v))
            })
            .collect();
    }
    values("x-forwarded-for").iter().flat_map(|v| v.split(',')).map(node).collect()
}

/// The client: walking from the peer back along the chain, the first address that
/// is not a trusted proxy. An entry that is not an address stops the walk at the
/// proxy that wrote it.
pub(crate) fn client(peer: IpAddr, headers: &HeaderMap, trusted: &[Cidr]) -> IpAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|c| c.contains(ip));
    if !is_trusted(peer) {
        return peer;
    }
    let mut current = peer;
    for hop in chain(headers).into_iter().rev() {
        match hop {
            Some(ip) if is_trusted(ip) => current = ip,
            Some(ip) => return ip,
            None => return current,
        }
    }
    current
}

/// True when a trusted proxy says the client came over TLS
/// (`X-Forwarded-Proto: https` or `Forwarded: proto=https`). Headers from other
/// peers are removed by [`forwarded`] before this is read.
pub(crate) fn forwarded_https(headers: &HeaderMap) -> bool {
    let said = |name: &str, find: &dyn Fn(&str) -> bool| {
        headers.get_all(name).iter().filter_map(|v| v.to_str().ok()).any(find)
    };
    said("x-forwarded-proto", &|v| v.trim().eq_ignore_ascii_case("https"))
        || said("forwarded", &|v| {
            v.split([',', ';']).filter_map(|p| p.trim().split_once('=')).any(|(k, v)| {
                k.trim().eq_ignore_ascii_case("proto")
                    && v.trim().trim_matches('"').eq_ignore_ascii_case("https")
            })
        })
}

/// Said once per process: forwarding headers arrived from a peer that is not
/// trusted (a proxy the configuration does not name).
static WARNED: AtomicBool = AtomicBool::new(false);

/// Middleware: sets [`ClientAddress`], and removes the forwarding headers of a
/// request whose peer is not a trusted proxy.
pub(crate) async fn forwarded(
    State(app): State<Arc<crate::App>>,
    mut request: Request,
    next: Next,
) -> Response {
    let peer = request
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|info| info.0.ip());
    if let Some(peer) = peer {
        let trusted = &app.auth.settings.trusted_proxies;
        let address = if trusted.iter().any(|c| c.contains(peer)) {
            client(peer, request.headers(), trusted)
        } else {
            let headers = request.headers_mut();
            if FORWARDING.iter().any(|h| headers.contains_key(*h))
                && !WARNED.swap(true, Ordering::Relaxed)
            {
                tracing::warn!(
                    %peer,
                    "forwarding headers from a peer not in [dashboard] trusted_proxies ignored: behind a proxy, name it there"
                );
            }
            for name in FORWARDING {
                headers.remove(name);
            }
            peer
        };
        request.extensions_mut().insert(ClientAddress(address));
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(), v.parse().unwrap());
        }
        h
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn ranges_hold_what_they_say() {
        let net: Cidr = "10.0.0.0/8".parse().unwrap();
        assert!(net.contains(ip("10.200.3.4")));
        assert!(!net.contains(ip("11.0.0.1")));
        assert!(net.contains(ip("::ffff:10.1.2.3")));
        let one: Cidr = "::1".parse().unwrap();
        assert!(one.contains(ip("::1")) && !one.contains(ip("::2")));
        let all: Cidr = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains(ip("203.0.113.9")));
        assert!("10.0.0.0/33".parse::<Cidr>().is_err());
        assert!("proxy.local".parse::<Cidr>().is_err());
    }

    /// A client writes its own X-Forwarded-For ("1.2.3.4"); the proxy (10.0.0.5,
    /// trusted) appends the address it saw (203.0.113.7): the client is 203.0.113.7.
    /// Two trusted proxies in a row are skipped. From an untrusted peer nothing in
    /// the header counts. Forwarded (RFC 7239) with a quoted IPv6 and a port.
    #[test]
    fn the_client_is_the_rightmost_untrusted_address() {
        let trusted: Vec<Cidr> = ["10.0.0.0/8"].iter().map(|s| s.parse().unwrap()).collect();
        let forged = headers(&[("x-forwarded-for", "1.2.3.4, 203.0.113.7")]);
        assert_eq!(client(ip("10.0.0.5"), &forged, &trusted), ip("203.0.113.7"));
        let two = headers(&[("x-forwarded-for", "203.0.113.7, 10.0.0.9")]);
        assert_eq!(client(ip("10.0.0.5"), &two, &trusted), ip("203.0.113.7"));
        assert_eq!(client(ip("198.51.100.2"), &forged, &trusted), ip("198.51.100.2"));
        let rfc =
            headers(&[("forwarded", "for=192.0.2.60;proto=https, for=\"[2001:db8::17]:4711\"")]);
        assert_eq!(client(ip("10.0.0.5"), &rfc, &trusted), ip("2001:db8::17"));
        assert!(forwarded_https(&rfc));
        let hidden = headers(&[("forwarded", "for=_hidden")]);
        assert_eq!(client(ip("10.0.0.5"), &hidden, &trusted), ip("10.0.0.5"));
    }
}
